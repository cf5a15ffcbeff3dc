"""What a provider is, as the engine sees it: the one module every provider folder implements.

A provider is one folder `connections/providers/<key>/` whose `provider.py` holds a class that
satisfies `SalesforceProvider` (the one Salesforce side) or `MailProvider` (a mailbox back end:
Microsoft 365, Google Workspace, Exchange, CalDAV). The `LSYNC_PROVIDERS` setting lists those
classes by dotted path, like Django's AUTHENTICATION_BACKENDS; `syncengine.registry` loads them.
Nothing in the engine imports a provider: it only sees these protocols.

The types enrollment exchanges with providers (`Probe`, `SalesforceUser`, ...) live here too, so
that both sides import them from the engine and never from each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from syncengine.stores.base import AuthFailed, Kind, Store

if TYPE_CHECKING:
    from syncengine.models import SyncUser
    from syncengine.unresolved import Directory as RecordDirectory

ProviderSide = Literal["salesforce", "mail"]
Outcome = Literal["ok", "no_mailbox", "no_access", "not_covered", "unverified", "unavailable"]


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


@dataclass(frozen=True)
class CheckStep:
    """The result of one Test Connection step. `user`: the step is about the one user tested
    ("Test as user"), not the connection: its failure is that user's problem (a typo, no
    licence, no mailbox), so it never marks the whole connection Error."""

    name: str
    ok: bool
    message: str
    user: bool = False


@dataclass(frozen=True)
class Probe:
    """Whether an address has a mailbox lsync may act as; `message` is shown to the admin as is.

    - "ok": the mailbox exists and lsync may open it;
    - "no_mailbox": no such user or no mailbox;
    - "no_access": the mailbox exists (or may) but impersonation / delegation / consent is missing;
    - "not_covered": the address is outside the domains the connection serves;
    - "unverified": this back end cannot be probed from here;
    - "unavailable": the provider could not be asked right now (network, throttling): retry later.
    """

    outcome: Outcome
    message: str = ""


class MailboxDirectory(Protocol):
    """The mail side of enrollment for one connection."""

    method: str
    additional_domains: Sequence[str]
    # When True, enrollment probes "no_access" addresses once more after every other address:
    # a later success can show that the first refusal was about the address, not the setup.
    recheck_denied: bool

    def domains(self) -> frozenset[str] | None:
        """The mailbox domains of the connection; None when the provider cannot tell."""
        ...

    def probe(self, address: str) -> Probe: ...


class DirectoryError(Exception):
    """Salesforce could not be asked; the message says why and what to do."""


class FilterRejected(DirectoryError):
    """Salesforce refused an extra SOQL filter; the message is Salesforce's, in plain words."""


@dataclass(frozen=True)
class SalesforceUser:
    id: str
    username: str
    email: str
    name: str
    active: bool
    profile_id: str
    profile_name: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SalesforceUser:
        profile = row.get("Profile") or {}
        return cls(
            id=str(row["Id"]),
            username=str(row.get("Username") or ""),
            email=str(row.get("Email") or "").strip().lower(),
            name=str(row.get("Name") or ""),
            active=bool(row.get("IsActive")),
            profile_id=str(row.get("ProfileId") or ""),
            profile_name=str(profile.get("Name") or "") if isinstance(profile, dict) else "",
        )


@dataclass(frozen=True)
class SalesforceProfile:
    id: str
    name: str


class Directory(Protocol):
    """The Salesforce side of enrollment: users, profiles, and a dry run of an extra filter."""

    def search(self, text: str, limit: int = 10) -> tuple[list[SalesforceUser], list[SalesforceProfile]]: ...  # fmt: skip
    def users_by_id(self, ids: Sequence[str]) -> list[SalesforceUser]: ...
    def users_by_profile(self, profile_ids: Sequence[str]) -> list[SalesforceUser]: ...
    def users_by_email(self, emails: Sequence[str]) -> list[SalesforceUser]: ...
    def profiles_by_id(self, ids: Sequence[str]) -> list[SalesforceProfile]: ...
    def check_contact_filter(self, condition: str) -> None: ...


@runtime_checkable
class Provider(Protocol):
    """What every provider has. Class attributes, so the registry reads them without I/O."""

    key: ClassVar[str]  # stable, stored in the database: "salesforce", "microsoft365", "google"
    label: ClassVar[str]  # shown to admins: "Microsoft 365"
    side: ClassVar[ProviderSide]
    kinds: ClassVar[frozenset[Kind]]
    setup_url: ClassVar[str]  # URL name of its setup page ("setup:google")
    settings_model: ClassVar[str]  # "app_label.Model" of its settings row
    testable: ClassVar[bool]  # False: Test Connection says it cannot test this provider yet

    def build_store(self, sync_user: SyncUser, kind: Kind) -> Store:
        """The store of `kind` acting as `sync_user`; raises a ProviderError (AuthFailed when
        the provider is not set up) with a message an admin can act on."""
        ...

    def run_checks(self, email: str | None) -> list[CheckStep]:
        """Test Connection: each step named, with what to do when it fails."""
        ...


@runtime_checkable
class SalesforceProvider(Provider, Protocol):
    def user_directory(self) -> Directory:
        """Raises DirectoryError saying what setup is missing."""
        ...

    def record_directory(self, sync_user: SyncUser) -> RecordDirectory:
        """Searches and writes for resolving unresolved items, as `sync_user`."""
        ...

    def is_configured(self) -> bool: ...


@runtime_checkable
class MailProvider(Provider, Protocol):
    def is_active(self) -> bool:
        """Enabled and configured: its users sync and new users can be linked to it."""
        ...

    def connection_id(self) -> int | None:
        """The id of its settings row (`settings_model`), None before it was first saved."""
        ...

    def claimed_domains(self) -> frozenset[str]:
        """The e-mail domains it claims from its stored settings (no network): a domain is
        claimed by at most one connection."""
        ...

    def mailbox_directory(self, known_good: Iterable[str] = ()) -> MailboxDirectory | None:
        """Mailbox lookup for enrollment; None when not set up well enough to ask."""
        ...


class NotLinked(AuthFailed):
    """The user has no linked mailbox: a store never guesses one from the e-mail address."""


def linked_mailbox(sync_user: SyncUser) -> str:
    if not sync_user.mailbox_address:
        raise NotLinked(
            f"{sync_user.email or sync_user.username} is not linked to a mailbox; lsync never "
            "guesses one from the e-mail address. See the user's link status."
        )
    return sync_user.mailbox_address.lower()
