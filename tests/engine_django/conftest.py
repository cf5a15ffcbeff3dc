from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from syncengine.models import LinkStatus, SyncConfiguration, SyncUser

_serial = itertools.count(1)


@pytest.fixture
def configuration(db: None) -> SyncConfiguration:
    return SyncConfiguration.objects.create(name="Sales team")


MakeUser = Callable[..., SyncUser]


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
