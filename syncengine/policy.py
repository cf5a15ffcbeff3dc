"""Sync settings for one (configuration, kind) and the rules that read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from syncengine.vocabulary import ConflictPolicy, Direction

if TYPE_CHECKING:
    from syncengine.records import Contact, Event
    from syncengine.stores.base import Item, Side


@dataclass(frozen=True)
class SyncSettings:
    direction: Direction = "both"
    conflict: ConflictPolicy = "salesforce"
    propagate_deletes: bool = True  # events only: contacts are never deleted in Salesforce
    sync_private: bool = True  # events only
    sync_series: bool = True  # events only
    # Events only: "only events users select". A mailbox event enters Salesforce only while the
    # user marks it (Item.selected); copies lsync made from Salesforce are not asked for a mark.
    selected_only: bool = False
    # Events only: meetings (docs/meetings.md). The mailbox addresses of every linked sync user,
    # so an invitation from a colleague who syncs is left to the organizer's copy; and whether
    # invitations from organizers who do not sync (customers, partners) enter Salesforce.
    syncing: frozenset[str] = frozenset()
    outside_meetings: bool = True
    mailbox: str = ""  # the syncing user's own mailbox address, lower-case
    mass_delete_percent: int = 50  # refuse a plan deleting more than this share of linked items
    mass_delete_count: int = 200  # ... or more than this many items on one side

    def flows(self, source: Side) -> bool:
        """Whether changes made on `source` are written to the other side."""
        if self.direction == "both":
            return True
        return (
            self.direction == f"{source}_to_{'mailbox' if source == 'salesforce' else 'salesforce'}"
        )

    def in_scope(self, record: Contact | Event) -> bool:
        """Events: private ones and series sync only when configured. Contacts: the Salesforce
        store's listing is the scope (ownership and SOQL filters), so every listed contact is."""
        private = getattr(record, "private", False)
        series = getattr(record, "recurrence", None) is not None
        return (self.sync_private or not private) and (self.sync_series or not series)

    def unselected(self, item: Item, side: Side, linked_to: str | None = None) -> bool:
        """Whether a mailbox item is left out because the user has not marked it (docs/
        event-selection.md). An item carrying lsync's marker of its linked Salesforce event (or,
        unlinked, any marker) came from Salesforce: the mark decides only what enters Salesforce."""
        if not self.selected_only or side != "mailbox" or item.selected:
            return False
        return not (item.marker and (linked_to is None or item.marker == linked_to))

    def winner(self, salesforce: Item, mailbox: Item) -> Side:
        """Which side's value wins a field changed on both sides (or differing at first link)."""
        if self.direction == "salesforce_to_mailbox":
            return "salesforce"
        if self.direction == "mailbox_to_salesforce":
            return "mailbox"
        if self.conflict == "newest":
            # Ties and unknown times go to Salesforce, the system of record.
            oldest = datetime.min.replace(tzinfo=UTC)
            sf_time = salesforce.modified or oldest
            mb_time = mailbox.modified or oldest
            return "mailbox" if mb_time > sf_time else "salesforce"
        return self.conflict


def event_window(
    days_past: int, days_future: int, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """The calendar window, on whole UTC days so it stays the same through a day of runs."""
    today = (now or datetime.now(UTC)).astimezone(UTC)
    today = today.replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_past), today + timedelta(days=days_future + 1)
