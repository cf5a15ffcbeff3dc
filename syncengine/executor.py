"""The executor: carries out a plan in each store's largest batches (ARCHITECTURE §5.5-6).

- Each applied result is recorded in the repo as it arrives, so a stop at any point keeps what was
  done. Before a batch creates items in Salesforce, a pending row per item is written: the next run
  finds those items by content after a crash. Items created in the mailbox carry the Salesforce id
  (the marker) instead.
- Per-item errors become issues and do not stop the other items.
- RateLimited (and any other error of a whole call) stops the run; what was applied stays recorded.
  So does RateLimited on any one item of a batch: no later batch goes out before the user's back-off.
- Anything else (a bug, a crash) propagates: the state left behind is one the next run converges from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from syncengine.planner import SIDES, TALLIES, Action, Plan, Write, hashes_of, other
from syncengine.records import Contact, Event
from syncengine.state import (
    PENDING,
    MappingRepo,
    MappingState,
    build_mapping,
    mapping_version,
    pending_id,
    side_hashes,
    with_intents,
)
from syncengine.stores.base import (
    Create,
    Delete,
    NotFound,
    OpResult,
    ProviderError,
    RateLimited,
    Side,
    Store,
    Update,
)

Progress = Callable[[int, int], None]


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
    # Sides whose changes must be read again: a write they caused failed for a retryable reason.
    reread: set[Side] = field(default_factory=set)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


@dataclass
class _Track:
    """An action's progress: its mapping as far as the results so far allow."""

    action: Action
    ids: dict[Side, str]
    versions: dict[Side, str]
    bases: dict[Side, dict[str, str]]
    left: int
    failed: bool = False
    done: dict[Side, tuple[str, dict[str, str]]] = field(default_factory=dict)  # written sides
    recorded: MappingState | None = None  # the row as last written to the repo
    intent: bool = False  # the row in the repo carries intents of a write under way


def error_code(error: ProviderError) -> str:
    """`RateLimited` -> "rate_limited": the SyncIssue code of a provider error."""
    name = type(error).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _verb(write: Write) -> str:
    op = write.op
    return "create" if isinstance(op, Create) else "delete" if isinstance(op, Delete) else "update"


