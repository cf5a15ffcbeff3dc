"""Fixtures for the EWS emulator's conformance tests: exchangelib itself drives the emulator,
in-process (through ``sandbox.exchange.transport.routed``) or over HTTPS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    NTLM,
    Account,
    Configuration,
    Credentials,
    EWSTimeZone,
    FailFast,
    close_connections,
)
from exchangelib.autodiscover import clear_cache

from sandbox.exchange.app import ExchangeEmulator
from sandbox.exchange.seed import DEFAULT_PASSWORD
from sandbox.exchange.transport import routed

EWS_HOST = "exchange.sandbox.test"
EWS_URL = f"https://{EWS_HOST}/EWS/Exchange.asmx"
SERVICE_UPN = "svc-lsync@example.com"
SERVICE_DOWN_LEVEL = "EXAMPLE\\svc-lsync"

AccountFactory = Callable[..., Account]


@pytest.fixture
def ews() -> Iterator[ExchangeEmulator]:
    app = ExchangeEmulator(seed=1)
    app.seed({"company": {"users": 3, "seed": 1, "contacts": 3}})
    close_connections()
    with routed({EWS_HOST: app}):
        yield app
    close_connections()
    clear_cache()


def make_account(
    endpoint: str,
    mailbox: str,
    auth: str = "basic",
    username: str = SERVICE_UPN,
    password: str = DEFAULT_PASSWORD,
    access: str = IMPERSONATION,
    default_timezone: EWSTimeZone | None = None,
    **config: Any,
) -> Account:
    credentials = Credentials(username, password)
    auth_type = {"basic": BASIC, "ntlm": NTLM, "probe": None}[auth]
    configuration = Configuration(
        service_endpoint=endpoint,
        credentials=credentials,
        auth_type=auth_type,
        retry_policy=config.pop("retry_policy", FailFast()),
        **config,
    )
    return Account(
        mailbox,
        config=configuration,
        access_type=access,
        autodiscover=False,
        default_timezone=default_timezone,
    )


@pytest.fixture
def ews_user(ews: ExchangeEmulator) -> str:
    return str(ews.state()["mailboxes"][0]["smtp"])


@pytest.fixture
def ews_account(ews: ExchangeEmulator, ews_user: str) -> AccountFactory:
    """``ews_account(mailbox=None, auth="basic"|"ntlm"|"probe", username=..., password=...)``."""

    def build(mailbox: str | None = None, **options: Any) -> Account:
        return make_account(EWS_URL, mailbox or ews_user, **options)

    return build


__all__ = ["DELEGATE", "EWS_URL", "SERVICE_DOWN_LEVEL", "SERVICE_UPN", "make_account"]
