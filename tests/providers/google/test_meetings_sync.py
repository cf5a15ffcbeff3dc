"""Issue 11 item 1 end to end on Google Workspace and the Salesforce emulator: two colleagues
who both sync, at one meeting; and a meeting a customer organizes with both of them invited.
One meeting is one Salesforce event, and nothing is written to an attendee's copy (Google would
refuse it with forbiddenForNonOrganizer)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from connections.models import MailConnection, Status
from connections.providers.google import stores as google_adapters
from connections.providers.google.client import SCOPES, GoogleClient, clear_credentials_cache
from connections.providers.salesforce import stores as salesforce_adapters
from syncengine.engine import RunResult, run_sync
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Event
from syncengine.repo_db import DbMappingRepo
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.google.conftest import service_account_key, soon

ANA, BO, CUSTOMER = "ana@example.com", "bo@example.com", "cy@customer.example"


class Office:
    def __init__(
        self,
        sandbox: SandboxHandle,
        salesforce: SalesforceSetup,
        make_sync_user: Callable[..., SyncUser],
    ) -> None:
        clear_credentials_cache()
        self.sf_emu = salesforce.emulator
        self.g_emu = sandbox.apps["google"]
        info, public = service_account_key()
        client_id = self.g_emu.register_service_account(
            info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
        )
        self.g_emu.grant_delegation(client_id, SCOPES)
        for email, first in ((ANA, "Ana"), (BO, "Bo")):
            self.g_emu.add_user(email, first, "Lie", "Europe/Oslo")
        MailConnection.objects.create(
            method="google", enabled=True, status=Status.VERIFIED,
            service_account_key=json.dumps(info), client_email=info["client_email"],
        )  # fmt: skip
        self.config = SyncConfiguration.objects.create(name="Sales", events_send_invitations=True)
        self.users = {e: make_sync_user(e, configuration=self.config) for e in (ANA, BO)}

    def sync(self, email: str) -> RunResult:
        user = self.users[email]
        sf = salesforce_adapters.build_store(user, "events")
        mail = google_adapters.build_store(user, "events")
        settings = self.config.settings_for("events", email)
        result = run_sync(sf, mail, DbMappingRepo(user, "events"), settings)
        assert result.status == "ok" and not result.issues, (result.status, result.issues)
        return result

    def g_client(self, email: str) -> GoogleClient:
        return GoogleClient(service_account_key()[0], email)

    def salesforce_events(self, email: str) -> list[Event]:
        store = salesforce_adapters.build_store(self.users[email], "events")
        return [it.record for it in store.changes(None).changed]  # type: ignore[misc]

    def meeting(self, organizer: str, *guests: str) -> str:
        start = soon(days=2)
        body = {"summary": "Pricing", "start": {"dateTime": start.isoformat()},
                "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
                "attendees": [{"email": g} for g in guests]}  # fmt: skip
        return str(self.g_emu.add_event(organizer, body)["id"])

    def invitation_from_outside(self, subject: str, days: int) -> None:
        start = soon(days=days)
        for email in (ANA, BO):
            made = self.g_emu.add_event(email, {
                "summary": subject, "iCalUID": f"{subject}@customer.example",
                "start": {"dateTime": start.isoformat()},
                "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
                "attendees": [{"email": ANA}, {"email": BO}, {"email": CUSTOMER}],
            })  # fmt: skip
            mailbox = self.g_emu.mailboxes[email]
            with self.g_emu.lock:
                data = dict(mailbox.events[made["id"]].data, organizer={"email": CUSTOMER})
                self.g_emu.save_event(mailbox, data)


@pytest.mark.django_db
def test_a_meeting_between_two_syncing_colleagues_is_one_salesforce_event(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> None:
    office = Office(sandbox_product, salesforce_connection, make_sync_user)
    office.meeting(ANA, BO)
    first = office.sync(ANA)
    again = office.sync(BO)
    assert first.counts.get("created_salesforce") == 1
    assert not again.counts.get("created_salesforce")
    (event,) = office.salesforce_events(ANA)
    assert [a.email for a in event.attendees] == [BO]  # Bo is an invitee of Ana's event
    assert office.salesforce_events(BO) == []

    # Renamed in Salesforce: Ana's (the organizer's) copy is written, Google carries it to Bo's
    # copy, and Bo's run writes nothing anywhere.
    (sf_id,) = [row for row in office.sf_emu.store.records["Event"] if
                office.sf_emu.record(row)["Subject"] == "Pricing" and not office.sf_emu.record(row)["IsChild"]]  # fmt: skip
    office.sf_emu.update_record(
        sf_id, {"Subject": "Pricing v2"}, as_user=office.users[ANA].salesforce_user_id
    )
    assert office.sync(ANA).counts.get("updated_mailbox") == 1
    bo_run = office.sync(BO)
    assert not any(k.startswith(("created", "updated", "deleted")) for k in bo_run.counts)
    bo_copy = google_adapters.build_store(office.users[BO], "events").changes(None).changed
    assert [it.record.subject for it in bo_copy] == ["Pricing v2"]  # type: ignore[union-attr]

    # Bo accepts in Google Calendar: Google shows it on Ana's event, and Ana's run takes the
    # answer to Bo's invitee status in Salesforce (row O5); nothing else is written.
    (copy,) = bo_copy
    office.g_client(BO).calendar(
        "PATCH", f"calendars/primary/events/{copy.id}", params={"sendUpdates": "none"},
        body={"attendees": [{"email": BO, "responseStatus": "accepted"}]},
    )  # fmt: skip
    answered = office.sync(ANA)
    assert answered.counts.get("updated_salesforce") == 1 and not answered.counts.get(
        "updated_mailbox"
    )
    (event,) = office.salesforce_events(ANA)
    assert [(a.email, a.response) for a in event.attendees] == [(BO, "accepted")]
    assert not office.sync(ANA).counts.get("updated_salesforce")


@pytest.mark.django_db
def test_a_customers_meeting_with_two_colleagues_is_one_salesforce_event(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> None:
    office = Office(sandbox_product, salesforce_connection, make_sync_user)
    # The customer's invitation lands in both calendars (an outside organizer: each copy is
    # put there as Google does for an invitation by e-mail, with the same iCalendar UID).
    office.invitation_from_outside("Demo", days=3)
    office.sync(BO)
    office.sync(ANA)
    office.sync(BO)
    assert [e.subject for e in office.salesforce_events(ANA)] == ["Demo"]
    assert office.salesforce_events(BO) == []

    office.config.events_outside_meetings = False
    office.config.save()
    office.invitation_from_outside("Follow-up", days=4)
    for email in (ANA, BO):
        assert not office.sync(email).counts.get("created_salesforce")
    assert [e.subject for e in office.salesforce_events(ANA)] == ["Demo"]


@pytest.mark.django_db
def test_only_events_users_select_end_to_end(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> None:
    """Issue 11 item 3 through the engine: an event without the configured colour stays out of
    Salesforce, one with it goes in, and one given another colour later leaves (deleted in
    Salesforce, delete propagation being on)."""
    office = Office(sandbox_product, salesforce_connection, make_sync_user)
    office.config.events_scope = "selected"
    office.config.events_select_color = "7"  # Peacock
    office.config.save()
    start = soon(days=2)
    ids = {}
    for subject, colour in (("Dentist", "3"), ("Deal review", "7")):
        ids[subject] = office.g_emu.add_event(ANA, {
            "summary": subject, "colorId": colour, "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
        })["id"]  # fmt: skip
    office.sync(ANA)
    assert [e.subject for e in office.salesforce_events(ANA)] == ["Deal review"]

    office.g_client(ANA).calendar(
        "PATCH", f"calendars/primary/events/{ids['Deal review']}", body={"colorId": "3"},
        params={"sendUpdates": "none"},
    )  # fmt: skip
    assert office.sync(ANA).counts.get("deleted_salesforce") == 1
    assert office.salesforce_events(ANA) == []
    still = google_adapters.build_store(office.users[ANA], "events").changes(None).changed
    assert len(still) == 2
