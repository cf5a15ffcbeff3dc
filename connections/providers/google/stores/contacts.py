"""The Google contacts store: People API contacts in the user's "Salesforce Sync" group.

- Scope: only members of the group. A contact that leaves the group is reported as deleted.
- Cursor: the People sync token of ``people/me/connections``; ``EXPIRED_SYNC_TOKEN`` ->
  CursorExpired (the engine then asks for a full listing).
- Version: the Person etag. Updates need the current etag anyway, so `apply` reads the targets
  first (one batchGet), checks expected versions there and merges partial updates into the
  current Person (entries we do not map are kept).
- Writes: batchCreate/batchUpdate (<= 200) and batchDelete (<= 500). A Delete removes a
  contact lsync created (it carries the marker); one the user made is only taken out of the
  group, so it stays in the user's Google Contacts. A batch Google refuses for one of its items
  (a race on one etag) is retried one contact at a time, so each op gets its own result;
  throttling, auth failures and outages raise, which stops the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connections.providers.google import convert, groups
from connections.providers.google.client import GoogleApiError, GoogleClient
from connections.providers.google.errors import store_error, translated
from connections.providers.google.groups import GROUP_NAME
from syncengine.records import Contact, merge_fields, norm_datetime
from syncengine.stores.base import (
    ChangePage,
    Create,
    Delete,
    Item,
    Kind,
    MatchKey,
    NotFound,
    Op,
    OpResult,
    Rejected,
    Side,
    Update,
    VersionMismatch,
)
from syncengine.stores.matching import first_matches

MY_CONTACTS = "contactGroups/myContacts"
MAX_WRITE = 200


def _item_level(error: GoogleApiError) -> bool:
    """Whether Google refused something about the items (then each is tried on its own), not
    the call as such (throttling, auth, outages: those stop the run, as the engine expects)."""
    return error.status in (400, 404, 409, 412) and not error.rate_limited


class GoogleContactsStore:
    side: Side = "mailbox"
    kind: Kind = "contacts"
    max_batch = MAX_WRITE
    page_size = 1000  # the People maximum

    def __init__(self, client: GoogleClient, group_name: str = GROUP_NAME) -> None:
        self.client = client
        self.group_name = group_name
        self._group: str | None = None

    @property
    def api_calls(self) -> int:
        return self.client.calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        self.client.calls = value

    # ------------------------------------------------------------------ the group

    def group(self, *, recheck: bool = False) -> str:
        """The group's resource name, created when missing: remembered from an earlier run of
        this process unless `recheck` (a full listing looks it up again, so a group the user
        deleted is found missing and made again)."""
        what = f"contactGroup:{self.group_name}"
        if recheck:
            self._group = None
        elif self._group is None:
            self._group = self.client.remembered(what)
        if self._group is None:
            with translated():
                self._group, _ = groups.ensure_group(self.client, self.group_name)
            self.client.remember(what, self._group)
        return self._group

    # ------------------------------------------------------------------ reading

    def _item(self, person: dict[str, Any]) -> Item:
        sources = (person.get("metadata") or {}).get("sources") or [{}]
        updated = sources[0].get("updateTime")
        return Item(
            id=str(person["resourceName"]),
            version=str(person.get("etag", "")),
            record=convert.contact_from_person(person),
            marker=convert.contact_marker(person),
            modified=norm_datetime(updated) if updated else None,
        )

    def _list(
        self, cursor: str | None, want_token: bool = True
    ) -> tuple[list[dict[str, Any]], str | None]:
        params = {"personFields": convert.READ_FIELDS, "pageSize": str(self.page_size)}
        if want_token:
            params["requestSyncToken"] = "true"
        if cursor:
            params["syncToken"] = cursor
        people: list[dict[str, Any]] = []
        while True:
            page = self.client.people("GET", "people/me/connections", params=params)
            people += page.get("connections") or []
            if not page.get("nextPageToken"):
                return people, page.get("nextSyncToken")
            params["pageToken"] = str(page["nextPageToken"])

    def changes(self, cursor: str | None) -> ChangePage:
        group = self.group(recheck=cursor is None)
        with translated():
            people, token = self._list(cursor)
        changed: list[Item] = []
        deleted: list[str] = []
        for person in people:
            name = str(person.get("resourceName", ""))
            gone = (person.get("metadata") or {}).get("deleted")
            if not gone and group in convert.group_names(person):
                changed.append(self._item(person))
            elif cursor is not None:
                deleted.append(name)
        return ChangePage(changed, deleted, token, cursor is None)

    def _fetch(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        group = self.group()
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), MAX_WRITE):
            chunk = list(ids[start : start + MAX_WRITE])
            with translated():
                answer = self.client.people(
                    "GET",
                    "people:batchGet",
                    params=[("resourceNames", i) for i in chunk]
                    + [("personFields", convert.READ_FIELDS)],
                )
            for entry in answer.get("responses") or []:
                person = entry.get("person")
                ok = entry.get("httpStatusCode", 200) == 200 and person
                if ok and group in convert.group_names(person):
                    found[str(person["resourceName"])] = person
        return found

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        if not ids:
            return {}
        return {i: self._item(p) for i, p in self._fetch(list(dict.fromkeys(ids))).items()}

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        return first_matches(self.changes(None).changed, keys)

    def canonical(self, record: Contact) -> Contact:
        return record

    # ------------------------------------------------------------------ writing

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        if len(ops) > self.max_batch:
            raise ValueError(f"batch of {len(ops)} exceeds max_batch={self.max_batch}")
        results: list[OpResult | None] = [None] * len(ops)
        targets = [op.id for op in ops if isinstance(op, Update | Delete)]
        current = self._fetch(targets) if targets else {}
        creates = [(i, op) for i, op in enumerate(ops) if isinstance(op, Create)]
        if creates:
            self._create(creates, results)
        updates: dict[tuple[str, ...], list[tuple[int, str, dict[str, Any]]]] = {}
        deletes: list[tuple[int, str]] = []
        unlabels: list[tuple[int, str, dict[str, Any]]] = []
        for i, op in enumerate(ops):
            if isinstance(op, Create):
                continue
            person = current.get(op.id)
            if person is None:
                results[i] = OpResult(False, op.id, error=NotFound(f"no contact {op.id}"))
            elif op.expected_version is not None and op.expected_version != person.get("etag"):
                results[i] = OpResult(False, op.id, error=VersionMismatch(f"{op.id} changed"))
            elif isinstance(op, Delete) and convert.contact_marker(person):
                deletes.append((i, op.id))
            elif isinstance(op, Delete):
                unlabels.append((i, op.id, person))
            else:
                assert isinstance(op, Update) and isinstance(op.record, Contact)
                record = op.record
                if op.fields is not None:
                    base = convert.contact_from_person(person)
                    merged = merge_fields(base, record, op.fields)
                    assert isinstance(merged, Contact)
                    record = merged
                body = convert.person_from_contact(record, current=person, fields=op.fields)
                body["etag"] = person.get("etag")
                mask = tuple(convert.person_fields_for(op.fields))
                updates.setdefault(mask, []).append((i, op.id, body))
        for mask, entries in updates.items():
            self._update(mask, entries, results)
        if deletes:
            self._delete(deletes, results)
        if unlabels:
            self._unlabel(unlabels, results)
        return [
            r if r is not None else OpResult(False, error=NotFound("not applied")) for r in results
        ]

    def _create(self, creates: list[tuple[int, Create]], results: list[OpResult | None]) -> None:
        group = self.group()
        contacts = []
        for _, op in creates:
            assert isinstance(op.record, Contact)
            contacts.append({"contactPerson": convert.new_person(op.record, group, op.marker)})
        body = {"contacts": contacts, "readMask": convert.READ_FIELDS}
        try:
            answer = self.client.people("POST", "people:batchCreateContacts", body=body)
        except GoogleApiError as error:
            if not _item_level(error):
                raise store_error(error) from error
            if len(creates) > 1:
                for entry in creates:
                    self._create([entry], results)
                return
            results[creates[0][0]] = OpResult(False, error=store_error(error))
            return
        created = answer.get("createdPeople") or []
        for (i, _), entry in zip(creates, created, strict=False):
            person = entry.get("person") or {}
            if entry.get("httpStatusCode", 200) == 200 and person.get("resourceName"):
                results[i] = OpResult(
                    True, str(person["resourceName"]), str(person.get("etag", ""))
                )
            else:
                status = entry.get("status") or {}
                refused = GoogleApiError(
                    int(entry.get("httpStatusCode", 400)), "", str(status.get("message", ""))
                )
                results[i] = OpResult(False, error=store_error(refused))

    def _update(
        self,
        mask: tuple[str, ...],
        entries: list[tuple[int, str, dict[str, Any]]],
        results: list[OpResult | None],
    ) -> None:
        body = {
            "contacts": {name: person for _, name, person in entries},
            "updateMask": ",".join(mask),
            "readMask": convert.READ_FIELDS,
        }
        try:
            answer = self.client.people("POST", "people:batchUpdateContacts", body=body)
        except GoogleApiError as error:
            if not _item_level(error):
                raise store_error(error) from error
            if len(entries) > 1:
                for entry in entries:
                    self._update(mask, [entry], results)
                return
            i, name, _ = entries[0]
            results[i] = OpResult(False, name, error=store_error(error))
            return
        updated = answer.get("updateResult") or {}
        for i, name, _ in entries:
            person = (updated.get(name) or {}).get("person") or {}
            results[i] = OpResult(True, name, str(person.get("etag", "")))

    def _delete(self, deletes: list[tuple[int, str]], results: list[OpResult | None]) -> None:
        body = {"resourceNames": [name for _, name in deletes]}
        try:
            self.client.people("POST", "people:batchDeleteContacts", body=body)
        except GoogleApiError as error:
            if not _item_level(error):
                raise store_error(error) from error
            if len(deletes) > 1:
                for entry in deletes:
                    self._delete([entry], results)
                return
            i, name = deletes[0]
            results[i] = OpResult(False, name, error=store_error(error))
            return
        for i, name in deletes:
            results[i] = OpResult(True, name, None)

    def _unlabel(
        self, entries: list[tuple[int, str, dict[str, Any]]], results: list[OpResult | None]
    ) -> None:
        """Takes contacts the user made out of the group: they stay in the user's contacts
        (in "My Contacts", so the group is never their last one)."""
        homeless = [n for _, n, p in entries if MY_CONTACTS not in convert.group_names(p)]
        try:
            if homeless:
                self.client.people(
                    "POST", f"{MY_CONTACTS}/members:modify", body={"resourceNamesToAdd": homeless}
                )
            answer = self.client.people(
                "POST",
                f"{self.group()}/members:modify",
                body={"resourceNamesToRemove": [n for _, n, _ in entries]},
            )
        except GoogleApiError as error:
            raise store_error(error) from error
        missing = set(answer.get("notFoundResourceNames") or [])
        stuck = set(answer.get("canNotRemoveLastContactGroupResourceNames") or [])
        for i, name, _ in entries:
            if name in missing:
                results[i] = OpResult(False, name, error=NotFound(f"no contact {name}"))
            elif name in stuck:
                results[i] = OpResult(False, name, error=Rejected(f"{name} has no other group"))
            else:
                results[i] = OpResult(True, name, None)
