"""Google Workspace emulator: service-account token endpoint, People API v1, Calendar API v3."""

from __future__ import annotations
