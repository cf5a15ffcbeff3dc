"""The Salesforce cursor moves up to the delete log's latestDateCovered, Salesforce's own mark
before which every transaction has completed, so a bulk load's last second is not read again
once that mark passed it, however many rows it holds; until then the cursor remembers them
(stores/delta.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connections.providers.salesforce import cursor as cursor_module
from connections.providers.salesforce.cursor import Cursor
from connections.providers.salesforce.stores.delta import covered_until
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db


class Clock:
    """The emulator's clock, standing still until the test moves it."""

    def __init__(self) -> None:
        self.moment = datetime.now(UTC).replace(microsecond=0)

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def clock(org: Org, monkeypatch: pytest.MonkeyPatch) -> Clock:
    still = Clock()
    monkeypatch.setattr(org.emulator.clock, "now", still.now)
    return still


def test_a_bulk_loads_last_second_is_read_once_even_beyond_what_the_cursor_can_hold(
    org: Org, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cursor_module, "BOUNDARY_CAP", 2)
    loaded = {org.add("Contact", {"LastName": f"Bulk {n}"}) for n in range(5)}
    clock.moment += timedelta(minutes=2)
    store = org.contacts()

    first = store.changes(None)
    second = store.changes(first.cursor)

    assert {item.id for item in first.changed} == loaded
    assert (second.changed, second.deleted) == ([], [])
    assert Cursor.decode(second.cursor).at > clock.moment - timedelta(minutes=2)


def test_an_incremental_read_moves_past_a_second_the_delete_log_covers(
    org: Org, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cursor_module, "BOUNDARY_CAP", 2)
    store = org.contacts()
    cursor = store.changes(None).cursor
    loaded = {org.add("Contact", {"LastName": f"Bulk {n}"}) for n in range(5)}
    clock.moment += timedelta(minutes=2)

    read = store.changes(cursor)
    again = store.changes(read.cursor)

    assert {item.id for item in read.changed} == loaded
    assert (again.changed, again.deleted) == ([], [])


def test_rows_of_the_second_a_read_began_in_are_read_again_and_an_edit_in_it_is_seen(
    org: Org, clock: Clock
) -> None:
    contact = org.add("Contact", {"LastName": "Same second", "Title": "CFO"})
    store = org.contacts()
    cursor = store.changes(None).cursor
    assert Cursor.decode(cursor).at == clock.moment

    org.edit(contact, {"Title": "CEO"})
    (item,) = store.changes(cursor).changed

    assert (item.id, item.record.title) == (contact, "CEO")


def test_a_bulk_load_read_before_the_mark_passed_it_is_remembered_and_not_reported_again(
    org: Org, clock: Clock
) -> None:
    loaded = {org.add("Contact", {"LastName": f"Bulk {n}"}) for n in range(5)}
    store = org.contacts()
    first = store.changes(None)
    assert Cursor.decode(first.cursor).seen.keys() == loaded

    clock.moment += timedelta(minutes=2)
    second = store.changes(first.cursor)
    third = store.changes(second.cursor)

    assert (second.changed, second.deleted, third.changed) == ([], [], [])
    assert Cursor.decode(second.cursor).seen == {}


def test_latest_date_covered_is_read_from_the_delete_logs_answer() -> None:
    assert covered_until({"latestDateCovered": "2026-12-08T01:30:00.000+0000"}) == datetime(
        2026, 12, 8, 1, 30, tzinfo=UTC
    )
    assert covered_until({}) is None
    assert covered_until({"latestDateCovered": "soon"}) is None