class Executor:
    def __init__(
        self,
        stores: dict[Side, Store],
        repo: MappingRepo,
        progress: Progress | None = None,
    ) -> None:
        self.stores = stores
        self.repo = repo
        self.progress = progress
        self.report = Report()

    def run(self, plan: Plan) -> Report:
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
                if side == "salesforce":
                    self._write_pending(batch)
                self._write_intents(batch)
                try:
                    results = store.apply([w.op for _, w in batch])
                except ProviderError as error:
                    self._fatal(error, side)
                    return self.report
                throttled: list[RateLimited] = []
                for (track, write), result in zip(batch, results, strict=True):
                    if isinstance(result.error, RateLimited):
                        # Not the item's problem: the provider asked us to wait.
                        throttled.append(result.error)
                        self._not_written(track)
                        continue
                    self._record(track, write, result)
                if throttled:
                    # A Retry-After on any item holds back every later write of the run, as one
                    # on the whole call does: the run ends "throttled" and the user backs off.
                    self._fatal(max(throttled, key=lambda e: e.retry_after), side)
                    return self.report
                done += len(batch)
                if self.progress:
                    self.progress(done, total)
        return self.report

    # ------------------------------------------------------------------ mapping bookkeeping

    def _track(self, action: Action) -> _Track:
        """Sides the action writes start from the old mapping (kept if the write fails); sides it
        only read take what was read in this run."""
        written = {w.side for w in action.writes}
        versions: dict[Side, str] = {}
        bases: dict[Side, dict[str, str]] = {}
        for s in SIDES:
            if s in written:
                if action.before is not None:
                    versions[s] = mapping_version(action.before, s)
                    bases[s] = side_hashes(action.before, s)
            elif action.versions is not None and action.bases is not None:
                versions[s] = action.versions.get(s, "")
                bases[s] = action.bases.get(s, {})
        track = _Track(action, dict(action.ids), versions, bases, len(action.writes))
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

    def _write_pending(self, batch: Sequence[tuple[_Track, Write]]) -> None:
        for track, write in batch:
            mailbox_id = track.ids.get("mailbox")
            if not isinstance(write.op, Create) or not mailbox_id or track.action.bases is None:
                continue
            bases = dict(track.action.bases)
            bases["salesforce"] = self._written_hashes("salesforce", write, bases["salesforce"])
            ids: dict[Side, str] = {"salesforce": pending_id(mailbox_id), "mailbox": mailbox_id}
            versions: dict[Side, str] = {
                "mailbox": (track.action.versions or {}).get("mailbox", "")
            }
            self.repo.upsert(build_mapping(ids, versions, bases, extra={PENDING: "1"}))

    def _write_intents(self, batch: Sequence[tuple[_Track, Write]]) -> None:
        """Before updating linked items, note what is being written (see state.INTENT)."""
        for track, write in batch:
            op = write.op
            if not isinstance(op, Update) or track.recorded is None:
                continue
            hashes = self._written_hashes(write.side, write, {})
            fields = op.fields if op.fields is not None else hashes.keys()
            row = with_intents(track.recorded, write.side, {f: hashes[f] for f in fields})
            self.repo.upsert(row)
            track.intent = True

    def _save(self, track: _Track, row: MappingState) -> None:
        self.repo.upsert(row)
        track.recorded, track.intent = row, False

    def _written_hashes(self, side: Side, write: Write, base: dict[str, str]) -> dict[str, str]:
        """Hashes of what `side` holds after `write`: the store's canonical form when it has one."""
        op = write.op
        assert isinstance(op, Create | Update)
        canonical = getattr(self.stores[side], "canonical", None)
        record: Contact | Event = canonical(op.record) if canonical else op.record
        now = hashes_of(record)
        if isinstance(op, Update) and op.fields is not None:
            return {**base, **{f: now[f] for f in op.fields}}
        return dict(now)

    def _record(self, track: _Track, write: Write, result: OpResult) -> None:
        side, op, action = write.side, write.op, track.action
        track.left -= 1
        if isinstance(op, Delete):
            if result.ok or isinstance(result.error, NotFound):
                self.repo.remove(action.ids.get("salesforce"), action.ids.get("mailbox"))
                self.report.count(f"deleted_{side}")
            else:
                self._item_error(track, write, result)
            return
        if not result.ok or not result.id:
            self._item_error(track, write, result)
            return
        self.report.count(f"{'created' if isinstance(op, Create) else 'updated'}_{side}")
        track.ids[side] = result.id
        written = self._written_hashes(side, write, (action.bases or {}).get(side, {}))
        track.done[side] = (result.version or "", written)
        if len(track.done) == len(action.writes):
            for s, (version, hashes) in track.done.items():
                track.versions[s], track.bases[s] = version, hashes
        elif action.before is not None:
            # Half of a two-way merge: this side now holds the other's fields, but its own edits
            # have not reached the other side yet. Keep its old version and, for those edits, its
            # old base, so the next run still sees them (e.g. after a crash here).
            fields = op.fields if isinstance(op, Update) and op.fields is not None else written
            old = side_hashes(action.before, side)
            track.bases[side] = {**old, **{f: written[f] for f in fields}}
        if action.type == "link" and (track.failed or track.left):
            return  # a link is saved whole or not at all: the next run matches the pair again
        if len(track.ids) == 2 and len(track.bases) == 2:
            self._save(track, build_mapping(track.ids, track.versions, track.bases))
        if track.left == 0 and not track.failed and action.type in ("link", "conflict"):
            self.report.count(TALLIES[action.type])

    def _not_written(self, track: _Track) -> None:
        """A write the provider refused to take now: the mapping stays as it was."""
        track.failed = True
        track.left -= 1
        if track.intent and track.recorded is not None:
            self._save(track, track.recorded)

    def _item_error(self, track: _Track, write: Write, result: OpResult) -> None:
        """The issue names the item it concerns: the target for updates and deletes, the source
        item for a create (the target does not exist)."""
        track.failed = True
        if track.intent and track.recorded is not None:
            self._save(track, track.recorded)  # nothing was written: drop the intent
        error = result.error or ProviderError("the provider gave no result", permanent=False)
        op = write.op
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
