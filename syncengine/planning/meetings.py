"""Whose event it is: rows S3-S4b (docs/event-selection.md) and O1-O4c (docs/meetings.md).

Two things about a mailbox event decide whether it may enter Salesforce and whether Salesforce may
write to it, apart from its content:
- the user's mark (`Item.selected`), when the configuration syncs only events users select;
- who organizes it (`Item.invitation`): a copy of a meeting the user was only invited to is the
  organizer's; Salesforce never writes to it, and one organized by a colleague who syncs is that
  colleague's Salesforce event, never a second one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncengine.planning.actions import Action, Write
from syncengine.records import Event
from syncengine.state import MappingState, mapping_version
from syncengine.stores.base import Item, Side

if TYPE_CHECKING:
    from syncengine.planning.builder import Builder, PairState, View
    from syncengine.policy import SyncSettings


def attendee_copy(item: Item | None) -> bool:
    """A mailbox event the user only attends: Salesforce writes nothing to it."""
    return item is not None and item.invitation is not None


def kept_out(settings: SyncSettings, item: Item) -> tuple[str, str] | None:
    """Why an unlinked mailbox event does not enter Salesforce, as (rule, reason); None when it
    may. Unselected events are left out silently (row S3), invitations with a skip (O1, O2)."""
    if settings.unselected(item, "mailbox"):
        return ("S3", "not selected by the user")
    invitation = item.invitation
    if invitation is None:
        return None
    if invitation.organizer in settings.syncing:
        return ("O1", f"an invitation from {invitation.organizer}, who syncs: their event")
    if not settings.outside_meetings:
        return ("O2", "an invitation from someone who does not sync: not synced by configuration")
    holder = meeting_holder(settings, item)
    if holder != settings.mailbox:
        return (
            "O3b",
            f"an invitation from outside: {holder}'s Salesforce event, with this user invited",
        )
    return None


def meeting_holder(settings: SyncSettings, item: Item) -> str:
    """Whose Salesforce event a meeting organized outside is: the syncing attendee with the
    smallest address. Every attendee's run computes the same holder from its own copy, so one
    meeting is one Salesforce event without the runs having to meet (docs/meetings.md)."""
    assert isinstance(item.record, Event)
    attendees = {a.email for a in item.record.attendees} | {settings.mailbox}
    return min((a for a in attendees if a in settings.syncing), default=settings.mailbox)


def marked_again(settings: SyncSettings, mailbox: View, m: MappingState) -> bool:
    """Row S5: a mailbox event detached by S4b (its Salesforce event kept) is still there and
    marked again: the pair is linked again, and what changed meanwhile syncs as usual."""
    item = mailbox.items.get(m.mailbox_id)
    return (
        settings.selected_only
        and item is not None
        and settings.in_scope(item.record)
        and not settings.unselected(item, "mailbox", m.salesforce_id)
    )


def skip_kept_out(b: Builder, item: Item, rule: str, why: str) -> None:
    if rule != "S3":
        b.add(Action("skip", item.record.label(), rule, why, {"mailbox": item.id}))


def decide_pair(
    b: Builder,
    m: MappingState,
    sf: PairState,
    mb: PairState,
    label: str,
    ids: dict[Side, str],
) -> bool:
    """Rows for a mapped pair whose mailbox event is unselected or an attendee's copy; True when
    one of them decided (the usual rows decide otherwise)."""
    s = b.settings
    if mb.item is not None and s.unselected(mb.item, "mailbox", m.salesforce_id):
        if sf.status == "deleted":
            why = "deleted in Salesforce; the mailbox event is not selected: left alone"
            b.add(b.detach_action("salesforce", ids, m, label, "S2", why))
        elif s.propagate_deletes and s.flows("mailbox") and sf.status != "changed":
            why = "no longer selected in the mailbox: removed from Salesforce as a deletion"
            b.add(b.delete_action("salesforce", ids, m, label, "S4", why))
        else:
            why = "no longer selected in the mailbox: the Salesforce event stays, unsynced"
            b.add(b.detach_action("mailbox", ids, m, label, "S4b", why))
        return True
    answers = answers_write(b, m, sf, mb)
    if answers is not None:
        versions, bases = b.current(m, {"salesforce": sf, "mailbox": mb})
        why = "attendees answered the invitation: their answers go to the invitees' status"
        b.add(Action("update", label, "O5", why, ids, writes=(answers,), before=m,
                     versions=versions, bases=bases, held={k: dict(v) for k, v in bases.items()}))  # fmt: skip
        return True
    if attendee_copy(mb.item) and sf.status == "deleted":
        why = (
            "deleted in Salesforce; the mailbox event is an attendee's copy: never deleted by lsync"
        )
        b.add(b.detach_action("salesforce", ids, m, label, "O4b", why))
        return True
    return False


def answers_write(b: Builder, m: MappingState, sf: PairState, mb: PairState) -> Write | None:
    """Row O5: the organizer's copy was rewritten with no field change, and its attendees'
    answers are not what Salesforce holds (or Salesforce was not read, and the copy's last
    version was known, so that it did move): the attendee list goes
    to Salesforce, whose event store takes the answers given in the mailbox. Answers are not
    hashed (records.py), so this is how a reply reaches the invitee's status."""
    s, held = b.settings, mb.item
    if held is None or not mb.refreshed or sf.status != "unchanged" or attendee_copy(held):
        return None
    if not s.flows("mailbox") or not s.in_scope(held.record) or not isinstance(held.record, Event):
        return None
    answered = {a.email: a.response for a in held.record.attendees if a.response != "none"}
    if not answered:
        return None
    if sf.item is None and not mapping_version(m, "mailbox"):
        # The copy's version was unknown (lsync created it, or a write half landed), so reading
        # it again is no sign of a reply, and Salesforce's answers are not in hand to compare:
        # the answers it holds go with the copy's next change.
        return None
    if sf.item is not None and isinstance(sf.item.record, Event):
        known = {a.email: a.response for a in sf.item.record.attendees}
        if all(known.get(e, r) == r for e, r in answered.items()):
            return None
    version = sf.item.version if sf.item else m.salesforce_version
    return b.update("salesforce", m.salesforce_id, version, held, {"attendees"})
