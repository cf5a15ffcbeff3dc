"""Preview: what the next run would do, from a dry run (it writes nothing but a dry-run SyncRun)."""

from __future__ import annotations

from dataclasses import dataclass

from mappings.models import RunStatus
from syncengine import service
from syncengine.models import KINDS, SyncConfiguration, SyncUser
from syncengine.stores.base import Kind

SAMPLE = 20
# Each user's preview reads both sides in full; a configuration's preview stops at this many.
MAX_USERS = 10
LABELS = {**dict(RunStatus.choices), service.SKIPPED: "Not previewed", service.BUSY: "Busy"}
# Dry-run counts use the keys of a real run (created_<side>, ..., linked, conflicts, skipped).
ACTION_ORDER = ["created", "updated", "deleted", "linked", "conflicts", "unlinked", "skipped"]
VERBS = {"created": "create", "updated": "update", "deleted": "delete", "linked": "link",
         "conflicts": "conflict", "unlinked": "unlink", "skipped": "skip"}  # fmt: skip


def action_label(key: str) -> str:
    verb, _, side = key.partition("_")
    words = VERBS.get(verb, verb)
    return f"{words} in {side}" if side else words


@dataclass(frozen=True)
class KindPreview:
    user: SyncUser
    kind: Kind
    status: str
    message: str
    counts: list[tuple[str, int]]
    lines: list[str]
    total_lines: int

    @property
    def status_label(self) -> str:
        return LABELS.get(self.status, self.status)


def _ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
    rank = {name: i for i, name in enumerate(ACTION_ORDER)}
    keys = sorted(
        (k for k, v in counts.items() if v), key=lambda k: (rank.get(k.split("_")[0], 99), k)
    )
    return [(action_label(k), counts[k]) for k in keys]


def preview_user(user: SyncUser) -> list[KindPreview]:
    out = []
    for kind in KINDS:
        outcome = service.sync_user(user.pk, kind, dry_run=True)
        out.append(
            KindPreview(
                user=user,
                kind=kind,
                status=outcome.status,
                message=outcome.message,
                counts=_ordered(outcome.counts),
                lines=outcome.plan[:SAMPLE],
                total_lines=len(outcome.plan),
            )
        )
    return out


def preview_configuration(config: SyncConfiguration) -> tuple[list[KindPreview], int]:
    """Previews of the configuration's first users, and how many users it has in all."""
    users = SyncUser.objects.filter(configuration=config).order_by("email")
    total = users.count()
    previews = [p for user in users[:MAX_USERS] for p in preview_user(user)]
    return previews, total
