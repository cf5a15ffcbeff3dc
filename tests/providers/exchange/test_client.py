"""The Exchange client: credentials, auth type, Exchange Online refused, and the product's HTTP
settings applied to exchangelib's sessions without leaking into exchangelib's global state."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from exchangelib import BASIC, NTLM, Configuration, Credentials
from exchangelib.protocol import BaseProtocol, CachingProtocol, Protocol

from connections.providers.exchange.client import (
    EwsConfig,
    ExchangeClient,
    ExchangeOnlineRefused,
    LsyncProtocol,
)

SETTINGS = EwsConfig(
    "svc-lsync@nordvik.example", "pw", "https://mail.nordvik.example/EWS/Exchange.asmx"
)


def test_basic_is_used_when_both_basic_and_ntlm_are_on() -> None:
    both = EwsConfig("svc@x.example", "pw", basic=True, ntlm=True)
    only_ntlm = EwsConfig("svc@x.example", "pw", basic=False, ntlm=True)
    assert both.auth_type == BASIC and only_ntlm.auth_type == NTLM


def test_the_primary_domain_comes_from_either_form_of_the_user_name() -> None:
    assert EwsConfig("svc@Nordvik.example", "p").primary_domain == "nordvik.example"
    assert EwsConfig("nordvik.example\\svc", "p").primary_domain == "nordvik.example"
    assert EwsConfig("NORDVIK\\svc", "p", additional_domains=("a.example",)).domains() == [
        "a.example"
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://outlook.office365.com/EWS/Exchange.asmx",
        "https://outlook.office.com/ews/exchange.asmx",
    ],
)
def test_an_exchange_online_url_is_refused_pointing_to_oauth(url: str) -> None:
    with pytest.raises(ExchangeOnlineRefused, match="OAuth 2.0"):
        ExchangeClient(EwsConfig("svc@x.example", "pw", url))


def test_exchangelib_sessions_use_the_product_ca_bundle_timeout_and_ignore_the_environment(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not used to connect")
    settings.LSYNC_CA_BUNDLE = str(bundle)
    settings.LSYNC_HTTP_TIMEOUT = 7
    settings.LSYNC_HTTPS_PROXY = "http://proxy.nordvik.example:3128"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    client = ExchangeClient(SETTINGS)
    account = client.account("ana@nordvik.example")
    protocol = account.protocol
    assert isinstance(protocol, LsyncProtocol)
    session = protocol.create_session()
    assert session.trust_env is False
    assert session.verify == str(bundle)
    assert session.proxies == {"https": "http://proxy.nordvik.example:3128"}
    assert protocol.TIMEOUT == 7
    assert session.auth is not None  # Basic, set by exchangelib on our session
    # Impersonation of the user's primary SMTP address.
    assert account.access_type == "impersonation"
    assert account.primary_smtp_address == "ana@nordvik.example"


def test_nothing_of_lsyncs_stays_in_exchangelibs_globals() -> None:
    before_cache = dict(CachingProtocol._protocol_cache)
    client = ExchangeClient(SETTINGS)
    client.account("ana@nordvik.example")
    assert BaseProtocol.HTTP_ADAPTER_CLS is requests.adapters.HTTPAdapter
    assert dict(CachingProtocol._protocol_cache) == before_cache
    # Another exchangelib user of the process gets exchangelib's own protocol and sessions.
    config = Configuration(
        service_endpoint=SETTINGS.ews_url, credentials=Credentials("other@x.example", "pw"),
        auth_type=BASIC,
    )  # fmt: skip
    other = Protocol(config=config)
    try:
        assert not isinstance(other, LsyncProtocol)
        assert other.raw_session(SETTINGS.ews_url).trust_env is True
    finally:
        del CachingProtocol._protocol_cache[(config.service_endpoint, config.credentials)]


def test_each_client_counts_its_own_requests() -> None:
    first, second = ExchangeClient(SETTINGS), ExchangeClient(SETTINGS)
    session = first.protocol(SETTINGS.ews_url).raw_session(SETTINGS.ews_url)
    for hook in session.hooks["response"]:
        hook(requests.Response())
    assert (first.calls, second.calls) == (1, 0)
