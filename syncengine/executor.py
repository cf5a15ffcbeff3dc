"""The executor: carries out a plan in each store's largest batches (ARCHITECTURE §5.5-6).

- Each applied result is recorded in the repo as it arrives, so a stop at any point keeps what was
  done. Before a batch creates items, a pending row per item is written: after a crash the next
  run finds those items (in Salesforce by content; in the mailbox by the Salesforce id they carry,
  the marker) and knows what was written to them.
- Per-item errors become issues and do not stop the other items, except a sign-in failure
  (AuthFailed): it is never an item's own, so it stops the run like an error of a whole call.
- RateLimited (and any other error of a whole call) stops the run; what was applied stays recorded.
  So does RateLimited on any one item of a batch: no later batch goes out before the user's back-off.
- Every batch is fenced by the user's lease: a run that lost it stops before writing more.
- Anything else (a bug, a crash) propagates: the state left behind is one the next run converges from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from syncengine.partial import Failed, Landed, Outcome, settle, stale
from syncengine.planning.actions import SIDES, TALLIES, Action, Plan, Write, hashes_of, other
from syncengine.records import Contact, Event
from syncengine.state import (
    MappingRepo,
    MappingState,
    build_mapping,
    mapping_id,
    with_intents,
    without_intents,
)
from syncengine.stores.base import (
    AuthFailed,
    Create,
    Delete,
    MatchKey,
    NotFound,
    OpResult,
    ProviderError,
    RateLimited,
    Side,
    Store,
    Update,
)

Progress = Callable[[int, int], None]
# Raises LeaseLost when this run no longer holds its user: called before anything is written.
Fence = Callable[[], None]


class LeaseLost(Exception):
    """Another worker took the user over (this run was too slow, or its worker was thought
    dead): this run must write nothing more."""


@dataclass(frozen=True)
class Issue:
    """A problem for an administrator: plain language, never the item's content."""

    side: Side | None
    item_id: str
    code: str
    message: str
    retryable: bool


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    fatal: ProviderError | None = None
    lease_lost: bool = False
    # Sides whose changes must be read again: a write they caused failed for a retryable reason.
    reread: set[Side] = field(default_factory=set)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


@dataclass
class _Track:
    """An action's progress: the outcome of each of its writes so far."""

    action: Action
    ids: dict[Side, str]
    left: int
    failed: bool = False
    outcomes: dict[Side, Outcome] = field(default_factory=dict)
    recorded: MappingState | None = None  # the row as last written to the repo
    intent: bool = False  # the row in the repo carries intents of a write under way
    pending: bool = False  # a pending row stands for this action's create


def error_code(error: ProviderError) -> str:
    """`RateLimited` -> "rate_limited": the SyncIssue code of a provider error."""
    name = type(error).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _batch(repo: MappingRepo) -> AbstractContextManager[object]:
    """The repo's scope that saves its writes together (DbMappingRepo.batch), where it has one."""
    scope: Callable[[], AbstractContextManager[object]] | None = getattr(repo, "batch", None)
    return scope() if scope is not None else nullcontext()


def _flush(repo: MappingRepo) -> None:
    """Saves the writes the repo's scope holds so far (DbMappingRepo.flush), where it has one."""
    flush: Callable[[], None] | None = getattr(repo, "flush", None)
    if flush is not None:
        flush()


def _verb(write: Write) -> str:
    op = write.op
    return "create" if isinstance(op, Create) else "delete" if isinstance(op, Delete) else "update"


