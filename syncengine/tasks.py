"""django-q2 tasks and schedules. Tasks take ids only and are safe to run twice: the user's
lease keeps a second copy away while the first runs, and a later copy finds nothing to do."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_q.models import Schedule
from django_q.tasks import async_task

from syncengine import dispatch, queueing, service
from syncengine.models import KINDS, SyncUser

TASKS = "syncengine.tasks."


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    minutes: int


SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("lsync: dispatch due users", f"{TASKS}dispatch_due", minutes=1),
    ScheduleSpec("lsync: resolve enrollment", f"{TASKS}resolve_enrollment", minutes=15),
    ScheduleSpec("lsync: read change feed", f"{TASKS}read_change_feed", minutes=1),
    ScheduleSpec("lsync: renew mailbox subscriptions", f"{TASKS}renew_push", minutes=60),
)


def ensure_schedules() -> dict[str, bool]:
    """Creates or corrects our schedules; returns {name: created}. Running it twice is a no-op."""
    result: dict[str, bool] = {}
    with transaction.atomic():
        for spec in SCHEDULES:
            existing = list(Schedule.objects.filter(name=spec.name).order_by("pk"))
            # django-q2 names are not unique; an old bug or a hand edit may have doubled one.
            for extra in existing[1:]:
                extra.delete()
            wanted = {
                "func": spec.func,
                "schedule_type": Schedule.MINUTES,
                "minutes": spec.minutes,
                "repeats": -1,
            }
            if existing:
                current = existing[0]
                changed = [k for k, v in wanted.items() if getattr(current, k) != v]
                for key in changed:
                    setattr(current, key, wanted[key])
                if changed:
                    current.save(update_fields=changed)
                result[spec.name] = False
            else:
                Schedule.objects.create(name=spec.name, **wanted)
                result[spec.name] = True
        # Schedules of ours that no longer exist in SCHEDULES (renamed or retired).
        Schedule.objects.filter(func__startswith=TASKS).exclude(
            name__in=[s.name for s in SCHEDULES]
        ).delete()
    return result


def enqueue_sync(sync_user_id: int) -> None:
    async_task(queueing.SYNC_TASK, sync_user_id, group="sync")


def enqueue_syncs(sync_user_ids: list[int]) -> None:
    """One sync task per user, queued together (syncengine/queueing.py)."""
    queueing.enqueue_syncs(sync_user_ids)


def dispatch_due() -> int:
    """Runs every minute: enqueues one sync task per user that is due."""
    return len(dispatch.dispatch(enqueue_syncs))


def sync_user_task(sync_user_id: int) -> dict[str, str]:
    """Syncs each kind the user's configuration turns on, one after the other."""
    user = SyncUser.objects.select_related("configuration").filter(pk=sync_user_id).first()
    if user is None or user.configuration is None:
        return {}
    outcome: dict[str, str] = {}
    for kind in KINDS:
        if user.configuration.direction_for(kind) != "off":
            outcome[kind] = service.sync_user(sync_user_id, kind).status
    return outcome


def resolve_enrollment() -> str:
    """Runs every 15 minutes: re-reads assignments from Salesforce and re-links mailboxes."""
    from syncengine.enrollment import resolve_enrollment as resolve

    return resolve().summary()


def read_change_feed() -> dict[str, str]:
    """Runs every minute: reads the org's Salesforce change feed of each kind once, then
    dispatches at once, so a touched user syncs within the minute (docs/change-feed.md)."""
    from syncengine import changefeed

    results = [changefeed.read_feed(kind) for kind in KINDS]
    if any(r.woken for r in results):
        dispatch_due()
    return {r.kind: f"{r.status}: {r.changes} changes, {len(r.woken)} users" for r in results}


def renew_push() -> dict[str, dict[str, int]]:
    """Runs hourly: each active mail provider that offers push (Graph change notifications,
    Google Calendar watch channels) subscribes its users, renews what expires soon, recreates
    what the service dropped and stops what users who left still hold."""
    from syncengine import registry

    out: dict[str, dict[str, int]] = {}
    for provider in registry.mail_providers():
        maintain = getattr(provider, "maintain_push", None)
        if maintain is not None and provider.is_active():
            out[provider.key] = maintain()
    return out
