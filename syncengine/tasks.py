"""django-q2 tasks and schedules. Tasks take ids only and are safe to run twice: the user's
lease keeps a second copy away while the first runs, and a later copy finds nothing to do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from syncengine import changefeed, dispatch, queueing, service
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
    ScheduleSpec("lsync: check mailbox events", f"{TASKS}check_mail_events", minutes=1),
)
EVENT_BATCH = 50  # subscriptions per check task: about 50 GetEvents in a row


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


def queue_users(user_ids: Iterable[int]) -> int:
    """What a mailbox change notification does (Graph and Google webhooks, Exchange's events):
    the users due now and dispatched at once. A burst for one user makes one run: a user due
    now is claimed once. Returns the number of sync tasks queued."""
    ids = set(user_ids)
    if not ids:
        return 0
    changefeed.wake(ids, timezone.now())
    return dispatch_due()


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


def check_mail_events() -> dict[str, int]:
    """Runs every minute: each active mail provider whose mailboxes are asked for their events
    (Exchange's EWS pull notifications) names the subscriptions due a check; they are checked
    in batches, one task per batch, so several workers share them."""
    from syncengine import registry

    out: dict[str, int] = {}
    for provider in registry.mail_providers():
        due = getattr(provider, "events_due", None)
        if due is None or not provider.is_active():
            continue
        ids: list[int] = due()
        for start in range(0, len(ids), EVENT_BATCH):
            async_task(
                f"{TASKS}check_mail_event_batch",
                provider.key,
                ids[start : start + EVENT_BATCH],
                group="events",
            )
        out[provider.key] = len(ids)
    return out


def check_mail_event_batch(provider_key: str, subscription_ids: list[int]) -> int:
    """Checks these subscriptions' events once and queues only the users with a change (or whose
    subscription had to be made again). Safe to run twice: each subscription is claimed by a
    conditional update, so a second copy finds nothing due and queues nobody."""
    from syncengine import registry

    provider = registry.mail_provider(provider_key)
    check = getattr(provider, "check_events", None)
    if check is None:
        return 0
    users: set[int] = check(subscription_ids)
    return queue_users(users)
