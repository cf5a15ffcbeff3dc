"""Issue 11 items 1 and 5 on Microsoft 365: the Graph emulator gives attendees in the tenant their
copy of a meeting (isOrganizer false, the same iCalUId, their answer); through the engine and the
Salesforce emulator, a meeting between two colleagues who sync is one Salesforce event, lsync
writes nothing to the attendee's copy, and the attendee's answer reaches the invitee's status."""

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
from tests.providers.meeting_office import MeetingOffice

pytestmark = pytest.mark.django_db

TENANT = "5f2b8c1e-3d4a-4b6c-9e8f-0a1b2c3d4e5f"
CLIENT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ANA, BO = "ana.nunez@nordvik.example", "bo.berg@nordvik.example"
START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)


class Office(MeetingOffice):
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
        for email, name in ((ANA, "Ana Núñez"), (BO, "Bo Berg")):
            self.microsoft.add_mailbox(TENANT, email, name)
        MailConnection.objects.create(
            method="microsoft365", tenant_id=TENANT, enabled=True, chosen=True, status=Status.SAVED
        )
        client.forget_tokens()
        self.enroll(make_sync_user, ANA, BO)


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


def test_a_meeting_between_two_syncing_colleagues_is_one_salesforce_event(
    office: Office,
) -> None:
    # Ana organizes the meeting in Outlook: Exchange Online puts Bo's copy in his calendar.
    made = GraphClient(TENANT).send("POST", f"/users/{ANA}/events", body={
        "subject": "Pricing", "start": when(START), "end": when(START + timedelta(hours=1)),
        "attendees": [{"emailAddress": {"address": BO}, "type": "required"}],
    })  # fmt: skip
    (copy,) = office.mailbox(BO)
    assert copy.invitation is not None and copy.invitation.organizer == ANA
    assert copy.invitation.uid == made["iCalUId"]
    (own,) = office.mailbox(ANA)
    assert own.invitation is None

    assert office.sync(ANA).counts.get("created_salesforce") == 1
    assert not office.sync(BO).counts.get("created_salesforce")
    (event,) = office.salesforce_events(ANA)
    assert [a.email for a in event.attendees] == [BO]
    assert office.salesforce_events(BO) == []

    # Bo accepts: his copy and Ana's event show it; Ana's run takes it to Bo's invitee status.
    office.microsoft.answer(BO, copy.id, "accepted")
    assert not any(k.startswith(("created", "updated", "deleted")) for k in office.sync(BO).counts)
    answered = office.sync(ANA)
    assert answered.counts.get("updated_salesforce") == 1
    (event,) = office.salesforce_events(ANA)
    assert [(a.email, a.response) for a in event.attendees] == [(BO, "accepted")]

    # Renamed in Salesforce: lsync writes Ana's event; Bo's copy follows through Exchange, and
    # nothing lsync sends touches Bo's calendar.
    (sf_id,) = [
        i for i, row in office.salesforce.store.records["Event"].items()
        if row["Subject"] == "Pricing" and not row["IsChild"]
    ]  # fmt: skip
    office.salesforce.update_record(
        sf_id, {"Subject": "Pricing v2"}, as_user=office.users[ANA].salesforce_user_id
    )
    assert office.sync(ANA).counts.get("updated_mailbox") == 1
    (copy,) = office.mailbox(BO)
    assert copy.record.subject == "Pricing v2" and copy.invitation is not None
    bo_run = office.sync(BO)
    assert not any(k.startswith(("created", "updated", "deleted")) for k in bo_run.counts)
    assert office.salesforce_events(BO) == []


@pytest.mark.parametrize("propagate", [True, False])
def test_only_events_users_select_end_to_end(office: Office, propagate: bool) -> None:
    """Issue 11 item 3 through the engine: an unmarked event stays out of Salesforce, a marked
    one goes in, and one unmarked later leaves as the delete setting says."""
    office.config.events_scope = "selected"
    office.config.events_propagate_deletes = propagate
    office.config.save()
    graph = GraphClient(TENANT)
    for subject, categories in (("Dentist", []), ("Deal review", ["Salesforce"])):
        graph.send("POST", f"/users/{ANA}/events", body={
            "subject": subject, "start": when(START), "end": when(START + timedelta(hours=1)),
            "categories": categories,
        })  # fmt: skip
    office.sync(ANA)
    assert [e.subject for e in office.salesforce_events(ANA)] == ["Deal review"]

    (marked,) = [it for it in office.mailbox(ANA) if it.record.subject == "Deal review"]
    graph.send("PATCH", f"/users/{ANA}/events/{marked.id}", body={"categories": ["Blue"]})
    office.sync(ANA)
    left = [e.subject for e in office.salesforce_events(ANA)]
    assert left == ([] if propagate else ["Deal review"])
    assert len(office.mailbox(ANA)) == 2  # the mailbox keeps both, whatever happens

    # Marked again: back in Salesforce, once.
    graph.send("PATCH", f"/users/{ANA}/events/{marked.id}", body={"categories": ["Salesforce"]})
    office.sync(ANA)
    assert [e.subject for e in office.salesforce_events(ANA)] == ["Deal review"]
