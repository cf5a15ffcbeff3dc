"""Issue 11 item 2 on a CalDAV server (Radicale), as on Microsoft 365, Google and Exchange: a
series of 10 created on one side, one occurrence moved, one cancelled and the whole series
renamed, through the engine and the Salesforce emulator. Afterwards the calendar resource holds
one series with one override (RECURRENCE-ID) and one EXDATE, Salesforce one series row with its
occurrence rows (one an exception, one gone), and neither side an extra event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from connections.providers.caldav.convert_events import master_of, overrides
from connections.providers.caldav.stores import DavEventStore
from connections.providers.caldav.stores import build_store as mailbox_store
from syncengine.models import SyncUser
from tests.providers.caldav.conftest import USER, Dav
from tests.providers.conftest import SalesforceSetup
from tests.providers.series_checks import (
    SeriesOffice,
)

pytestmark = pytest.mark.django_db

START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
WEEK = timedelta(days=7)
MOVED = START + 2 * WEEK + timedelta(hours=3)  # the third occurrence, three hours later


def ical(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


class Office(SeriesOffice):
    def __init__(
        self, dav: Dav, salesforce: SalesforceSetup, make_sync_user: Callable[..., SyncUser]
    ) -> None:
        super().__init__(mailbox_store)
        self.salesforce = salesforce.emulator
        self.dav = dav
        self.enroll(make_sync_user, USER)

    def resource(self, path: str) -> str:
        return self.dav.as_user().get(path)[0]

    def occurrences(self, path: str) -> int:
        """How many occurrences the resource's series has (its rule less its EXDATEs)."""
        return len(list(master_of(self.resource(path)).getrruleset(addRDate=True)))

    def collection(self) -> str:
        store = mailbox_store(self.user, "events")
        assert isinstance(store, DavEventStore)
        return store.collection


@pytest.fixture
def office(
    caldav_product: Dav,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> Office:
    return Office(caldav_product, salesforce_connection, make_sync_user)


def assert_one_series(office: Office, title: str) -> None:
    master = office.assert_one_series(title, START, MOVED)
    text = office.resource(master.id)
    assert office.occurrences(master.id) == 9
    (moved,) = overrides(text)
    assert moved.recurrence_id == START + 2 * WEEK and moved.event.start == MOVED
    assert str(master_of(text).summary.value) == title


def test_a_series_made_in_salesforce_keeps_its_moved_and_cancelled_occurrences(
    office: Office,
) -> None:
    office.made_in_salesforce_then_edited(START, MOVED, office.occurrences)

    assert_one_series(office, "Forecast call")
    assert office.quiet()


def series_text(title: str, *, edited: bool) -> str:
    """A weekly series of 10 as a calendar client writes it; `edited`: with the third occurrence
    moved (an override) and the fifth cancelled (an EXDATE)."""
    head = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:pipeline\r\n"
        f"DTSTART:{ical(START)}\r\nDTEND:{ical(START + timedelta(hours=1))}\r\n"
        f"RRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:{title}\r\n"
    )
    if not edited:
        return head + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    return head + (
        f"EXDATE:{ical(START + 4 * WEEK)}\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:pipeline\r\n"
        f"RECURRENCE-ID:{ical(START + 2 * WEEK)}\r\nDTSTART:{ical(MOVED)}\r\n"
        f"DTEND:{ical(MOVED + timedelta(hours=1))}\r\nSUMMARY:Pipeline review\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def test_a_series_made_in_a_calendar_client_keeps_its_moved_and_cancelled_occurrences(
    office: Office,
) -> None:
    path = office.collection() + "pipeline.ics"
    user = office.dav.as_user()
    user.put(path, series_text("Pipeline review", edited=False), "text/calendar", if_match=None)
    assert office.sync().counts.get("created_salesforce") == 1
    owner = office.user.salesforce_user_id
    assert len([r for r in office.salesforce.store.live("Event") if r["OwnerId"] == owner]) == 11

    _, etag = user.get(path)
    user.put(path, series_text("Forecast call", edited=True), "text/calendar", if_match=etag)
    office.settle()

    assert_one_series(office, "Forecast call")
    assert office.quiet()


def test_an_occurrence_moved_before_the_first_sync_is_moved_on_the_server_too(
    office: Office,
) -> None:
    office.made_and_edited_in_salesforce_before_the_first_sync(START, MOVED)

    assert_one_series(office, "Forecast call")
