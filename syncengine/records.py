"""Normalized records: the one shape both sides are compared in.

`Contact` and `Event` are frozen dataclasses. Provider converters build them with
`Contact.normalized(...)` / `Event.normalized(...)` (or `normalize(record)`), which accept loose input
(None for empty, naive datetimes plus a zone, mixed-case e-mails, CRLF text) and return the canonical
form. Normalizing a normalized record returns an equal record (tested with Hypothesis).

Every field is hashed on its own (`field_hashes()`), so the planner can merge field by field against the
hashes stored in the mapping. Left out of the hashes, on purpose:

- `Event.organizer`: read-only on every side (Graph, EWS and Google set it to the calendar owner,
  Salesforce to the event owner). A change to it could never be written, so hashing it would report a
  change that can never converge.
- `Attendee.response` (inside `Event.attendees`): written by the invitees' replies, not by the owner. A
  reply rewrites the mailbox item (new changeKey/etag); hashing it would turn every reply into an edit that
  overwrites the other side or conflicts with the owner's edits. Responses are still carried along whenever
  the event is written for another reason.
- `Event.time_zone` on its own: start and end are instants (UTC); the zone is a display hint that servers
  rewrite (Graph reports the mailbox's zone, Salesforce the user's). It is hashed together with
  `recurrence` instead, because for a series the zone decides how occurrences fall across DST changes.

Nothing is left out of the contact hashes.

The values' normal forms live in `record_values`, the contact in `record_contacts`, the event in
`record_events`; this module gathers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, TypeAlias

from syncengine.record_contacts import CONTACT_FIELDS, Address, Contact
from syncengine.record_events import (
    EVENT_FIELDS,
    RESPONSES,
    SHOW_AS,
    Attendee,
    Event,
    Recurrence,
    Response,
    ShowAs,
    norm_rrule,
    rrule_parts,
    until_date,
)
from syncengine.record_values import (
    norm_datetime,
    norm_email,
    norm_emails,
    norm_text,
    norm_zone,
    value_hash,
)
from syncengine.stores.base import Kind, MatchKey

KINDS: tuple[Kind, ...] = ("contacts", "events")

Record: TypeAlias = Contact | Event

RECORD_TYPES: dict[Kind, type[Contact] | type[Event]] = {"contacts": Contact, "events": Event}

HASHED_FIELDS: dict[Kind, tuple[str, ...]] = {"contacts": CONTACT_FIELDS, "events": EVENT_FIELDS}


def normalize(record: Record) -> Record:
    """The canonical form of any record (idempotent)."""
    return record.normalize()


def merge_fields(base: Record, source: Record, names: Iterable[str]) -> Record:
    """`base` with the given fields taken from `source` (an event's time zone goes along with its
    start, end or recurrence)."""
    changes: dict[str, Any] = {n: getattr(source, n) for n in names}
    if isinstance(base, Event) and isinstance(source, Event):
        if {"start", "end", "recurrence", "all_day"} & set(changes):
            changes["time_zone"] = source.time_zone
        if "attendees" in changes:
            # Keep the responses the target already knows for attendees that stay.
            known = {a.email: a.response for a in base.attendees}
            changes["attendees"] = tuple(
                replace(a, response=known.get(a.email, a.response)) for a in source.attendees
            )
    return replace(base, **changes)  # type: ignore[arg-type]


def take_answers(base: Record, source: Record) -> Record:
    """`base` with the answers (accepted, declined, tentative) `source` holds for its attendees.
    Salesforce takes them from the mailbox, where attendees answer (docs/meetings.md, row O5)."""
    if not isinstance(base, Event) or not isinstance(source, Event):
        return base
    answers = {a.email: a.response for a in source.attendees if a.response != "none"}
    attendees = tuple(replace(a, response=answers.get(a.email, a.response)) for a in base.attendees)
    return replace(base, attendees=attendees)


__all__ = [
    "Address",
    "Attendee",
    "Contact",
    "Event",
    "HASHED_FIELDS",
    "KINDS",
    "Kind",
    "MatchKey",
    "Record",
    "Recurrence",
    "RECORD_TYPES",
    "RESPONSES",
    "Response",
    "SHOW_AS",
    "ShowAs",
    "merge_fields",
    "take_answers",
    "norm_datetime",
    "norm_email",
    "norm_emails",
    "norm_rrule",
    "norm_text",
    "norm_zone",
    "normalize",
    "rrule_parts",
    "until_date",
    "value_hash",
]
