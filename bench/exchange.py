"""Exchange on-premises: the initial sync of N contacts (Salesforce -> a new Salesforce_Sync
folder) through the real engine and the Exchange contacts store, against the in-process EWS
emulator answering every EWS request after a fixed latency (40 ms by default: a LAN hop to a
Client Access server plus its own work). Two strategies:

- bulk: the product (CreateItem with up to 100 contacts per request);
- naive: the same store made to write one contact per request, as a client without bulk
  operations would (one CreateItem per contact).

Figures per strategy: wall-clock seconds, EWS requests (every SOAP call the emulator answered,
sign-in probe and folder look-ups included) and EWS requests per item written (target <= 0.02).

    .venv/bin/python bench/run.py exchange [--contacts 1000] [--latency-ms 40] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

TARGET_REQUESTS_PER_ITEM = 0.02
SERVICE = "svc-lsync@nordvik.example"
PASSWORD = "bench-only-exchange-password"
MAILBOX = "ana.nunez@nordvik.example"
HOST = "exchange.bench.test"


@dataclass
class ExchangeFigure:
    strategy: str
    contacts: int
    latency_ms: float
    seconds: float
    ews_requests: int
    written: int
    requests_per_item: float
    status: str


def _configure() -> None:
    from django.conf import settings

    if not settings.configured:
        settings.configure(LSYNC_HTTP_TIMEOUT=30.0, LSYNC_CA_BUNDLE="", LSYNC_HTTPS_PROXY="")


def run_strategy(strategy: str, contacts: int, latency_ms: float) -> ExchangeFigure:
    _configure()
    from bench.speedup import buyers
    from connections import http
    from connections.providers.exchange import client as exchange_client
    from connections.providers.exchange.client import EwsConfig, ExchangeClient
    from connections.providers.exchange.stores import ExchangeContactStore
    from sandbox.exchange.app import ExchangeEmulator
    from sandbox.exchange.transport import session_factory
    from syncengine.engine import run_sync
    from syncengine.policy import SyncSettings
    from syncengine.state import MemoryRepo
    from syncengine.stores.base import Create
    from syncengine.stores.memory import MemoryStore

    emulator = ExchangeEmulator(seed=7)
    emulator.add_account(SERVICE, PASSWORD, netbios_domain="NORDVIK")
    emulator.add_mailbox(MAILBOX, "Ana Núñez")
    emulator.latency[r"ews\..*"] = latency_ms / 1000
    original = http.build_session
    http.build_session = session_factory({HOST: emulator})
    exchange_client.forget_endpoints()
    try:
        salesforce = MemoryStore("salesforce", "contacts", max_batch=200)
        records = buyers(contacts)
        for start in range(0, contacts, 200):
            salesforce.apply(
                [Create(f"r{n}", r) for n, r in enumerate(records[start : start + 200])]
            )
        config = EwsConfig(SERVICE, PASSWORD, f"https://{HOST}/EWS/Exchange.asmx")
        mailbox = ExchangeContactStore(ExchangeClient(config), MAILBOX)
        if strategy == "naive":
            mailbox.max_batch = 1
        before = len(emulator.operations)
        began = time.perf_counter()
        result = run_sync(salesforce, mailbox, MemoryRepo(), SyncSettings())
        seconds = time.perf_counter() - began
        requests = len(emulator.operations) - before
        written = int(result.counts.get("created_mailbox", 0))
        return ExchangeFigure(
            strategy, contacts, latency_ms, round(seconds, 3), requests, written,
            round(requests / written, 4) if written else float("inf"), result.status,
        )  # fmt: skip
    finally:
        http.build_session = original
        exchange_client.forget_endpoints()


def run(contacts: int = 1000, latency_ms: float = 40.0) -> list[ExchangeFigure]:
    return [run_strategy(s, contacts, latency_ms) for s in ("bulk", "naive")]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=40.0)


def main_with(args: argparse.Namespace) -> int:
    figures = run(args.contacts, args.latency_ms)
    for f in figures:
        print(
            f"exchange {f.strategy:<6} {f.contacts:>6} contacts @ {f.latency_ms:g} ms: "
            f"{f.seconds:>8.2f} s  {f.ews_requests:>6} EWS requests  "
            f"{f.requests_per_item:.4f} per item  {f.status}",
            flush=True,
        )
    bulk = figures[0]
    verdict = "met" if bulk.requests_per_item <= TARGET_REQUESTS_PER_ITEM else "MISSED"
    print(f"target <= {TARGET_REQUESTS_PER_ITEM} EWS requests per item written: {verdict}")
    if args.json:
        payload: list[dict[str, Any]] = [asdict(f) for f in figures]
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(payload, indent=2))
    return 0 if all(f.status == "ok" for f in figures) else 1
