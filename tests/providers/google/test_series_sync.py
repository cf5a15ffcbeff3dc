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
from connections.providers.salesforce import stores as salesforce_adapters
from syncengine.engine import RunResult, run_sync
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Item
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.google.conftest import service_account_key
from tests.providers.series_checks import (
    assert_one_mailbox_series,
    assert_one_salesforce_series,
    edit_salesforce_series,
    make_salesforce_series,
)

pytestmark = pytest.mark.django_db

ANA = "ana@example.com"
START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
WEEK = timedelta(days=7)
MOVED = START + 2 * WEEK + timedelta(hours=3)  # the third occurrence, three hours later
EVENTS = "calendars/primary/events"


class Office:
    def __init__(
        self,
        sandbox: SandboxHandle,
        salesforce: SalesforceSetup,
        make_sync_user: Callable[..., SyncUser],
    ) -> None:
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
        self.config = SyncConfiguration.objects.create(name="Sales")
        self.user = make_sync_user(ANA, configuration=self.config)
        self.google = GoogleClient(info, ANA)

    def sync(self) -> RunResult:
        sf = salesforce_adapters.build_store(self.user, "events")
        mail = google_adapters.build_store(self.user, "events")
        settings = self.config.settings_for("events", ANA)
        result = run_sync(sf, mail, DbMappingRepo(self.user, "events"), settings)
        assert result.status == "ok" and not result.issues, (result.status, result.issues)
        return result

    def settle(self) -> None:
        """Runs until nothing is left to write (at most four)."""
        for _ in range(4):
            counts = self.sync().counts
            if not any(k.startswith(("created", "updated", "deleted")) for k in counts):
                return
        raise AssertionError(f"still writing after four runs: {counts}")

    def mailbox(self) -> list[Item]:
        return google_adapters.build_store(self.user, "events").changes(None).changed

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
    master = assert_one_mailbox_series(
        office.mailbox(),
        title,
        exdates=(START + 2 * WEEK, START + 4 * WEEK),
        original=START + 2 * WEEK,
        moved_to=MOVED,
    )
    listed = office.instances(master.id)
    assert len(listed) == 9
    assert sum(1 for i in listed if i["start"] != i["originalStartTime"]) == 1
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
    assert len(office.instances(master.id)) == 10

    edit_salesforce_series(office.salesforce, owner, series, MOVED, "Forecast call")
    office.settle()

    assert_one_series(office, "Forecast call")
    assert not any(k.startswith(("created", "updated", "deleted")) for k in office.sync().counts)


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
