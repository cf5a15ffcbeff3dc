"""Hypothesis profiles for the sync engine's property tests.

`HYPOTHESIS_PROFILE` picks one (default "ci"): "ci" is deterministic (derandomize) so CI cannot
flake, "dev" explores more with fresh randomness, "thorough" runs thousands of examples. Profiles are
applied to the engine's own tests (see `engine_settings`) rather than loaded globally, so other
apps' Hypothesis tests keep their own budgets.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_common = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}
settings.register_profile("ci", max_examples=300, derandomize=True, **_common)  # type: ignore[arg-type]
settings.register_profile("smoke", max_examples=30, derandomize=True, **_common)  # type: ignore[arg-type]
settings.register_profile("dev", max_examples=1000, **_common)  # type: ignore[arg-type]
settings.register_profile("thorough", max_examples=5000, **_common)  # type: ignore[arg-type]

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")


def engine_settings(**overrides: object) -> settings:
    """The selected profile, with per-test overrides (e.g. a state machine's step count)."""
    return settings(settings.get_profile(PROFILE), **overrides)  # type: ignore[arg-type]
