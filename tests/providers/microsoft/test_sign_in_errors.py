"""Failing to get a token from Entra ID is a provider error with a sentence (retryable when a
later try can succeed), never an uncaught msal exception."""

from __future__ import annotations

import pytest

from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.stores.contacts import GraphContactStore
from syncengine.stores.base import AuthFailed, ProviderError, RateLimited
from tests.providers.microsoft.conftest import TENANT, USER, Microsoft


def _read() -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        GraphContactStore(GraphClient(TENANT), USER).changes(None)
    return caught.value


@pytest.mark.parametrize("route", ["identity.discovery", "identity.token"])
def test_a_500_from_entra_id_is_a_retryable_provider_error(
    microsoft: Microsoft, route: str
) -> None:
    microsoft.emulator.inject("500", route=route)
    error = _read()
    assert not error.permanent and not isinstance(error, AuthFailed)
    assert "sign-in" in error.message


def test_a_busy_discovery_endpoint_backs_the_user_off(microsoft: Microsoft) -> None:
    microsoft.emulator.inject("503", route="identity.discovery", retry_after=1)
    assert isinstance(_read(), RateLimited)


def test_the_next_try_after_a_failed_discovery_signs_in(microsoft: Microsoft) -> None:
    microsoft.emulator.inject("500", route="identity.discovery")
    client = GraphClient(TENANT)
    with pytest.raises(ProviderError):
        GraphContactStore(client, USER).changes(None)
    assert GraphContactStore(client, USER).changes(None).full
