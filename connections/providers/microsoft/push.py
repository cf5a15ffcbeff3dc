"""Microsoft Graph change notifications for each linked user's Salesforce_Sync folder and calendar.

- `maintain()` (the "renew mailbox subscriptions" task, hourly): for every linked Microsoft 365
  user, subscribes each kind it syncs, renews what expires within `RENEW_BEFORE`, and recreates a
  subscription Graph no longer knows (expired, removed). Without an https `LSYNC_PUBLIC_URL`
  nothing is subscribed and polling carries on alone.
- `receive(payload)` (the webhook, webhook.py): the sync users whose subscription sent a valid
  notification. A notification counts only when its subscription is ours and its clientState is
  the one we gave (compared in constant time); anything else is ignored.

Notifications only make a user due now: the run still reads the mailbox through its delta cursor,
so a missed or repeated notification loses and duplicates nothing, and a burst of them for one
user makes one run.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from connections.models import GraphSubscription, MailConnection
from connections.providers.microsoft.client import GraphClient, GraphError
from connections.providers.microsoft.stores.contacts import GraphContactStore
from connections.push import linked_users, webhook_url
from syncengine.models import SyncUser

logger = logging.getLogger(__name__)

LIFETIME = timedelta(minutes=10080 - 60)  # Graph's limit for Outlook resources, less an hour
RENEW_BEFORE = timedelta(hours=12)
WEBHOOK_PATH = "/hooks/microsoft/"


def notification_url() -> str | None:
    return webhook_url(WEBHOOK_PATH)


def _graph_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def _users() -> Iterable[SyncUser]:
    return linked_users(MailConnection.Method.MICROSOFT365)


def _resource(client: GraphClient, user: SyncUser, kind: str) -> str:
    mailbox = user.mailbox_address or user.email
    if kind == "events":
        return f"users/{mailbox}/events"
    folder = GraphContactStore(client, mailbox).folder_id()
    return f"users/{mailbox}/contactFolders/{folder}/contacts"


def subscribe(client: GraphClient, user: SyncUser, kind: str, url: str) -> GraphSubscription:
    state = secrets.token_urlsafe(32)
    resource = _resource(client, user, kind)
    expires = timezone.now() + LIFETIME
    made = client.send(
        "POST",
        "/subscriptions",
        body={
            "changeType": "created,updated,deleted",
            "notificationUrl": url,
            "lifecycleNotificationUrl": url,
            "resource": resource,
            "expirationDateTime": _graph_time(expires),
            "clientState": state,
        },
    )
    GraphSubscription.objects.filter(sync_user=user, kind=kind).delete()
    return GraphSubscription.objects.create(
        sync_user=user,
        kind=kind,
        subscription_id=str(made["id"]),
        client_state=state,
        resource=resource,
        expires_at=expires,
    )


def renew(client: GraphClient, sub: GraphSubscription, url: str) -> GraphSubscription:
    expires = timezone.now() + LIFETIME
    try:
        client.send(
            "PATCH",
            f"/subscriptions/{sub.subscription_id}",
            body={"expirationDateTime": _graph_time(expires)},
        )
    except GraphError as error:
        if error.status != 404:
            raise
        # Graph dropped it (expired while we were down, or removed): make a new one.
        return subscribe(client, sub.sync_user, sub.kind, url)
    sub.expires_at = expires
    sub.save(update_fields=["expires_at"])
    return sub


def maintain(client: GraphClient | None = None) -> dict[str, int]:
    url = notification_url()
    counts = {"created": 0, "renewed": 0, "failed": 0}
    if url is None:
        return counts
    if client is None:
        tenant = (MailConnection.load(MailConnection.Method.MICROSOFT365).tenant_id or "").strip()
        if not tenant:
            return counts
        client = GraphClient(tenant)
    now = timezone.now()
    for user in _users():
        config = user.configuration
        for kind in ("contacts", "events"):
            if config is None or config.direction_for(kind) == "off":
                continue
            sub = GraphSubscription.objects.filter(sync_user=user, kind=kind).first()
            try:
                if sub is None or sub.expires_at <= now:
                    subscribe(client, user, kind, url)
                    counts["created"] += 1
                elif sub.expires_at - now < RENEW_BEFORE:
                    renew(client, sub, url)
                    counts["renewed"] += 1
            except GraphError as error:
                # Polling still covers this user; the next round tries again.
                logger.warning("Graph subscription for user %s (%s): %s", user.pk, kind, error)
                counts["failed"] += 1
    return counts


def receive(payload: Any) -> tuple[set[int], int]:
    """(sync users with a valid notification, notifications refused)."""
    notes = payload.get("value") if isinstance(payload, dict) else None
    if not isinstance(notes, list):
        return set(), 0
    ids = {str(n.get("subscriptionId", "")) for n in notes if isinstance(n, dict)}
    subs = {s.subscription_id: s for s in GraphSubscription.objects.filter(subscription_id__in=ids)}
    users: set[int] = set()
    refused = 0
    for note in notes:
        sub = subs.get(str(note.get("subscriptionId", ""))) if isinstance(note, dict) else None
        given = str(note.get("clientState", "")) if isinstance(note, dict) else ""
        if sub is None or not hmac.compare_digest(given.encode(), sub.client_state.encode()):
            refused += 1
            continue
        if note.get("lifecycleEvent") == "subscriptionRemoved":
            sub.expires_at = timezone.now()  # the next maintain() recreates it
            sub.save(update_fields=["expires_at"])
        users.add(sub.sync_user_id)
    return users, refused
