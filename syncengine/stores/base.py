"""The store interface: one store per provider, side and kind.

Terminology:
- *item*: one contact or event as a store holds it: its id, an opaque version (SystemModstamp,
  changeKey, etag) and the normalized record.
- *marker*: the Salesforce id we tag on every mailbox item we create, so that a retry after a
  crash finds the item instead of creating it twice.
- *cursor*: an opaque string (delta link, sync token, timestamp) that `changes` resumes from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, TypeVar

from syncengine.vocabulary import Kind, Side

if TYPE_CHECKING:
    from syncengine.records import Contact, Event

__all__ = ["Kind", "Side"]  # defined in syncengine.vocabulary; imported from here by stores

# A match key is a tuple whose first element names the rule, e.g. ("email", "ana@x.com"),
# ("name", "ana", "núñez", "acme"), ("slot", subject, start_iso, end_iso), ("marker", "003...").
MatchKey = tuple[str, ...]


class ProviderError(Exception):
    """Base of every store error. `permanent` tells the engine whether a retry can help."""

    permanent: bool = False

    def __init__(self, message: str, *, permanent: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if permanent is not None:
            self.permanent = permanent


class AuthFailed(ProviderError):
    permanent = True


class RateLimited(ProviderError):
    def __init__(self, message: str, *, retry_after: float = 60.0) -> None:
        super().__init__(message, permanent=False)
        self.retry_after = retry_after


class NotFound(ProviderError):
    permanent = True


class VersionMismatch(ProviderError):
    permanent = False


class CursorExpired(ProviderError):
    permanent = False


class Rejected(ProviderError):
    """The provider refused this record (validation rule, field too long): retrying the same
    data cannot help."""

    permanent = True


ClientError = TypeVar("ClientError", bound=Exception)


def translating(
    raised: type[ClientError], table: Callable[[ClientError], ProviderError]
) -> AbstractContextManager[None]:
    """A block whose client errors (`raised`) come out as the engine's, through the provider's
    own table (its errors.py `store_error`); the client's error stays the cause."""

    @contextmanager
    def block() -> Iterator[None]:
        try:
            yield
        except raised as error:
            raise table(error) from error

    return block()


@dataclass(frozen=True)
class Invitation:
    """A mailbox event the user was invited to (Graph `isOrganizer` false, Google `organizer.self`
    unset, EWS `MyResponseType` other than Organizer): someone else organizes it."""

    organizer: str  # the organizer's address, lower-case
    uid: str = ""  # the meeting's iCalendar UID: the same in every attendee's copy
    response: str = "none"  # the user's own answer: none, accepted, declined, tentative


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a series, as its side knows it: the series item's id there and the
    start the rule gave the occurrence (UTC). A modified occurrence is an item of its own that
    carries this (docs/series.md)."""

    series: str
    start: datetime


@dataclass(frozen=True)
class Item:
    id: str
    version: str
    record: Contact | Event
    marker: str | None = None
    modified: datetime | None = None
    # Mailbox events: whether the user marked the event for Salesforce (the configured Outlook
    # category or Google colour). Stores without a configured mark report True. Not part of the
    # record: a mark is a scope, never content to sync (docs/event-selection.md).
    selected: bool = True
    # Mailbox events: set when the user only attends (docs/meetings.md); None when the user
    # organizes it or the side has no such notion (Salesforce).
    invitation: Invitation | None = None
    # Events: set on a modified occurrence of a series (never on the series or a single event).
    occurrence: Occurrence | None = None
    # When the item was made, where the side says so (Salesforce's CreatedDate): a create whose
    # answer was lost is recognised by it, whatever the user changed since (row U5f).
    created: datetime | None = None


@dataclass(frozen=True)
class ChangePage:
    changed: list[Item]
    deleted: list[str]
    cursor: str | None
    full: bool


@dataclass(frozen=True)
class Create:
    """Create `record`; with `occurrence` (the series' id on the written side), write it over that
    occurrence of the series instead: the occurrence becomes a modified one."""

    ref: str
    record: Contact | Event
    marker: str | None = None
    occurrence: Occurrence | None = None


@dataclass(frozen=True)
class Update:
    """Write `record` over item `id`. When `fields` is given, only those record fields are
    written (a PATCH of those fields: the item keeps whatever else it holds); None writes all."""

    id: str
    record: Contact | Event
    expected_version: str | None = None
    fields: frozenset[str] | None = None


@dataclass(frozen=True)
class Delete:
    id: str
    expected_version: str | None = None


Op = Create | Update | Delete


@dataclass(frozen=True)
class OpResult:
    ok: bool
    id: str | None = None
    version: str | None = None
    error: ProviderError | None = None


class Store(Protocol):
    side: Side
    kind: Kind
    max_batch: int
    api_calls: int

    def changes(self, cursor: str | None) -> ChangePage:
        """Everything changed since `cursor`; a full listing when `cursor` is None.

        Raises CursorExpired when `cursor` is stale: the caller retries with None."""
        ...

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        """The current items for `ids`; missing ids are left out."""
        ...

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        """One result per op, in order. At most `max_batch` ops per call."""
        ...

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        """Ids of existing items matching each key (initial matching before any create)."""
        ...

    # Optional: `canonical(record) -> record`, what the side keeps of a record it is given (e.g.
    # Salesforce keeps one e-mail). The engine hashes that instead of what it wrote, so a lossy
    # side is not seen as changed on the next read. Stores without it keep records whole.
