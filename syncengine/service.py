"""The engine's one public entry: sync one user, one kind.

Claims the user's lease, builds both stores, runs the pure engine, then writes what happened:
a SyncRun, the SyncIssues, the user's status for that kind, and the back-off."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import OperationalError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from mappings.models import RunStatus, SyncIssue, SyncRun
from syncengine import changefeed, dispatch, eligibility, engine, heartbeat, registry, unresolved
from syncengine.executor import Issue, LeaseLost, Progress
from syncengine.latency import record_delays, watch_stores
from syncengine.models import KindStatus, SyncUser
from syncengine.redaction import redact
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Kind, ProviderError

logger = logging.getLogger(__name__)

# Issue messages come partly from providers' error texts; an administrator reads them in the
# admin, so credentials that a provider echoes back are cut out and the length is bounded.
MESSAGE_MAX = 1000

BUSY = "busy"
SKIPPED = "skipped"
LEASE_RENEW_SECONDS = 60
DATABASE_BUSY = (
    "lsync's database was busy (locked by another process) for too long, so the run stopped. "
    "It is tried again shortly; if this keeps happening, fewer workers or PostgreSQL help."
)


@dataclass(frozen=True)
class RunOutcome:
    """`status` is a RunStatus value, or "busy" (another worker holds the user) or "skipped"."""

    sync_user_id: int
    kind: Kind
    status: str
    message: str
    run_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    plan: list[str] = field(default_factory=list)
    retry_after: float | None = None


def sync_user(
    sync_user_id: int,
    kind: Kind,
    *,
    dry_run: bool = False,
    approve_guard: bool = False,
    progress: Progress | None = None,
) -> RunOutcome:
    if not SyncUser.objects.filter(pk=sync_user_id).exists():
        return RunOutcome(sync_user_id, kind, SKIPPED, "No such sync user.")
    owner = dispatch.new_owner()
    if not dispatch.claim_lease(sync_user_id, owner):
        return RunOutcome(sync_user_id, kind, BUSY, "Another worker is syncing this user now.")
    lease = Lease(sync_user_id, owner)
    try:
        with heartbeat.on_each_response(lease.beat):
            return _run(sync_user_id, kind, lease, dry_run, approve_guard, progress)
    except OperationalError as exc:
        if not database_busy(exc):
            raise
        # Raised outside the engine (while recording the run): nothing more can be written.
        logger.warning("sync of user %s (%s): database busy: %s", sync_user_id, kind, exc)
        return RunOutcome(sync_user_id, kind, RunStatus.FAILED, DATABASE_BUSY)
    finally:
        dispatch.release_lease(sync_user_id, owner)


class Lease:
    """The user's lease, held by this run: renewed while the run lasts (on every provider
    response and every progress step, at most every LEASE_RENEW_SECONDS) and checked before
    every write batch. Once it is lost, another worker may own the user: `fence` raises."""

    def __init__(self, sync_user_id: int, owner: str) -> None:
        self.sync_user_id, self.owner = sync_user_id, owner
        self.renewed = time.monotonic()
        self.lost = False

    def renew(self) -> bool:
        if not self.lost:
            self.lost = not dispatch.renew_lease(self.sync_user_id, self.owner)
            self.renewed = time.monotonic()
        return not self.lost

    def beat(self) -> None:
        if time.monotonic() - self.renewed > LEASE_RENEW_SECONDS:
            self.renew()

    def fence(self) -> None:
        """One conditional UPDATE: the write that follows is ours only if it changed a row."""
        if not self.renew():
            raise LeaseLost(f"the lease of user {self.sync_user_id} was lost")


def database_busy(exc: OperationalError) -> bool:
    # SQLite: "database is locked" / "database table is locked"; PostgreSQL: lock timeouts.
    text = str(exc).lower()
    return "locked" in text or "lock timeout" in text or "could not obtain lock" in text


class _Tracker:
    """Relays progress to the caller, shows it on the user while the first sync runs, and
    renews the lease so that a long run is never taken over."""

    def __init__(
        self, user: SyncUser, kind: Kind, lease: Lease, initial: bool, relay: Progress | None
    ):
        self.user, self.kind, self.lease = user, kind, lease
        self.initial, self.relay = initial, relay
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if self.initial and (percent >= self.shown + 5 or percent == 100):
            SyncUser.objects.filter(pk=self.user.pk).update(**{f"{self.kind}_progress": percent})
            self.shown = percent
        self.lease.beat()
        if self.relay:
            self.relay(done, total)


def _run(
    sync_user_id: int,
    kind: Kind,
    lease: Lease,
    dry_run: bool,
    approve_guard: bool,
    progress: Progress | None,
) -> RunOutcome:
    user = SyncUser.objects.select_related("configuration", "mail_connection").get(pk=sync_user_id)
    config = user.configuration
    # A dry run writes nothing, so it may preview a configuration before it is turned on.
    if config is None or not (config.active or dry_run):
        return RunOutcome(user.pk, kind, SKIPPED, "Not assigned to an active configuration.")
    settings = config.settings_for(kind, user.mailbox_address)
    if settings.direction == "off":
        return RunOutcome(user.pk, kind, SKIPPED, f"{kind.title()} are off in '{config}'.")
    refused = eligibility.refusal(user, kind)
    if refused:
        return RunOutcome(user.pk, kind, SKIPPED, refused)
    waiting = eligibility.throttled(user)
    if waiting:
        assert user.throttled_until is not None
        left = (user.throttled_until - timezone.now()).total_seconds()
        return RunOutcome(user.pk, kind, RunStatus.THROTTLED, waiting, retry_after=left)

    repo = DbMappingRepo(user, kind)
    initial = user.kind_status(kind) in (KindStatus.NOT_STARTED, KindStatus.INITIAL_SYNC)
    run = SyncRun.objects.create(sync_user=user, kind=kind)
    if not dry_run:
        if initial:
            _set_user(user, kind, status=KindStatus.INITIAL_SYNC, progress=0)
        if _open_issues(user, kind).filter(retry_requested=True).exists():
            # A retry re-reads both sides in full: every item that failed is planned again,
            # and matching links what exists instead of creating it twice.
            repo.save_cursors({"salesforce": None, "mailbox": None})
    tracker = _Tracker(user, kind, lease, initial and not dry_run, progress)
    try:
        try:
            sf_store, mail_store = registry.build_stores(user, kind)
            sf_store = changefeed.gate(user, kind, sf_store)
        except ProviderError as error:
            # A connection that cannot be used (not set up, no store for its method): the
            # admin gets the store's own sentence, not "unexpected error".
            return _refused_by_store(user, kind, run, error, dry_run)
        watched = watch_stores(sf_store, mail_store)  # the delay from each edit to its copy
        result = engine.run_sync(
            watched["salesforce"],
            watched["mailbox"],
            repo,
            settings,
            dry_run=dry_run,
            approve_guard=approve_guard or user.guard_approved(kind),
            progress=tracker,
            fence=lease.fence,
        )
    except LeaseLost:
        return _abandoned(user, kind, run)
    except Exception as exc:
        if isinstance(exc, OperationalError) and database_busy(exc):
            logger.warning("sync of user %s (%s): database busy: %s", user.pk, kind, exc)
            code, message = "database_busy", DATABASE_BUSY
        else:
            # The log has the traceback; the admin gets a sentence without internals or secrets.
            logger.exception("sync of user %s (%s) crashed", user.pk, kind)
            code = "crash"
            message = "The sync stopped on an unexpected error; the server log has the details."
        _finish(run, RunStatus.FAILED, message)
        if not dry_run:
            _set_user(user, kind, status=KindStatus.ERROR, message=message)
            _save_issues(user, kind, run, [Issue(None, "", code, message, True)])
            dispatch.record_failure(user.pk)
        return RunOutcome(user.pk, kind, RunStatus.FAILED, message, run.pk)

    status = result.status
    if status == RunStatus.ABANDONED or (not dry_run and not lease.renew()):
        # Another worker owns the user now: its run records the user's state, not this one.
        return _abandoned(user, kind, run, dict(result.counts))
    plan_lines = result.plan.describe() if result.plan is not None else []
    _finish(
        run,
        status,
        result.message,
        counts=result.counts,
        api_calls=result.total_api_calls,
        salesforce_calls=result.api_calls.get("salesforce", 0),
        limits=str(getattr(sf_store, "limit_info", "") or ""),
    )
    if not dry_run:
        record_delays(run, result.plan, watched)
        everything = all(result.full_listing.get(s) for s in ("salesforce", "mailbox"))
        through = status in (RunStatus.OK, RunStatus.PARTIAL)
        fixed = None if everything and through else repo.synced_since(run.started_at)
        _after_run(
            user, kind, run, result.issues, status, result.message, result.retry_after, fixed
        )
        if status in (RunStatus.OK, RunStatus.PARTIAL):
            changefeed.settle(user, kind, run.started_at, sf_store)
        if status in (RunStatus.OK, RunStatus.PARTIAL) and user.guard_approved(kind):
            _set_user(user, kind, guard_approved=False)
        repo.mark_failed([i.item_id for i in result.issues if i.item_id])
        # Only the Salesforce store reports unresolved companies and attendees.
        reported = getattr(sf_store, "unresolved", None)
        if reported:
            unresolved.record_unresolved(user, kind, list(reported))
    counts = dict(result.counts)
    return RunOutcome(user.pk, kind, status, result.message, run.pk, counts, plan_lines, result.retry_after)  # fmt: skip


def _refused_by_store(
    user: SyncUser, kind: Kind, run: SyncRun, error: ProviderError, dry_run: bool
) -> RunOutcome:
    message = error.message
    _finish(run, RunStatus.FAILED, message)
    if not dry_run:
        _set_user(user, kind, status=KindStatus.ERROR, message=message)
        issue = Issue(None, "", "connection", message, not error.permanent)
        _save_issues(user, kind, run, [issue])
        dispatch.record_failure(user.pk)
    return RunOutcome(user.pk, kind, RunStatus.FAILED, message, run.pk)


def _abandoned(
    user: SyncUser, kind: Kind, run: SyncRun, counts: dict[str, int] | None = None
) -> RunOutcome:
    message = (
        "Another worker took this user over while this run was still going (it was too slow, "
        "or its worker was thought dead); the run stopped without writing more."
    )
    logger.warning("sync of user %s (%s) lost its lease", user.pk, kind)
    _finish(run, RunStatus.ABANDONED, message, counts=counts)
    return RunOutcome(user.pk, kind, RunStatus.ABANDONED, message, run.pk, dict(counts or {}))


def _after_run(
    user: SyncUser,
    kind: Kind,
    run: SyncRun,
    issues: list[Issue],
    status: str,
    message: str,
    retry_after: float | None,
    fixed: set[str] | None,
) -> None:
    """`fixed`: ids of items this run synced; None when it got through with both sides listed."""
    now = timezone.now()
    with transaction.atomic():
        _save_issues(user, kind, run, issues)
        if status in (RunStatus.OK, RunStatus.PARTIAL):
            # Run-level problems are over; an item's, when it synced or a full listing dropped it.
            stale = _open_issues(user, kind).exclude(run=run)
            if fixed is not None:
                stale = stale.filter(Q(item_id="") | Q(item_id__in=fixed))
            stale.update(resolved_at=now, retry_requested=False)
        elif fixed:
            # A run stopped part-way still synced these items: their own problems are over.
            stale = _open_issues(user, kind).exclude(run=run).filter(item_id__in=fixed)
            stale.update(resolved_at=now, retry_requested=False)
    if status == RunStatus.THROTTLED:
        until = dispatch.record_failure(user.pk, retry_after)
        if retry_after:
            wait = timedelta(seconds=min(retry_after, dispatch.RETRY_AFTER_MAX_SECONDS))
            SyncUser.objects.filter(pk=user.pk).update(throttled_until=now + wait)
        _set_user(user, kind, message=f"The provider asked us to slow down; next try {_at(until)}.")
        return
    if status in (RunStatus.OK, RunStatus.PARTIAL):
        dispatch.record_success(user.pk)
        failed = len(issues)
        _set_user(
            user,
            kind,
            status=KindStatus.IN_SYNC,
            message=f"{failed} item(s) could not be synced; see the issues." if failed else "",
            progress=100,
            synced_at=now,
        )
    else:
        until = dispatch.record_failure(user.pk)
        _set_user(user, kind, status=KindStatus.ERROR, message=f"{message} Next try {_at(until)}.")
    interval = dispatch.sync_interval(dispatch.eligible_users().count())
    SyncUser.objects.filter(pk=user.pk).update(next_due_at=now + interval)


def _at(moment: datetime) -> str:
    return f"at {moment:%H:%M} UTC"


def _open_issues(user: SyncUser, kind: Kind) -> QuerySet[SyncIssue]:
    return SyncIssue.objects.filter(sync_user=user, kind=kind, resolved_at__isnull=True)


def _save_issues(user: SyncUser, kind: Kind, run: SyncRun, issues: list[Issue]) -> None:
    """One row per ongoing problem: a problem seen again updates its row (keeping whether it
    was ignored) instead of adding one per run."""
    for issue in issues:
        side = issue.side or ""
        item_id = issue.item_id[:512]
        code = issue.code[:64]
        values = {"run": run, "message": plain(issue.message), "retryable": issue.retryable}
        same = _open_issues(user, kind).filter(side=side, item_id=item_id, code=code)
        if not same.update(retry_requested=False, **values):
            SyncIssue.objects.create(
                sync_user=user, kind=kind, side=side, item_id=item_id, code=code, **values
            )


def plain(message: str) -> str:
    message = redact(message)
    return message if len(message) <= MESSAGE_MAX else message[: MESSAGE_MAX - 1] + "…"


def _finish(
    run: SyncRun,
    status: str,
    message: str,
    *,
    counts: dict[str, int] | None = None,
    api_calls: int = 0,
    salesforce_calls: int = 0,
    limits: str = "",
) -> None:
    run.status = status
    run.message = plain(message)
    run.counts = dict(counts or {})
    run.api_calls = api_calls
    run.salesforce_api_calls = salesforce_calls
    run.salesforce_limits = limits
    run.finished_at = timezone.now()
    # Only while it is still running: a run already closed as abandoned stays closed.
    SyncRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=run.status,
        message=run.message,
        counts=run.counts,
        api_calls=run.api_calls,
        salesforce_api_calls=run.salesforce_api_calls,
        salesforce_limits=run.salesforce_limits,
        finished_at=run.finished_at,
    )


def _set_user(
    user: SyncUser,
    kind: Kind,
    *,
    status: str | None = None,
    message: str | None = None,
    progress: int | None = None,
    synced_at: datetime | None = None,
    guard_approved: bool | None = None,
) -> None:
    values: dict[str, object] = {}
    for name, value in [
        ("status", status),
        ("message", None if message is None else plain(message)),
        ("progress", progress),
        ("synced_at", synced_at),
        ("guard_approved", guard_approved),
    ]:
        if value is not None:
            values[f"{kind}_{name}"] = value
    if values:
        SyncUser.objects.filter(pk=user.pk).update(**values)
