"""Contacts in the `Salesforce_Sync` folder under the user's Contacts (created when missing).

The cursor is JSON: the SyncFolderItems sync state (`s`) and the folder's id (`f`), so a run
that resumes needs no folder look-up. A folder the user deleted makes EWS refuse the state
(ErrorSyncFolderNotFound), which is the engine's cursor-expired path: the folder is found or
created again and listed in full.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from exchangelib import Account
from exchangelib import Contact as EwsContact
from exchangelib.errors import ErrorFolderExists
from exchangelib.folders import BaseFolder, Contacts, Folder, FolderCollection
from exchangelib.services import CreateFolder

from connections.providers.exchange.convert import (
    CONTACT_FIELDS,
    canonical_contact,
    contact_from_ews,
    fill_contact,
    marker_of,
    modified_of,
    updated_fields,
)
from connections.providers.exchange.stores.base import ExchangeStore
from syncengine.records import Contact, Event
from syncengine.stores.base import ChangePage, Item, Kind, MatchKey
from syncengine.stores.matching import first_matches

FOLDER_NAME = "Salesforce_Sync"


def find_folder(account: Account, parent: BaseFolder, name: str) -> BaseFolder | None:
    """The child folder of `parent` named `name` (one FindFolder, shallow)."""
    children = FolderCollection(account=account, folders=[parent]).find_folders(depth="Shallow")
    for child in children:
        if isinstance(child, Exception):
            continue
        if str(getattr(child, "name", "") or "").lower() == name.lower():
            return child  # type: ignore[no-any-return]
    return None


def find_or_create_folder(account: Account, name: str = FOLDER_NAME) -> BaseFolder:
    # The Contacts folder with its id (one GetFolder): exchangelib pages FindFolder by folder,
    # which needs a folder that has its id.
    contacts = Contacts(root=ExchangeStore.root(account))
    (parent,) = FolderCollection(account=account, folders=[contacts]).get_folders()
    if isinstance(parent, Exception):
        raise parent
    found = find_folder(account, parent, name)
    if found is not None:
        return found
    # CreateFolder itself rather than Folder.save(), which resolves the parent through
    # exchangelib's map of the whole mailbox (a deep FindFolder from the root).
    root = ExchangeStore.root(account)
    try:
        made = CreateFolder(account=account).get(
            parent_folder=parent,
            folders=[Folder(root=root, name=name, folder_class="IPF.Contact")],
        )
    except ErrorFolderExists:
        # Created meanwhile by another run: use that one.
        again = find_folder(account, parent, name)
        if again is None:
            raise
        return again
    return Folder(root=root, id=made.id, changekey=made.changekey, name=name)


class ExchangeContactStore(ExchangeStore):
    kind: Kind = "contacts"
    item_class = EwsContact

    def __init__(self, *args: Any, folder_name: str = FOLDER_NAME, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder_name = folder_name
        self._folder_id: str | None = None

    def canonical(self, record: Contact | Event) -> Contact | Event:
        return canonical_contact(record) if isinstance(record, Contact) else record

    # ------------------------------------------------------------------ hooks

    def folder(self, account: Account) -> BaseFolder:
        if self._folder_id is not None:
            return Folder(root=self.root(account), id=self._folder_id)
        folder = find_or_create_folder(account, self.folder_name)
        self._folder_id = str(folder.id)
        return folder

    def kind_folder(self, account: Account) -> BaseFolder:
        return Contacts(root=self.root(account))

    def folder_id(self) -> str:
        """The folder's id, found or created now (a run reads changes first, which does this)."""
        return str(self.run(lambda account: self.folder(account).id))

    def to_item(self, obj: Any) -> Item | None:
        parent = getattr(obj.parent_folder_id, "id", None)
        if self._folder_id and parent and str(parent) != self._folder_id:
            return None  # moved out of Salesforce_Sync: no longer ours to sync
        version = str(obj.changekey or "")
        return Item(str(obj.id), version, contact_from_ews(obj), marker_of(obj), modified_of(obj))

    def fill(self, obj: Any, record: Any) -> Any:
        assert isinstance(record, Contact)
        return fill_contact(obj, record)

    def fields_for(self, fields: frozenset[str] | None) -> list[str]:
        return updated_fields(CONTACT_FIELDS, fields)

    # ------------------------------------------------------------------ the interface

    def changes(self, cursor: str | None) -> ChangePage:
        state: dict[str, Any] = self.parse_cursor(cursor) if cursor is not None else {}
        if state.get("f"):
            self._folder_id = str(state["f"])

        def read(account: Account) -> ChangePage:
            try:
                ids, deleted, sync_state = self.sync(account, state.get("s"))
            except Exception:
                self._folder_id = None  # gone or not ours: found or created again next time
                raise
            items = self.items(account, ids)
            new = json.dumps({"s": sync_state, "f": self._folder_id}, separators=(",", ":"))
            return ChangePage(items, deleted, new, cursor is None)

        return self.run(read)

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        if not ids:
            return {}

        def read(account: Account) -> dict[str, Item]:
            self.folder(account)
            return {it.id: it for it in self.items(account, list(dict.fromkeys(ids)))}

        return self.run(read)

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        if not keys:
            return {}

        def read(account: Account) -> list[Item]:
            ids, _, _ = self.sync(account, None)
            return self.items(account, ids)

        return first_matches(self.run(read), keys)
