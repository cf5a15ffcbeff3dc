"""A simulated day of a company, Salesforce change feed against today's per-user polling.

The Salesforce emulator runs in process on an accelerated clock (a day of simulated minutes, one
feed read per minute per kind). What is counted where:

- feed reads: the product's `SalesforceFeed` (connections/providers/salesforce/feed.py) and the
  product's fan-out (syncengine/feed.py) against the emulator; their API calls are counted in
  the emulator (requests under /services/data/, what Salesforce bills).
- one user's run: the product's Salesforce stores against the emulator, measured once per kind
  (a quiet incremental read, a read after one edit, one update written) and counted the same way;
  the day multiplies those by the runs each mode makes. Runs of 1,000s of users are not replayed
  one by one: their cost does not depend on the other users, so replaying adds time, not truth.
- the fan-out's users and mappings are held in memory (the product reads them from its database,
  which costs no Salesforce call).

Edits: `change_share` of every user's contacts and events change during the day, at uniformly
random times, half in Salesforce and half in the mailbox. A mailbox edit reaches Salesforce at the
user's next poll, is written there as lsync (`Sforce-Call-Options`), and the feed then sees that
write too, which wakes the user once more: that echo is counted. With mailbox push (Graph change
notifications; Google Calendar watch channels, contacts still polled) the same edit's user is
dispatched when the notification arrives; with Exchange's EWS pull notifications, at the user's
next events check (every minute): bench/pushday.py says what is measured and what assumed.
Push and pull move when a write happens, not how many there are, so the Salesforce call counts
are the same.

Latency is from the edit to the run that carries it being dispatched; the run's own duration is
not included (bench/run.py's engine and provider benchmarks measure that).
"""

from __future__ import annotations

import random
import statistics
import time
import types
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.wiring import Sandbox
from sandbox.core import Clock

DAY = 86400
TICK = 60
KINDS = ("contacts", "events")


class CountedCalls(deque[datetime]):
    """The emulator's rolling 24 h window of API calls, also counting every call ever made
    (the window forgets calls older than a day of the simulated clock)."""

    total = 0

    def append(self, value: datetime) -> None:
        self.total += 1
        super().append(value)


class SimClock(Clock):
    """The emulator's clock, moved by the simulation only."""

    def __init__(self, start: datetime) -> None:
        super().__init__()
        self.at = start

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@dataclass
class DayConfig:
    users: int = 1000
    contacts_per_user: int = 100
    events_per_user: int = 50
    change_share: float = 0.01
    invite_share: float = 0.1  # events that invite another sync user
    visible_share: float = 0.0  # users syncing "all contacts I can see" (Contact OWD public)
    reconcile_seconds: int = DAY
    push_delivery_seconds: float = 30.0  # assumed: services publish no bound (bench/pushday.py)
    seed: int = 1


@dataclass
class Edit:
    at: float  # seconds into the day
    kind: str
    side: str  # "salesforce" or "mailbox"
    owner: int  # user index
    record_id: str = ""


@dataclass
class Tally:
    feed_calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    woken_runs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    writes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    sf_to_mail: list[float] = field(default_factory=list)
    mail_to_sf: list[float] = field(default_factory=list)
    mail_to_sf_push: list[float] = field(default_factory=list)  # Graph: contacts and events
    mail_to_sf_google: list[float] = field(default_factory=list)  # events pushed, contacts polled
    mail_to_sf_exchange: list[float] = field(default_factory=list)  # EWS pull, both kinds


def polling_interval(users: int, base: int = 300) -> int:
    """syncengine.dispatch.sync_interval, in seconds."""
    return min(base + (users // 100) * 60, 3600)


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=20, method="inclusive")[18], 1)


def _row_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


