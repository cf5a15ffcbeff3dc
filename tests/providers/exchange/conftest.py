"""The EWS emulator mounted in-process for the product's Exchange client: a service account with
ApplicationImpersonation, a user's mailbox, and `connections.http.build_session` handing out
fresh sessions routed to the emulator (Basic and NTLM both work through them)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from exchangelib import IMPERSONATION, Account, Configuration, Credentials, FailFast

from connections import http
from connections.providers.exchange import client as exchange_client
from connections.providers.exchange.client import EwsConfig, ExchangeClient
from sandbox.exchange.app import ExchangeEmulator
from sandbox.exchange.transport import session_factory
from tests.conftest import SandboxHandle

HOST = "exchange.sandbox.test"
EWS_URL = f"https://{HOST}/EWS/Exchange.asmx"
SERVICE = "svc-lsync@nordvik.example"
PASSWORD = "tests-only-exchange-password"
USER = "ana.nunez@nordvik.example"


@dataclass
class Exchange:
    emulator: ExchangeEmulator
    settings: EwsConfig

    def client(self, **changes: Any) -> ExchangeClient:
        values = {**self.settings.__dict__, **changes}
        return ExchangeClient(EwsConfig(**values))

    def as_user(self, mailbox: str = USER) -> Account:
        return outlook(EWS_URL, mailbox)


def outlook(ews_url: str, mailbox: str) -> Account:
    """exchangelib on its own, as Outlook would be: what a user does out of band."""
    config = Configuration(
        service_endpoint=ews_url, credentials=Credentials(SERVICE, PASSWORD),
        auth_type="basic", retry_policy=FailFast(),
    )  # fmt: skip
    account = Account(mailbox, config=config, access_type=IMPERSONATION, autodiscover=False)
    # Through the same in-process route as the product (no exchangelib global touched).
    account.protocol = exchange_client.LsyncProtocol(config=config)
    return account


def routed_session_factory(apps: dict[str, Any]) -> Any:
    return session_factory(apps)


@pytest.fixture
def exchange(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Exchange]:
    emulator = ExchangeEmulator(seed=3)
    emulator.add_account(SERVICE, PASSWORD, netbios_domain="NORDVIK")
    emulator.add_mailbox(USER, "Ana Núñez")
    monkeypatch.setattr(http, "build_session", routed_session_factory({HOST: emulator}))
    exchange_client.forget_endpoints()
    yield Exchange(emulator, EwsConfig(SERVICE, PASSWORD, EWS_URL))
    exchange_client.forget_endpoints()


def setup_exchange(sandbox: SandboxHandle, mailbox: str = USER) -> ExchangeEmulator:
    """The product's Exchange connection on the sandbox's emulator (Basic, EWS URL given)."""
    from connections.models import MailConnection, Status

    emulator: ExchangeEmulator = sandbox.apps["exchange"]
    emulator.add_account(SERVICE, PASSWORD, netbios_domain="NORDVIK")
    emulator.add_mailbox(mailbox, "Ana Núñez")
    MailConnection.objects.create(
        method="exchange", username=SERVICE, password=PASSWORD,
        ews_url=sandbox.bases["exchange"] + "/EWS/Exchange.asmx",
        enabled=True, chosen=True, status=Status.VERIFIED,
    )  # fmt: skip
    exchange_client.forget_endpoints()
    return emulator
