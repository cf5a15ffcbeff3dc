"""Issue 11 items 1 and 5 on Exchange on-premises, as on Microsoft 365 and Google: the EWS
emulator delivers a sent meeting to the attendees in the organisation (IsOrganizer false, the
organizer, the same UID, their own MyResponseType); through the engine and the Salesforce
emulator, a meeting between two colleagues who sync is one Salesforce event, lsync writes
nothing to the attendee's copy, the attendee's answer reaches the invitee's status, and a
customer's meeting with both of them invited is one Salesforce event too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from exchangelib import (
    Account,
    CalendarItem,
    EWSDateTime,
)
from exchangelib.items import SEND_TO_ALL_AND_SAVE_COPY
from exchangelib.properties import Attendee, Mailbox

from connections.providers.exchange.stores import build_store as mailbox_store
from sandbox.exchange.app import ExchangeEmulator
from sandbox.salesforce.app import SalesforceEmulator
from syncengine.engine import RunResult
from syncengine.models import SyncUser
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.exchange.conftest import USER, outlook, setup_exchange
from tests.providers.meeting_office import MeetingOffice

pytestmark = pytest.mark.django_db

ANA, BO, CUSTOMER = USER, "bo.berg@nordvik.example", "cy@customer.example"
START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)
WRITES = {"created", "updated", "deleted"}


class Office(MeetingOffice):
    def __init__(
        self,
        sandbox: SandboxHandle,
        salesforce: SalesforceEmulator,
        make_sync_user: Callable[..., SyncUser],
    ) -> None:
        super().__init__(mailbox_store)
        self.salesforce = salesforce
        self.exchange: ExchangeEmulator = setup_exchange(sandbox, ANA)
        self.exchange.add_mailbox(BO, "Bo Berg")
        self.ews_url = sandbox.bases["exchange"] + "/EWS/Exchange.asmx"
        # Invitations on: lsync's writes to the organizer's item go out to the attendees.
        self.enroll(make_sync_user, ANA, BO, events_send_invitations=True)

    def outlook(self, mailbox: str) -> Account:
        return outlook(self.ews_url, mailbox)


@pytest.fixture
def office(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> Office:
    return Office(sandbox_product, salesforce_connection.emulator, make_sync_user)


def wrote(result: RunResult) -> bool:
    return any(key.split("_")[0] in WRITES for key in result.counts)


def test_a_meeting_between_two_syncing_colleagues_is_one_salesforce_event(
    office: Office,
) -> None:
    # Ana organizes the meeting in Outlook and sends it: Exchange puts Bo's copy in his calendar.
    account = office.outlook(ANA)
    CalendarItem(
        account=account, folder=account.calendar, subject="Pricing",
        start=EWSDateTime.from_datetime(START), end=EWSDateTime.from_datetime(START + timedelta(hours=1)),
        required_attendees=[Attendee(mailbox=Mailbox(email_address=BO))],
    ).save(send_meeting_invitations=SEND_TO_ALL_AND_SAVE_COPY)  # fmt: skip
    (copy,) = office.mailbox(BO)
    (own,) = office.mailbox(ANA)
    assert own.invitation is None
    assert copy.invitation is not None and copy.invitation.organizer == ANA
    assert copy.invitation.uid and copy.invitation.response == "none"

    assert office.sync(ANA).counts.get("created_salesforce") == 1
    assert not wrote(office.sync(BO))
    (event,) = office.salesforce_events(ANA)
    assert [a.email for a in event.attendees] == [BO]
    assert office.salesforce_events(BO) == []

    # Bo accepts: his copy and Ana's item show it; Ana's run takes it to Bo's invitee status.
    office.exchange.answer(BO, copy.id, "Accept")
    assert not wrote(office.sync(BO))
    answered = office.sync(ANA)
    assert answered.counts.get("updated_salesforce") == 1
    (event,) = office.salesforce_events(ANA)
    assert [(a.email, a.response) for a in event.attendees] == [(BO, "accepted")]
    assert not wrote(office.sync(ANA))

    # Renamed in Salesforce: lsync writes Ana's item and sends the update; Bo's copy follows
    # through Exchange, and nothing lsync writes touches Bo's calendar.
    (sf_id,) = [
        i for i, row in office.salesforce.store.records["Event"].items()
        if row["Subject"] == "Pricing" and not row["IsChild"]
    ]  # fmt: skip
    office.salesforce.update_record(
        sf_id, {"Subject": "Pricing v2"}, as_user=office.users[ANA].salesforce_user_id
    )
    assert office.sync(ANA).counts.get("updated_mailbox") == 1
    (copy,) = office.mailbox(BO)
    assert copy.record.subject == "Pricing v2" and copy.invitation is not None  # type: ignore[union-attr]
    assert copy.invitation.response == "accepted"
    assert not wrote(office.sync(BO))
    assert office.salesforce_events(BO) == []
    bo_writes = [op for op in office.exchange.operations if op[0] in ("CreateItem", "UpdateItem",
                 "DeleteItem") and op[1] == BO]  # fmt: skip
    assert bo_writes == []


def test_a_customers_meeting_with_two_colleagues_is_one_salesforce_event(office: Office) -> None:
    def invitation_from_outside(subject: str, days: int) -> None:
        # The customer's invitation reaches both calendars by e-mail, with one iCalendar UID.
        start = START + timedelta(days=days)
        for email in (ANA, BO):
            office.exchange.add_event(email, {
                "subject": subject, "start": start, "end": start + timedelta(hours=1),
                "attendees": [ANA, BO, CUSTOMER], "organizer": CUSTOMER,
                "response": "Tentative", "uid": f"{subject}@customer.example",
            })  # fmt: skip

    invitation_from_outside("Demo", days=1)
    office.sync(BO)
    office.sync(ANA)
    office.sync(BO)
    assert [e.subject for e in office.salesforce_events(ANA)] == ["Demo"]
    assert office.salesforce_events(BO) == []
    (event,) = office.salesforce_events(ANA)
    assert BO in [a.email for a in event.attendees]

    office.config.events_outside_meetings = False
    office.config.save()
    invitation_from_outside("Follow-up", days=2)
    for email in (ANA, BO):
        assert not office.sync(email).counts.get("created_salesforce")
    assert [e.subject for e in office.salesforce_events(ANA)] == ["Demo"]
