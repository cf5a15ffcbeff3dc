"""What a run reports: counts, the issues an administrator sees, and the error that stopped it."""

from __future__ import annotations

from dataclasses import dataclass, field

from syncengine.stores.base import ProviderError, Side


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


def error_code(error: ProviderError) -> str:
    """`RateLimited` -> "rate_limited": the SyncIssue code of a provider error."""
    name = type(error).__name__
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
