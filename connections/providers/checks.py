"""The result of one Test Connection step, shared by every provider's `checks.run_checks`.

Defined with the provider protocol in syncengine/provider.py; imported from here by providers."""

from __future__ import annotations

from syncengine.provider import CheckStep

__all__ = ["CheckStep"]
