"""What a long-running worker keeps between runs: each mailbox's contact folder id, found again
when the user deleted the folder."""

from __future__ import annotations

from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.stores.contacts import GraphContactStore
from tests.providers.microsoft.conftest import TENANT, USER, Microsoft


def _paths(microsoft: Microsoft, since: int) -> list[str]:
    return [path for _method, path, _status in microsoft.emulator.request_log[since:]]


def test_a_later_store_of_the_mailbox_reuses_the_folder_id(microsoft: Microsoft) -> None:
    first = GraphContactStore(GraphClient(TENANT), USER).folder_id()
    start = len(microsoft.emulator.request_log)

    again = GraphContactStore(GraphClient(TENANT), USER).folder_id()

    assert again == first
    assert not any("contactFolders" in p for p in _paths(microsoft, start))


def test_a_remembered_folder_the_user_deleted_is_found_again_by_a_full_listing(
    microsoft: Microsoft,
) -> None:
    client = GraphClient(TENANT)
    old = GraphContactStore(client, USER).folder_id()
    client.send("DELETE", f"/users/{USER}/contactFolders/{old}")

    store = GraphContactStore(GraphClient(TENANT), USER)
    page = store.changes(None)

    assert page.full and page.changed == []
    assert store.folder_id() not in (None, old)
    assert GraphContactStore(GraphClient(TENANT), USER).folder_id() == store.folder_id()


def test_a_later_client_of_the_tenant_signs_in_without_reading_the_openid_configuration_again(
    microsoft: Microsoft,
) -> None:
    GraphClient(TENANT).token()
    start = len(microsoft.emulator.request_log)

    GraphClient(TENANT).token(fresh=True)

    paths = _paths(microsoft, start)
    assert not any("openid-configuration" in p for p in paths)
    assert any("token" in p for p in paths)  # a new application, a new token: only discovery kept
