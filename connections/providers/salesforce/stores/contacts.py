"""The Salesforce contact store: the user's contacts (or all they can see) within the
configuration's extra SOQL filter; the company is the Account linked by exact name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from connections.providers.salesforce import convert
from connections.providers.salesforce.client import SalesforceClient
from connections.providers.salesforce.soql import quote
from connections.providers.salesforce.stores.base import SalesforceStore, chunks
from syncengine.records import Contact, Event, norm_text
from syncengine.stores.base import Create, Item, Kind, MatchKey, Op, Update

FIND_CHUNK = 50


class ContactStore(SalesforceStore):
    kind: Kind = "contacts"
    sobject = "Contact"

    def __init__(
        self,
        client: SalesforceClient,
        user_id: str,
        *,
        mine: bool = True,
        soql_filter: str = "",
        second_email: str | None = None,
    ) -> None:
        super().__init__(client, user_id)
        self.mine = mine
        self.soql_filter = soql_filter.strip()
        self.second_email = second_email or None
        self.accounts: dict[str, str] = {}  # exact Account name -> Id
        self.unresolved_companies: set[str] = set()

    def select(self) -> list[str]:
        return convert.contact_select(self.second_email)

    def scope(self) -> list[str]:
        conditions = [f"OwnerId = {quote(self.user_id)}"] if self.mine else []
        return conditions + ([self.soql_filter] if self.soql_filter else [])

    def items(
        self, rows: list[dict[str, Any]], touched: Sequence[dict[str, Any]] = ()
    ) -> list[Item]:
        out = []
        for row in rows:
            record = convert.contact_from_row(row, self.second_email)
            if record.company and row.get("AccountId"):
                self.accounts.setdefault(record.company, row["AccountId"])
            out.append(self.item(row, record))
        return out

    def canonical(self, record: Contact | Event) -> Contact | Event:
        assert isinstance(record, Contact)
        kept = convert.canonical_contact(record, self.second_email)
        if kept.company in self.unresolved_companies:
            kept = replace(kept, company="")
        return kept

    def body(self, record: Contact | Event, names: frozenset[str] | None) -> dict[str, Any]:
        assert isinstance(record, Contact)
        fields = convert.contact_to_fields(record, self.second_email, names)
        if names is None or "company" in names:
            if not record.company:
                fields["AccountId"] = None
            elif record.company in self.accounts:
                fields["AccountId"] = self.accounts[record.company]
            # An unresolved company leaves an existing Account link alone (see adapters.py).
        return fields

    def prepare(self, ops: Sequence[Op]) -> None:
        wanted: dict[str, list[str]] = {}
        for op in ops:
            if not isinstance(op, Create | Update) or not isinstance(op.record, Contact):
                continue
            if isinstance(op, Update) and op.fields is not None and "company" not in op.fields:
                continue
            company = op.record.company
            if company and company not in self.accounts:
                wanted.setdefault(company, []).append(op.ref if isinstance(op, Create) else op.id)
        names = sorted(wanted)
        for part in chunks(names, FIND_CHUNK):
            soql = (
                f"SELECT Id, Name FROM Account WHERE Name IN "
                f"({', '.join(quote(n) for n in part)}) ORDER BY Id"
            )
            for row in self.query(soql):
                name = norm_text(row.get("Name"))
                if name in wanted:
                    self.accounts.setdefault(name, row["Id"])
        for name in names:
            if name in self.accounts:
                self.unresolved_companies.discard(name)
                continue
            self.unresolved_companies.add(name)
            for ref in wanted[name]:
                self.unresolved.append(
                    (ref, f"Company '{name}' matches no Salesforce Account by its exact name")
                )

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        wanted = set(keys)
        found: dict[MatchKey, str] = {}
        conditions: list[str] = []
        for key in keys:
            if key[0] == "email":
                conditions += [
                    f"{f} = {quote(key[1])}" for f in convert.email_fields(self.second_email)
                ]
            elif key[0] == "name" and len(key) >= 3:
                first = f"FirstName = {quote(key[1])}" if key[1] else "FirstName = null"
                conditions.append(f"{first} AND LastName = {quote(key[2])}")
        for part in chunks(conditions, FIND_CHUNK):
            match = " OR ".join(f"({c})" for c in part)
            for it in self.items(
                self.query(self.soql(self.select(), [*self.scope(), match], "Id"))
            ):
                for key in it.record.match_keys():
                    if key in wanted and key not in found:
                        found[key] = it.id
        return found
