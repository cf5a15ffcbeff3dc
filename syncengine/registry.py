"""The providers, found through the LSYNC_PROVIDERS setting, and the stores of one sync user.

LSYNC_PROVIDERS lists provider classes by dotted path, like Django's AUTHENTICATION_BACKENDS:
exactly one Salesforce provider and any number of mail providers (see syncengine/provider.py).
Nothing else in the product names a provider: orchestration, enrollment, the setup and status
pages and the demo ask this module.

LSYNC_STORE_BACKEND chooses what `build_stores` builds from: "providers" (the registered
providers) or "memory" (in-memory stores for tests and the console's demo mode).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from syncengine.provider import (
    MailboxDirectory,
    MailProvider,
    Provider,
    SalesforceProvider,
    domain_of,
)
from syncengine.stores.base import AuthFailed, Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser

StorePair = tuple[Store, Store]
Builder = Callable[["SyncUser", Kind], StorePair]

BACKENDS: dict[str, str] = {
    "memory": "syncengine.memory_backend.build_stores",
    "providers": "syncengine.registry.build_provider_stores",
}
DEFAULT_BACKEND = "providers"


class NoMailConnection(AuthFailed):
    """No usable mail connection for a user; an admin must set one up or link the user
    (permanent: a retry cannot help until the setup changes)."""


def backend_name() -> str:
    return str(getattr(settings, "LSYNC_STORE_BACKEND", DEFAULT_BACKEND))


def build_stores(sync_user: SyncUser, kind: Kind) -> StorePair:
    name = backend_name()
    if name not in BACKENDS:
        raise ImproperlyConfigured(
            f"LSYNC_STORE_BACKEND={name!r} is not one of: {', '.join(sorted(BACKENDS))}"
        )
    builder: Builder = import_string(BACKENDS[name])
    return builder(sync_user, kind)


def provider_paths() -> tuple[str, ...]:
    paths = getattr(settings, "LSYNC_PROVIDERS", None)
    if not paths:
        raise ImproperlyConfigured("LSYNC_PROVIDERS lists no providers (see docs/architecture.md).")
    return tuple(paths)


@cache
def _load(paths: tuple[str, ...]) -> tuple[Provider, ...]:
    loaded: list[Provider] = []
    for path in paths:
        try:
            instance = import_string(path)()
        except ImportError as exc:
            raise ImproperlyConfigured(f"LSYNC_PROVIDERS: cannot import {path!r}: {exc}") from exc
        if not isinstance(instance, Provider):
            raise ImproperlyConfigured(f"LSYNC_PROVIDERS: {path!r} is not a provider.")
        if any(p.key == instance.key for p in loaded):
            raise ImproperlyConfigured(f"LSYNC_PROVIDERS: two providers have key {instance.key!r}.")
        loaded.append(instance)
    if sum(1 for p in loaded if p.side == "salesforce") != 1:
        raise ImproperlyConfigured("LSYNC_PROVIDERS must list exactly one Salesforce provider.")
    return tuple(loaded)


def providers() -> tuple[Provider, ...]:
    return _load(provider_paths())


def provider(key: str) -> Provider:
    for candidate in providers():
        if candidate.key == key:
            return candidate
    raise KeyError(key)


def salesforce() -> SalesforceProvider:
    found = next(p for p in providers() if p.side == "salesforce")
    assert isinstance(found, SalesforceProvider)
    return found


def mail_providers() -> list[MailProvider]:
    return [p for p in providers() if isinstance(p, MailProvider) and p.side == "mail"]


def mail_provider(key: str) -> MailProvider | None:
    return next((p for p in mail_providers() if p.key == key), None)


def active_mail_providers() -> list[MailProvider]:
    return [p for p in mail_providers() if p.is_active()]


def claims(active_only: bool = True) -> dict[str, MailProvider]:
    """Domain -> the mail provider that claims it (the first, should two; the setup pages refuse
    a second claim)."""
    owners: dict[str, MailProvider] = {}
    for candidate in active_mail_providers() if active_only else mail_providers():
        for domain in sorted(candidate.claimed_domains()):
            owners.setdefault(domain, candidate)
    return owners


def claim_conflicts(key: str, domains: Iterable[str]) -> list[tuple[str, MailProvider]]:
    """The domains among `domains` another active mail connection claims, with that one (a
    connection that is off claims nothing)."""
    wanted = {d.strip().lower() for d in domains if d.strip()}
    found = []
    for other in active_mail_providers():
        if other.key != key:
            found += [(d, other) for d in sorted(wanted & other.claimed_domains())]
    return sorted(found, key=lambda pair: pair[0])


def active_directories(known_good: Iterable[str] = ()) -> list[MailboxDirectory]:
    good = list(known_good)
    found = (p.mailbox_directory(good) for p in sorted(active_mail_providers(), key=_by_key))
    return [d for d in found if d is not None]


def _by_key(candidate: Provider) -> str:
    return candidate.key


def mail_provider_for(sync_user: SyncUser) -> MailProvider:
    """The mail provider of the connection the user is linked to; a user not linked yet (rows
    from before links were recorded) goes by the domain of its mailbox."""
    linked = sync_user.mail_connection
    if linked is not None:
        found = mail_provider(str(linked.method))
        if found is None or not found.is_active():
            label = found.label if found else str(linked.method)
            raise NoMailConnection(
                f"{sync_user.username} is linked to {label}, which is turned off or not set up. "
                "Turn it on in Setup, or wait for the next enrollment run to link the user again."
            )
        return found
    active = active_mail_providers()
    if not active:
        raise NoMailConnection(
            "No mail connection is enabled. Open Setup and connect Microsoft 365, Google "
            "Workspace or Exchange."
        )
    address = sync_user.mailbox_address or sync_user.email
    owner = claims().get(domain_of(address))
    if owner is not None:
        return owner
    if len(active) == 1:
        return active[0]
    raise NoMailConnection(
        f"{sync_user.username} is not linked to a mail connection yet and {domain_of(address)} "
        "is claimed by none: wait for the next enrollment run, or add the domain to one "
        "connection in Setup."
    )


def build_provider_stores(sync_user: SyncUser, kind: Kind) -> StorePair:
    salesforce_store = salesforce().build_store(sync_user, kind)
    return salesforce_store, mail_provider_for(sync_user).build_store(sync_user, kind)
