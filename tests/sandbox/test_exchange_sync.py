"""SyncFolderItems in the EWS emulator, through exchangelib's ``sync_items``."""

from __future__ import annotations

import base64

import pytest
from exchangelib import Account, Contact, Folder
from exchangelib.errors import ErrorInvalidSyncStateData

from sandbox.exchange.app import ExchangeEmulator
from tests.sandbox.conftest import AccountFactory


def sync(
    folder: Folder, state: str | None, page: int | None = None
) -> tuple[list[tuple[str, str]], str]:
    folder.item_sync_state = state  # exchangelib falls back to the folder's last state
    changes = [
        (kind, item.id if kind == "delete" else item.surname)
        for kind, item in folder.sync_items(sync_state=state, max_changes_returned=page)
    ]
    return changes, folder.item_sync_state


@pytest.fixture
def folder(ews_account: AccountFactory) -> tuple[Account, Folder]:
    account = ews_account()
    made = Folder(parent=account.contacts, name="Salesforce_Sync", folder_class="IPF.Contact")
    made.save()
    return account, made


def people(account: Account, folder: Folder, *names: str) -> list[Contact]:
    return [Contact(account=account, folder=folder, display_name=n, surname=n) for n in names]


def test_a_first_sync_lists_every_item_as_a_create(folder: tuple[Account, Folder]) -> None:
    account, target = folder
    account.bulk_create(target, people(account, target, "Ana", "Björn", "Chloé"))
    changes, state = sync(target, None)
    assert sorted(changes) == [("create", "Ana"), ("create", "Björn"), ("create", "Chloé")]
    assert state
    assert sync(target, state)[0] == []


def test_later_syncs_report_creates_updates_and_deletes_once(
    folder: tuple[Account, Folder],
) -> None:
    account, target = folder
    first = account.bulk_create(target, people(account, target, "Ana", "Björn"))
    _, state = sync(target, None)
    ana = target.get(id=first[0].id)
    ana.surname = "Ana-Maria"
    ana.save(update_fields=["surname"])
    account.bulk_delete([first[1]])
    account.bulk_create(target, people(account, target, "Zoë"))
    changes, state = sync(target, state)
    assert changes == [("update", "Ana-Maria"), ("delete", first[1].id), ("create", "Zoë")]
    assert sync(target, state)[0] == []


def test_a_created_then_deleted_item_is_not_reported(folder: tuple[Account, Folder]) -> None:
    account, target = folder
    _, state = sync(target, None)
    made = account.bulk_create(target, people(account, target, "Brief"))
    account.bulk_delete(made)
    assert sync(target, state)[0] == []


def test_max_changes_returned_pages_through_every_change(
    folder: tuple[Account, Folder], ews: ExchangeEmulator
) -> None:
    account, target = folder
    account.bulk_create(target, people(account, target, *[f"P{i}" for i in range(7)]))
    before = len(ews.operations)
    changes, _ = sync(target, None, page=3)
    assert sorted(name for _, name in changes) == [f"P{i}" for i in range(7)]
    pages = [op for op, _, _ in ews.operations[before:] if op == "SyncFolderItems"]
    assert len(pages) == 3


def test_a_forged_sync_state_is_refused(folder: tuple[Account, Folder]) -> None:
    _, target = folder
    _, state = sync(target, None)
    raw = bytearray(base64.b64decode(state))
    raw[-3] ^= 1
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(target, base64.b64encode(bytes(raw)).decode())
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(target, "bm90IGEgc3RhdGU=")


def test_expired_sync_states_are_refused_until_a_full_sync(
    folder: tuple[Account, Folder], ews: ExchangeEmulator
) -> None:
    account, target = folder
    account.bulk_create(target, people(account, target, "Ana"))
    _, state = sync(target, None)
    ews.expire_cursors()
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(target, state)
    changes, _ = sync(target, None)
    assert changes == [("create", "Ana")]


def test_an_injected_expire_cursor_fault_invalidates_the_state_in_use(
    folder: tuple[Account, Folder], ews: ExchangeEmulator
) -> None:
    _, target = folder
    _, state = sync(target, None)
    ews.inject("expire_cursor", route="ews.SyncFolderItems")
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(target, state)


def test_a_state_from_another_folder_is_refused(
    folder: tuple[Account, Folder],
) -> None:
    account, target = folder
    _, state = sync(target, None)
    with pytest.raises(ErrorInvalidSyncStateData):
        sync(account.contacts, state)


def test_an_error_answer_can_leave_out_the_sync_state_as_the_schema_allows(
    folder: tuple[Account, Folder], ews: ExchangeEmulator
) -> None:
    _, target = folder
    ews.org.omit_sync_state_on_error = True
    ews.expire_cursors()
    # Stock exchangelib reads SyncState before the ResponseCode: clients must cope with this.
    with pytest.raises(AttributeError):
        sync(target, "AQ==")
