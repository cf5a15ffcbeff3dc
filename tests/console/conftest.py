"""Console fixtures: enrolled users on the in-memory stores, and clients by permission."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from syncengine import memory_backend
from tests.engine_django.conftest import MakeUser, configuration, make_user  # noqa: F401
from tests.providers.conftest import (  # noqa: F401 - fixtures for the provider-backed tests
    make_sync_user,
    salesforce_connection,
    sandbox_product,
)


@pytest.fixture(autouse=True)
def fresh_memory_stores(settings: object) -> Iterator[None]:
    settings.LSYNC_STORE_BACKEND = "memory"  # type: ignore[attr-defined]
    memory_backend.forget_all()
    yield
    memory_backend.forget_all()


def client_with(username: str, *codenames: str) -> Client:
    user = User.objects.create_user(username, f"{username}@example.com", "pw-" + username)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager(db: None) -> Client:
    return client_with("manager", "manage_sync")


@pytest.fixture
def viewer(db: None) -> Client:
    return client_with("viewer", "view_sync_status")


@pytest.fixture
def stranger(db: None) -> Client:
    return client_with("stranger")
