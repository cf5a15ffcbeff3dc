"""Record access for the `UserRecordAccess` object: who can read a record.

The emulator had no sharing model (every session sees every record). This is the smallest one
that lets the change feed's visibility check be tested: an object listed in
`OrgStore.private_objects` has a Private org-wide default (only the owner, and users the record
is shared with through `OrgStore.shares`, can read it); every other object is Public Read/Write.
Sessions still see every record in queries; only `UserRecordAccess` answers by these rules.

As in Salesforce, a query of UserRecordAccess must name one user (`UserId = '...'`) and at most
200 records (`RecordId = '...'` or `RecordId IN (...)`)."""

from __future__ import annotations

from typing import Any

from sandbox.salesforce import ids, soql
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.store import OrgStore

MAX_RECORDS = 200


def _conditions(where: soql.Condition | None) -> list[soql.Condition]:
    if isinstance(where, soql.And):
        return list(where.operands)
    return [] if where is None else [where]


def _named(where: soql.Condition | None) -> tuple[str | None, list[str]]:
    user: str | None = None
    records: list[str] = []
    for cond in _conditions(where):
        name = cond.path[-1].lower() if isinstance(cond, soql.Compare | soql.InList) else ""
        if isinstance(cond, soql.Compare) and cond.op == "=" and name == "userid":
            user = str(cond.value.value)
        elif isinstance(cond, soql.Compare) and cond.op == "=" and name == "recordid":
            records.append(str(cond.value.value))
        elif isinstance(cond, soql.InList) and not cond.negated and name == "recordid":
            records.extend(str(v.value) for v in cond.values)
    return user, records


def can_read(store: OrgStore, user_id: str, record_id: str) -> bool:
    found = store.find(record_id)
    user = store.find(user_id)
    if found is None or found[1]["IsDeleted"] or user is None or not user[1].get("IsActive"):
        return False
    obj, record = found
    if obj not in store.private_objects:
        return True
    return record.get("OwnerId") == user[1]["Id"] or (record["Id"], user[1]["Id"]) in store.shares


def access_rows(store: OrgStore, where: soql.Condition | None) -> list[dict[str, Any]]:
    """One row per named record, for the one named user."""
    user, records = _named(where)
    if user is None or not records:
        raise SfError(
            "MALFORMED_QUERY",
            "The query must specify a UserId and a RecordId or RecordId IN (...) filter "
            "on UserRecordAccess",
        )
    if len(records) > MAX_RECORDS:
        raise SfError("MALFORMED_QUERY", f"RecordId IN accepts at most {MAX_RECORDS} ids")
    user_id = ids.normalize(user) or user
    rows = []
    for record_id in records:
        readable = can_read(store, user_id, record_id)
        rows.append(
            {
                # Salesforce gives these rows no id of their own; the record's stands in.
                "Id": ids.normalize(record_id) or record_id,
                "RecordId": ids.normalize(record_id) or record_id,
                "UserId": user_id,
                "HasReadAccess": readable,
                "HasEditAccess": readable,
                "MaxAccessLevel": "All" if readable else "None",
            }
        )
    return rows
