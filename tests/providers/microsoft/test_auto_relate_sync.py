"""Issue 11 item 4 on Microsoft 365: auto-relate with Shared Activities, end to end through
the engine, the Graph emulator and the Salesforce emulator (tests/providers/auto_relate_scenario.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from connections.providers.microsoft.client import GraphClient
from syncengine.engine import RunResult
from tests.providers import auto_relate_scenario as scenario
from tests.providers.microsoft import test_meetings_sync as meetings
from tests.providers.microsoft.test_meetings_sync import ANA, START, TENANT, Office, when

pytestmark = pytest.mark.django_db
office = meetings.office  # the meeting tests' fixture: Ana and Bo on Microsoft 365


@pytest.mark.parametrize("auto_relate", [True, False])
def test_an_outlook_meeting_is_related_to_its_customers(office: Office, auto_relate: bool) -> None:
    office.config.events_auto_relate = auto_relate
    office.config.save()
    graph = GraphClient(TENANT)
    made: dict[str, str] = {}

    def attendees(emails: list[str]) -> list[dict[str, object]]:
        return [{"emailAddress": {"address": e}, "type": "required"} for e in emails]

    def create(emails: list[str]) -> None:
        made.update(graph.send("POST", f"/users/{ANA}/events", body={
            "subject": scenario.SUBJECT, "start": when(START),
            "end": when(START + timedelta(hours=1)), "attendees": attendees(emails),
        }))  # fmt: skip

    def set_attendees(emails: list[str]) -> None:
        graph.send(
            "PATCH", f"/users/{ANA}/events/{made['id']}", body={"attendees": attendees(emails)}
        )

    sync: Callable[[], RunResult] = lambda: office.sync(ANA)  # noqa: E731
    owner = office.users[ANA].salesforce_user_id
    scenario.run(office.salesforce, owner, create, set_attendees, sync, auto_relate)
