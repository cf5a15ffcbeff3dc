"""People API write-to-sync lag: ``connections.list`` shows a contact as it was ``lag`` seconds
ago (Google documents that writes can take minutes to appear in sync results; ``people.get``
and ``batchGet`` read the current state). Off (0) unless a test or the demo turns it on.

Versions become visible in the order they were written, so the sync token handed out is the last
sequence number before the oldest still-invisible write: nothing is skipped once it appears.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from sandbox.google.store import Contact, Mailbox


def snapshot(contact: Contact, lag: float, now: datetime, settled: bool = False) -> None:
    """Records the contact's new state (call after every change; ``settled``: already visible)
    and forgets what no listing can show any more."""
    if lag <= 0:
        contact.history.clear()
        return
    state = Contact(
        contact.resource_name,
        contact.source_id,
        copy.deepcopy(contact.fields),
        list(contact.groups),
        contact.seq,
        contact.update_time,
        contact.deleted,
    )
    horizon = now - timedelta(seconds=lag)
    contact.history.append((horizon if settled else now, state))
    shown = [i for i, (at, _) in enumerate(contact.history) if at <= horizon]
    if len(shown) > 1:
        del contact.history[: shown[-1]]


def visible(contact: Contact, lag: float, now: datetime) -> Contact | None:
    """The state a listing shows now (None: not listed yet)."""
    if lag <= 0 or not contact.history:
        return contact
    horizon = now - timedelta(seconds=lag)
    shown = [state for at, state in contact.history if at <= horizon]
    return shown[-1] if shown else None


def listing(mailbox: Mailbox, lag: float, now: datetime) -> tuple[list[Contact], int]:
    """(the visible state of every contact, the sequence number a sync token may carry)."""
    states = [visible(c, lag, now) for c in mailbox.contacts.values()]
    horizon = now - timedelta(seconds=lag)
    pending = [
        state.seq
        for c in mailbox.contacts.values()
        for at, state in c.history
        if lag > 0 and at > horizon
    ]
    return [s for s in states if s is not None], (min(pending) - 1 if pending else mailbox.seq)
