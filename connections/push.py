"""What the mail providers' push channels share: the users they are for, the public webhook
address, and the words the setup pages use when there is none (Graph change notifications and Google Calendar watch
channels both need an https URL the service can reach; without one, mailboxes are polled)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from syncengine import dispatch
from syncengine.models import LinkStatus, SyncUser


def public_base() -> str:
    return str(getattr(settings, "LSYNC_PUBLIC_URL", "") or "").rstrip("/")


def webhook_url(path: str) -> str | None:
    """`LSYNC_PUBLIC_URL` + path when it is https (the services refuse anything else)."""
    base = public_base()
    return f"{base}{path}" if base.startswith("https://") else None


def polling_minutes() -> int:
    """How often each user's mailbox is read without push, in whole minutes, at today's size."""
    interval = dispatch.sync_interval(dispatch.eligible_users().count())
    return max(1, round(interval.total_seconds() / 60))


def linked_users(method: str) -> QuerySet[SyncUser]:
    """The users a mail connection's notifications are for: linked to it, configuration on."""
    return SyncUser.objects.select_related("configuration", "mail_connection").filter(
        link_status=LinkStatus.LINKED,
        mail_connection__method=method,
        configuration__active=True,
    )
