"""The invariants, checked against the ledger once the faults are off and the sync is quiet."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bench.soak.edits import listing
from bench.soak.model import COMPARED, SIDES, WHEN, Ledger, Truth, values
from syncengine.stores.base import Item, Kind, Side, Store

COLUMNS = (
    "duplicates", "lost", "deletes not propagated", "resurrected", "diverged",
    "silent divergence", "edits lost", "open issues", "issues naming no problem",
    "runs left running", "users not quiet",
)  # fmt: skip


@dataclass
class Findings:
    counts: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def add(self, column: str, example: str) -> None:
        self.counts[column] += 1
        if len(self.examples) < 40:
            self.examples.append(f"{column}: {example}")


def check_pair(
    findings: Findings, ledger: Ledger, user: int, kind: Kind, stores: dict[Side, Store]
) -> None:
    from mappings.models import SyncIssue

    truth = ledger.of(user, kind)
    live = {s: listing(stores[s]) for s in SIDES}
    open_issues = list(
        SyncIssue.objects.filter(sync_user_id=user, kind=kind, resolved_at__isnull=True)
    )
    named = {i.item_id for i in open_issues if i.item_id}
    problem_ids: set[str] = set()
    where = f"user {user} {kind}"

    def ids(token: str) -> set[str]:
        return {it.id for s in SIDES for it in live[s].get(token, [])}

    def diverge(column: str, token: str, detail: str) -> None:
        findings.add(column, f"{where} {token}: {detail} [{', '.join(sorted(ids(token)))}]")
        problem_ids.update(ids(token))
        if not (ids(token) & named):
            findings.add("silent divergence", f"{where} {token}: {column}, no issue names it")

    for s in SIDES:
        for token, items in live[s].items():
            if len(items) > 1:
                shown = "; ".join(shape(it) for it in items)
                findings.add("duplicates", f"{where} {token} ×{len(items)} in {s}: {shown}")
                problem_ids.update(it.id for it in items)
    for token, t in truth.items():
        here = {s: live[s].get(token, []) for s in SIDES}
        if t.deleted_on and _edit_beat_delete(user, kind, t):
            findings.counts["revived: an edit beat the delete"] += 1
            continue
        if t.deleted_on:
            for s in t.deleted_on:
                if here[s]:
                    back = "; ".join(shape(it) for it in here[s])
                    findings.add("resurrected", f"{where} {token} deleted in {s}, back [{back}]")
                    problem_ids.update(ids(token))
            gone = next(iter(t.deleted_on))
            other: Side = "mailbox" if gone == "salesforce" else "salesforce"
            # Contacts are never deleted in Salesforce: removed from the mailbox they only unlink.
            # And a contact the user made in the mailbox stays there when it leaves Salesforce
            # (decision table D1c: deleted and "left the filter" look alike from outside).
            user_made = kind == "contacts" and t.origin == "mailbox"
            propagates = kind == "events" or (gone == "salesforce" and not user_made)
            if propagates and here[other] and other not in t.deleted_on:
                diverge("deletes not propagated", token, f"deleted in {gone}, still in {other}")
            continue
        if bool(here["salesforce"]) != bool(here["mailbox"]):
            missing = "mailbox" if here["salesforce"] else "salesforce"
            if not here["salesforce"] and not here["mailbox"]:
                continue
            diverge("lost", token, f"never reached {missing}")
            continue
        if not here["salesforce"]:
            findings.add("lost", f"{where} {token}: gone from both sides, never deleted")
            continue
        sf, mb = here["salesforce"][0], here["mailbox"][0]
        a, b = values(kind, sf.record), values(kind, mb.record)
        differ = [f for f in COMPARED[kind] if a[f] != b[f]]
        if differ:
            detail = "; ".join(f"{f}: {a[f]!r} ≠ {b[f]!r}" for f in differ)
            diverge("diverged", token, detail)
            continue
        for f, edits in t.edits.items():
            if a[f] not in edits.values():
                findings.add("edits lost", f"{where} {token} {f}={a[f]!r}, edits were {edits!r}")
        when = tuple(a[f] for f in WHEN) if t.when else None
        if t.when and when not in t.when.values():
            findings.add("edits lost", f"{where} {token} when={when!r}, edits were {t.when!r}")
    stale = [i for i in open_issues if not i.item_id or i.item_id not in problem_ids]
    findings.counts["open issues"] += len(open_issues)
    for issue in stale:
        findings.add("issues naming no problem", f"{where} {issue.code}: {issue.message[:120]}")


def _edit_beat_delete(user: int, kind: Kind, t: Truth) -> bool:
    """The policy's "modification beats deletion": the other copy was edited before the delete
    and no sync got through in between, so the edited copy may rightly come back."""
    from mappings.models import SyncRun

    if t.deleted_at is None or len(t.deleted_on) != 1:
        return False
    (gone,) = t.deleted_on
    other: Side = "mailbox" if gone == "salesforce" else "salesforce"
    edited = t.edited_at.get(other)
    if edited is None or edited > t.deleted_at:
        return False
    synced = SyncRun.objects.filter(
        sync_user_id=user, kind=kind, status="ok", started_at__gt=edited,
        finished_at__lt=t.deleted_at,
    )  # fmt: skip
    return not synced.exists()


def table(rows: Iterable[tuple[str, Any]]) -> str:
    rows = list(rows)
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value:>8}" for name, value in rows)


def shape(item: Item) -> str:
    """An item as the findings show it: its id, and what a series makes of it."""
    out = item.id
    if item.occurrence is not None:
        out += (
            f" (occurrence of {item.occurrence.series} at {item.occurrence.start:%Y-%m-%d %H:%M})"
        )
    recurrence = getattr(item.record, "recurrence", None)
    if recurrence is not None:
        out += f" (series {recurrence.rrule}, {len(recurrence.exdates)} exception dates)"
    return out


def describe(items: list[Item]) -> str:
    return ", ".join(it.id for it in items)
