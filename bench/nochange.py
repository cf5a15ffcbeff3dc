"""The `nochange-<mail>` scenarios: what a run costs when nothing changed, through the real
provider stores against the in-process emulators (bench/wiring.py).

One user with N contacts and N/2 events (bench/providers.py's data set: a quarter already in the
mailbox). After the initial sync of both kinds, two more rounds run: the first run after the
initial sync (whose change feeds report lsync's own writes back) and a steady run. Each counts
the HTTP requests the emulators receive per side and kind, token requests included; the worker's
caches (tokens, msal applications, folder and group ids) live on between runs, as in a
long-running worker.

With `feed`, the org's Salesforce change feed is on (LSYNC_CHANGE_FEED, the sync user named as
its integration user): each round first reads the feed of each kind once, as the every-minute
task does, and a user's run reads Salesforce only when the feed saw something of theirs. The
feed's requests are the org's, not the user's: they are reported apart (`feed_requests`).
"""

from __future__ import annotations

import time
from typing import Any

KINDS = ("contacts", "events")
SIDES = ("salesforce", "mailbox")


def _round(world: Any, feed: bool = False) -> tuple[dict[str, int], float, dict[str, str]]:
    """One run of each kind: requests per "side/kind" (and "feed/kind"), seconds, status per
    kind."""
    from syncengine import changefeed, service

    requests: dict[str, int] = {}
    statuses: dict[str, str] = {}
    seconds = 0.0
    for kind in KINDS:
        if feed:
            before = world.sandbox.http_requests()
            changefeed.read_feed(kind)
            requests[f"feed/{kind}"] = (
                world.sandbox.http_requests()["salesforce"] - before["salesforce"]
            )
        before = world.sandbox.http_requests()
        started = time.perf_counter()
        outcome = service.sync_user(world.user_pk, kind)
        seconds += time.perf_counter() - started
        after = world.sandbox.http_requests()
        statuses[kind] = outcome.status
        for side in SIDES:
            requests[f"{side}/{kind}"] = after[side] - before[side]
    return requests, seconds, statuses


def _user(requests: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in requests.items() if not k.startswith("feed/")}


def run(mail: str, contacts: int, feed: bool = False) -> dict[str, Any]:
    from django.test import override_settings

    from bench.providers import NAME, USERS, ZONE, World, seed
    from bench.wiring import Sandbox
    from syncengine.models import SyncUser

    sandbox = Sandbox(seed=1)
    email = USERS[mail]
    with sandbox.wired(), override_settings(LSYNC_CHANGE_FEED=feed):
        sandbox.connect_salesforce()
        sandbox.connect_mail(mail, email, NAME)
        user_pk = sandbox.make_sync_user(email, NAME, ZONE)
        user = SyncUser.objects.get(pk=user_pk)
        owner = user.salesforce_user_id
        named = override_settings(LSYNC_SALESFORCE_FEED_USER=user.username if feed else "")
        named.enable()
        sizes = {"contacts": contacts, "events": contacts // 2}
        world = World(sandbox, mail, email, user_pk, owner, sizes)
        seed(world, 1)
        try:
            initial, initial_seconds, first_status = _round(world, feed)
            after, after_seconds, after_status = _round(world, feed)
            steady, steady_seconds, steady_status = _round(world, feed)
        finally:
            named.disable()
    feed_requests = {k: v for k, v in steady.items() if k.startswith("feed/")}
    after, steady = _user(after), _user(steady)
    per_user = sum(steady.values())
    return {
        "mail": mail,
        "change_feed": feed,
        "contacts": contacts,
        "events": sizes["events"],
        "initial_seconds": round(initial_seconds, 3),
        "after_initial_requests_per_user": sum(after.values()),
        "after_initial_seconds": round(after_seconds, 3),
        "nochange_requests_per_user": per_user,
        "nochange_requests_per_side_kind": round(per_user / (len(SIDES) * len(KINDS)), 2),
        "nochange_seconds": round(steady_seconds, 3),
        "nochange_requests": steady,
        "after_initial_requests": after,
        "feed_requests": feed_requests,
        "statuses": [first_status, after_status, steady_status],
    }
