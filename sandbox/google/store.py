"""Per-user state: contacts and contact groups (People), events (Calendar), change sequence.

Every write stamps the item with the mailbox's next sequence number; sync tokens carry the
sequence they were issued at, so an incremental listing is "everything stamped after it"
(tombstones included). Tokens also carry the emulator's cursor epoch: ``expire_cursors()``
bumps the epoch and so makes every issued token stale.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = Any


@dataclass
class Contact:
    resource_name: str
    source_id: str
    fields: dict[str, list[dict[str, Any]]]
    groups: list[str]
    seq: int
    update_time: datetime
    deleted: bool = False
    #: Earlier states, kept only while the People sync lag could still show them.
    history: list[tuple[datetime, Contact]] = field(default_factory=list)


@dataclass
class Group:
    resource_name: str
    name: str
    seq: int
    update_time: datetime
    system: bool = False
    deleted: bool = False
    client_data: list[dict[str, str]] = field(default_factory=list)


@dataclass
class StoredEvent:
    data: dict[str, Any]
    seq: int

    @property
    def cancelled(self) -> bool:
        return bool(self.data.get("status") == "cancelled")


@dataclass
class Mailbox:
    email: str
    given_name: str
    family_name: str
    time_zone: str
    contacts: dict[str, Contact] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    events: dict[str, StoredEvent] = field(default_factory=dict)
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


@dataclass(frozen=True)
class SyncToken:
    kind: str
    email: str
    seq: int
    epoch: int
    issued: float

    def encode(self) -> str:
        raw = json.dumps([self.kind, self.email, self.seq, self.epoch, self.issued])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> SyncToken | None:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            kind, email, seq, epoch, issued = json.loads(raw)
            return cls(str(kind), str(email), int(seq), int(epoch), float(issued))
        except (ValueError, TypeError, binascii.Error):
            return None


@dataclass
class Page:
    """The rest of a listing, kept server-side behind an opaque page token (a snapshot, so
    writes during paging show up in the next incremental round rather than shifting pages)."""

    owner: str
    kind: str
    items: list[JSON]
    sync_seq: int | None
    extra: dict[str, Any] = field(default_factory=dict)


class Pages:
    """Page tokens stay valid after use (a client may retry a page after a network error);
    the oldest are dropped past a bound."""

    LIMIT = 500

    def __init__(self) -> None:
        self.pages: dict[str, tuple[Page, int]] = {}

    def put(self, page: Page, offset: int) -> str:
        token = secrets.token_urlsafe(24)
        self.pages[token] = (page, offset)
        while len(self.pages) > self.LIMIT:
            self.pages.pop(next(iter(self.pages)))
        return token

    def take(self, token: str, owner: str, kind: str) -> tuple[Page, int] | None:
        found = self.pages.get(token)
        if found is None or found[0].owner != owner or found[0].kind != kind:
            return None
        return found


def rfc3339(moment: datetime, micros: bool = False) -> str:
    moment = moment.astimezone(UTC)
    if micros:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
