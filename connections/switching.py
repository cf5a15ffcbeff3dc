"""Switching the Outlook method (Exchange service account <-> Microsoft 365 OAuth): what happens
to the users linked through the old one, said before the switch (on the Outlook page), when it is
saved, and after it (on /setup/), so a switch is never a silent stop.

Users are linked to a mailbox through one connection (SyncUser.mail_connection). In hybrid mode
both methods stay in use, each for its own domains, so only turning hybrid off stops anyone.
After a switch
they are no longer linked: they wait, with their reason, until enrollment links them through the
new method; their links to the old method's items are then reset, and the first run matches
items on both sides before it creates anything. Read through the app registry: connections must
not import the sync engine."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import QuerySet

from connections.models import MailConnection

ENROLLMENT = "the next enrollment run (every 15 minutes)"
NEXT_STEP: dict[str, str] = {
    MailConnection.Method.MICROSOFT365: (
        "Make sure a Global Administrator has logged in to Microsoft 365 on this page (consent) "
        "and that Test Connection passes."
    ),
    MailConnection.Method.EXCHANGE: (
        "Enter the service account, save, and make sure it has ApplicationImpersonation over "
        "their mailboxes."
    ),
}


def _users() -> QuerySet:  # type: ignore[type-arg]
    return apps.get_model("syncengine", "SyncUser").objects.all()


def linked_through(method: str) -> int:
    return int(_users().filter(link_status="linked", mail_connection__method=method).count())


def _label(method: str) -> str:
    return str(MailConnection.Method(method).label)


def consequence(old: str, new: str, count: int, *, done: bool = False) -> str:
    """What a switch from `old` to `new` does to `count` linked users; `done`: it was saved."""
    what = (
        f"{count} user(s) were linked through {_label(old)}; the switch to {_label(new)} "
        "stopped their syncs"
        if done
        else f"{count} user(s) are linked through {_label(old)}. Switching to {_label(new)} "
        "stops their syncs"
    )
    return (
        f"{what}: lsync links them again through {_label(new)} at {ENROLLMENT}, resets "
        "their links to the old mailbox items and matches items on both sides before creating "
        "anything, so nothing is duplicated or deleted. Users whose mailbox the new method cannot "
        f"reach get a link error that says why. {NEXT_STEP.get(new, '')}"
    ).strip()


def unlink_after_switch(old: str, new: str) -> int:
    """Marks the users linked through `old` as waiting for a link through `new`; returns how
    many. They keep `mail_connection`, so enrollment sees the move and resets their links."""
    reason = (
        f"Waiting to be linked again: the Outlook method was switched from {_label(old)} to "
        f"{_label(new)}. lsync links this user through {_label(new)} at {ENROLLMENT}. "
        f"{NEXT_STEP.get(new, '')}"
    ).strip()
    users = _users().filter(link_status="linked", mail_connection__method=old)
    return int(users.update(link_status="pending", link_error=reason))


@dataclass(frozen=True)
class Waiting:
    """Users linked through a connection that is no longer in use, waiting to be linked again."""

    count: int
    old: str
    new: str

    @property
    def message(self) -> str:
        return (
            f"{self.count} user(s) linked through {_label(self.old)} wait to be linked again "
            f"through {_label(self.new)}: they do not sync until {ENROLLMENT} links them. "
            f"{NEXT_STEP.get(self.new, '')}"
        ).strip()


def waiting() -> Waiting | None:
    chosen = MailConnection.outlook_choice()
    in_use = MailConnection.outlook_in_use()
    for old in MailConnection.OUTLOOK_METHODS:
        if old in in_use:
            continue
        count = _users().filter(mail_connection__method=old).exclude(link_status="error").count()
        if count:
            return Waiting(int(count), old, chosen)
    return None
