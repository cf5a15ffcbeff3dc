"""`manage.py resolve_enrollment` and the scheduled task."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django_q.models import Schedule

from syncengine import tasks
from syncengine.models import SyncUser
from tests.configurations.conftest import Org, assign_user, configuration

pytestmark = pytest.mark.django_db


def test_the_command_enrolls_and_lists_link_errors(org: Org) -> None:
    assign_user(configuration("Team"), org.user("ana@example.com"))
    out = StringIO()

    call_command("resolve_enrollment", "--errors", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == "1 enrolled (1 new), 0 linked, 0 with a link error, 1 pending, 0 detached."
    assert lines[1].startswith("ana@example.com: No mail connection is enabled")


def test_the_command_fails_loudly_when_salesforce_cannot_be_asked(settings: Any) -> None:
    assign_user(configuration("Team"), "005000000000001AAA")

    with pytest.raises(CommandError, match="Salesforce is not connected"):
        call_command("resolve_enrollment", stdout=StringIO())
    assert not SyncUser.objects.exists()


def test_enrollment_is_scheduled_every_15_minutes(org: Org) -> None:
    tasks.ensure_schedules()
    schedule = Schedule.objects.get(func="syncengine.tasks.resolve_enrollment")
    assert schedule.minutes == 15
    assign_user(configuration("Team"), org.user("ana@example.com"))

    assert tasks.resolve_enrollment().startswith("1 enrolled (1 new)")
