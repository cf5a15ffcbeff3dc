"""Issue 11 item 4 on a CalDAV server (Radicale): auto-relate with Shared Activities, end to end
through the engine and the Salesforce emulator (tests/providers/auto_relate_scenario.py). The
user's calendar app is stood in for by the product's CalDAV store writing as the user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from syncengine.engine import RunResult
from syncengine.records import Event
from syncengine.stores.base import Create, Update
from tests.providers import auto_relate_scenario as scenario
from tests.providers.caldav import test_end_to_end as end_to_end
from tests.providers.caldav.test_end_to_end import World
from tests.providers.conftest import SalesforceSetup

pytestmark = pytest.mark.django_db
world = end_to_end.world  # the end-to-end tests' fixture: one user on Radicale
START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=2)


@pytest.mark.parametrize("auto_relate", [True, False])
def test_a_caldav_meeting_is_related_to_its_customers(
    world: World, salesforce_connection: SalesforceSetup, auto_relate: bool
) -> None:
    world.config.events_auto_relate = auto_relate
    world.config.save()
    made: list[str] = []

    def create(emails: list[str]) -> None:
        meeting = Event.normalized(subject=scenario.SUBJECT, start=START,
                                   end=START + timedelta(hours=1), attendees=emails)  # fmt: skip
        (result,) = world.stores("events")[1].apply([Create("m", meeting)])
        assert result.ok, result
        made.append(result.id or "")

    def set_attendees(emails: list[str]) -> None:
        mailbox = world.stores("events")[1]
        (item,) = mailbox.get(made).values()
        changed = replace(item.record, attendees=Event.normalized(
            subject="x", start=START, end=START, attendees=emails).attendees)  # fmt: skip
        (result,) = mailbox.apply([Update(made[0], changed, fields=frozenset({"attendees"}))])
        assert result.ok, result

    sync: Callable[[], RunResult] = lambda: world.sync("events")  # noqa: E731
    owner = world.user.salesforce_user_id
    scenario.run(salesforce_connection.emulator, owner, create, set_attendees, sync, auto_relate)
