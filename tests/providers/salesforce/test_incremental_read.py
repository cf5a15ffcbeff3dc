"""The Salesforce stores' incremental read (stores/delta.py): one API call while nothing changed,
rows re-read at the cursor's second dropped unless they moved within that second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncengine.stores.base import CursorExpired
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db

START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def frozen(org: Org, monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The emulator's clock stands still: every write lands in the cursor's second."""
    moment = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setattr(org.emulator.clock, "now", lambda: moment)
    return moment


def test_a_quiet_read_of_contacts_is_one_api_call_even_at_the_cursors_second(
    org: Org, frozen: datetime
) -> None:
    for n in range(3):
        org.add("Contact", {"LastName": f"Quiet {n}", "Email": f"q{n}@x.example"})
    store = org.contacts()
    cursor = store.changes(None).cursor
    before = store.api_calls
    page = store.changes(cursor)
    assert (page.changed, page.deleted, store.api_calls - before) == ([], [], 1)


def test_a_quiet_read_of_events_reads_no_invitees_series_or_zone(
    org: Org, frozen: datetime
) -> None:
    guest = org.add("Contact", {"LastName": "Guest", "Email": "guest@x.example"})
    single = org.add("Event", {"Subject": "One", "StartDateTime": stamp(START),
                               "EndDateTime": stamp(START + timedelta(hours=1))})  # fmt: skip
    org.add("EventRelation", {"EventId": single, "RelationId": guest, "IsInvitee": True})
    org.add("Event", {
        "Subject": "Weekly", "StartDateTime": stamp(START),
        "EndDateTime": stamp(START + timedelta(hours=1)), "IsRecurrence2": True,
        "Recurrence2PatternText": "RRULE:FREQ=WEEKLY;INTERVAL=1;COUNT=4",
        "Recurrence2PatternTimeZone": "UTC",
    })  # fmt: skip
    store = org.events()
    cursor = store.changes(None).cursor
    before = store.api_calls
    page = store.changes(cursor)
    assert (page.changed, page.deleted, store.api_calls - before) == ([], [], 1)


def test_an_edit_within_the_cursors_second_is_reported(org: Org, frozen: datetime) -> None:
    contact = org.add("Contact", {"LastName": "Same second", "Title": "CFO"})
    store = org.contacts()
    cursor = store.changes(None).cursor
    org.edit(contact, {"Title": "CEO"})
    (item,) = store.changes(cursor).changed
    assert (item.id, item.record.title) == (contact, "CEO")


def test_a_deletion_within_the_cursors_second_is_reported_once(org: Org, frozen: datetime) -> None:
    contact = org.add("Contact", {"LastName": "Gone soon"})
    store = org.contacts()
    cursor = store.changes(None).cursor
    org.emulator.delete_record(contact, as_user=org.user_id)
    page = store.changes(cursor)
    assert page.deleted == [contact]
    assert store.changes(page.cursor).deleted == []


def test_a_purged_delete_log_still_ends_the_cursor(org: Org) -> None:
    org.add("Contact", {"LastName": "Kept"})
    store = org.contacts()
    cursor = store.changes(None).cursor
    org.emulator.clock.advance(120)
    org.emulator.store.purged_before = org.emulator.clock.now()
    with pytest.raises(CursorExpired):
        store.changes(cursor)
