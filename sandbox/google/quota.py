"""Optional per-user request quotas (requests per minute of emulator time, per route pattern),
so a benchmark meets Google's throttling without injected faults. Calendar answers 403
``userRateLimitExceeded``, People 429 ``RESOURCE_EXHAUSTED``; each batch part counts once."""

from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass, field

from sandbox.core import Clock

WINDOW = 60.0


@dataclass
class Quota:
    route: str
    per_minute: int
    hits: dict[str, deque[float]] = field(default_factory=dict)


class Quotas:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.rules: list[Quota] = []

    def set(self, route: str, per_minute: int) -> None:
        self.rules = [r for r in self.rules if r.route != route]
        if per_minute > 0:
            self.rules.append(Quota(route, per_minute))

    def clear(self) -> None:
        self.rules.clear()

    def admit(self, route_name: str, who: str) -> float | None:
        """None when the call may run; else the seconds until it could."""
        now = self.clock.timestamp()
        for rule in self.rules:
            if re.fullmatch(rule.route, route_name) is None:
                continue
            hits = rule.hits.setdefault(who, deque())
            while hits and hits[0] <= now - WINDOW:
                hits.popleft()
            if len(hits) >= rule.per_minute:
                return max(hits[0] + WINDOW - now, 0.0)
        for rule in self.rules:
            if re.fullmatch(rule.route, route_name) is not None:
                rule.hits[who].append(now)
        return None


def retry_seconds(wait: float) -> int:
    return max(1, math.ceil(wait))
