"""Issue 11 item 2 on Google Workspace: a series of 10 created on one side, one occurrence moved,
one cancelled and the whole series renamed, through the engine and both emulators. Afterwards
Google Calendar holds one series with one modified and one cancelled occurrence, Salesforce one
series row with its occurrence rows, and neither side an extra event."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connections.models import MailConnection, Status
from connections.providers.google import stores as google_adapters
from connections.providers.google.client import SCOPES, GoogleClient, clear_credentials_cache
from syncengine.models import SyncUser
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.google.conftest import service_account_key
from tests.providers.series_checks import (
    SeriesOffice,
)

pytestmark = pytest.mark.django_db

ANA = "ana@example.com"
START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
WEEK = timedelta(days=7)
MOVED = START + 2 * WEEK + timedelta(hours=3)  # the third occurrence, three hours later
EVENTS = "calendars/primary/events"


class Office(SeriesOffice):
    def __init__(
        self,
        sandbox: SandboxHandle,
        salesforce: SalesforceSetup,
        make_sync_user: Callable[..., SyncUser],
    ) -> None:
        super().__init__(google_adapters.build_store)
        clear_credentials_cache()
        self.salesforce = salesforce.emulator
        emulator = sandbox.apps["google"]
        info, public = service_account_key()
        client_id = emulator.register_service_account(
            info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
        )
        emulator.grant_delegation(client_id, SCOPES)
        emulator.add_user(ANA, "Ana", "Lie", "Europe/Oslo")
        MailConnection.objects.create(
            method="google", enabled=True, status=Status.VERIFIED,
            service_account_key=json.dumps(info), client_email=info["client_email"],
        )  # fmt: skip
        self.enroll(make_sync_user, ANA)
        self.google = GoogleClient(info, ANA)

    def instances(self, master: str) -> list[dict[str, Any]]:
        return list(self.google.calendar("GET", f"{EVENTS}/{master}/instances")["items"])


@pytest.fixture
def office(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> Office:
    return Office(sandbox_product, salesforce_connection, make_sync_user)


def at(moment: datetime) -> dict[str, str]:
    return {"dateTime": moment.isoformat(), "timeZone": "UTC"}


def assert_one_series(office: Office, title: str) -> None:
    master = office.assert_one_series(title, START, MOVED)
    listed = office.instances(master.id)
    assert len(listed) == 9
    assert sum(1 for i in listed if i["start"] != i["originalStartTime"]) == 1


def test_a_series_made_in_salesforce_keeps_its_moved_and_cancelled_occurrences(
    office: Office,
) -> None:
    office.made_in_salesforce_then_edited(START, MOVED, lambda m: len(office.instances(m)))

    assert_one_series(office, "Forecast call")
    assert office.quiet()


def test_a_series_made_in_google_calendar_keeps_its_moved_and_cancelled_occurrences(
    office: Office,
) -> None:
    made = office.google.calendar("POST", EVENTS, body={
        "summary": "Pipeline review", "start": at(START), "end": at(START + timedelta(hours=1)),
        "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=10"],
    })  # fmt: skip
    assert office.sync().counts.get("created_salesforce") == 1
    owner = office.user.salesforce_user_id
    assert len([r for r in office.salesforce.store.live("Event") if r["OwnerId"] == owner]) == 11

    listed = sorted(office.instances(made["id"]), key=lambda i: i["originalStartTime"]["dateTime"])
    office.google.calendar("PATCH", f"{EVENTS}/{listed[2]['id']}", body={
        "start": at(MOVED), "end": at(MOVED + timedelta(hours=1)),
    })  # fmt: skip
    office.google.calendar("DELETE", f"{EVENTS}/{listed[4]['id']}")
    office.google.calendar("PATCH", f"{EVENTS}/{made['id']}", body={"summary": "Forecast call"})
    office.settle()

    assert_one_series(office, "Forecast call")
