"""The mapping to record for an action whose writes landed in whole, in part or not at all.

The next plan compares each side with its recorded base and version, so both must describe what
that side really holds (issue 13): a version kept from before a write that failed or half landed
made every later write fail with a version conflict, and a base kept from before an edit that did
reach the other side made an undo of that edit invisible (the sides then differed silently).

The rules, for each side of a linked pair:
- base: what the side held when read in this run (the old base where it was not read), plus what
  a write to it landed. A change from this side that did not reach the other side (its write
  failed or never went out) keeps the old base for those fields, so it is still a change next time.
- version: as read, or as returned by its write. It is left empty (unknown) where it is stale or
  where a change must be planned again: the engine then reads the item by id in the next run,
  whatever its change feed says, and the planner compares fields instead of versions.
  - a write refused by a version conflict (`VersionMismatch`) or for an item that is gone
    (`NotFound`): the target's version is stale;
  - a failure a retry can fix, a conflict, a gone target or a write never sent: the source's change
    is planned again next run;
  - a permanent refusal keeps the source's version as read: the change is not retried until the
    item changes again, and then goes with it (its base still differs).
- An item lsync created also gets an empty version: a change feed whose cursor predates the
  create may never report that the user deleted it, so the next run reads it by id. Where the
  store reads its feed again after the writes and finds just them, the engine records their
  versions then (engine._past_own_writes).
"""

from __future__ import annotations

from dataclasses import dataclass

from syncengine.planning.actions import SIDES, Action, Write, hashes_of, other
from syncengine.state import MappingState, build_mapping, mapping_version, side_hashes
from syncengine.stores.base import Create, Delete, NotFound, ProviderError, Side, VersionMismatch

UNKNOWN = ""  # a version that is not known to be current: read the item by id next run


@dataclass(frozen=True)
class Landed:
    version: str
    written: dict[str, str]  # the hashes of the fields the write set on that side
    created: bool = False


@dataclass(frozen=True)
class Failed:
    error: ProviderError


Outcome = Landed | Failed


def stale(error: ProviderError) -> bool:
    """The target is not what the plan was made against: re-read it and plan again."""
    return isinstance(error, VersionMismatch | NotFound)


def written_fields(write: Write) -> set[str]:
    op = write.op
    if isinstance(op, Delete):
        return set()
    if not isinstance(op, Create) and op.fields is not None:
        return set(op.fields)
    return set(hashes_of(op.record))


def settle(
    action: Action, ids: dict[Side, str], outcomes: dict[Side, Outcome]
) -> MappingState | None:
    """The row to record now; sides without an outcome are still to be written. None: nothing to
    record (a create that has not landed, a link that did not land whole)."""
    if not (ids.get("salesforce") and ids.get("mailbox")):
        return None
    writes = {w.side: w for w in action.writes}
    if all(isinstance(outcomes.get(s), Landed) for s in writes) and not action.forget:
        return _landed(action, ids, outcomes)
    before = action.before
    if action.type == "link" or before is None:
        return None  # a link is saved whole or not at all; a create on a new pair never was
    if action.forget:
        return _delete_failed(before, writes, outcomes)
    held = action.held or action.bases
    if held is None:
        return None  # a create again on a linked pair (D4): the old row still stands
    old = {s: side_hashes(before, s) for s in SIDES}
    versions = {s: (action.versions or {}).get(s, mapping_version(before, s)) for s in SIDES}
    bases = {s: dict(held.get(s, old[s])) for s in SIDES}
    for s, outcome in outcomes.items():
        if isinstance(outcome, Landed):
            versions[s] = outcome.version
            bases[s].update(outcome.written)
    for target, write in writes.items():
        result = outcomes.get(target)
        if isinstance(result, Landed):
            continue
        source = other(target)
        error = result.error if isinstance(result, Failed) else None
        if error is not None and stale(error):
            versions[target] = UNKNOWN
        if error is None or not error.permanent or stale(error):
            versions[source] = UNKNOWN
        for name in written_fields(write):
            if name in old[source]:
                bases[source][name] = old[source][name]
            else:
                bases[source].pop(name, None)
    return build_mapping(ids, versions, bases)


def _landed(action: Action, ids: dict[Side, str], outcomes: dict[Side, Outcome]) -> MappingState:
    versions = dict(action.versions or {})
    bases = {s: dict(b) for s, b in (action.bases or {}).items()}
    for s, outcome in outcomes.items():
        assert isinstance(outcome, Landed)
        versions[s] = UNKNOWN if outcome.created else outcome.version
        bases[s] = {**bases.get(s, {}), **outcome.written}
    return build_mapping(ids, versions, bases)


def _delete_failed(
    before: MappingState, writes: dict[Side, Write], outcomes: dict[Side, Outcome]
) -> MappingState | None:
    """A delete that did not land keeps the pair; both items are read again where it can help."""
    (target,) = writes
    outcome = outcomes.get(target)
    if not isinstance(outcome, Failed):
        return None
    row = before.copy()
    row.intents = {}
    error = outcome.error
    blank: set[Side] = set()
    if stale(error):
        blank.add(target)
    if not error.permanent or stale(error):
        blank.add(other(target))
    if "salesforce" in blank:
        row.salesforce_version = UNKNOWN
    if "mailbox" in blank:
        row.mailbox_version = UNKNOWN
    return row
