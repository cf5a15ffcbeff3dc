"""Faults of every kind, injected at random into a share of all requests, and counted."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sandbox.core import Emulator, FaultRule, Response

# (label, fault kind, options): 429 short and long, 500, 503, a reset before and after the server
# applied the request, a revoked token, an expired cursor.
KINDS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("429 short", "429", {"retry_after": 1}),
    ("429 long", "429", {"retry_after": 3600}),
    ("500", "500", {}),
    ("503", "503", {"retry_after": 1}),
    ("reset", "reset", {}),
    ("reset after write", "reset_after", {}),
    ("token revoked", "revoke_token", {}),
    ("cursor expired", "expire_cursor", {}),
)


def label(rule: FaultRule) -> str:
    if rule.kind == "429":
        return "429 long" if rule.retry_after > 60 else "429 short"
    return next(name for name, kind, _ in KINDS if kind == rule.kind)


def count_faults(emulator: Emulator, counter: Counter[str]) -> None:
    """Counts every fault the emulator applies (wraps this instance's apply_fault)."""
    applied = emulator.apply_fault

    def counted(rule: FaultRule, route_name: str) -> Response | None:
        counter[label(rule)] += 1
        return applied(rule, route_name)

    emulator.apply_fault = counted  # type: ignore[method-assign]


def inject(emulator: Emulator, share: float) -> None:
    """About `share` of the requests fail, spread evenly over the kinds, until cleared."""
    each = 1 - (1 - share) ** (1 / len(KINDS))
    for _name, kind, options in KINDS:
        emulator.inject(kind, ".*", times=None, probability=each, **options)