class Executor:
    def __init__(
        self,
        stores: dict[Side, Store],
        repo: MappingRepo,
        progress: Progress | None = None,
        fence: Fence | None = None,
    ) -> None:
        self.stores = stores
        self.repo = repo
        self.progress = progress
        self.fence = fence
        self.report = Report()

    def run(self, plan: Plan) -> Report:
        # The mappings are saved together: pending rows and intents before their batch goes out
        # (with the results of the batch before), and whatever is left when the run stops.
        with _batch(self.repo):
            try:
                return self._run(plan)
            except LeaseLost:
                self.report.lease_lost = True
                return self.report
            finally:
                _flush(self.repo)

    def _run(self, plan: Plan) -> Report:
        if self.fence:
            self.fence()
        tracks: list[_Track] = []
        queues: dict[Side, list[tuple[_Track, Write]]] = {s: [] for s in SIDES}
        for action in plan.actions:
            if not action.writes:
                self._settle_without_writes(action)
                continue
            track = self._track(action)
            tracks.append(track)
            for w in action.writes:
                queues[w.side].append((track, w))
        total = sum(len(q) for q in queues.values())
        done = 0
        for side in SIDES:
            store = self.stores[side]
            queue = queues[side]
            size = max(1, store.max_batch)
            for start in range(0, len(queue), size):
                batch = queue[start : start + size]
                if self.fence:
                    self.fence()
                self._write_pending(side, batch)
                self._write_intents(batch)
                _flush(self.repo)  # saved before the batch goes out
                try:
                    results = store.apply([w.op for _, w in batch])
                except ProviderError as error:
                    self._recover_creates(side, batch)
                    self._fatal(error, side)
                    return self.report
                refused: ProviderError | None = None
                throttled: list[RateLimited] = []
                for (track, write), result in zip(batch, results, strict=True):
                    if isinstance(result.error, AuthFailed | RateLimited):
                        # Neither is the item's own: a sign-in failure, or the provider asking
                        # us to wait. The run stops with the cursors where they were, so the
                        # next run plans the item again.
                        if isinstance(result.error, RateLimited):
                            throttled.append(result.error)
                        else:
                            refused = refused or result.error
                        self._not_written(track, write)
                    else:
                        self._record(track, write, result)
                # Not saved here: with the next batch's pending rows, or when the run stops
                # (`run`'s finally). A crash in between is one after this batch went out, which
                # pending rows, intents and markers already cover.
                if refused is None and throttled:
                    # A Retry-After on any item holds back every later write of the run, as one
                    # on the whole call does: the run ends "throttled" and the user backs off.
                    refused = max(throttled, key=lambda e: e.retry_after)
                if refused is not None:
                    self._fatal(refused, side)
                    return self.report
                done += len(batch)
                if self.progress:
                    self.progress(done, total)
        return self.report

    # ------------------------------------------------------------------ mapping bookkeeping

    def _track(self, action: Action) -> _Track:
        track = _Track(action, dict(action.ids), len(action.writes))
        track.recorded = action.before
        return track

    def _settle_without_writes(self, action: Action) -> None:
        if action.forget:
            self.repo.remove(action.ids.get("salesforce"), action.ids.get("mailbox"))
        elif action.tombstone is not None:
            self.repo.upsert(action.tombstone)
        elif action.versions is not None and action.bases is not None:
            self.repo.upsert(build_mapping(action.ids, action.versions, action.bases))
        self.report.count(TALLIES.get(action.type, action.type))

    def _write_pending(self, side: Side, batch: Sequence[tuple[_Track, Write]]) -> None:
        """Before creating copies on `side`, a pending row per item: the source's id and what is
        written. If the answer is lost (a crash, a dropped connection), the next run finds the
        copy and compares it with what was written, instead of settling differences by policy
        (which lost the user's edits of the copy)."""
        source = other(side)
        for track, write in batch:
            source_id = track.ids.get(source)
            if not isinstance(write.op, Create) or not source_id or track.action.bases is None:
                continue
            bases = dict(track.action.bases)
            bases[side] = self._written_hashes(side, write)
            versions: dict[Side, str] = {source: (track.action.versions or {}).get(source, "")}
            self.repo.upsert(build_mapping({source: source_id}, versions, bases, status="pending"))
            track.pending = True

    def _write_intents(self, batch: Sequence[tuple[_Track, Write]]) -> None:
        """Before updating linked items, note what is being written (MappingState.intents)."""
        for track, write in batch:
            op = write.op
            if not isinstance(op, Update) or track.recorded is None:
                continue
            row = with_intents(track.recorded, write.side, self._written_hashes(write.side, write))
            self.repo.upsert(row)
            track.intent = True

    def _recover_creates(self, side: Side, batch: Sequence[tuple[_Track, Write]]) -> None:
        """A batch whose answer was lost (a dropped connection) may have created items: those
        are found and linked now, before the user can change or delete them (a copy deleted,
        or reworked beyond what row U5 recognises, before the next run would otherwise be
        created again, or its source created a second time). Mailbox copies carry their
        marker. Salesforce records carry none, but one created a moment ago still holds
        exactly what was written, so its identifying fields find it: before the create, the
        planner matched no item by them."""
        source = other(side)
        wanted: dict[MatchKey, tuple[_Track, Write] | None] = {}
        for track, write in batch:
            if not isinstance(write.op, Create) or not track.ids.get(source):
                continue
            keys = [("marker", track.ids[source])] if side == "mailbox" else []
            for key in keys or write.op.record.match_keys():
                # A key two creates share cannot tell their items apart.
                wanted[key] = None if key in wanted else (track, write)
        if not any(wanted.values()):
            return
        try:
            hits = self.stores[side].find([k for k, v in wanted.items() if v is not None])
            held = {mapping_id(m, side) for m in self.repo.load_for({side: set(hits.values())})}
        except ProviderError:
            return  # the next run recovers them from their pending rows (rows U5, U5c, U5d)
        found: set[int] = set()
        for key, item_id in hits.items():
            entry = wanted.get(key)
            if entry is None or item_id in held or id(entry[0]) in found:
                continue
            held.add(item_id)
            found.add(id(entry[0]))
            # The version stays unknown: the next run reads the item by id.
            self._record(entry[0], entry[1], OpResult(True, item_id, ""))

    def _save(self, track: _Track, row: MappingState) -> None:
        self.repo.upsert(row)
        track.recorded, track.intent = row, False

    def _written_hashes(self, side: Side, write: Write) -> dict[str, str]:
        """Hashes of the fields `write` sets on `side`: the store's canonical form when it has
        one. Asked again once the write landed, not kept from before it: a store's canonical
        form may depend on what the write found (the Salesforce events store's invitees)."""
        op = write.op
        assert isinstance(op, Create | Update)
        canonical = getattr(self.stores[side], "canonical", None)
        record: Contact | Event = canonical(op.record) if canonical else op.record
        now = hashes_of(record)
        if isinstance(op, Update) and op.fields is not None:
            return {f: now[f] for f in op.fields}
        return dict(now)

    def _record(self, track: _Track, write: Write, result: OpResult) -> None:
        side, op, action = write.side, write.op, track.action
        track.left -= 1
        if isinstance(op, Delete) and (result.ok or isinstance(result.error, NotFound)):
            self.repo.remove(action.ids.get("salesforce"), action.ids.get("mailbox"))
            self.report.count(f"deleted_{side}")
            return
        if not result.ok or (not result.id and not isinstance(op, Delete)):
            error = result.error or ProviderError("the provider gave no result", permanent=False)
            track.outcomes[side] = Failed(error)
            self._item_error(track, write, error)
        else:
            self.report.count(f"{'created' if isinstance(op, Create) else 'updated'}_{side}")
            track.ids[side] = result.id or ""
            written = self._written_hashes(side, write)
            created = isinstance(op, Create)
            track.outcomes[side] = Landed(result.version or "", written, created)
        row = settle(action, track.ids, track.outcomes)
        if row is not None:
            self._save(track, row)
        elif track.intent and track.recorded is not None:
            self._save(track, without_intents(track.recorded))  # nothing was written
        if track.left == 0 and not track.failed and action.type in ("link", "conflict"):
            self.report.count(TALLIES[action.type])

    def _not_written(self, track: _Track, write: Write) -> None:
        """A write the provider did not take (sign-in refused, or asked to wait): the mapping
        stays as it was."""
        track.failed = True
        track.left -= 1
        if track.intent and track.recorded is not None:
            self._save(track, track.recorded)  # nothing written: drop the intent
        elif track.pending and isinstance(write.op, Create):
            track.pending = False
            if track.recorded is not None:
                self.repo.upsert(track.recorded)  # the row the pending one replaced
            else:
                self.repo.remove(track.ids.get("salesforce"), track.ids.get("mailbox"))

    def _item_error(self, track: _Track, write: Write, error: ProviderError) -> None:
        """The issue names the item it concerns: the target for updates and deletes, the source
        item for a create (the target does not exist)."""
        track.failed = True
        op = write.op
        if isinstance(op, Update | Delete) and stale(error):
            # Changed or gone there since it was read: not a problem for an administrator. The
            # mapping now sends both items to be read by id and planned again (partial.settle).
            self.report.count("deferred")
            return
        if isinstance(op, Update | Delete):
            side, item = write.side, op.id
        else:
            side = other(write.side)
            item = track.ids.get(side, "")
        kind = track.action.label.split(" ", 1)[0].lower()
        self.report.count(f"errors_{write.side}")
        if not error.permanent:
            self.report.reread.add(other(write.side))
        self.report.issues.append(
            Issue(
                side,
                item,
                error_code(error),
                f"Could not {_verb(write)} a {kind} in the {write.side}: {error.message}",
                not error.permanent,
            )
        )

    def _fatal(self, error: ProviderError, side: Side) -> None:
        self.report.fatal = error
        if isinstance(error, RateLimited):
            message = f"The {side} is throttling requests; the run stopped and will resume later."
        else:
            message = f"The {side} refused the run: {error.message}"
        self.report.issues.append(Issue(side, "", error_code(error), message, not error.permanent))
