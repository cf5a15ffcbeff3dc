from __future__ import annotations

from tests.connections.conftest import manager, manager_client  # noqa: F401  (fixtures)
