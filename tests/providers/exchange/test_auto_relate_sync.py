"""Issue 11 item 4 on Exchange on-premises: auto-relate with Shared Activities, end to end
through the engine, the EWS emulator and the Salesforce emulator
(tests/providers/auto_relate_scenario.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from exchangelib import CalendarItem, EWSDateTime
from exchangelib.items import SEND_TO_NONE
from exchangelib.properties import Attendee, Mailbox

from syncengine.engine import RunResult
from tests.providers import auto_relate_scenario as scenario
from tests.providers.exchange import test_meetings_sync as meetings
from tests.providers.exchange.test_meetings_sync import ANA, START, Office

pytestmark = pytest.mark.django_db
office = meetings.office  # the meeting tests' fixture: Ana and Bo on Exchange


@pytest.mark.parametrize("auto_relate", [True, False])
def test_an_exchange_meeting_is_related_to_its_customers(office: Office, auto_relate: bool) -> None:
    office.config.events_auto_relate = auto_relate
    office.config.save()
    account = office.outlook(ANA)
    made: list[CalendarItem] = []

    def attendees(emails: list[str]) -> list[Attendee]:
        return [Attendee(mailbox=Mailbox(email_address=e)) for e in emails]

    def create(emails: list[str]) -> None:
        item = CalendarItem(
            account=account, folder=account.calendar, subject=scenario.SUBJECT,
            start=EWSDateTime.from_datetime(START),
            end=EWSDateTime.from_datetime(START + timedelta(hours=1)),
            required_attendees=attendees(emails),
        )  # fmt: skip
        item.save(send_meeting_invitations=SEND_TO_NONE)
        made.append(item)

    def set_attendees(emails: list[str]) -> None:
        item = account.calendar.get(id=made[0].id)
        item.required_attendees = attendees(emails)
        item.save(update_fields=["required_attendees"], send_meeting_invitations=SEND_TO_NONE)

    sync: Callable[[], RunResult] = lambda: office.sync(ANA)  # noqa: E731
    owner = office.users[ANA].salesforce_user_id
    scenario.run(office.salesforce, owner, create, set_attendees, sync, auto_relate)
