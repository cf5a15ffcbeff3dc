"""Contacts in the user's `Salesforce Sync` address book, as vCards."""

from __future__ import annotations

from connections.providers.caldav.convert import contact_from_vcard, vcard_text
from connections.providers.caldav.stores.base import DavCollectionStore, Record
from syncengine.records import Contact
from syncengine.stores.base import Kind


class DavContactStore(DavCollectionStore):
    kind: Kind = "contacts"
    suffix = ".vcf"
    content_type = "text/vcard"

    def read(self, text: str) -> tuple[Record, str | None]:
        return contact_from_vcard(text)

    def write(
        self,
        record: Record,
        uid: str,
        marker: str | None,
        existing: str | None,
        occurrence: str | None = None,
    ) -> str:
        assert isinstance(record, Contact)
        return vcard_text(record, uid=uid, marker=marker, existing=existing)
