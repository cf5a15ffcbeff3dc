"""In-memory directory: app registrations, tenants, consents, mailboxes and their items."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

GRAPH_ROLES = frozenset({"Contacts.ReadWrite", "Calendars.ReadWrite", "User.Read.All"})


@dataclass
class Certificate:
    sha1: bytes
    sha256: bytes
    public_key: Any


@dataclass
class App:
    client_id: str
    secret: str | None = None
    secret_expires_at: datetime | None = None
    certificates: list[Certificate] = field(default_factory=list)
    redirect_uris: list[str] = field(default_factory=list)
    display_name: str = "lsync"


@dataclass
class Item:
    """A contact, folder or event: Graph properties plus the bookkeeping Graph keeps for it."""

    id: str
    data: dict[str, Any]
    change_key: str
    created: datetime
    modified: datetime
    # normalized property id -> (id as first written, value)
    extended: dict[str, tuple[str, str]] = field(default_factory=dict)
    parent_id: str = ""

    @property
    def etag(self) -> str:
        return f'W/"{self.change_key}"'


@dataclass
class Mailbox:
    id: str
    tenant_id: str
    upn: str
    display_name: str
    has_mailbox: bool = True
    default_folder_id: str = ""
    folders: dict[str, Item] = field(default_factory=dict)
    contacts: dict[str, Item] = field(default_factory=dict)
    events: dict[str, Item] = field(default_factory=dict)
    # Exchange ApplicationAccessPolicy: the app may not open this mailbox.
    blocked: bool = False


@dataclass
class Tenant:
    id: str
    domains: list[str]
    consents: dict[str, set[str]] = field(default_factory=dict)
    consented_at: dict[str, datetime] = field(default_factory=dict)
    users: dict[str, Mailbox] = field(default_factory=dict)

    def user(self, key: str) -> Mailbox | None:
        key = key.lower()
        if key in self.users:
            return self.users[key]
        for box in self.users.values():
            if box.upn.lower() == key:
                return box
        return None


@dataclass
class Invitation:
    mailbox: str
    event_id: str
    attendee: str
    kind: str  # request | update | cancel
    subject: str
    sent_at: datetime


class IdMaker:
    """Outlook-looking ids (``AAMkA...``): opaque, URL-safe, deterministic for a seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.count = 0

    def _digest(self, kind: str) -> bytes:
        self.count += 1
        return hashlib.sha256(f"{self.seed}:{kind}:{self.count}".encode()).digest()

    def item(self) -> str:
        raw = b"\x00\x00" + self._digest("item") + self._digest("item2")[:14]
        return "AAMkA" + base64.urlsafe_b64encode(raw).decode()

    def change_key(self) -> str:
        return base64.b64encode(self._digest("ck")[:16]).decode().rstrip("=") + "AAA"

    def guid(self, *salt: object) -> str:
        digest = hashlib.sha256(repr((self.seed, *salt)).encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))


def looks_like_item_id(value: str) -> bool:
    return value.startswith("AAMk") and len(value) > 40


def certificate_from_pem(pem: str | bytes) -> Certificate:
    cert = x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)
    return Certificate(
        sha1=cert.fingerprint(hashes.SHA1()),  # noqa: S303 - x5t is SHA-1 by definition
        sha256=cert.fingerprint(hashes.SHA256()),
        public_key=cert.public_key(),
    )


def normalize_property_id(prop_id: str) -> str:
    """Graph matches extended property ids case-insensitively on type and GUID."""
    parts = prop_id.strip().split(" ", 3)
    if len(parts) == 4 and parts[2].lower() == "name":
        return f"{parts[0].lower()} {parts[1].lower()} name {parts[3]}"
    return " ".join(p.lower() for p in parts)
