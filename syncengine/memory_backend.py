"""The "memory" store backend: in-process MemoryStores seeded per user, for the demo and tests.

Each (user e-mail, kind) gets its own pair of stores the first time it is asked for, filled with
a few items derived from the e-mail only, so every process shows the same starting point. One
item on each side is the same person or meeting (they get linked), the others are one-sided
(they get created on the other side). The stores live as long as the process.
"""

from __future__ import annotations

import hashlib
import threading
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from syncengine.records import Contact, Event
from syncengine.stores.base import Kind
from syncengine.stores.memory import Clock, MemoryStore

if TYPE_CHECKING:
    from syncengine.models import SyncUser

FIRST = ["Ana", "Bruno", "Chloé", "Dmitri", "Emeka", "Fatima", "Goran", "Hana", "Ines", "Jonas"]
LAST = ["Núñez", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tanaka", "Ulloa", "Varga", "Weber"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell"]
# A fixed Monday: the seed must not depend on the day it is built.
BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

_pairs: dict[tuple[str, Kind], tuple[MemoryStore, MemoryStore]] = {}
_lock = threading.Lock()


def _picker(email: str) -> list[int]:
    return list(hashlib.sha256(email.encode()).digest())


def _contact(n: list[int], i: int, company: str) -> Contact:
    # Steps coprime with 10 keep the four people of one user distinct.
    first, last = FIRST[(n[0] + 3 * i) % len(FIRST)], LAST[(n[1] + 7 * i) % len(LAST)]
    local = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    return Contact.normalized(
        first_name=first,
        last_name=last,
        emails=[f"{local}@{company}.example".lower()],
        company=company.title(),
        business_phone=f"+1 555 01{n[i] % 100:02d}",
        title=["Buyer", "CFO", "Engineer", "Head of Sales"][n[i + 16] % 4],
    )


def seed_contacts(email: str) -> tuple[list[Contact], list[Contact]]:
    """(Salesforce contacts, mailbox contacts); the first of each is the same person."""
    n = _picker(email)
    company = COMPANIES[n[0] % len(COMPANIES)].lower()
    people = [_contact(n, i, company) for i in range(4)]
    return [people[0], people[1], people[2]], [people[0], people[3]]


def _event(subject: str, day: int, hour: int, attendee: str = "") -> Event:
    start = BASE + timedelta(days=day, hours=hour)
    return Event.normalized(
        subject=subject,
        start=start,
        end=start + timedelta(minutes=45),
        time_zone="Europe/Paris",
        location="Room 4" if day % 2 else "",
        attendees=[attendee] if attendee else [],
    )


def seed_events(email: str) -> tuple[list[Event], list[Event]]:
    """(Salesforce events, mailbox events); the first of each is the same meeting."""
    n = _picker(email)
    sf_contacts, mb_contacts = seed_contacts(email)
    company = sf_contacts[0].company
    review = _event(f"Quarterly review with {company}", n[1] % 3, 1, sf_contacts[0].email)
    return (
        [review, _event(f"Call {sf_contacts[1].first_name}", 3, n[2] % 6)],
        [review, _event(f"Lunch with {mb_contacts[1].first_name}", 4, 3)],
    )


def _seeded(email: str, kind: Kind) -> tuple[MemoryStore, MemoryStore]:
    clock = Clock(BASE - timedelta(days=7))
    sf = MemoryStore(
        "salesforce",
        kind,
        max_batch=200,
        clock=clock,
        id_prefix="003" if kind == "contacts" else "00U",
    )
    mb = MemoryStore("mailbox", kind, max_batch=20, clock=clock)
    sf_records, mb_records = seed_contacts(email) if kind == "contacts" else seed_events(email)
    for record in sf_records:
        sf.put(record)
    for record in mb_records:
        mb.put(record)
    return sf, mb


def build_stores(sync_user: SyncUser, kind: Kind) -> tuple[MemoryStore, MemoryStore]:
    # The linked mailbox, as the providers do: two users sharing an e-mail never share stores.
    from syncengine.provider import linked_mailbox

    key = (linked_mailbox(sync_user), kind)
    with _lock:
        if key not in _pairs:
            _pairs[key] = _seeded(key[0], kind)
        return _pairs[key]


def forget_all() -> None:
    """Drops every store (tests start from the seed again)."""
    with _lock:
        _pairs.clear()
