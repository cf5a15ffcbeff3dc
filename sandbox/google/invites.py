"""Guests inside the domain get their own copy of an event, as in Google Calendar: same id and
iCalUID, the organizer's shared properties, their own ``extendedProperties.private``, reminders
and response. Guests may change only those on their copy (403 ``forbiddenForNonOrganizer``
otherwise); a guest deleting their copy declines the invitation.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from sandbox.google.errors import calendar_error
from sandbox.google.store import Mailbox

if TYPE_CHECKING:
    from sandbox.google.control import WorkspaceState as GoogleEmulator

#: What a guest may change on their copy (``attendees``: only their own response).
GUEST_FIELDS = frozenset({"extendedProperties", "reminders", "colorId", "transparency"})
OWN_ANSWER = ("responseStatus", "comment", "additionalGuests", "self", "organizer")
NOT_ORGANIZER = "Shared properties can only be changed by the organizer of the event."


def organizer_of(data: dict[str, Any]) -> str:
    return str((data.get("organizer") or {}).get("email", "")).lower()


def guests(emu: GoogleEmulator, organizer: str, data: dict[str, Any]) -> set[str]:
    found = set()
    for attendee in data.get("attendees") or []:
        email = str(attendee.get("email", "")).lower()
        if email != organizer and email in emu.mailboxes and not attendee.get("resource"):
            found.add(email)
    return found


def guest_copy(data: dict[str, Any], guest: str, previous: dict[str, Any] | None) -> dict[str, Any]:
    out = copy.deepcopy(data)
    organizer = organizer_of(data)
    out["organizer"] = {"email": organizer}
    out["creator"] = {"email": str((data.get("creator") or {}).get("email", organizer))}
    attendees = []
    for attendee in out.get("attendees") or []:
        item = {k: v for k, v in attendee.items() if k not in ("self", "organizer")}
        email = str(item.get("email", "")).lower()
        if email == organizer:
            item["organizer"] = True
        if email == guest:
            item["self"] = True
        attendees.append(item)
    if attendees:
        out["attendees"] = attendees
    shared = (data.get("extendedProperties") or {}).get("shared")
    private = ((previous or {}).get("extendedProperties") or {}).get("private")
    props = {k: v for k, v in (("shared", shared), ("private", private)) if v}
    out.pop("extendedProperties", None)
    if props:
        out["extendedProperties"] = props
    out["reminders"] = (previous or {}).get("reminders", {"useDefault": True})
    return out


def propagate(
    emu: GoogleEmulator, owner: Mailbox, data: dict[str, Any], before: dict[str, Any] | None
) -> None:
    """Brings every in-domain guest's copy in line with the organizer's event."""
    if organizer_of(data) != owner.email:
        return
    now = guests(emu, owner.email, data)
    earlier = guests(emu, owner.email, before) if before else set()
    for email in now | earlier:
        mailbox = emu.mailboxes[email]
        existing = mailbox.events.get(data["id"])
        if email in now:
            # Cancellations too: a deleted occurrence becomes a cancelled exception for guests.
            emu.save_event(mailbox, guest_copy(data, email, existing.data if existing else None))
        elif existing is not None and not existing.cancelled:
            emu.save_event(mailbox, dict(existing.data, status="cancelled"))


def _others(data: dict[str, Any], guest: str) -> list[Any]:
    return [
        {k: v for k, v in a.items() if k not in OWN_ANSWER}
        if str(a.get("email", "")).lower() == guest
        else {k: v for k, v in a.items() if k not in ("self", "organizer")}
        for a in data.get("attendees") or []
    ]


def check_guest_change(owner: Mailbox, old: dict[str, Any], new: dict[str, Any]) -> None:
    """On a guest's copy only the guest's own settings and answer may change."""
    if organizer_of(old) in ("", owner.email):
        return
    fixed = ("kind", "etag", "id", "htmlLink", "created", "updated", "creator", "organizer",
             "iCalUID", "sequence", "recurringEventId", "originalStartTime", "attendees")  # fmt: skip
    for key in set(old) | set(new):
        if key in GUEST_FIELDS or key in fixed or old.get(key) == new.get(key):
            continue
        raise calendar_error(403, "forbiddenForNonOrganizer", NOT_ORGANIZER)
    shared_before = (old.get("extendedProperties") or {}).get("shared")
    changed_shared = shared_before != (new.get("extendedProperties") or {}).get("shared")
    if changed_shared or _others(old, owner.email) != _others(new, owner.email):
        raise calendar_error(403, "forbiddenForNonOrganizer", NOT_ORGANIZER)


def answer_of(data: dict[str, Any], guest: str) -> str | None:
    for attendee in data.get("attendees") or []:
        if str(attendee.get("email", "")).lower() == guest:
            return str(attendee.get("responseStatus", "needsAction"))
    return None


def decline(
    emu: GoogleEmulator, guest: Mailbox, data: dict[str, Any], answer: str = "declined"
) -> None:
    """A guest answered (deleting their copy declines): the organizer's event shows it."""
    organizer = emu.mailboxes.get(organizer_of(data))
    stored = organizer.events.get(data["id"]) if organizer else None
    if organizer is None or stored is None or stored.cancelled:
        return
    updated = copy.deepcopy(stored.data)
    for attendee in updated.get("attendees") or []:
        if str(attendee.get("email", "")).lower() == guest.email:
            attendee["responseStatus"] = answer
    emu.save_event(organizer, updated)
