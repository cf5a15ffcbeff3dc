"""Issue 12 ("every setting does what it says"): one test module per item, on the memory
backend unless the item is about a provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syncengine import memory_backend
from tests.engine_django.conftest import configuration, make_user

__all__ = ["configuration", "make_user"]


@pytest.fixture
def memory_stores(settings: object) -> Iterator[None]:
    settings.LSYNC_STORE_BACKEND = "memory"  # type: ignore[attr-defined]
    memory_backend.forget_all()
    yield
    memory_backend.forget_all()
