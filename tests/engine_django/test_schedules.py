from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from syncengine.tasks import SCHEDULES, ensure_schedules

pytestmark = pytest.mark.django_db


def _rows() -> list[tuple[str | None, str, str, int | None, int]]:
    return list(
        Schedule.objects.order_by("name").values_list(
            "name", "func", "schedule_type", "minutes", "repeats"
        )
    )


def test_schedules_are_created_once_however_often_it_runs() -> None:
    assert ensure_schedules() == {spec.name: True for spec in SCHEDULES}
    first = _rows()
    assert ensure_schedules() == {spec.name: False for spec in SCHEDULES}
    assert _rows() == first
    assert ("lsync: dispatch due users", "syncengine.tasks.dispatch_due", "I", 1, -1) in first


def test_a_hand_edited_or_doubled_schedule_is_put_back() -> None:
    ensure_schedules()
    Schedule.objects.filter(name=SCHEDULES[0].name).update(minutes=30, repeats=0)
    Schedule.objects.create(name=SCHEDULES[0].name, func="x.y", schedule_type=Schedule.ONCE)
    Schedule.objects.create(name="lsync: retired", func="syncengine.tasks.gone")
    Schedule.objects.create(name="someone else's", func="other.task")
    ensure_schedules()
    assert Schedule.objects.filter(name=SCHEDULES[0].name).count() == 1
    assert Schedule.objects.get(name=SCHEDULES[0].name).minutes == 1
    assert not Schedule.objects.filter(name="lsync: retired").exists()
    assert Schedule.objects.filter(name="someone else's").exists()


def test_the_setup_schedules_command_reports_what_it_did() -> None:
    out = StringIO()
    call_command("setup_schedules", stdout=out)
    call_command("setup_schedules", stdout=out)
    assert out.getvalue().splitlines() == [f"created: {spec.name}" for spec in SCHEDULES] + [
        f"up to date: {spec.name}" for spec in SCHEDULES
    ]
    assert Schedule.objects.count() == len(SCHEDULES)


def test_a_task_is_never_handed_out_again_while_it_may_still_run() -> None:
    from django.conf import settings

    from syncengine import dispatch

    cluster = settings.Q_CLUSTER
    assert cluster["retry"] > cluster["timeout"]
    # The lease outlives a task that runs until django-q2 kills it.
    assert dispatch.lease_seconds() > cluster["timeout"]
