"""Moved occurrences (RECURRENCE-ID overrides) on Radicale: read as events of their own placed in
their series (as Graph's exceptions are), written back into their own VEVENT, cancelled as an
EXDATE, reported deleted when another client drops them, and written as a new override when one
comes from Salesforce (docs/series.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connections.providers.caldav import discovery
from connections.providers.caldav.stores import DavEventStore
from syncengine.records import Event
from syncengine.stores.base import Create, Delete, NotFound, Occurrence, Update
from tests.providers.caldav.conftest import TEMPLATE, USER, Dav
from tests.providers.caldav.test_convert import SERIES_WITH_OVERRIDE

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
MOVED = "20260506T090000Z"
HOUR = timedelta(hours=1)
SERIES_ALONE = SERIES_WITH_OVERRIDE.split("BEGIN:VEVENT\r\nUID:s1\r\nRECURRENCE-ID")[0] + (
    "END:VCALENDAR\r\n"
)


@pytest.fixture
def store(dav: Dav) -> DavEventStore:
    client = dav.client()
    homes = discovery.homes(client, discovery.principal_url(TEMPLATE, USER))
    return DavEventStore(client, discovery.default_calendar(client, homes.calendars), *WINDOW)


@pytest.fixture
def series(dav: Dav, store: DavEventStore) -> str:
    path = f"{store.collection}s1.ics"
    dav.as_user().put(path, SERIES_WITH_OVERRIDE, "text/calendar", if_match=None)
    return path


def test_a_series_with_a_moved_occurrence_is_two_items(store: DavEventStore, series: str) -> None:
    items = {i.id: i for i in store.changes(None).changed}
    assert set(items) == {series, f"{series}#{MOVED}"}
    master = items[series].record
    assert isinstance(master, Event) and master.recurrence is not None
    assert datetime(2026, 5, 6, 9, tzinfo=UTC) in master.recurrence.exdates
    moved = items[f"{series}#{MOVED}"].record
    assert isinstance(moved, Event) and moved.subject == "Stand-up (moved)"
    assert moved.recurrence is None


def test_an_update_of_the_occurrence_writes_its_own_vevent_only(
    dav: Dav, store: DavEventStore, series: str
) -> None:
    item_id = f"{series}#{MOVED}"
    moved = store.get([item_id])[item_id].record
    edited = Event.normalized(**{**moved.__dict__, "location": "Room 7"})
    (result,) = store.apply([Update(item_id, edited, fields=frozenset({"location"}))])
    assert result.ok and result.id == item_id
    text, _ = dav.as_user().get(series)
    assert text.count("LOCATION:Room 7") == 1 and "EXDATE" not in text
    items = store.get([series, item_id])
    assert items[item_id].record.location == "Room 7"  # type: ignore[union-attr]
    assert items[series].record.location == ""  # type: ignore[union-attr]


def test_deleting_the_occurrence_cancels_it_with_an_exdate(
    dav: Dav, store: DavEventStore, series: str
) -> None:
    (result,) = store.apply([Delete(f"{series}#{MOVED}")])
    assert result.ok
    text, _ = dav.as_user().get(series)
    assert "RECURRENCE-ID" not in text and "EXDATE:20260506T090000Z" in text
    assert set(store.get([series, f"{series}#{MOVED}"])) == {series}


def test_an_occurrence_another_client_drops_is_reported_deleted(
    dav: Dav, store: DavEventStore, series: str
) -> None:
    cursor = store.changes(None).cursor
    user = dav.as_user()
    _, etag = user.get(series)
    user.put(series, SERIES_ALONE, "text/calendar", if_match=etag)
    page = store.changes(cursor)
    assert page.deleted == [f"{series}#{MOVED}"]
    assert [i.id for i in page.changed] == [series]
    assert store.changes(page.cursor).deleted == []


def test_the_moved_occurrence_is_placed_in_its_series(store: DavEventStore, series: str) -> None:
    items = {i.id: i for i in store.changes(None).changed}
    assert items[series].occurrence is None
    assert items[f"{series}#{MOVED}"].occurrence == Occurrence(
        series, datetime(2026, 5, 6, 9, tzinfo=UTC)
    )


def test_a_modified_occurrence_from_salesforce_becomes_an_override_of_its_series(
    dav: Dav, store: DavEventStore, series: str
) -> None:
    later = datetime(2026, 5, 7, 15, tzinfo=UTC)  # the fourth occurrence, six hours later
    record = Event.normalized(subject="Stand-up (late)", start=later, end=later + HOUR)
    target = Occurrence(series, datetime(2026, 5, 7, 9, tzinfo=UTC))
    (result,) = store.apply([Create("sf:x", record, occurrence=target)])
    assert result.ok and result.id == f"{series}#20260507T090000Z"
    text, _ = dav.as_user().get(series)
    assert text.count("RECURRENCE-ID") == 2 and "EXDATE" not in text
    items = {i.id: i for i in store.changes(None).changed}
    assert set(items) == {series, f"{series}#{MOVED}", result.id}  # no event of its own
    assert items[result.id].occurrence == target
    assert items[result.id].record.subject == "Stand-up (late)"  # type: ignore[union-attr]
    assert items[result.id].record.start == later  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 5, 6, 9, tzinfo=UTC),  # already an override
        datetime(2026, 5, 9, 9, tzinfo=UTC),  # after COUNT=5
        datetime(2026, 5, 7, 10, tzinfo=UTC),  # not a start the rule gives
    ],
)
def test_an_occurrence_the_series_does_not_have_is_refused_not_created(
    dav: Dav, store: DavEventStore, series: str, start: datetime
) -> None:
    before, _ = dav.as_user().get(series)
    record = Event.normalized(subject="x", start=start, end=start + HOUR)
    (result,) = store.apply([Create("sf:x", record, occurrence=Occurrence(series, start))])
    assert not result.ok and isinstance(result.error, NotFound)
    assert dav.as_user().get(series)[0] == before
    assert len(store.changes(None).changed) == 2
