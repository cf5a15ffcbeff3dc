"""The Exchange columns of the stored connection (password, EWS URL, Basic, NTLM) decide how the
stores sign in and where they connect: each test changes one and shows the store behave
differently against the EWS emulator."""

from __future__ import annotations

import pytest

from connections.models import MailConnection
from connections.providers.exchange.client import EwsConfig, ExchangeClient
from connections.providers.exchange.stores import ExchangeContactStore
from syncengine.stores.base import AuthFailed, ProviderError
from tests.providers.exchange.conftest import EWS_URL, PASSWORD, SERVICE, USER, Exchange

pytestmark = pytest.mark.django_db


def stored(**changes: object) -> MailConnection:
    values: dict[str, object] = {
        "method": "exchange",
        "username": SERVICE,
        "password": PASSWORD,
        "ews_url": EWS_URL,
        "auth_basic": True,
        "auth_ntlm": False,
    }
    values.update(changes)
    return MailConnection.objects.create(**values)


def store_for(connection: MailConnection) -> ExchangeContactStore:
    connection.refresh_from_db()
    return ExchangeContactStore(ExchangeClient(EwsConfig.from_connection(connection)), USER)


def test_the_stored_password_is_the_one_the_store_signs_in_with(exchange: Exchange) -> None:
    connection = stored()
    assert store_for(connection).changes(None).full
    MailConnection.objects.filter(pk=connection.pk).update(password="not-it")
    with pytest.raises(AuthFailed, match="user name or password is wrong"):
        store_for(connection).changes(None)


def test_the_stored_ews_url_is_where_the_store_connects(exchange: Exchange) -> None:
    elsewhere = stored(ews_url="https://elsewhere.sandbox.test/EWS/Exchange.asmx")
    with pytest.raises(ProviderError):
        store_for(elsewhere).changes(None)


def test_basic_on_signs_in_with_basic_and_fails_where_the_server_allows_only_ntlm(
    exchange: Exchange,
) -> None:
    exchange.emulator.auth.methods = {"ntlm"}
    with pytest.raises(AuthFailed):
        store_for(stored()).changes(None)


def test_ntlm_alone_signs_in_with_ntlm_where_the_server_allows_only_ntlm(
    exchange: Exchange,
) -> None:
    exchange.emulator.auth.methods = {"ntlm"}
    assert store_for(stored(auth_basic=False, auth_ntlm=True)).changes(None).full
