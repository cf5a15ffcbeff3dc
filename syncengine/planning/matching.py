"""Unmapped items: linked to their match on the other side, else created there (rows U of
docs/decision-table.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from syncengine.planning.actions import SIDES, Action, hashes_of, other
from syncengine.planning.builder import Builder
from syncengine.planning.meetings import kept_out, skip_kept_out
from syncengine.records import value_hash
from syncengine.state import MappingState
from syncengine.stores.base import Item, Kind, Side

KEY_ORDER: dict[Kind, tuple[str, ...]] = {"contacts": ("email", "name"), "events": ("slot",)}
_EMPTY = {value_hash(""), value_hash(()), value_hash(None)}
# Field groups that identify an item, as the match keys do (records.match_keys).
KEY_FIELDS: dict[Kind, tuple[tuple[str, ...], ...]] = {
    "contacts": (("emails",), ("first_name", "last_name", "company")),
    "events": (("subject", "start", "end"),),
}


def same_keys(kind: Kind, have: dict[str, str], want: dict[str, str]) -> bool:
    """Whether two records agree on a non-empty identifying group of fields."""
    for group in KEY_FIELDS[kind]:
        values = [want.get(f) for f in group]
        if all(have.get(f) == v for f, v in zip(group, values, strict=True)) and any(
            v not in _EMPTY for v in values
        ):
            return True
    return False


def holding(kind: Kind, free: Sequence[Item], want: dict[str, str]) -> Item | None:
    """The first of `free` holding exactly what was written (`want`), else the first with the
    same identifying fields: how a create whose answer was lost is recognised (rows U5-U5e)."""
    return next((c for c in free if hashes_of(c.record) == want), None) or next(
        (c for c in free if same_keys(kind, hashes_of(c.record), want)), None
    )


# How many written fields a user may have edited in a new Salesforce item before the run that
# created it is recovered, for the item still to be recognised (an edit of "when" moves two).
EDITS_TOLERATED = 3


# A written field that a user seldom changes on a record lsync made minutes ago, and that two
# unrelated records seldom share: a candidate without it is another record, not the copy
# reworked. Two all-day events on one day differ only in subject, location and notes, within
# EDITS_TOLERATED; taking one for the other wrote its content over the other's (the soak's lost
# event, Google seed 21, soak#2004).
ANCHOR = "description"


def closest(free: Sequence[Item], want: dict[str, str]) -> Item | None:
    """The one item still holding most of what was written (row U5): the user edited its
    identifying fields before the crashed run was recovered. Fewer written fields differ than
    agree, at most EDITS_TOLERATED, the notes (ANCHOR) are as written, and no other item comes
    as close; else none (a tie would be a guess)."""
    written = {f: h for f, h in want.items() if h not in _EMPTY}
    anchored = [
        c
        for c in free
        if ANCHOR not in written or hashes_of(c.record).get(ANCHOR) == written[ANCHOR]
    ]
    return _nearest(
        [
            (d, c)
            for d, c in _ranked(anchored, written)
            if d <= EDITS_TOLERATED and 2 * d < len(written)
        ]
    )


def _ranked(candidates: Sequence[Item], want: dict[str, str]) -> list[tuple[int, Item]]:
    """`candidates` with how many of the fields in `want` each differs in, nearest first (then
    by id, so that the order does not depend on the page's)."""
    scored = []
    for c in candidates:
        have = hashes_of(c.record)
        scored.append((sum(have.get(f) != h for f, h in want.items()), c.id, c))
    return [(d, c) for d, _, c in sorted(scored)]


def _nearest(ranked: list[tuple[int, Item]]) -> Item | None:
    """The first of `ranked`, unless another is as near: a tie would be a guess."""
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    return ranked[0][1]


# When a Salesforce record made by a pending create can have been created, around the moment
# its row was last saved (this machine's clock): just after it, give or take the two clocks, a
# request that took long, and Salesforce's CreatedDate being cut to the second.
CREATED_BEFORE = timedelta(minutes=1)
CREATED_AFTER = timedelta(minutes=5)


def created_then(free: Sequence[Item], since: datetime | None, want: dict[str, str]) -> Item | None:
    """Row U5f: the record a pending create made (its row saved at `since`), however many of its
    other fields the user has changed since: created around then, still holding the notes
    (ANCHOR) as written. Salesforce records carry no marker and the user's own session creates
    them too, so the creation moment and the notes are what is left to know it by. Of several,
    the one holding most of what was written; a tie is a guess, so none."""
    anchor = want.get(ANCHOR)
    if since is None or anchor is None or anchor in _EMPTY:
        return None
    start, end = since - CREATED_BEFORE, since + CREATED_AFTER
    then = [
        c
        for c in free
        if c.created is not None
        and start <= c.created <= end
        and hashes_of(c.record).get(ANCHOR) == anchor
    ]
    return _nearest(_ranked(then, want))


def match_and_create(
    b: Builder, linked: dict[Side, set[str]], survivors: dict[Side, dict[str, MappingState]]
) -> None:
    views, settings = b.views, b.settings
    initiators: dict[Side, list[Item]] = {}
    index: dict[Side, dict[tuple[str, ...], list[str]]] = {}
    for side in SIDES:
        view = views[side]
        free = [
            view.items[i]
            for i in sorted(view.items)
            if i not in linked[side] and i not in survivors[side]
        ]
        scoped = [it for it in free if settings.in_scope(it.record)]
        # Invitations kept out of Salesforce may still be linked to a Salesforce event (O4c).
        invited: list[Item] = []
        if side == "mailbox" and b.kind == "events":
            reasons = {it.id: kept_out(settings, it) for it in scoped}
            for it in scoped:
                reason = reasons[it.id]
                if reason and it.id in view.page_ids:
                    skip_kept_out(b, it, *reason)
            invited = [it for it in scoped if (reasons[it.id] or ("S3",))[0] != "S3"]
            scoped = [it for it in scoped if reasons[it.id] is None]
        initiators[side] = [it for it in scoped if it.id in view.page_ids]
        idx: dict[tuple[str, ...], list[str]] = {}
        candidates = scoped + invited
        candidates += [view.items[i] for i in sorted(survivors[side]) if i in view.items]
        for it in candidates:
            for key in it.record.match_keys():
                idx.setdefault(key, []).append(it.id)
        index[side] = idx
    taken: dict[Side, set[str]] = {s: set(linked[s]) for s in SIDES}
    for rule_no, key_type in enumerate(KEY_ORDER[b.kind], start=1):
        for side in SIDES:
            opp = other(side)
            for it in initiators[side]:
                if it.id in taken[side]:
                    continue
                for key in it.record.match_keys():
                    if key[0] != key_type:
                        continue
                    hit = next(
                        (c for c in index[opp].get(key, []) if c not in taken[opp] and c != it.id),
                        None,
                    )
                    if hit is None:
                        continue
                    taken[side].add(it.id)
                    taken[opp].add(hit)
                    pair = {side: it, opp: views[opp].items[hit]}
                    b.add(
                        b.link_action(
                            pair["salesforce"],
                            pair["mailbox"],
                            f"U{1 + rule_no}",
                            f"same {key_type}",
                        )
                    )
                    break
    for side in SIDES:
        for it in initiators[side]:
            if it.id in taken[side]:
                continue
            if settings.flows(side):
                b.add(
                    b.create_action(
                        other(side), it, None, it.record.label(), "U7", f"new in {side}"
                    )
                )
            else:
                b.add(
                    Action(
                        "skip",
                        it.record.label(),
                        "U8",
                        f"new in {side}; changes do not flow from there",
                        {side: it.id},
                    )
                )
