"""A long-running worker remembers each mailbox's "Salesforce Sync" contact group between runs:
a run from a cursor does not look it up again, and a full listing does (so a group the user
deleted is made again)."""

from __future__ import annotations

from tests.providers.google.conftest import GoogleRig


def _group_lookups(google: GoogleRig, since: int) -> int:
    log = google.emu.request_log[since:]
    return sum(1 for _method, path, _status in log if "contactGroups" in path)


def test_a_run_from_a_cursor_reuses_the_group_found_by_an_earlier_run(google: GoogleRig) -> None:
    cursor = google.contacts().changes(None).cursor
    start = len(google.emu.request_log)

    store = google.contacts()
    store.changes(cursor)

    assert _group_lookups(google, start) == 0
    assert store.group() == google.contacts().group()


def test_a_full_listing_finds_a_deleted_group_missing_and_makes_it_again(
    google: GoogleRig,
) -> None:
    old = google.contacts().group()
    google.client().people("DELETE", old, params={"deleteContacts": "false"})

    store = google.contacts()
    page = store.changes(None)

    assert page.full and page.changed == []
    assert store.group() != old
    assert google.contacts().group() == store.group()
