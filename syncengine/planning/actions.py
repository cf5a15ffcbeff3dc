"""What the planner decides: actions, the writes they carry, and the plan of one run."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from syncengine.records import Contact, Event
from syncengine.state import MappingState
from syncengine.stores.base import Create, Delete, Kind, Op, Side

SIDES: tuple[Side, ...] = ("salesforce", "mailbox")

ActionType = Literal["link", "create", "update", "delete", "conflict", "skip", "unlink"]


@dataclass(frozen=True)
class Write:
    """One op against one side."""

    side: Side
    op: Op


@dataclass(frozen=True)
class Action:
    """One decision about one item (or pair). `rule` names its row in docs/decision-table.md.

    After its writes succeed the executor saves the mapping built from `ids`, `versions` and
    `bases` (completed with the written sides' new ids and versions); `forget` removes the
    mapping instead, and `tombstone` replaces it with a detached one."""

    type: ActionType
    label: str
    rule: str
    reason: str
    ids: dict[Side, str]
    writes: tuple[Write, ...] = ()
    before: MappingState | None = None
    versions: dict[Side, str] | None = None
    bases: dict[Side, dict[str, str]] | None = None
    forget: bool = False
    tombstone: MappingState | None = None
    conflicts: tuple[str, ...] = ()
    # Each side's field hashes before this action's writes (`bases` without what they write):
    # what a side still holds when a write to it fails.
    held: dict[Side, dict[str, str]] | None = None

    def describe(self) -> str:
        if self.type == "skip":
            return f"skip: {self.label} ({self.reason})"
        if self.type == "unlink":
            return f"unlink: {self.label} ({self.reason})"
        lines = []
        for w in self.writes:
            op = w.op
            if isinstance(op, Create):
                lines.append(f"create in {w.side}: {op.record.label()}")
            elif isinstance(op, Delete):
                lines.append(f"delete in {w.side}: {self.label}")
            else:
                fields = ", ".join(sorted(op.fields or ()))
                lines.append(f"update in {w.side}: {self.label} ({fields})")
        head = {"link": "link", "conflict": "conflict"}.get(self.type)
        if head:
            detail = f" [{', '.join(self.conflicts)}]" if self.conflicts else ""
            lines.insert(0, f"{head}: {self.label}{detail} ({self.reason})")
        return "; ".join(lines) if lines else f"{self.type}: {self.label}"


# RunResult.counts keys for actions counted as a whole (writes are counted per side).
TALLIES: dict[str, str] = {
    "link": "linked",
    "conflict": "conflicts",
    "skip": "skipped",
    "unlink": "unlinked",
}


@dataclass
class Plan:
    kind: Kind
    actions: list[Action]

    def by_type(self, kind: ActionType) -> list[Action]:
        return [a for a in self.actions if a.type == kind]

    def deletes(self, side: Side) -> int:
        return sum(
            1 for a in self.actions for w in a.writes if w.side == side and isinstance(w.op, Delete)
        )

    def counts(self) -> dict[str, int]:
        """What the plan would do, in the keys of RunResult.counts (created_<side>, ...)."""
        out: dict[str, int] = {}

        def add(key: str) -> None:
            out[key] = out.get(key, 0) + 1

        for a in self.actions:
            for w in a.writes:
                verb = {Create: "created", Delete: "deleted"}.get(type(w.op), "updated")
                add(f"{verb}_{w.side}")
            if a.type in TALLIES:
                add(TALLIES[a.type])
        return out

    def describe(self, *, skips: bool = False) -> list[str]:
        """One readable line per action (for dry runs); skips only when asked."""
        return [a.describe() for a in self.actions if skips or a.type != "skip"]


@lru_cache(maxsize=16384)
def hashes_of(record: Contact | Event) -> dict[str, str]:
    """Field hashes, cached within a run: records are immutable (callers must not mutate the
    dict). `run_sync` clears the cache when it ends, so no record outlives its run here."""
    return record.field_hashes()


def other(side: Side) -> Side:
    return "mailbox" if side == "salesforce" else "salesforce"
