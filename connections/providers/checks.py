"""The result of one Test Connection step, shared by every provider's `checks.run_checks`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckStep:
    name: str
    ok: bool
    message: str
