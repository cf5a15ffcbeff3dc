"""The `initial-speedup` scenario: the initial sync of N contacts from Salesforce into a Microsoft
365 mailbox, at a fixed latency per Graph request, lsync's strategy against the naive one.

- lsync: the product's Graph contacts store (JSON batches of up to 20 writes per request) and the
  real mapping repo;
- naive: the same store made to write one contact per request, as a client without batches would.

Salesforce is a memory store here (its cost is not what is compared); the mailbox is the in-process
Graph emulator answering every Graph request after `latency` (token and folder look-ups included).
Each strategy writes into a fresh mailbox of the same tenant, in the same process, alternately,
`repeat` times. Figures: the speed-up of lsync over naive (min and median over the repeats), and
the mail-side requests per contact written.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

EMAIL = "ana.nunez@nordvik.example"


def buyers(count: int) -> list[Any]:
    """The contacts the initial-sync benchmarks write (also bench/exchange.py)."""
    from syncengine.records import Contact

    return [
        Contact.normalized(
            first_name=f"Per{n}",
            last_name="Lie",
            emails=[f"per{n}@client.example"],
            company="Acme",
            mobile_phone=f"+47 900 {n:05d}",
            title="Buyer",
        )  # fmt: skip
        for n in range(count)
    ]


def _one(sandbox: Any, strategy: str, round_no: int, count: int) -> tuple[float, int, int, str]:
    from bench.mapwrites import sync_user
    from bench.wiring import TENANT
    from connections.providers.microsoft.client import GraphClient
    from connections.providers.microsoft.stores.contacts import GraphContactStore
    from syncengine.engine import run_sync
    from syncengine.policy import SyncSettings
    from syncengine.repo_db import DbMappingRepo
    from syncengine.stores.base import Create
    from syncengine.stores.memory import MemoryStore

    mailbox = f"{strategy}{round_no}@nordvik.example"
    sandbox.microsoft.add_mailbox(TENANT, mailbox, "Per Lie")
    salesforce = MemoryStore("salesforce", "contacts", max_batch=200)
    records = buyers(count)
    for start in range(0, count, 200):
        salesforce.apply([Create(f"r{n}", r) for n, r in enumerate(records[start : start + 200])])
    store = GraphContactStore(GraphClient(TENANT), mailbox)
    if strategy == "naive":
        store.max_batch = 1
    repo = DbMappingRepo(sync_user(f"{strategy}{round_no}"), "contacts")
    before = sandbox.http_requests()["mailbox"]
    began = time.perf_counter()
    result = run_sync(salesforce, store, repo, SyncSettings())
    seconds = time.perf_counter() - began
    requests = sandbox.http_requests()["mailbox"] - before
    return seconds, requests, int(result.counts.get("created_mailbox", 0)), result.status


def run(count: int, latency_ms: float, repeat: int) -> dict[str, Any]:
    from bench.wiring import Sandbox

    sandbox = Sandbox(seed=1)
    times: dict[str, list[float]] = {"lsync": [], "naive": []}
    per_item: list[float] = []
    statuses: set[str] = set()
    with sandbox.wired():
        sandbox.connect_mail("microsoft365", EMAIL, ("Ana", "Núñez"))
        sandbox.microsoft.set_latency(r"(graph|identity)\..*", latency_ms / 1000)
        for n in range(repeat):
            for strategy in ("lsync", "naive"):
                seconds, requests, written, status = _one(sandbox, strategy, n, count)
                times[strategy].append(seconds)
                statuses.add(status)
                if strategy == "lsync":
                    per_item.append(requests / written if written else float("inf"))
    ratios = [naive / ours for naive, ours in zip(times["naive"], times["lsync"], strict=True)]
    return {
        "contacts": count,
        "latency_ms": latency_ms,
        "repeat": repeat,
        "initial_speedup_vs_naive": round(min(ratios), 2),
        "initial_speedup_vs_naive_median": round(statistics.median(ratios), 2),
        "mail_requests_per_item": round(max(per_item), 4),
        "lsync_seconds": [round(s, 2) for s in times["lsync"]],
        "naive_seconds": [round(s, 2) for s in times["naive"]],
        "statuses": sorted(statuses),
    }
