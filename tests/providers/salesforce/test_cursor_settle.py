"""A second of SystemModstamp that had ended, by Salesforce's own clock, before a read began is
not read again: the cursor moves past it however many rows it holds (stores/delta.py). Seconds
a read may have overlapped are read again as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from connections.providers.salesforce import cursor as cursor_module
from connections.providers.salesforce.client import served_from
from connections.providers.salesforce.cursor import Cursor
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
    clock.moment += timedelta(seconds=10)
    store = org.contacts()

    first = store.changes(None)
    second = store.changes(first.cursor)

    assert {item.id for item in first.changed} == loaded
    assert (second.changed, second.deleted) == ([], [])
    assert Cursor.decode(second.cursor).at > clock.moment - timedelta(seconds=10)


def test_an_incremental_read_moves_past_a_second_that_has_ended(
    org: Org, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cursor_module, "BOUNDARY_CAP", 2)
    store = org.contacts()
    cursor = store.changes(None).cursor
    loaded = {org.add("Contact", {"LastName": f"Bulk {n}"}) for n in range(5)}
    clock.moment += timedelta(seconds=10)

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


def test_without_a_date_header_nothing_is_known_of_salesforces_clock() -> None:
    assert served_from(_answer({})) is None
    assert served_from(_answer({"Date": "not a date"})) is None


def test_salesforces_clock_is_its_date_less_the_whole_round_trip() -> None:
    answer = _answer({"Date": "Tue, 08 Dec 2026 01:30:07 GMT"}, elapsed=timedelta(seconds=2.5))

    assert served_from(answer) == datetime(2026, 12, 8, 1, 30, 4, 500_000, tzinfo=UTC)


def _answer(headers: dict[str, str], elapsed: timedelta = timedelta()) -> requests.Response:
    response = requests.Response()
    response.headers.update(headers)
    response.elapsed = elapsed
    return response
