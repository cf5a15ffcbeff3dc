"""Mailbox push in the simulated day (bench/feedday.py): how long a mailbox edit waits before its
user's run is dispatched when the mail service notifies lsync, against the poll.

- Handling: the product's own path, measured once on the wall clock like the day's runs: a
  notification POSTed to the webhook (Graph's `/hooks/microsoft/`, Google's `/hooks/google/`)
  through Django's middleware, checked against its subscription or channel, the user woken and
  dispatched. The queue insert at the end is swapped for a list (the suite's task queue runs
  tasks inline; the ORM broker's insert is one row).
- Delivery: how long the service takes to send the notification after the edit. Neither
  Microsoft nor Google publishes a bound ("near real time"); the day assumes a uniform delay of
  0 to `delivery_seconds` (30 s by default) and says so in its output.
- Google Calendar has watch channels, People (contacts) has none: a Google user's contact edits
  still wait for the poll.
- Exchange on-premises (EWS pull notifications): nothing is delivered; lsync asks every
  `exchange_pull_seconds` (60 s), so an edit waits uniformly 0 to 60 s for the check, plus the
  check itself: measured as the product's `check_mail_event_batch` of one subscription with one
  new event, its GetEvents answered by the in-process EWS emulator (no network latency), the user
  woken and dispatched. The GetEvents calls go to Exchange, not Salesforce: one per user per
  interval, reported as `exchange_get_events_per_user_per_day`.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SAMPLES = 20
EWS_HOST = "exchange.bench.test"


@dataclass(frozen=True)
class PushModel:
    delivery_seconds: float  # assumed upper bound of the service's delivery delay
    graph_handling_seconds: float  # measured: webhook -> dispatch, median
    google_handling_seconds: float
    exchange_handling_seconds: float  # measured: one subscription's check -> dispatch, median
    exchange_pull_seconds: int = 60

    def delay(self, rng: random.Random, service: str = "graph") -> float:
        if service == "exchange":
            return rng.uniform(0, self.exchange_pull_seconds) + self.exchange_handling_seconds
        handling = (
            self.graph_handling_seconds if service == "graph" else self.google_handling_seconds
        )
        return rng.uniform(0, self.delivery_seconds) + handling

    def report(self) -> dict[str, Any]:
        return {
            "delivery_seconds_assumed_max": self.delivery_seconds,
            "graph_webhook_to_dispatch_seconds_measured": round(self.graph_handling_seconds, 4),
            "google_webhook_to_dispatch_seconds_measured": round(self.google_handling_seconds, 4),
            "exchange_check_to_dispatch_seconds_measured": round(self.exchange_handling_seconds, 4),
            "exchange_pull_interval_seconds": self.exchange_pull_seconds,
            "exchange_get_events_per_user_per_day": 86400 // self.exchange_pull_seconds,
        }


def _user(method: str, email: str) -> Any:
    from django.utils import timezone

    from connections.models import MailConnection
    from syncengine.models import SyncConfiguration, SyncUser

    connection, _ = MailConnection.objects.get_or_create(
        method=method, defaults={"enabled": True, "chosen": True}
    )
    config, _ = SyncConfiguration.objects.get_or_create(name="Push bench")
    return SyncUser.objects.create(
        configuration=config, salesforce_user_id=f"005PUSH{abs(hash(email)) % 10**11:011d}",
        username=email, email=email, mailbox_address=email, link_status="linked",
        mail_connection=connection, next_due_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip


def _timed(post: Any, expected_user: int, queued: list[int], reset: Any = None) -> float:
    times = []
    for _ in range(SAMPLES):
        queued.clear()
        if reset is not None:
            reset()  # outside the timing: each sample stands for a change after the last run
        start = time.perf_counter()
        response = post()
        times.append(time.perf_counter() - start)
        if response.status_code not in (200, 202) or queued != [expected_user]:
            raise RuntimeError(
                f"the webhook did not queue its user: {response.status_code} {queued}"
            )
    return statistics.median(times)


def measure(delivery_seconds: float = 30.0) -> PushModel:
    """Both webhooks' and Exchange's events check's handling, measured on the product's database
    (a throwaway one)."""
    from django.test import Client

    from connections.models import GoogleChannel, GraphSubscription
    from connections.providers.exchange import pull
    from syncengine import tasks

    web = Client(HTTP_HOST="localhost")
    queued: list[int] = []
    real = tasks.enqueue_syncs
    tasks.enqueue_syncs = queued.extend  # type: ignore[assignment]
    try:
        ana = _user("microsoft365", "ana.push@bench.example")
        sub = GraphSubscription.objects.create(
            sync_user=ana, kind="events", subscription_id="bench-sub", client_state="bench-state",
            resource="users/ana.push@bench.example/events", expires_at=ana.next_due_at,
        )  # fmt: skip
        note = {"value": [{"subscriptionId": sub.subscription_id, "clientState": "bench-state",
                           "changeType": "updated", "resource": sub.resource}]}  # fmt: skip
        graph = _timed(
            lambda: web.post(
                "/hooks/microsoft/", json.dumps(note), content_type="application/json"
            ),
            ana.pk,
            queued,
        )
        bo = _user("google", "bo.push@bench.example")
        channel = GoogleChannel.objects.create(
            sync_user=bo, channel_id="bench-channel", token="bench-token",
            resource_id="bench-resource", expires_at=bo.next_due_at,
        )  # fmt: skip
        headers = {"HTTP_X_GOOG_CHANNEL_ID": channel.channel_id, "HTTP_X_GOOG_CHANNEL_TOKEN": "bench-token",
                   "HTTP_X_GOOG_RESOURCE_STATE": "exists", "HTTP_X_GOOG_RESOURCE_ID": "bench-resource"}  # fmt: skip
        again = GoogleChannel.objects.filter(pk=channel.pk)
        google = _timed(
            lambda: web.post("/hooks/google/", **headers),
            bo.pk,
            queued,
            lambda: again.update(notified_at=None),
        )
        exchange = _exchange(queued)
    finally:
        tasks.enqueue_syncs = real  # type: ignore[assignment]
    return PushModel(delivery_seconds, graph, google, exchange, pull.interval_seconds())


def _exchange(queued: list[int]) -> float:
    """One pull subscription's check with one new event, against the in-process EWS emulator."""
    from connections import http
    from connections.models import ExchangeSubscription, MailConnection
    from connections.providers.exchange import client as exchange_client
    from connections.providers.exchange import pull
    from sandbox.exchange.app import ExchangeEmulator
    from sandbox.exchange.transport import session_factory
    from syncengine import tasks

    address, service, password = "cy.push@bench.example", "svc-lsync@bench.example", "bench-only"
    emulator = ExchangeEmulator(seed=5)
    emulator.add_account(service, password, netbios_domain="BENCH")
    emulator.add_mailbox(address, "Cy Push")
    MailConnection.objects.update_or_create(
        method="exchange",
        defaults={"username": service, "password": password, "enabled": True, "chosen": True,
                  "ews_url": f"https://{EWS_HOST}/EWS/Exchange.asmx"},
    )  # fmt: skip
    real = http.build_session
    http.build_session = session_factory({EWS_HOST: emulator})
    exchange_client.forget_endpoints()
    try:
        cy = _user("exchange", address)
        pull.maintain()
        row = ExchangeSubscription.objects.get(sync_user=cy)
        times = []
        long_ago = datetime(2000, 1, 1, tzinfo=UTC)
        for n in range(SAMPLES):
            queued.clear()
            # Outside the timing: each sample is a later round, with the subscription due.
            ExchangeSubscription.objects.filter(pk=row.pk).update(checked_at=long_ago)
            at = datetime(2026, 12, 8, 9, tzinfo=UTC) + timedelta(days=n)
            emulator.add_event(address, {"subject": f"Edit {n}", "start": at,
                                         "end": at + timedelta(hours=1)})  # fmt: skip
            start = time.perf_counter()
            tasks.check_mail_event_batch("exchange", [row.pk])
            times.append(time.perf_counter() - start)
            if queued != [cy.pk]:
                raise RuntimeError(f"the events check did not queue its user: {queued}")
    finally:
        http.build_session = real  # type: ignore[assignment]
        exchange_client.forget_endpoints()
    return statistics.median(times)
