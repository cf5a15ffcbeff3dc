"""Guards: refuse a plan that looks like an accident (ARCHITECTURE §5.4).

A tripped guard stops the run before anything is written: the run ends with an issue saying
why, and an administrator's approval (`run_sync(..., approve_guard=True)`) lets one run through.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncengine.planning.actions import SIDES, Plan
from syncengine.policy import SyncSettings
from syncengine.state import MappingState, detached_side, is_pending, mapping_id
from syncengine.stores.base import ChangePage, Side

# The percentage alone would refuse deleting 1 of a user's 2 events; below this many deletions
# only the absolute count applies.
PERCENT_FLOOR = 5


class GuardTripped(Exception):
    code = "guard"

    def __init__(self, message: str, side: Side | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.side = side


class MassDeleteAboveThreshold(GuardTripped):
    code = "guard_mass_delete"


class SideSuddenlyEmpty(GuardTripped):
    code = "guard_empty_side"


def linked(mappings: Sequence[MappingState]) -> list[MappingState]:
    return [m for m in mappings if not is_pending(m) and detached_side(m) is None]


def _suddenly_empty(page: ChangePage, linked_ids: set[str], total: int) -> bool:
    """Whether none of the `total` linked items is left on a side after this page, whatever the
    plan makes of that (a delete, or for contacts only an unlink). A full listing that lists
    nothing trips it at any size. From PERCENT_FLOOR linked items on, so that a user who deletes
    the few they had is not held up, it also trips when a full listing holds none of them or a
    change feed reports them all gone (a deleted contact group or folder looks like that).
    `linked_ids` holds every linked id after a full listing, else at least those it deletes."""
    if not total:
        return False
    if page.full and not page.changed:
        return True
    if total < PERCENT_FLOOR:
        return False
    if page.full:
        return not linked_ids & {item.id for item in page.changed}
    return len(linked_ids & set(page.deleted)) >= total


def check(
    plan: Plan,
    pages: dict[Side, ChangePage],
    mappings: Sequence[MappingState],
    settings: SyncSettings,
    total: int | None = None,
) -> None:
    """Raise the first guard the plan trips. `total`: how many pairs are linked, where
    `mappings` holds only those of the items in hand (syncengine.scope)."""
    live = linked(mappings)
    if total is None:
        total = len(live)
    for side in SIDES:
        if _suddenly_empty(pages[side], {mapping_id(m, side) for m in live}, total):
            raise SideSuddenlyEmpty(
                f"The {side} listed no {plan.kind} at all, but {total} were linked before. "
                "This usually means a wrong or deleted folder or contact group, a permission "
                "change or an outage, so nothing was changed. Approve the run if the items were "
                "really removed.",
                side,
            )
    for side in SIDES:
        n = plan.deletes(side)
        if n == 0:
            continue
        too_many = n > settings.mass_delete_count
        share = 100.0 * n / total if total else 100.0
        too_large = n >= PERCENT_FLOOR and share > settings.mass_delete_percent
        if too_many or too_large:
            raise MassDeleteAboveThreshold(
                f"This run would delete {n} {plan.kind} in the {side} ({share:.0f}% of the "
                f"{total} linked; limits: {settings.mass_delete_percent}% or "
                f"{settings.mass_delete_count} items). Nothing was deleted. Approve the run if "
                "these deletions are intended.",
                side,
            )
