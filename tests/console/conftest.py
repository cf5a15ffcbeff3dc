"""Console fixtures: enrolled users on the in-memory stores, and clients by permission."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from syncengine import memory_backend
from syncengine.models import LinkStatus, SyncConfiguration, SyncUser
from tests.providers.conftest import (  # noqa: F401 - fixtures for the provider-backed tests
    make_sync_user,
    salesforce_connection,
    sandbox_product,
)

_serial = itertools.count(1)
MakeUser = Callable[..., SyncUser]


@pytest.fixture(autouse=True)
def fresh_memory_stores(settings: object) -> Iterator[None]:
    settings.LSYNC_STORE_BACKEND = "memory"  # type: ignore[attr-defined]
    memory_backend.forget_all()
    yield
    memory_backend.forget_all()


@pytest.fixture
def configuration(db: None) -> SyncConfiguration:
    return SyncConfiguration.objects.create(name="Sales team")


@pytest.fixture
def make_user(configuration: SyncConfiguration) -> MakeUser:
    def make(email: str | None = None, **fields: object) -> SyncUser:
        n = next(_serial)
        email = email or f"rep{n}@example.com"
        defaults: dict[str, object] = {
            "configuration": configuration,
            "salesforce_user_id": f"005{n:015d}",
            "username": email,
            "email": email,
            "mailbox_address": email,
            "link_status": LinkStatus.LINKED,
        }
        defaults.update(fields)
        return SyncUser.objects.create(**defaults)  # type: ignore[arg-type]

    return make


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
