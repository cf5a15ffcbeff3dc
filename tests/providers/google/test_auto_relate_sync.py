"""Issue 11 item 4 on Google Workspace: auto-relate with Shared Activities, end to end through
the engine, the Google emulator and the Salesforce emulator (tests/providers/auto_relate_scenario.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from syncengine.engine import RunResult
from syncengine.models import SyncUser
from tests.conftest import SandboxHandle
from tests.providers import auto_relate_scenario as scenario
from tests.providers.conftest import SalesforceSetup
from tests.providers.google.conftest import soon
from tests.providers.google.test_meetings_sync import ANA, Office


@pytest.mark.django_db
@pytest.mark.parametrize("auto_relate", [True, False])
def test_a_google_calendar_meeting_is_related_to_its_customers(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
    auto_relate: bool,
) -> None:
    office = Office(sandbox_product, salesforce_connection, make_sync_user)
    office.config.events_auto_relate = auto_relate
    office.config.save()
    start = soon(days=2)
    made: dict[str, str] = {}

    def create(emails: list[str]) -> None:
        made.update(office.g_emu.add_event(ANA, {
            "summary": scenario.SUBJECT, "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(hours=1)).isoformat()},
            "attendees": [{"email": e} for e in emails],
        }))  # fmt: skip

    def set_attendees(emails: list[str]) -> None:
        office.g_client(ANA).calendar(
            "PATCH", f"calendars/primary/events/{made['id']}", params={"sendUpdates": "none"},
            body={"attendees": [{"email": e} for e in emails]},
        )  # fmt: skip

    sync: Callable[[], RunResult] = lambda: office.sync(ANA)  # noqa: E731
    owner = office.users[ANA].salesforce_user_id
    scenario.run(office.sf_emu, owner, create, set_attendees, sync, auto_relate)
