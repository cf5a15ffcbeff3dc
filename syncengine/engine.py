"""One sync of one user and one kind (ARCHITECTURE §5, steps 2-6). Pure Python: stores, a mapping
repo and settings in, a RunResult out. The caller (the Django side) claims the lease, records the
SyncRun and SyncIssues from the result and backs off when `status == "throttled"`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from syncengine import guards
from syncengine.executor import Executor, Fence, Issue, LeaseLost, Progress, error_code
from syncengine.planner import plan
from syncengine.planning.actions import SIDES, Plan, hashes_of, other
from syncengine.policy import SyncSettings
from syncengine.recovery import created_and_deleted, landed_and_deleted
from syncengine.scope import Scope
from syncengine.state import (
    MappingRepo,
    MappingState,
    detached_side,
    is_pending,
    mapping_id,
    mapping_version,
    side_hashes,
)
from syncengine.stores.base import (
    ChangePage,
    CursorExpired,
    Item,
    Kind,
    MatchKey,
    ProviderError,
    RateLimited,
    Side,
    Store,
)

Status = Literal["ok", "partial", "failed", "guard", "throttled", "dry-run", "abandoned"]


@dataclass
class RunResult:
    """What one run did. `status` uses the values of mappings.RunStatus.

    counts keys: created_<side>, updated_<side>, deleted_<side>, errors_<side>, linked, conflicts,
    skipped, unlinked (mapping-only changes: tombstones and forgotten links), deferred (writes
    refused by a version conflict or for an item gone there: both items are read again by id and
    planned again next run)."""

    kind: Kind
    status: Status = "ok"
    plan: Plan | None = None
    counts: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    api_calls: dict[Side, int] = field(default_factory=dict)
    guard: guards.GuardTripped | None = None
    retry_after: float | None = None
    cursors_saved: bool = False  # both sides' cursors advanced
    full_listing: dict[Side, bool] = field(default_factory=dict)

    @property
    def guard_tripped(self) -> bool:
        return self.guard is not None

    @property
    def total_api_calls(self) -> int:
        return sum(self.api_calls.values())

    @property
    def message(self) -> str:
        if self.guard is not None:
            return self.guard.message
        if self.status in ("failed", "throttled") and self.issues:
            return self.issues[-1].message
        parts = [f"{k.replace('_', ' ')}: {v}" for k, v in sorted(self.counts.items()) if v]
        return ", ".join(parts) or "nothing to do"


def _read(store: Store, cursor: str | None) -> ChangePage:
    try:
        return store.changes(cursor)
    except CursorExpired:
        # An expired cursor means a full listing; matching then links instead of duplicating.
        return store.changes(None)


def _chunks(ids: Sequence[str], size: int) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), max(1, size))]


def _fetch(store: Store, ids: set[str]) -> dict[str, Item]:
    found: dict[str, Item] = {}
    for chunk in _chunks(sorted(ids), store.max_batch):
        found.update(store.get(chunk))
    return found


def _context(
    stores: dict[Side, Store],
    pages: dict[Side, ChangePage],
    scope: Scope,
    settings: SyncSettings,
) -> tuple[dict[Side, dict[str, Item]], dict[Side, ChangePage]]:
    """Items the planner needs besides the pages: marker targets and matches found by `find`.
    A marker target that no longer exists is reported as deleted."""
    mapped: dict[Side, set[str]] = {s: set() for s in SIDES}
    regular: dict[Side, set[str]] = {s: set() for s in SIDES}
    unknown: dict[Side, set[str]] = {s: set() for s in SIDES}

    def note(loaded: Sequence[MappingState]) -> None:
        for m in loaded:
            if not is_pending(m):
                for s in SIDES:
                    mapped[s].add(mapping_id(m, s))
                    if detached_side(m) is None:
                        regular[s].add(mapping_id(m, s))
                        if not mapping_version(m, s):
                            unknown[s].add(mapping_id(m, s))

    note(scope.mappings)
    mappings = scope.mappings
    in_hand = {s: {it.id for it in pages[s].changed} for s in SIDES}
    known: dict[Side, dict[str, Item]] = {s: {} for s in SIDES}
    unmapped = {
        s: [
            it for it in pages[s].changed if it.id not in mapped[s] and settings.in_scope(it.record)
        ]
        for s in SIDES
    }
    wanted: dict[Side, set[str]] = {s: set() for s in SIDES}
    markers = {it.marker for it in unmapped["mailbox"] if it.marker}
    wanted["salesforce"] |= {m for m in markers if m not in in_hand["salesforce"]}
    for side in SIDES:
        opp = other(side)
        if pages[opp].full or not unmapped[side]:
            continue
        keys: list[MatchKey] = [k for it in unmapped[side] for k in it.record.match_keys()]
        if side == "salesforce":
            keys += [("marker", it.id) for it in unmapped[side]]
        hits = stores[opp].find(keys) if keys else {}
        note(scope.cover({opp: set(hits.values())}))
        for item_id in hits.values():
            if item_id not in in_hand[opp] and item_id not in regular[opp]:
                wanted[opp].add(item_id)
    if stores["salesforce"].kind == "contacts":
        wanted["mailbox"] |= _survivors_to_read(pages, mappings, regular, in_hand)
    else:
        wanted["mailbox"] |= _targets_to_read(pages, mappings, in_hand)
    for side in SIDES:
        if wanted[side]:
            known[side] = _fetch(stores[side], wanted[side])
    adjusted = dict(pages)
    if stores["salesforce"].kind == "events":
        # Event listings cover a date window, so a mapped event missing from a full listing may
        # only have aged out of it: ask for it by id before the planner reads absence as a
        # deletion. Not for contacts, where absence is how "left the filter" is signalled.
        for side in SIDES:
            page = pages[side]
            absent = regular[side] - in_hand[side] - set(known[side])
            if page.full and absent:
                still_there = list(_fetch(stores[side], absent).values())
                adjusted[side] = ChangePage(
                    [*page.changed, *still_there], page.deleted, page.cursor, page.full
                )
    gone: dict[Side, list[str]] = {s: [] for s in SIDES}
    gone["salesforce"] = sorted(
        m for m in markers if m in wanted["salesforce"] and m not in known["salesforce"]
    )
    for side in SIDES:
        # A linked item whose version is unknown (a write to the pair failed or half landed, or
        # lsync created it after the cursor was taken) is read by id whatever the change feed
        # says: a change feed need not report the deletion of an item created after its cursor.
        # Not found means deleted there.
        ask = unknown[side] - {it.id for it in adjusted[side].changed} - set(known[side])
        ask -= set(adjusted[side].deleted)
        if ask:
            found = _fetch(stores[side], ask)
            known[side].update(found)
            gone[side] += sorted(ask - set(found))
    for side in SIDES:
        if gone[side]:
            page = adjusted[side]
            deleted = [*page.deleted, *gone[side]]
            adjusted[side] = ChangePage(page.changed, deleted, page.cursor, page.full)
    return known, adjusted


def _targets_to_read(
    pages: dict[Side, ChangePage], mappings: Sequence[MappingState], in_hand: dict[Side, set[str]]
) -> set[str]:
    """Mailbox events a Salesforce edit or deletion would be written to, that this run has not
    read: the planner must know whether each is an attendee's copy of a meeting, which lsync
    never writes to (row O4), or an event the user no longer selects (S4). An edit is a field
    that moved from its base, as the planner sees it: a version that moved alone writes nothing."""
    sf = pages["salesforce"]
    edited = {it.id: it for it in sf.changed}
    gone = set(sf.deleted)
    wanted: set[str] = set()
    for m in mappings:
        if detached_side(m) is not None or is_pending(m) or m.mailbox_id in in_hand["mailbox"]:
            continue
        item = edited.get(m.salesforce_id)
        if m.salesforce_id in gone:
            wanted.add(m.mailbox_id)
        elif item is not None and item.version != m.salesforce_version:
            base = side_hashes(m, "salesforce")
            if any(base.get(f) != h for f, h in hashes_of(item.record).items()):
                wanted.add(m.mailbox_id)
    return wanted


def _survivors_to_read(
    pages: dict[Side, ChangePage],
    mappings: Sequence[MappingState],
    regular: dict[Side, set[str]],
    in_hand: dict[Side, set[str]],
) -> set[str]:
    """Mailbox contacts whose Salesforce contact left the listing (deleted or out of the filter)
    and that this run has not read: the planner needs their marker to know whether lsync put
    them in the mailbox (they leave with it) or the user did (they stay; row D1c)."""
    sf = pages["salesforce"]
    gone = set(sf.deleted) - in_hand["salesforce"]
    if sf.full:
        gone |= regular["salesforce"] - in_hand["salesforce"]
    return {
        m.mailbox_id
        for m in mappings
        if m.salesforce_id in gone
        and m.mailbox_id in regular["mailbox"]
        and m.mailbox_id not in in_hand["mailbox"]
    }


def _past_own_writes(
    store: Store, repo: MappingRepo, cursor: str | None, fenced: Callable[[], bool]
) -> dict[Side, str]:
    """The mailbox cursor past the run's own writes, where the store and the repo allow it.

    The items lsync created are recorded without a version (partial.py): a change feed whose
    cursor predates a create may never report its deletion, so the next run reads them, 50,000
    after an initial sync. A store with `own_writes_echoed` reads one round from the run's cursor
    now; when that round reports only the run's own writes at the versions they returned, those
    versions are recorded (they are current: the round came after the writes) and the next run
    starts after the round. Anything else in the round (a user's edit made meanwhile) leaves the
    cursor where it was, and the next run reads that round as before."""
    echoed: Callable[[str], tuple[str, dict[str, str]] | None] | None
    echoed = getattr(store, "own_writes_echoed", None)
    confirm: Callable[[Side, dict[str, str]], None] | None
    confirm = getattr(repo, "confirm_versions", None)
    if echoed is None or confirm is None or not cursor:
        return {}
    try:
        found = echoed(cursor)
    except ProviderError:
        return {}
    if found is None or not fenced():
        return {}
    link, versions = found
    confirm("mailbox", versions)
    return {"mailbox": link}


def run_sync(
    sf_store: Store,
    mail_store: Store,
    repo: MappingRepo,
    settings: SyncSettings,
    *,
    dry_run: bool = False,
    approve_guard: bool = False,
    progress: Progress | None = None,
    fence: Fence | None = None,
) -> RunResult:
    """Sync one user's contacts or events (the stores' kind) between Salesforce and the mailbox.

    `fence` raises LeaseLost once the caller no longer holds the user: it is called before
    each phase and each write batch, and the run then ends "abandoned" without writing more."""
    stores: dict[Side, Store] = {"salesforce": sf_store, "mailbox": mail_store}
    result = RunResult(kind=sf_store.kind)
    start_calls = {s: stores[s].api_calls for s in SIDES}

    def finish(status: Status) -> RunResult:
        hashes_of.cache_clear()
        result.status = status
        result.api_calls = {s: stores[s].api_calls - start_calls[s] for s in SIDES}
        return result

    if settings.direction == "off":
        return finish("dry-run" if dry_run else "ok")

    def fenced() -> bool:
        try:
            if fence:
                fence()
        except LeaseLost:
            return False
        return True

    try:
        pages = {s: _read(stores[s], repo.get_cursor(s)) for s in SIDES}
        result.full_listing = {s: pages[s].full for s in SIDES}
        scope = Scope(repo, pages)
        known, pages = _context(stores, pages, scope, settings)
        scope.cover_items({s: known[s].values() for s in SIDES})
        mappings, pages["mailbox"] = landed_and_deleted(
            stores["mailbox"], pages["mailbox"], known["mailbox"], scope.mappings
        )
        mappings = created_and_deleted(stores["salesforce"], pages["salesforce"], mappings)
        # The mailbox item of a pair so recovered decides between rows D1 and D1c: read it.
        held = {it.id for it in pages["mailbox"].changed} | set(known["mailbox"])
        unread = {m.mailbox_id for m in mappings if m.status != "pending"} - held
        unread &= {p.mailbox_id for p in scope.mappings if is_pending(p)}
        if unread:
            known["mailbox"].update(_fetch(stores["mailbox"], unread))
    except ProviderError as error:
        result.issues.append(
            Issue(
                None,
                "",
                error_code(error),
                f"Could not read changes: {error.message}",
                not error.permanent,
            )
        )
        if isinstance(error, RateLimited):
            result.retry_after = error.retry_after
            return finish("throttled")
        return finish("failed")

    the_plan = plan(result.kind, pages["salesforce"], pages["mailbox"], mappings, settings, known)
    result.plan = the_plan
    if not approve_guard:
        try:
            deletes = any(pages[s].deleted or the_plan.deletes(s) for s in SIDES)
            total = scope.linked_total() if deletes else None
            guards.check(the_plan, pages, mappings, settings, total)
        except guards.GuardTripped as tripped:
            result.guard = tripped
            result.issues.append(Issue(tripped.side, "", tripped.code, tripped.message, False))
            return finish("guard")
    if dry_run:
        result.counts = the_plan.counts()
        return finish("dry-run")

    report = Executor(stores, repo, progress, fence).run(the_plan)
    result.counts = report.counts
    result.issues.extend(report.issues)
    if report.lease_lost:
        return finish("abandoned")
    if report.fatal is not None:
        if isinstance(report.fatal, RateLimited):
            result.retry_after = report.fatal.retry_after
            return finish("throttled")
        return finish("failed")
    if not fenced():
        return finish("abandoned")
    # A change whose write failed for a reason a retry can fix is read again next time: the
    # cursor of the side it came from stays where it was.
    # So is a modified occurrence waiting for the series created in this run (row R2).
    again = report.reread | {s for a in the_plan.actions if a.rule == "R2" for s in a.ids}
    cursors = {s: pages[s].cursor for s in SIDES if s not in again}
    # The lease was just checked: `_past_own_writes` checks it again after its read.
    cursors.update(_past_own_writes(stores["mailbox"], repo, cursors.get("mailbox"), fenced))
    repo.save_cursors(cursors)
    result.cursors_saved = not again
    return finish("partial" if report.issues else "ok")
