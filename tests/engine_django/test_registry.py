from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from syncengine import memory_backend, registry
from tests.engine_django.conftest import MakeUser

pytestmark = pytest.mark.django_db


def test_an_unknown_backend_is_a_configuration_error(make_user: MakeUser, settings: object) -> None:
    settings.LSYNC_STORE_BACKEND = "carrier-pigeon"  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="carrier-pigeon"):
        registry.build_stores(make_user(), "contacts")


def test_a_backend_is_imported_only_when_chosen(
    make_user: MakeUser, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(registry.BACKENDS, "broken", "no.such.module.build_stores")
    settings.LSYNC_STORE_BACKEND = "memory"  # type: ignore[attr-defined]
    sf, mb = registry.build_stores(make_user(), "contacts")
    assert (sf.side, mb.side, sf.kind) == ("salesforce", "mailbox", "contacts")
    settings.LSYNC_STORE_BACKEND = "broken"  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        registry.build_stores(make_user(), "contacts")


def test_memory_stores_are_per_user_and_kind_and_last_for_the_process(
    make_user: MakeUser, settings: object
) -> None:
    settings.LSYNC_STORE_BACKEND = "memory"  # type: ignore[attr-defined]
    memory_backend.forget_all()
    ana, bob = make_user("ana@example.com"), make_user("bob@example.com")
    first = registry.build_stores(ana, "contacts")
    assert registry.build_stores(ana, "contacts") is first
    assert registry.build_stores(ana, "events") is not first
    assert registry.build_stores(bob, "contacts") is not first
    sf, mb = first
    assert (len(sf), len(mb)) == (3, 2)  # type: ignore[arg-type]
    memory_backend.forget_all()
    assert registry.build_stores(ana, "contacts") is not first
