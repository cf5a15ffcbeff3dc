"""Meetings as Exchange Online keeps them: when the organizer writes an event with attendees, each
attendee whose mailbox is in the directory gets a copy in their calendar (delivered with the
meeting request), with ``isOrganizer`` false, the organizer, the same ``iCalUId``, and their own
answer; an update reaches the copies, a cancellation (the attendee removed, the event deleted)
removes them. An attendee's answer (``answer``) shows on their copy and, as the attendee's
status, on the organizer's event.

Bookkeeping lives in the stored data under underscore keys, which Graph never shows as such:
``_organizer`` ({address, name}), ``_uid``, ``_source`` ([organizer upn, event id]) and
``_response`` on a copy; ``_answers`` ({address: response}) on the organizer's event.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sandbox.microsoft.directory import Directory
from sandbox.microsoft.state import Item, Mailbox

UID_PREFIX = "040000008200E00074C5B7101A82E008"
# Fields of the organizer's event that stay the attendee's own on their copy.
OWN = ("categories", "transactionId", "_answers", "_response", "_source", "_organizer", "_uid")


def uid_of(item_id: str, data: dict[str, Any]) -> str:
    return str(
        data.get("_uid") or UID_PREFIX + hashlib.sha256(item_id.encode()).hexdigest()[:64].upper()
    )


def _addresses(attendees: list[dict[str, Any]]) -> set[str]:
    return {str(a["emailAddress"]["address"]).lower() for a in attendees}


def _copy_of(guest: Mailbox, organizer: str, event_id: str) -> Item | None:
    return next(
        (e for e in guest.events.values() if e.data.get("_source") == [organizer, event_id]), None
    )


def deliver(
    directory: Directory, box: Mailbox, item: Item, before: list[dict[str, Any]], gone: bool = False
) -> None:
    """Brings the attendees' copies in line with the organizer's event after a write."""
    if "_source" in item.data or not directory.meeting_copies:
        return  # an attendee editing their own copy sends nothing
    now = directory.clock.now()
    after = set() if gone else _addresses(item.data.get("attendees") or [])
    for address in sorted((after | _addresses(before)) - {box.upn}):
        try:
            guest = directory.mailbox(address)
        except KeyError:
            continue  # outside the directory: only the e-mail goes out
        copy = _copy_of(guest, box.upn, item.id)
        if address not in after:
            if copy is not None:
                del guest.events[copy.id]
            continue
        data = {k: v for k, v in item.data.items() if k not in OWN}
        data.update(
            _organizer={"address": box.upn, "name": box.display_name},
            _uid=uid_of(item.id, item.data),
            _source=[box.upn, item.id],
            _response=copy.data.get("_response", "notResponded") if copy else "notResponded",
            categories=copy.data.get("categories", []) if copy else [],
        )
        if copy is None:
            copy = Item(directory.make.item(), data, directory.make.change_key(), now, now)
            guest.events[copy.id] = copy
        else:
            copy.data, copy.change_key, copy.modified = data, directory.make.change_key(), now


def answer(directory: Directory, guest: Mailbox, copy_id: str, response: str) -> None:
    """The attendee accepts, declines or tentatively accepts (``accepted``, ``declined``,
    ``tentativelyAccepted``): their copy and the organizer's event both change."""
    copy = guest.events[copy_id]
    now = directory.clock.now()
    copy.data["_response"] = response
    copy.change_key, copy.modified = directory.make.change_key(), now
    organizer_upn, event_id = copy.data["_source"]
    event = directory.mailbox(organizer_upn).events.get(event_id)
    if event is not None:
        event.data.setdefault("_answers", {})[guest.upn] = response
        event.change_key, event.modified = directory.make.change_key(), now


def meeting_json(box: Mailbox, item_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The organizer properties of an event as Graph shows them in `box`."""
    organizer = data.get("_organizer")
    answers = data.get("_answers") or {}
    mine = (
        {"response": data.get("_response", "notResponded")}
        if organizer
        else {"response": "organizer"}
    )
    return {
        "iCalUId": uid_of(item_id, data),
        "isOrganizer": organizer is None,
        "organizer": {
            "emailAddress": organizer or {"name": box.display_name, "address": box.upn}
        },
        "responseStatus": {**mine, "time": "0001-01-01T00:00:00Z"},
        "attendees": [
            {**a, "status": {"response": answers.get(a["emailAddress"]["address"].lower(), "none"),
                             "time": "0001-01-01T00:00:00Z"}}
            for a in data.get("attendees") or []
        ],
    }  # fmt: skip