class Day:
    def __init__(self, cfg: DayConfig, box: Sandbox) -> None:
        self.cfg, self.box = cfg, box
        self.rng = random.Random(cfg.seed)
        self.em = box.salesforce
        # The day starts after the per-run measurement (made on the real clock, as the stores
        # read it), so nothing measured there shows up in the day's feed.
        self.start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(
            hours=2
        )
        self.clock = SimClock(self.start - timedelta(days=2))
        self.em.clock = self.clock
        self.em.api_limit = 10**9
        self.calls = CountedCalls()
        self.em.api_calls = self.calls
        self.user_ids: list[str] = []
        self.tally = Tally()

    # --- setup --------------------------------------------------------------------------------
    def api_calls(self) -> int:
        return self.calls.total

    def seed(self) -> list[Edit]:
        self.em.add_user("feed@bench.example", "feed@bench.example", "Feed", "Reader")
        for i in range(self.cfg.users):
            email = f"user{i}@bench.example"
            self.user_ids.append(self.em.add_user(email, email, "User", str(i)))
        edits: list[Edit] = []
        per_user = {"contacts": self.cfg.contacts_per_user, "events": self.cfg.events_per_user}
        for kind in KINDS:
            count = round(self.cfg.users * per_user[kind] * self.cfg.change_share)
            for n in range(count):
                side = "salesforce" if n % 2 == 0 else "mailbox"
                edit = Edit(
                    self.rng.uniform(0, DAY), kind, side, self.rng.randrange(self.cfg.users)
                )
                edit.record_id = self._record(kind, edit.owner)
                edits.append(edit)
        return sorted(edits, key=lambda e: e.at)

    def _record(self, kind: str, owner: int) -> str:
        as_user = self.user_ids[owner]
        if kind == "contacts":
            return str(self.em.add_record("Contact", {"LastName": f"C{owner}"}, as_user=as_user))
        begin = self.start + timedelta(days=self.rng.randint(1, 30), hours=9)
        fields = {"Subject": "Meeting", "StartDateTime": _row_time(begin),
                  "EndDateTime": _row_time(begin + timedelta(hours=1))}  # fmt: skip
        event = str(self.em.add_record("Event", fields, as_user=as_user))
        if self.rng.random() < self.cfg.invite_share:
            guest = self.user_ids[self.rng.randrange(self.cfg.users)]
            relation = {"EventId": event, "RelationId": guest, "IsInvitee": True}
            self.em.add_record("EventRelation", relation, as_user=as_user)
        return event

    # --- one user's run, measured --------------------------------------------------------------
    def run_costs(self) -> dict[str, dict[str, int]]:
        """Calls of one user's Salesforce read when quiet, after an edit, and of one write."""
        from connections.providers.salesforce.stores import build_client
        from connections.providers.salesforce.stores.contacts import ContactStore
        from connections.providers.salesforce.stores.events import EventStore
        from syncengine.stores.base import Update

        username = "user0@bench.example"
        # The stores date their cursors by the real clock: measure on it.
        self.clock.at = datetime.now(UTC).replace(microsecond=0)
        out: dict[str, dict[str, int]] = {}
        for kind in KINDS:
            client = build_client(username)
            store: ContactStore | EventStore
            if kind == "contacts":
                store = ContactStore(client, self.user_ids[0])
            else:
                store = EventStore(client, self.user_ids[0], days_past=30, days_future=365)
            record_id = self._record(kind, 0)
            page = store.changes(None)
            self.clock.advance(TICK)
            calls = client.api_calls
            page = store.changes(page.cursor)
            quiet = client.api_calls - calls
            item = store.get([record_id])[record_id]
            self.em.update_record(record_id, {"Description": "edited"}, as_user=self.user_ids[0])
            self.clock.advance(TICK)
            calls = client.api_calls
            page = store.changes(page.cursor)
            changed = client.api_calls - calls
            item = store.get([record_id])[record_id]
            calls = client.api_calls
            store.apply([Update(record_id, item.record, item.version)])
            write = client.api_calls - calls
            out[kind] = {"quiet_read": quiet, "changed_read": changed, "write": write}
        return out

    # --- the day -----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        from connections.providers.salesforce import client as sf_client

        # JWT assertions are dated by the product's clock; the emulator checks them on its own.
        # Swapped for the run only: the module is shared with whatever runs after (the suite).
        real = sf_client.time
        sf_client.time = types.SimpleNamespace(  # type: ignore[assignment]
            time=lambda: self.clock.now().timestamp(), monotonic=time.monotonic
        )
        try:
            return self._run()
        finally:
            sf_client.time = real

    def _run(self) -> dict[str, Any]:
        from bench.pushday import measure
        from connections.providers.salesforce import convert
        from connections.providers.salesforce.feed import SalesforceFeed
        from connections.providers.salesforce.stores import build_client
        from syncengine.feed import Subscriber, fan_out

        edits = self.seed()
        costs = self.run_costs()
        push, push_rng = measure(self.cfg.push_delivery_seconds), random.Random(self.cfg.seed + 1)
        self.clock.at = self.start
        interval = polling_interval(self.cfg.users)
        phase = [self.rng.uniform(0, interval) for _ in range(self.cfg.users)]
        visible = set(
            self.rng.sample(range(self.cfg.users), round(self.cfg.users * self.cfg.visible_share))
        )
        subs = {
            kind: [Subscriber(i, uid, kind == "contacts" and i in visible) for i, uid in enumerate(self.user_ids)]
            for kind in KINDS
        }  # fmt: skip
        mapped = {e.record_id: {e.owner} for e in edits}
        fields = {"contacts": convert.contact_select(None), "events": convert.EVENT_SELECT}
        feeds = {k: SalesforceFeed(build_client("feed@bench.example"), k, fields[k], self.clock.now)  # type: ignore[arg-type]
                 for k in KINDS}  # fmt: skip
        cursors: dict[str, str | None] = {k: feeds[k].read(None).cursor for k in KINDS}
        waiting: dict[str, float] = {}  # Salesforce record id -> when edited (not yet fed)
        pending_mail: dict[int, list[Edit]] = {}
        queue = list(edits)
        wall = time.perf_counter()
        for minute in range(DAY // TICK):
            end = (minute + 1) * TICK
            while queue and queue[0].at < end:
                edit = queue.pop(0)
                self.clock.at = self.start + timedelta(seconds=edit.at)
                if edit.side == "salesforce":
                    self.em.update_record(edit.record_id, {"Description": f"{edit.at}"},
                                          as_user=self.user_ids[edit.owner])  # fmt: skip
                    waiting[edit.record_id] = edit.at
                else:
                    pending_mail.setdefault(edit.owner, []).append(edit)
                    self.tally.mail_to_sf_push.append(push.delay(push_rng))
                    self.tally.mail_to_sf_exchange.append(push.delay(push_rng, "exchange"))
                    if edit.kind == "events":
                        self.tally.mail_to_sf_google.append(push.delay(push_rng, "google"))
            self.clock.at = self.start + timedelta(seconds=end)
            self._polls(end, interval, phase, pending_mail)
            for kind in KINDS:
                before = self.api_calls()
                page = feeds[kind].read(cursors[kind])
                fan = fan_out(feeds[kind], page.changes, subs[kind], mapped)
                self.tally.feed_calls[kind] += self.api_calls() - before
                cursors[kind] = page.cursor
                self.tally.woken_runs[kind] += len(fan.users)
                for change in page.changes:
                    if change.record_id in waiting:
                        self.tally.sf_to_mail.append(end - waiting.pop(change.record_id))
        return self.report(costs, interval, time.perf_counter() - wall) | {"push": push.report()}

    def _polls(
        self, end: int, interval: int, phase: list[float], pending: dict[int, list[Edit]]
    ) -> None:
        """Mailbox edits reach Salesforce at the user's next poll, written as lsync."""
        for owner in list(pending):
            if int((end - phase[owner]) // interval) == int(
                (end - TICK - phase[owner]) // interval
            ):
                continue  # no poll of this user in this minute
            poll_at = end - ((end - phase[owner]) % interval)
            for edit in pending.pop(owner):
                self.em.update_record(edit.record_id, {"Description": f"mail {edit.at}"},
                                      as_user=self.user_ids[owner], client="lsync")  # fmt: skip
                self.tally.writes[edit.kind] += 1
                self.tally.mail_to_sf.append(max(poll_at, edit.at) - edit.at)
                if edit.kind == "contacts":  # Google: People has no push
                    self.tally.mail_to_sf_google.append(max(poll_at, edit.at) - edit.at)

    def report(
        self, costs: dict[str, dict[str, int]], interval: int, seconds: float
    ) -> dict[str, Any]:
        n, t = self.cfg.users, self.tally
        polls_per_day = DAY / interval
        reconciles = DAY / self.cfg.reconcile_seconds
        feed_total = sum(t.feed_calls.values())
        runs_total = sum(t.woken_runs[k] * costs[k]["changed_read"] for k in KINDS)
        reconcile_total = round(sum(n * reconciles * costs[k]["quiet_read"] for k in KINDS))
        writes_total = sum(t.writes[k] * costs[k]["write"] for k in KINDS)
        sf_edits = len(t.sf_to_mail)
        polling = (
            round(sum(n * polls_per_day * costs[k]["quiet_read"] for k in KINDS)) + writes_total
        )
        polling += (
            sum(max(0, costs[k]["changed_read"] - costs[k]["quiet_read"]) for k in KINDS) * sf_edits
        )
        allocation = 100_000 + 1_000 * n  # Enterprise Edition: 100,000 + 1,000 per licence
        feed_day = feed_total + runs_total + reconcile_total + writes_total
        polled_delays = [self.rng.uniform(0, interval) for _ in range(max(sf_edits, 1))]
        return {
            "users": n,
            "salesforce_allocation_per_day": allocation,
            "salesforce_calls_per_day": feed_day,
            "salesforce_share_of_allocation": round(feed_day / allocation, 4),
            "salesforce_calls_per_day_polling": polling,
            "salesforce_share_of_allocation_polling": round(polling / allocation, 4),
            "p95_latency_seconds_salesforce_to_mailbox": p95(t.sf_to_mail),
            "p95_latency_seconds_salesforce_to_mailbox_polling": p95(polled_delays),
            "p95_latency_seconds_mailbox_to_salesforce": p95(t.mail_to_sf),
            "p95_latency_seconds_mailbox_to_salesforce_push": p95(t.mail_to_sf_push),
            "p95_latency_seconds_mailbox_to_salesforce_push_google": p95(t.mail_to_sf_google),
            "p95_latency_seconds_mailbox_to_salesforce_pull_exchange": p95(t.mail_to_sf_exchange),
            "polling_interval_seconds": interval,
            "edits": {"salesforce": sf_edits, "mailbox": len(t.mail_to_sf)},
            "breakdown": {
                "feed_reads": dict(t.feed_calls),
                "woken_runs": dict(t.woken_runs),
                "woken_run_reads": runs_total,
                "daily_reconcile_reads": reconcile_total,
                "mailbox_edits_written": writes_total,
            },
            "per_run_calls_measured": costs,
            "simulated_seconds": DAY,
            "wall_seconds": round(seconds, 1),
        }
