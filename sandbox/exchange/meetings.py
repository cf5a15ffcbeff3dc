"""Meetings as Exchange keeps them: when the organizer saves a calendar item with attendees and
sends the meeting request (``SendMeetingInvitations`` other than ``SendToNone``), each attendee
with a mailbox in the organisation gets a copy in their calendar, as the Calendar Attendant puts
it there: the same iCalendar ``UID``, ``IsOrganizer`` false, the organizer, and their own
``MyResponseType`` (``NoResponseReceived`` until they answer). An update sent to attendees
reaches the copies; a cancellation sent (the attendee removed, the meeting deleted) removes them.
With ``SendToNone`` nothing leaves the organizer's mailbox, so the copies stay as they were.
An attendee's answer (``answer``) shows on their copy and, as that attendee's ``ResponseType``,
on the organizer's item.

Bookkeeping lives in ``Item.meta``: ``organizer``, ``organizer_name``, ``response`` and
``source`` (the organizer's address and item id) on a copy; ``answer:{address}`` on the
organizer's item. Named properties (such as lsync's marker) stay on the organizer's item, as
they are not sent with a meeting request; so do the attendee's own categories on a copy.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

from sandbox.exchange import calendar
from sandbox.exchange.soap import t
from sandbox.exchange.state import Item, Mailbox, Organisation, Tombstone

SILENT = (None, "SendToNone")
RESPONSES = ("Accept", "Decline", "Tentative")
OWN_FIELDS = ("Categories",)


def organizes(box: Mailbox, item: Item) -> bool:
    return item.meta.get("organizer", box.smtp).lower() == box.smtp.lower()


def _source(box: Mailbox, item: Item) -> str:
    return f"{box.smtp}\n{item.id}"


def _copy_of(guest: Mailbox, source: str) -> Item | None:
    return next((i for i in guest.items.values() if i.meta.get("source") == source), None)


def stamp_answers(item: Item) -> None:
    """Writes the answers the organizer has received into the item's attendee list (Exchange
    tracks them whatever the client writes there)."""
    for name in calendar.ATTENDEE_FIELDS:
        group = item.fields.get(name)
        for attendee in group.findall(t("Attendee")) if group is not None else []:
            address = attendee.findtext(f"{t('Mailbox')}/{t('EmailAddress')}") or ""
            answer = item.meta.get(f"answer:{address.strip().lower()}")
            for old in attendee.findall(t("ResponseType")):
                attendee.remove(old)
            if answer:
                # Mailbox first, then ResponseType, as the schema orders an Attendee.
                index = 1 if attendee.find(t("Mailbox")) is not None else 0
                made = ET.Element(t("ResponseType"))
                made.text = answer
                attendee.insert(index, made)


def after_write(
    org: Organisation, box: Mailbox, item: Item, before: list[str], mode: str | None
) -> None:
    """After the organizer created or updated `item` (`before`: its attendees until then)."""
    if item.kind != "CalendarItem" or not organizes(box, item):
        return
    stamp_answers(item)
    if mode not in SILENT:
        _deliver(org, box, item, before)


def after_delete(org: Organisation, box: Mailbox, item: Item, mode: str | None) -> None:
    if item.kind == "CalendarItem" and organizes(box, item) and mode not in SILENT:
        _deliver(org, box, item, calendar.attendees(item), gone=True)


def _deliver(
    org: Organisation, box: Mailbox, item: Item, before: list[str], gone: bool = False
) -> None:
    after = set() if gone else {a.lower() for a in calendar.attendees(item)}
    now = org.clock.now()
    for address in sorted((after | {a.lower() for a in before}) - {box.smtp}):
        guest = org.mailbox(address)
        if guest is None or guest is box:
            continue  # outside the organisation: only the e-mail goes out
        found = _copy_of(guest, _source(box, item))
        if address not in after:
            if found is not None:
                _remove(org, guest, found)
            continue
        fields = {k: copy.deepcopy(v) for k, v in item.fields.items() if k not in OWN_FIELDS}
        if found is not None:
            fields.update({k: found.fields[k] for k in OWN_FIELDS if k in found.fields})
            found.fields = fields
            _copy_series(org, item, found)
            found.touch(org.next_seq(), org.make_change_key(), set(fields), now)
            continue
        calendar_folder = guest.distinguished("calendar")
        if calendar_folder is None:
            continue
        seq = org.next_seq()
        made = Item(
            org.make_id("item"), org.make_change_key(), calendar_folder.id, "CalendarItem",
            fields, {}, now, now, seq, seq,
            meta={"organizer": box.smtp, "organizer_name": box.display_name,
                  "response": "NoResponseReceived", "source": _source(box, item)},
        )  # fmt: skip
        made.key_seqs[made.change_key] = seq
        _copy_series(org, item, made)
        guest.items[made.id] = made


def _copy_series(org: Organisation, master: Item, target: Item) -> None:
    target.deleted_occurrences = set(master.deleted_occurrences)
    target.exceptions = {
        key: type(data)(org.make_id("exception"), org.make_change_key(), copy.deepcopy(data.fields))
        for key, data in master.exceptions.items()
    }


def _remove(org: Organisation, guest: Mailbox, item: Item) -> None:
    seq = org.next_seq()
    guest.tombstones.append(Tombstone(item.id, item.folder_id, item.kind, item.created_seq, seq))
    del guest.items[item.id]


def answer(org: Organisation, guest: Mailbox, copy_id: str, response: str) -> None:
    """The attendee accepts, declines or tentatively accepts (``Accept``, ``Decline``,
    ``Tentative``): their copy and the organizer's item both change."""
    if response not in RESPONSES:
        raise ValueError(f"{response!r} is not one of {RESPONSES}")
    held = guest.items[copy_id]
    now = org.clock.now()
    held.meta["response"] = response
    held.touch(org.next_seq(), org.make_change_key(), set(), now)
    organizer, _, item_id = held.meta["source"].partition("\n")
    box = org.mailbox(organizer)
    item = box.items.get(item_id) if box is not None else None
    if box is None or item is None:
        return
    item.meta[f"answer:{guest.smtp}"] = response
    stamp_answers(item)
    item.touch(org.next_seq(), org.make_change_key(), set(calendar.ATTENDEE_FIELDS), now)
