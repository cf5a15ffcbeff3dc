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
from exchangelib import (
    IMPERSONATION,
    Account,
    CalendarItem,
    Configuration,
    Credentials,
    EWSDateTime,
    EWSTimeZone,
    FailFast,
)
from exchangelib.recurrence import NumberedPattern, Recurrence, WeeklyPattern

from connections.providers.exchange import client as exchange_client
from connections.providers.exchange.stores import build_store as mailbox_store
from connections.providers.salesforce.stores import build_store as salesforce_store
from sandbox.salesforce.app import SalesforceEmulator
from syncengine.engine import RunResult, run_sync
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Item
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.exchange.conftest import PASSWORD, SERVICE, USER, setup_exchange
from tests.providers.series_checks import (
    assert_one_mailbox_series,
    assert_one_salesforce_series,
    edit_salesforce_series,
    make_salesforce_series,
)

pytestmark = pytest.mark.django_db

ANA = USER
START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
WEEK = timedelta(days=7)
MOVED = START + 2 * WEEK + timedelta(hours=3)  # the third occurrence, three hours later
WRITES = ("created", "updated", "deleted")


class Office:
    def __init__(
        self,
        sandbox: SandboxHandle,
        salesforce: SalesforceEmulator,
        make_sync_user: Callable[..., SyncUser],
    ) -> None:
        self.salesforce = salesforce
        setup_exchange(sandbox, ANA)
        self.ews_url = sandbox.bases["exchange"] + "/EWS/Exchange.asmx"
        self.config = SyncConfiguration.objects.create(name="Sales")
        self.user = make_sync_user(ANA, configuration=self.config)

    def sync(self) -> RunResult:
        settings = self.config.settings_for("events", ANA)
        sf, mb = salesforce_store(self.user, "events"), mailbox_store(self.user, "events")
        result = run_sync(sf, mb, DbMappingRepo(self.user, "events"), settings)
        assert result.status == "ok" and not result.issues, (result.status, result.issues)
        return result

    def settle(self) -> None:
        """Runs until nothing is left to write (at most four)."""
        for _ in range(4):
            counts = self.sync().counts
            if not any(k.startswith(WRITES) for k in counts):
                return
        raise AssertionError(f"still writing after four runs: {counts}")

    def mailbox(self) -> list[Item]:
        return mailbox_store(self.user, "events").changes(None).changed

    def outlook(self) -> Account:
        """exchangelib on its own, as Outlook would be: what the user does out of band."""
        config = Configuration(
            service_endpoint=self.ews_url, credentials=Credentials(SERVICE, PASSWORD),
            auth_type="basic", retry_policy=FailFast(),
        )  # fmt: skip
        account = Account(ANA, config=config, access_type=IMPERSONATION, autodiscover=False)
        account.protocol = exchange_client.LsyncProtocol(config=config)
        return account

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
    master = assert_one_mailbox_series(
        office.mailbox(),
        title,
        exdates=(START + 2 * WEEK, START + 4 * WEEK),
        original=START + 2 * WEEK,
        moved_to=MOVED,
    )
    listed = office.occurrences(master.id)
    assert sorted(o.type for o in listed) == ["Exception"] + ["Occurrence"] * 8
    assert {o.subject for o in listed if o.type == "Occurrence"} == {title}
    assert_one_salesforce_series(
        office.salesforce,
        office.user.salesforce_user_id,
        title,
        occurrences=9,
        moved_to=MOVED,
        cancelled=START + 4 * WEEK,
    )


def test_a_series_made_in_salesforce_keeps_its_moved_and_cancelled_occurrences(
    office: Office,
) -> None:
    owner = office.user.salesforce_user_id
    series = make_salesforce_series(office.salesforce, owner, START)
    assert office.sync().counts.get("created_mailbox") == 1
    (master,) = office.mailbox()
    assert len(office.occurrences(master.id)) == 10

    edit_salesforce_series(office.salesforce, owner, series, MOVED, "Forecast call")
    office.settle()

    assert_one_series(office, "Forecast call")
    assert not any(k.startswith(WRITES) for k in office.sync().counts)


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
    third.start, third.end = (
        EWSDateTime.from_datetime(MOVED),
        EWSDateTime.from_datetime(MOVED + timedelta(hours=1)),
    )
    third.save(update_fields=["start", "end"])
    fifth = made.occurrence(5)
    fifth.refresh()
    fifth.delete()
    made.refresh()
    made.subject = "Forecast call"
    made.save(update_fields=["subject"])
    office.settle()

    assert_one_series(office, "Forecast call")
    assert not any(k.startswith(WRITES) for k in office.sync().counts)


def test_an_occurrence_moved_before_the_first_sync_is_moved_in_exchange_too(
    office: Office,
) -> None:
    owner = office.user.salesforce_user_id
    series = make_salesforce_series(office.salesforce, owner, START)
    edit_salesforce_series(office.salesforce, owner, series, MOVED, "Forecast call")
    office.settle()

    assert_one_series(office, "Forecast call")


def test_a_moved_occurrence_cancelled_in_outlook_is_deleted_in_salesforce(
    office: Office,
) -> None:
    owner = office.user.salesforce_user_id
    series = make_salesforce_series(office.salesforce, owner, START)
    office.sync()
    edit_salesforce_series(office.salesforce, owner, series, MOVED, "Forecast call")
    office.settle()
    (moved,) = [it for it in office.mailbox() if it.occurrence is not None]

    (occurrence,) = office.outlook().fetch(ids=[(moved.id, None)])
    occurrence.delete(send_meeting_cancellations="SendToNone")
    office.settle()

    rows = [r for r in office.salesforce.store.live("Event") if r["OwnerId"] == owner]
    assert len(rows) == 9  # the series row and its 8 plain occurrences
    assert not any(r["IsRecurrence2Exception"] for r in rows)
    (master,) = office.mailbox()
    assert len(office.occurrences(master.id)) == 8
