"""Google Calendar watch channels on each linked Google user's primary calendar.

- `maintain()` (the "renew mailbox subscriptions" task, hourly): watches the calendar of every
  linked Google user whose configuration syncs events, with a channel token of its own; replaces
  a channel that expires within `RENEW_BEFORE` (Google has no renewal: a new channel, then the old
  one stopped) or has expired; and stops (`channels.stop`) the channels of users who left (no
  longer linked, events off, moved to another connection, deleted). Without an https
  `LSYNC_PUBLIC_URL` nothing is watched and the existing channels are stopped.
- `receive(...)` (the webhook, webhook.py): the user a valid message is for. A message counts
  only when its channel is ours, its token the one we gave (compared in constant time) and its
  resource id the channel's; the `sync` message that follows a watch is the handshake and queues
  nothing.

People (contacts) has no push: contacts are read at every poll, as before.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from connections.models import GoogleChannel, MailConnection
from connections.providers.google.client import (
    CALENDAR_SCOPE,
    GoogleApiError,
    GoogleClient,
    stored_key_info,
)
from connections.push import webhook_url
from mappings.models import SyncRun
from syncengine.models import LinkStatus, SyncUser

logger = logging.getLogger(__name__)

LIFETIME = timedelta(days=7) - timedelta(hours=1)
RENEW_BEFORE = timedelta(hours=12)
# A message queues its user again after this long even if no run started since (a lost task).
REQUEUE_AFTER = timedelta(minutes=10)
WEBHOOK_PATH = "/hooks/google/"
ClientFor = Callable[[str], GoogleClient]


def _client_for(mailbox: str) -> GoogleClient:
    return GoogleClient(stored_key_info(), mailbox, (CALENDAR_SCOPE,))


def _users() -> dict[int, SyncUser]:
    users = SyncUser.objects.select_related("configuration").filter(
        link_status=LinkStatus.LINKED,
        mail_connection__method=MailConnection.Method.GOOGLE,
        configuration__active=True,
    )
    return {
        u.pk: u
        for u in users
        if u.configuration is not None and u.configuration.direction_for("events") != "off"
    }


def watch(client: GoogleClient, user: SyncUser, url: str) -> GoogleChannel:
    channel_id, token = str(uuid.uuid4()), secrets.token_urlsafe(32)
    asked = timezone.now() + LIFETIME
    body = {"id": channel_id, "type": "web_hook", "address": url, "token": token,
            "expiration": str(int(asked.timestamp() * 1000))}  # fmt: skip
    made = client.calendar("POST", "calendars/primary/events/watch", body=body)
    granted = made.get("expiration")
    expires = datetime.fromtimestamp(int(granted) / 1000, UTC) if granted else asked
    return GoogleChannel.objects.create(
        sync_user=user,
        mailbox=user.mailbox_address or user.email,
        channel_id=channel_id,
        token=token,
        resource_id=str(made.get("resourceId", "")),
        expires_at=min(expires, asked),
    )


def stop(client: GoogleClient, channel: GoogleChannel) -> None:
    try:
        body = {"id": channel.channel_id, "resourceId": channel.resource_id}
        client.calendar("POST", "channels/stop", body=body)
    except GoogleApiError as error:
        if error.status != 404:  # 404: expired or stopped already
            raise
    channel.delete()


def maintain(client_for: ClientFor | None = None) -> dict[str, int]:
    counts = {"created": 0, "renewed": 0, "stopped": 0, "failed": 0}
    if not MailConnection.load(MailConnection.Method.GOOGLE).service_account_key:
        return counts
    client_for = client_for or _client_for
    url = webhook_url(WEBHOOK_PATH)
    users = _users() if url else {}
    now = timezone.now()
    held: dict[int, GoogleChannel] = {}
    for channel in GoogleChannel.objects.order_by("expires_at"):
        try:
            if channel.expires_at <= now:
                channel.delete()  # Google dropped it already: the user gets a new one below
            elif channel.sync_user_id not in users or channel.sync_user_id in held:
                stop(client_for(channel.mailbox), channel)
                counts["stopped"] += 1
            elif channel.expires_at - now < RENEW_BEFORE and url:
                user = users[channel.sync_user_id]
                client = client_for(channel.mailbox)
                held[user.pk] = watch(client, user, url)
                stop(client, channel)
                counts["renewed"] += 1
            elif channel.sync_user_id is not None:
                held[channel.sync_user_id] = channel
        except GoogleApiError as error:
            # Polling still covers this user; the next round tries again. No token in the text.
            logger.warning("Google channel of user %s: %s", channel.sync_user_id, error.reason)
            counts["failed"] += 1
    for user in users.values():
        if user.pk in held or url is None:
            continue
        try:
            watch(client_for(user.mailbox_address or user.email), user, url)
            counts["created"] += 1
        except GoogleApiError as error:
            logger.warning("Google channel of user %s: %s", user.pk, error.reason)
            counts["failed"] += 1
    return counts


def receive(channel_id: str, token: str, state: str, resource_id: str) -> tuple[str, int | None]:
    """("refused" | "sync" | "ok", the user to queue or None)."""
    channel = GoogleChannel.objects.filter(channel_id=channel_id[:64]).first()
    if channel is None or not hmac.compare_digest(token.encode(), channel.token.encode()):
        return "refused", None
    if resource_id != channel.resource_id:
        return "refused", None
    if state == "sync" or channel.sync_user_id is None:
        return ("sync" if state == "sync" else "ok"), None
    now = timezone.now()
    started = SyncRun.objects.filter(sync_user_id=channel.sync_user_id, kind="events").aggregate(
        at=Max("started_at")
    )["at"]
    since = max(started or now - REQUEUE_AFTER, now - REQUEUE_AFTER)
    # Compare and set: of two messages at once, one queues the user.
    queued = GoogleChannel.objects.filter(
        Q(notified_at__isnull=True) | Q(notified_at__lt=since), pk=channel.pk
    ).update(notified_at=now)
    return "ok", channel.sync_user_id if queued else None
