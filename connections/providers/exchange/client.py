"""The only module that talks to Exchange: exchangelib's Account, Configuration and credentials.

- Credentials: the service account (`user@domain` or `DOMAIN\\user`) with Basic or NTLM; Basic
  when both are on.
- Endpoint: the EWS URL from the setup page, else Autodiscover (SOAP `GetUserSettings`, through
  exchangelib's AutodiscoverProtocol) for the mailbox's domain. The discovered URL is cached per
  domain and discovered again when it stops answering.
- Impersonation: every mailbox is opened as `ExchangeImpersonation` of its primary SMTP address.
- HTTP: exchangelib builds its own requests sessions and takes its adapter class from a global
  (`BaseProtocol.HTTP_ADAPTER_CLS`). lsync leaves that global alone: its protocols are instances
  of a subclass whose `raw_session` returns a session from `connections.http.build_session` (the
  product's CA bundle, proxy and timeout; verification never off; the environment's
  REQUESTS_CA_BUNDLE ignored), and that subclass is kept out of exchangelib's process-wide
  protocol cache. Other exchangelib users in the process see exchangelib's defaults unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import requests
from django.conf import settings
from exchangelib import (
    BASIC,
    IMPERSONATION,
    NTLM,
    Account,
    Configuration,
    Credentials,
    EWSTimeZone,
    FailFast,
)
from exchangelib.autodiscover.protocol import AutodiscoverProtocol
from exchangelib.folders import BaseFolder, FolderCollection
from exchangelib.properties import StatusEvent
from exchangelib.protocol import CachingProtocol, Protocol
from exchangelib.services import GetEvents
from exchangelib.transport import DEFAULT_HEADERS
from exchangelib.version import Version

from connections import http
from connections.providers.exchange import errors
from connections.providers.exchange.errors import EndpointNotFound, ExchangeOnlineRefused
from connections.validators import ONLINE_SENTENCE, is_exchange_online

T = TypeVar("T")

# Exchange Online hosts: EWS there needs OAuth 2.0 (Basic is retired) and ends in October 2026.
AUTODISCOVER_PATH = "/autodiscover/autodiscover.svc"
UTC_ZONE = EWSTimeZone("UTC")
# Pull notifications: the item events that mean a synced folder changed (not NewMail, FreeBusy).
ITEM_EVENTS = ("CreatedEvent", "ModifiedEvent", "DeletedEvent", "MovedEvent", "CopiedEvent")


class _Uncached(CachingProtocol):
    """Our protocols are built per client and never shared through exchangelib's global cache."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return type.__call__(cls, *args, **kwargs)


class _SessionMixin:
    """raw_session through the product's HTTP seam, counting requests for the store's api_calls."""

    counter: Callable[[], None] | None = None

    def raw_session(self, prefix: str, *args: Any, **kwargs: Any) -> requests.Session:
        session = http.build_session()
        session.headers.update(DEFAULT_HEADERS)
        counter = self.counter
        if counter is not None:
            session.hooks["response"].append(lambda response, **_: counter())
        return session


class LsyncProtocol(_SessionMixin, Protocol, metaclass=_Uncached):
    pass


class LsyncAutodiscoverProtocol(_SessionMixin, AutodiscoverProtocol):
    pass


@dataclass(frozen=True)
class EwsConfig:
    username: str
    password: str = field(repr=False)
    ews_url: str = ""
    basic: bool = True
    ntlm: bool = False
    additional_domains: tuple[str, ...] = ()

    @classmethod
    def from_connection(cls, connection: Any) -> EwsConfig:
        return cls(
            username=str(connection.username or ""),
            password=str(connection.password or ""),
            ews_url=str(connection.ews_url or "").strip(),
            basic=bool(connection.auth_basic),
            ntlm=bool(connection.auth_ntlm),
            additional_domains=tuple(connection.additional_domains or ()),
        )

    @property
    def auth_type(self) -> str:
        # The seed: Basic is used when both are on.
        return BASIC if self.basic or not self.ntlm else NTLM

    @property
    def primary_domain(self) -> str:
        if "@" in self.username:
            return self.username.rpartition("@")[2].lower()
        domain = self.username.partition("\\")[0].lower()
        return domain if "." in domain else ""

    def domains(self) -> list[str]:
        out = [self.primary_domain] if self.primary_domain else []
        return out + [d for d in self.additional_domains if d not in out]


