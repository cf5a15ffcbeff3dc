"""Issue 11 item 2 on Exchange on-premises, as on Microsoft 365 and Google: a series of 10 created
on one side, one occurrence moved, one cancelled and the whole series renamed, through the engine,
the EWS emulator and the Salesforce emulator. Afterwards the Exchange calendar holds one series
with one modified and one deleted occurrence, Salesforce one series row with its occurrence rows
(one an exception, one gone), and neither side an extra event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from exchangelib import Account, CalendarItem, EWSDateTime, EWSTimeZone
from exchangelib.recurrence import NumberedPattern, Recurrence, WeeklyPattern

from connections.providers.exchange.stores import build_store as mailbox_store
from sandbox.salesforce.app import SalesforceEmulator
from syncengine.models import SyncUser
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.exchange.conftest import USER, outlook, setup_exchange
from tests.providers.series_checks import (
    SeriesOffice,
)

pytestmark = pytest.mark.django_db

ANA = USER
START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
WEEK = timedelta(days=7)
MOVED = START + 2 * WEEK + timedelta(hours=3)  # the third occurrence, three hours later


class Office(SeriesOffice):
    def __init__(
        self,
        sandbox: SandboxHandle,
        salesforce: SalesforceEmulator,
        make_sync_user: Callable[..., SyncUser],
    ) -> None:
        super().__init__(mailbox_store)
        self.salesforce = salesforce
        setup_exchange(sandbox, ANA)
        self.ews_url = sandbox.bases["exchange"] + "/EWS/Exchange.asmx"
        self.enroll(make_sync_user, ANA)

    def outlook(self) -> Account:
        return outlook(self.ews_url, ANA)

    def occurrences(self, master_id: str) -> list[Any]:
        """The series' occurrences in the calendar (a calendar view), by start."""
        account = self.outlook()
        (master,) = account.fetch(ids=[(master_id, None)])
        utc = EWSTimeZone("UTC")
        view = account.calendar.view(
            start=EWSDateTime.from_datetime(START - WEEK).astimezone(utc),
            end=EWSDateTime.from_datetime(START + 20 * WEEK).astimezone(utc),
        )
        return sorted((o for o in view if o.uid == master.uid), key=lambda o: o.start)


@pytest.fixture
def office(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> Office:
    return Office(sandbox_product, salesforce_connection.emulator, make_sync_user)


def assert_one_series(office: Office, title: str) -> None:
    master = office.assert_one_series(title, START, MOVED)
    listed = office.occurrences(master.id)
    assert sorted(o.type for o in listed) == ["Exception"] + ["Occurrence"] * 8
    assert {o.subject for o in listed if o.type == "Occurrence"} == {title}


def test_a_series_made_in_salesforce_keeps_its_moved_and_cancelled_occurrences(
    office: Office,
) -> None:
    office.made_in_salesforce_then_edited(START, MOVED, lambda m: len(office.occurrences(m)))

    assert_one_series(office, "Forecast call")
    assert office.quiet()


def test_a_series_made_in_outlook_keeps_its_moved_and_cancelled_occurrences(
    office: Office,
) -> None:
    account = office.outlook()
    made = CalendarItem(
        account=account, folder=account.calendar, subject="Pipeline review",
        start=EWSDateTime.from_datetime(START), end=EWSDateTime.from_datetime(START + timedelta(hours=1)),
        recurrence=Recurrence(
            pattern=WeeklyPattern(interval=1, weekdays=[START.isoweekday()]),
            boundary=NumberedPattern(start=START.date(), number=10),
        ),
    )  # fmt: skip
    made.save()
    assert office.sync().counts.get("created_salesforce") == 1
    owner = office.user.salesforce_user_id
    assert len([r for r in office.salesforce.store.live("Event") if r["OwnerId"] == owner]) == 11

    third = made.occurrence(3)
    third.refresh()
    third.start = EWSDateTime.from_datetime(MOVED)
    third.end = EWSDateTime.from_datetime(MOVED + timedelta(hours=1))
    third.save(update_fields=["start", "end"])
    fifth = made.occurrence(5)
    fifth.refresh()
    fifth.delete()
    made.refresh()
    made.subject = "Forecast call"
    made.save(update_fields=["subject"])
    office.settle()

    assert_one_series(office, "Forecast call")
    assert office.quiet()


def test_an_occurrence_moved_before_the_first_sync_is_moved_in_exchange_too(
    office: Office,
) -> None:
    office.made_and_edited_in_salesforce_before_the_first_sync(START, MOVED)

    assert_one_series(office, "Forecast call")


def test_a_moved_occurrence_cancelled_in_outlook_is_deleted_in_salesforce(
    office: Office,
) -> None:
    office.made_in_salesforce_then_edited(START, MOVED, lambda m: len(office.occurrences(m)))
    (moved,) = [it for it in office.mailbox() if it.occurrence is not None]

    (occurrence,) = office.outlook().fetch(ids=[(moved.id, None)])
    occurrence.delete(send_meeting_cancellations="SendToNone")
    office.settle()

    owner = office.user.salesforce_user_id
    rows = [r for r in office.salesforce.store.live("Event") if r["OwnerId"] == owner]
    assert len(rows) == 9  # the series row and its 8 plain occurrences
    assert not any(r["IsRecurrence2Exception"] for r in rows)
    (master,) = office.mailbox()
    assert len(office.occurrences(master.id)) == 8
