"""What the mail providers' push channels share: the public webhook address, and the words the
setup pages use when there is none (Graph change notifications and Google Calendar watch
channels both need an https URL the service can reach; without one, mailboxes are polled)."""

from __future__ import annotations

from django.conf import settings

from syncengine import dispatch


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
