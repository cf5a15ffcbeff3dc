"""EWS pull notifications for each linked Exchange user's Salesforce_Sync folder and calendar.

- `maintain()` (the "renew mailbox subscriptions" task, hourly, like Graph's and Google's): one
  pull subscription per linked user on the folders of the kinds it syncs; a user whose kinds
  changed is subscribed again; rows of users who left are dropped (Exchange forgets their
  subscriptions after the timeout).
- `due()` / `check(ids)` (the "check mailbox events" task, every minute, in batches): a user
  linked since the last round is subscribed at once; one GetEvents per subscription whose
  interval has passed; the users with an item event are returned to be
  queued, the others cost that one call. A subscription Exchange no longer holds (timed out while
  lsync was down, a server restart) or a watermark it no longer takes is made again and its user
  queued, since changes may have been missed meanwhile.
- Any other failure is kept on the row (`failure`, in words, never a secret) and the user stays
  on polling alone until a later attempt works; polling is never turned off (docs/change-feed.md).

Pull needs no public address: lsync asks Exchange, Exchange never calls lsync.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from exchangelib import Account
from exchangelib.folders import BaseFolder, Calendar

from connections.models import ExchangeSubscription, MailConnection
from connections.providers.exchange.client import EwsConfig, ExchangeClient
from connections.providers.exchange.errors import SUBSCRIPTION_LOST, store_error
from connections.providers.exchange.stores.base import ExchangeStore
from connections.providers.exchange.stores.contacts import ExchangeContactStore
from connections.push import linked_users
from syncengine.models import SyncUser

logger = logging.getLogger(__name__)

# Exchange keeps a pull subscription while a GetEvents comes within this many minutes; long
# enough that a slow round or a worker restart does not lose it.
TIMEOUT_MINUTES = 30
SLACK = timedelta(seconds=5)  # the schedule's own jitter: a row checked 59 s ago is due


def interval_seconds() -> int:
    """How often each subscription is asked (0: pull notifications off)."""
    value = int(getattr(settings, "LSYNC_EXCHANGE_PULL_SECONDS", 60) or 0)
    return max(60, value) if value > 0 else 0


def _client() -> ExchangeClient | None:
    row = MailConnection.load(MailConnection.Method.EXCHANGE)
    if not (row.username and row.password):
        return None
    return ExchangeClient(EwsConfig.from_connection(row))


def _kinds(user: SyncUser) -> str:
    config = user.configuration
    if config is None:
        return ""
    return ",".join(k for k in ("contacts", "events") if config.direction_for(k) != "off")


def _mailbox(user: SyncUser) -> str:
    return (user.mailbox_address or user.email).strip().lower()


def _words(error: BaseException, client: ExchangeClient, mailbox: str) -> str:
    found = store_error(error, service_account=client.settings.username, mailbox=mailbox)
    return found.message[:300]


def subscribe(client: ExchangeClient, user: SyncUser, kinds: str) -> ExchangeSubscription:
    """A new pull subscription for `user` (found or created Salesforce_Sync folder included)."""
    mailbox = _mailbox(user)
    contacts = ExchangeContactStore(client, mailbox)

    def made(account: Account) -> tuple[str, str]:
        folders: list[BaseFolder] = []
        if "contacts" in kinds:
            folders.append(contacts.folder(account))
        if "events" in kinds:
            folders.append(Calendar(root=ExchangeStore.root(account)))
        return client.subscribe_pull(account, folders, TIMEOUT_MINUTES)

    sub_id, watermark = client.run(mailbox, made)
    row, _ = ExchangeSubscription.objects.update_or_create(
        sync_user=user,
        defaults={
            "subscription_id": sub_id,
            "watermark": watermark,
            "kinds": kinds,
            "checked_at": timezone.now(),
            "failure": "",
        },
    )
    return row


def _failed(user: SyncUser, kinds: str, words: str) -> None:
    row = ExchangeSubscription.objects.filter(sync_user=user).first()
    if row is None or row.failure != words:
        # Once per new reason: a subscription failing every minute would flood the log.
        logger.warning("Exchange notifications for user %s: %s", user.pk, words)
    ExchangeSubscription.objects.update_or_create(
        sync_user=user,
        defaults={"kinds": kinds, "checked_at": timezone.now(), "failure": words},
    )


def maintain(client: ExchangeClient | None = None) -> dict[str, int]:
    counts = {"created": 0, "kept": 0, "failed": 0, "dropped": 0}
    if not interval_seconds():
        counts["dropped"] = ExchangeSubscription.objects.all().delete()[0]
        return counts
    client = client or _client()
    if client is None:
        return counts
    users = {u.pk: u for u in linked_users(MailConnection.Method.EXCHANGE)}
    gone = ExchangeSubscription.objects.exclude(sync_user_id__in=list(users))
    counts["dropped"] = gone.delete()[0]
    rows = {
        r.sync_user_id: r for r in ExchangeSubscription.objects.filter(sync_user_id__in=list(users))
    }
    for pk, user in users.items():
        kinds = _kinds(user)
        row = rows.get(pk)
        if row is not None and row.subscription_id and row.kinds == kinds and not row.failure:
            counts["kept"] += 1
            continue
        if not kinds:
            ExchangeSubscription.objects.filter(sync_user_id=pk).delete()
            continue
        try:
            subscribe(client, user, kinds)
            counts["created"] += 1
        except Exception as error:
            _failed(user, kinds, _words(error, client, _mailbox(user)))
            counts["failed"] += 1
    return counts


def due() -> list[int]:
    """Subscriptions whose interval has passed (failed ones too: they are tried again). A user
    linked since the last round gets an empty row, due now: its check subscribes it."""
    seconds = interval_seconds()
    if not seconds:
        return []
    now = timezone.now()
    new = linked_users(MailConnection.Method.EXCHANGE).filter(exchange_subscription__isnull=True)
    ExchangeSubscription.objects.bulk_create(
        [
            ExchangeSubscription(sync_user=user, kinds=kinds, checked_at=now - timedelta(days=1))
            for user in new
            if (kinds := _kinds(user))
        ],
        ignore_conflicts=True,
    )
    rows = ExchangeSubscription.objects.filter(
        checked_at__lte=_cutoff(now, seconds),
        sync_user__in=linked_users(MailConnection.Method.EXCHANGE),
    )
    return list(rows.order_by("checked_at").values_list("pk", flat=True))


def _cutoff(now: datetime, seconds: int) -> datetime:
    """A row checked at or before this is due."""
    return now - timedelta(seconds=seconds) + SLACK


def check(ids: Sequence[int], client: ExchangeClient | None = None) -> set[int]:
    """The users among these subscriptions whose synced folders changed (or whose subscription
    was made again). Each row is claimed while it is due by moving `checked_at` to now, so a
    second copy of the task (or an overlapping round) finds it checked and asks nothing."""
    seconds = interval_seconds()
    client = client or _client()
    if client is None or not seconds:
        return set()
    woken: set[int] = set()
    rows = ExchangeSubscription.objects.select_related("sync_user__configuration")
    for row in rows.filter(pk__in=list(ids)):
        now = timezone.now()
        claimed = ExchangeSubscription.objects.filter(
            pk=row.pk, checked_at__lte=_cutoff(now, seconds)
        )
        if claimed.update(checked_at=now) != 1:
            continue  # checked meanwhile by another copy
        if _check_one(client, row):
            woken.add(row.sync_user_id)
    return woken


def _check_one(client: ExchangeClient, row: ExchangeSubscription) -> bool:
    user = row.sync_user
    mailbox = _mailbox(user)
    try:
        if not row.subscription_id:
            raise LookupError("not subscribed yet")
        count, watermark = client.run(
            mailbox, lambda account: client.pull_events(account, row.subscription_id, row.watermark)
        )
    except (LookupError, *SUBSCRIPTION_LOST):
        return _again(client, user, _kinds(user))
    except Exception as error:
        _failed(user, row.kinds, _words(error, client, mailbox))
        return False
    ExchangeSubscription.objects.filter(pk=row.pk, subscription_id=row.subscription_id).update(
        watermark=watermark, failure=""
    )
    return count > 0


def _again(client: ExchangeClient, user: SyncUser, kinds: str) -> bool:
    """A new subscription; True (queue the user) once it exists, since events may be lost."""
    if not kinds:  # the configuration syncs nothing now
        ExchangeSubscription.objects.filter(sync_user=user).delete()
        return False
    try:
        subscribe(client, user, kinds)
    except Exception as error:
        _failed(user, kinds, _words(error, client, _mailbox(user)))
        return False
    return True


@dataclass(frozen=True)
class Summary:
    """For the Outlook setup page: how Exchange mailbox changes reach lsync now."""

    seconds: int  # 0: pull notifications off
    subscribed: int
    failing: int
    failure: str  # the most recent failure's words, if any


def summary(users: Iterable[int] | None = None) -> Summary:
    rows = ExchangeSubscription.objects.all()
    if users is not None:
        rows = rows.filter(sync_user_id__in=list(users))
    failing = rows.exclude(failure="")
    last = failing.order_by("-checked_at").values_list("failure", flat=True).first()
    return Summary(
        interval_seconds(),
        rows.filter(failure="").exclude(subscription_id="").count(),
        failing.count(),
        last or "",
    )
