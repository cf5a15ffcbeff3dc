"""Issue 11 item 2 on Microsoft 365: a series of 10 created on one side, one occurrence moved,
one cancelled and the whole series renamed, through the engine and both emulators. Afterwards
Outlook holds one series with one exception and one cancelled occurrence, Salesforce one series
row with its occurrence rows (one an exception, one gone), and neither side an extra event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connections.models import MailConnection, Status
from connections.providers.microsoft import client
from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.stores import build_store as mailbox_store
from sandbox.microsoft.app import MicrosoftEmulator
from sandbox.salesforce.app import SalesforceEmulator
from syncengine.models import SyncUser
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.series_checks import (
    SeriesOffice,
)

pytestmark = pytest.mark.django_db

TENANT = "5f2b8c1e-3d4a-4b6c-9e8f-0a1b2c3d4e5f"
CLIENT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ANA = "ana.nunez@nordvik.example"
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
        self.microsoft: MicrosoftEmulator = sandbox.apps["microsoft"]
        self.microsoft.register_app(CLIENT_ID, client_secret="tests-only-client-secret")
        self.microsoft.add_tenant(TENANT, ["nordvik.example"])
        self.microsoft.grant_consent(TENANT, CLIENT_ID)
        self.microsoft.add_mailbox(TENANT, ANA, "Ana Núñez")
        MailConnection.objects.create(
            method="microsoft365", tenant_id=TENANT, enabled=True, chosen=True, status=Status.SAVED
        )
        client.forget_tokens()
        self.enroll(make_sync_user, ANA)
        self.graph = GraphClient(TENANT)

    def salesforce_rows(self) -> list[dict[str, Any]]:
        owner = self.user.salesforce_user_id
        return sorted(
            (r for r in self.salesforce.store.live("Event") if r["OwnerId"] == owner),
            key=lambda r: r["StartDateTime"],
        )

    def series_in_outlook(self) -> dict[str, Any]:
        """A weekly series of 10 made in Outlook, "Pipeline review", starting at START."""
        return dict(self.graph.send("POST", f"/users/{ANA}/events", body={
            "subject": "Pipeline review", "start": when(START), "end": when(START + timedelta(hours=1)),
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [START.strftime("%A").lower()]},
                "range": {"type": "numbered", "startDate": START.date().isoformat(), "numberOfOccurrences": 10},
            },
        }))  # fmt: skip

    def instances(self, master: str) -> list[dict[str, Any]]:
        start, end = (
            (START - WEEK).strftime("%Y-%m-%dT%H:%M:%SZ"),
            (START + 20 * WEEK).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        path = f"/users/{ANA}/events/{master}/instances?startDateTime={start}&endDateTime={end}"
        return list(self.graph.send("GET", path)["value"])


@pytest.fixture
def office(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
    settings: Any,
) -> Office:
    settings.LSYNC_MICROSOFT_CLIENT_ID = CLIENT_ID
    settings.LSYNC_MICROSOFT_CLIENT_SECRET = "tests-only-client-secret"
    settings.LSYNC_MICROSOFT_CERT_PATH = ""
    return Office(sandbox_product, salesforce_connection.emulator, make_sync_user)


def when(moment: datetime) -> dict[str, str]:
    return {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def assert_one_series_with_one_exception_and_one_cancellation(office: Office, title: str) -> None:
    master = office.assert_one_series(title, START, MOVED)
    listed = office.instances(master.id)
    assert len(listed) == 9
    assert sorted(i["type"] for i in listed) == ["exception"] + ["occurrence"] * 8


def test_a_series_made_in_salesforce_keeps_its_moved_and_cancelled_occurrences(
    office: Office,
) -> None:
    office.made_in_salesforce_then_edited(START, MOVED, lambda m: len(office.instances(m)))

    assert_one_series_with_one_exception_and_one_cancellation(office, "Forecast call")
    assert office.quiet()


def test_a_series_made_in_outlook_keeps_its_moved_and_cancelled_occurrences(
    office: Office,
) -> None:
    made = office.series_in_outlook()
    assert office.sync().counts.get("created_salesforce") == 1
    assert len(office.salesforce_rows()) == 11

    listed = sorted(office.instances(made["id"]), key=lambda i: i["originalStart"])
    office.graph.send("PATCH", f"/users/{ANA}/events/{listed[2]['id']}", body={
        "start": when(MOVED), "end": when(MOVED + timedelta(hours=1)),
    })  # fmt: skip
    office.graph.send("DELETE", f"/users/{ANA}/events/{listed[4]['id']}")
    office.graph.send(
        "PATCH", f"/users/{ANA}/events/{made['id']}", body={"subject": "Forecast call"}
    )
    office.settle()

    assert_one_series_with_one_exception_and_one_cancellation(office, "Forecast call")


def test_an_occurrence_moved_before_the_first_sync_is_moved_in_outlook_too(office: Office) -> None:
    office.made_and_edited_in_salesforce_before_the_first_sync(START, MOVED)

    assert_one_series_with_one_exception_and_one_cancellation(office, "Forecast call")


def test_a_series_whose_occurrences_could_not_be_read_loses_none_of_them(office: Office) -> None:
    """Outlook answering one series' instances with an error (one part of a batch failing) says
    nothing about which occurrences were cancelled: the run must not take them all for cancelled
    and delete their rows in Salesforce."""
    made = office.series_in_outlook()
    office.settle()
    assert len(office.salesforce_rows()) == 11
    office.graph.send(
        "PATCH", f"/users/{ANA}/events/{made['id']}", body={"subject": "Forecast call"}
    )
    office.microsoft.inject("500", r"graph\.events\.instances", times=1)

    assert office.run().status == "failed"

    assert len(office.salesforce_rows()) == 11
    office.settle()
    rows = office.salesforce_rows()
    assert len(rows) == 11 and {r["Subject"] for r in rows} == {"Forecast call"}
