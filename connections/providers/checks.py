"""The result of one Test Connection step, shared by every provider's `checks.run_checks`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckStep:
    """`user`: the step is about the one user tested ("Test as user"), not the connection: its
    failure is that user's problem (a typo, no licence, no mailbox), so it never marks the
    whole connection Error."""

    name: str
    ok: bool
    message: str
    user: bool = False
