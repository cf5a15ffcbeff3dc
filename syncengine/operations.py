"""What an administrator can do to a sync user or an issue; shared by the console and the admin."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mappings.models import ItemMapping, SyncCursor, SyncIssue
from syncengine import dispatch, tasks
from syncengine.models import KindStatus, SyncUser


@dataclass(frozen=True)
class ResetOutcome:
    links: int  # links forgotten
    reset: list[int]
    busy: list[int]  # users syncing right now: left alone


def reset_sync(user_ids: Iterable[int]) -> ResetOutcome:
    """Forgets links and cursors. Records are untouched: the next run lists both sides in full
    and matches items before creating anything, so nothing is duplicated (mailbox copies also
    carry their Salesforce id). A user whose sync is running is skipped: that run would save
    links and cursors again right after the reset."""
    owner = dispatch.new_owner()
    links, reset, busy = 0, [], []
    for pk in user_ids:
        if not dispatch.claim_lease(pk, owner):
            busy.append(pk)
            continue
        try:
            links += _reset_one(pk)
            reset.append(pk)
        finally:
            dispatch.release_lease(pk, owner)
    return ResetOutcome(links, reset, busy)


def move_to_connection(pk: int, connection_id: int) -> bool:
    """Re-links a user to another mail connection (its domain moved, or its mailbox was
    migrated): its links and cursors are forgotten, so the next run lists both sides in full and
    finds the items again through their Salesforce-id markers and match keys, creating no
    duplicates. False when the user is syncing right now: the next enrollment run tries again."""
    owner = dispatch.new_owner()
    if not dispatch.claim_lease(pk, owner):
        return False
    try:
        with transaction.atomic():
            _reset_one(pk)
            SyncUser.objects.filter(pk=pk).update(mail_connection_id=connection_id)
    finally:
        dispatch.release_lease(pk, owner)
    return True


def _reset_one(pk: int) -> int:
    with transaction.atomic():
        links, _ = ItemMapping.objects.filter(sync_user_id=pk).delete()
        SyncCursor.objects.filter(sync_user_id=pk).delete()
        # Unresolved items stay: they are about Salesforce records, which a reset keeps, and the
        # next run links what exists without writing it, so nothing would report them again.
        SyncUser.objects.filter(pk=pk).update(
            contacts_status=KindStatus.NOT_STARTED,
            contacts_message="",
            contacts_progress=0,
            events_status=KindStatus.NOT_STARTED,
            events_message="",
            events_progress=0,
            next_due_at=timezone.now(),
            backoff_until=None,
            consecutive_failures=0,
        )
    return links


def sync_now(user_id: int) -> None:
    """Enqueues the user's sync task (id only); clears the back-off so it is not refused."""
    SyncUser.objects.filter(pk=user_id).update(backoff_until=None)
    tasks.enqueue_sync(user_id)


def sync_soon(users: QuerySet[SyncUser]) -> int:
    return users.update(next_due_at=timezone.now(), backoff_until=None)


def approve_guard_once(users: QuerySet[SyncUser]) -> int:
    """Lets each user's next run pass a tripped mass-delete guard, once."""
    return users.update(
        contacts_guard_approved=True,
        events_guard_approved=True,
        next_due_at=timezone.now(),
        backoff_until=None,
    )


def retry_issues(issues: QuerySet[SyncIssue]) -> int:
    """Marks open issues for retry and makes their users due now; the run re-reads both sides
    in full for a kind with a retry requested (see service.py)."""
    open_issues = issues.filter(resolved_at__isnull=True)
    user_ids = set(open_issues.values_list("sync_user_id", flat=True))
    count = open_issues.update(retry_requested=True, ignored=False)
    SyncUser.objects.filter(pk__in=user_ids).update(next_due_at=timezone.now(), backoff_until=None)
    return count


def ignore_issues(issues: QuerySet[SyncIssue]) -> int:
    return issues.filter(resolved_at__isnull=True).update(ignored=True, retry_requested=False)
