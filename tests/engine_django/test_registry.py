from __future__ import annotations

from typing import Any

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


SALESFORCE = "connections.providers.salesforce.provider.SalesforceProvider"
GOOGLE = "connections.providers.google.provider.GoogleProvider"


def test_providers_come_from_the_setting_in_its_order(settings: Any) -> None:
    settings.LSYNC_PROVIDERS = [SALESFORCE, GOOGLE]
    assert [p.key for p in registry.providers()] == ["salesforce", "google"]
    assert [p.key for p in registry.mail_providers()] == ["google"]
    assert registry.salesforce().label == "Salesforce"


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        ([SALESFORCE, "connections.providers.nowhere.provider.Nothing"], "cannot import"),
        ([SALESFORCE, "syncengine.records.Contact"], "is not a provider"),
        ([GOOGLE], "exactly one Salesforce provider"),
        ([SALESFORCE, GOOGLE, GOOGLE], "two providers have key 'google'"),
        ([], "lists no providers"),
    ],
)
def test_a_wrong_provider_setting_is_a_configuration_error(
    settings: Any, paths: list[str], message: str
) -> None:
    settings.LSYNC_PROVIDERS = paths
    with pytest.raises(ImproperlyConfigured, match=message):
        registry.providers()


def test_a_user_linked_to_a_connection_that_is_off_is_told_so(make_user: MakeUser) -> None:
    from connections.models import MailConnection

    off = MailConnection.objects.create(method="google", enabled=False)
    user = make_user()
    user.mail_connection = off
    with pytest.raises(registry.NoMailConnection, match="linked to Google Workspace"):
        registry.mail_provider_for(user)