# Per process: domain -> discovered EWS URL, endpoint -> server version (each saves a request).
_endpoints: dict[str, str] = {}
_versions: dict[str, Version] = {}
_lock = threading.Lock()


def forget_endpoints() -> None:
    with _lock:
        _endpoints.clear()
        _versions.clear()


class ExchangeClient:
    def __init__(self, config: EwsConfig) -> None:
        if config.ews_url and is_exchange_online(config.ews_url):
            raise ExchangeOnlineRefused(ONLINE_SENTENCE.format(url=config.ews_url))
        self.settings = config
        self.credentials = Credentials(config.username, config.password)
        self.calls = 0
        self._protocols: dict[str, LsyncProtocol] = {}

    def _count(self) -> None:
        self.calls += 1

    # ------------------------------------------------------------------ endpoint

    def endpoint(self, mailbox: str) -> tuple[str, bool]:
        """(EWS URL for this mailbox, whether Autodiscover found it)."""
        if self.settings.ews_url:
            return self.settings.ews_url, False
        domain = mailbox.rpartition("@")[2].lower() or self.settings.primary_domain
        with _lock:
            cached = _endpoints.get(domain)
        if cached:
            return cached, True
        url = self.discover(mailbox)
        with _lock:
            _endpoints[domain] = url
        return url, True

    def candidates(self, domain: str) -> list[str]:
        return [
            f"https://{domain}{AUTODISCOVER_PATH}",
            f"https://autodiscover.{domain}{AUTODISCOVER_PATH}",
        ]

    def discover(self, mailbox: str) -> str:
        """The EWS URL Autodiscover gives for `mailbox` (one GetUserSettings per tried URL)."""
        domain = mailbox.rpartition("@")[2].lower()
        failures: list[str] = []
        urls = self.candidates(domain)
        while urls:
            url = urls.pop(0)
            protocol = self._autodiscover_protocol(url)
            try:
                response = protocol.get_user_settings(
                    user=mailbox, settings=["external_ews_url", "internal_ews_url"]
                )
            except (ExchangeOnlineRefused, errors.ews.UnauthorizedError):
                raise
            except Exception as exc:
                # Any other failure of one candidate (no such host, no answer, not an
                # Autodiscover service): try the next, as Autodiscover clients do.
                if errors.is_tls_failure(exc):
                    raise
                failures.append(f"{url}: {str(exc).splitlines()[0][:200]}")
                continue
            if getattr(response, "redirect_url", None) and len(failures) < 5:
                urls.insert(0, str(response.redirect_url))
                continue
            if hasattr(response, "raise_errors"):
                response.raise_errors()
            found = response.user_settings.get("external_ews_url") or response.user_settings.get(
                "internal_ews_url"
            )
            if found:
                if is_exchange_online(str(found)):
                    raise ExchangeOnlineRefused(ONLINE_SENTENCE.format(url=found))
                return str(found)
            failures.append(f"{url}: no EWS URL in the answer")
        raise EndpointNotFound(
            f"EWS URL: Autodiscover found no Exchange server for {domain} (tried "
            + "; ".join(failures)
            + "). Enter the EWS URL on the Outlook setup page."
        )

    def _autodiscover_protocol(self, url: str) -> LsyncAutodiscoverProtocol:
        config = Configuration(
            service_endpoint=url,
            credentials=self.credentials,
            auth_type=self.settings.auth_type,
            retry_policy=FailFast(),
        )
        protocol = LsyncAutodiscoverProtocol(config=config)
        protocol.counter = self._count
        protocol.TIMEOUT = settings.LSYNC_HTTP_TIMEOUT
        return protocol

    # ------------------------------------------------------------------ protocol and accounts

    def protocol(self, url: str) -> LsyncProtocol:
        if url not in self._protocols:
            with _lock:
                version = _versions.get(url)
            config = Configuration(
                service_endpoint=url,
                credentials=self.credentials,
                auth_type=self.settings.auth_type,
                version=version,
                retry_policy=FailFast(),
            )
            protocol = LsyncProtocol(config=config)
            protocol.counter = self._count
            protocol.TIMEOUT = settings.LSYNC_HTTP_TIMEOUT
            self._protocols[url] = protocol
        return self._protocols[url]

    def account(self, mailbox: str) -> Account:
        """The mailbox opened by impersonation (no request is sent yet)."""
        url, _ = self.endpoint(mailbox)
        protocol = self.protocol(url)
        # Account.__init__ asks exchangelib's process-wide cache for a Protocol of this endpoint and
        # these credentials. Ours is offered there only while the Account is built, then the
        # cache is left as it was: nothing of lsync's stays in exchangelib's global state.
        cache = CachingProtocol._protocol_cache
        key = (protocol.config.service_endpoint, protocol.config.credentials)
        with _lock:
            before = cache.get(key)
            cache[key] = (protocol, datetime.now())
            try:
                account = Account(
                    primary_smtp_address=mailbox,
                    config=protocol.config,
                    access_type=IMPERSONATION,
                    autodiscover=False,
                    default_timezone=UTC_ZONE,
                )
            finally:
                if before is None:
                    cache.pop(key, None)
                else:
                    cache[key] = before
        assert account.protocol is protocol
        return account

    def remember_version(self, account: Account) -> None:
        config = account.protocol.config
        if config.version is not None and config.version.build is not None:
            with _lock:
                _versions.setdefault(config.service_endpoint, config.version)

    def run(self, mailbox: str, action: Callable[[Account], T]) -> T:
        """`action(account)`; an Autodiscover endpoint that stops answering is found again once."""
        account = self.account(mailbox)
        try:
            result = action(account)
        except Exception as exc:
            url, discovered = self.endpoint(mailbox)
            if not (discovered and errors.is_unreachable(exc)):
                raise
            self.forget(mailbox, url)
            account = self.account(mailbox)
            result = action(account)
        self.remember_version(account)
        return result

    def forget(self, mailbox: str, url: str) -> None:
        domain = mailbox.rpartition("@")[2].lower()
        with _lock:
            if _endpoints.get(domain) == url:
                del _endpoints[domain]
            _versions.pop(url, None)
        self._protocols.pop(url, None)

    # ------------------------------------------------------------------ pull notifications

    def subscribe_pull(
        self, account: Account, folders: list[BaseFolder], minutes: int
    ) -> tuple[str, str]:
        """(subscription id, watermark): one Subscribe for the item events of `folders`, kept by
        Exchange while a GetEvents comes at least every `minutes`."""
        collection = FolderCollection(account=account, folders=folders)
        made = collection.subscribe_to_pull(event_types=ITEM_EVENTS, timeout=minutes)
        if made is None:
            raise ValueError("no folder to subscribe to")
        return str(made[0]), str(made[1])

    def pull_events(
        self, account: Account, subscription_id: str, watermark: str
    ) -> tuple[int, str]:
        """(item events, the watermark after them) since `watermark`: GetEvents again with the
        last watermark while Exchange says MoreEvents (exchangelib's own loop asks with the first
        watermark each time)."""
        service = GetEvents(account=account)
        count = 0
        while True:
            note = service.get(subscription_id=subscription_id, watermark=watermark)
            for event in note.events or ():
                if event.watermark:
                    watermark = str(event.watermark)
                if not isinstance(event, StatusEvent):
                    count += 1
            if not note.more_events:
                return count, watermark

    # ------------------------------------------------------------------ Test Connection

    def probe_tls(self, url: str) -> None:
        """One unauthenticated GET of the endpoint: any HTTP answer proves TLS and the route;
        an untrusted certificate or no route raises (requests' errors)."""
        session = http.build_session()
        try:
            session.get(url, allow_redirects=False)
        finally:
            session.close()
        self._count()

    def sign_in(self, url: str) -> Version:
        """Signs in without impersonation: exchangelib's version probe (ConvertId) as the
        service account. A wrong password raises UnauthorizedError."""
        config = Configuration(
            service_endpoint=url,
            credentials=self.credentials,
            auth_type=self.settings.auth_type,
            retry_policy=FailFast(),
        )
        protocol = LsyncProtocol(config=config)
        protocol.counter = self._count
        protocol.TIMEOUT = settings.LSYNC_HTTP_TIMEOUT
        version: Version = protocol.version
        with _lock:
            _versions[url] = version
        return version
