"""The simulated day (bench/feedday.py) runs on a small company and reports every figure the
issue names. Counts only: no timing is asserted."""

from __future__ import annotations

import pytest

from bench.day import run_day

KEYS = {
    "users",
    "salesforce_calls_per_day",
    "salesforce_allocation_per_day",
    "salesforce_calls_per_day_polling",
    "p95_latency_seconds_salesforce_to_mailbox",
    "p95_latency_seconds_mailbox_to_salesforce",
    "p95_latency_seconds_mailbox_to_salesforce_push",
    "p95_latency_seconds_mailbox_to_salesforce_push_google",
    "p95_latency_seconds_mailbox_to_salesforce_pull_exchange",
}


@pytest.mark.slow
@pytest.mark.django_db
def test_a_simulated_day_reads_the_feed_every_minute_and_costs_less_than_polling() -> None:
    report = run_day(20, contacts_per_user=50, events_per_user=20)
    assert set(report) >= KEYS
    assert report["users"] == 20
    assert report["salesforce_allocation_per_day"] == 120_000
    feed_reads = report["breakdown"]["feed_reads"]
    assert feed_reads["contacts"] >= 24 * 60 and feed_reads["events"] >= 24 * 60
    assert report["edits"] == {"salesforce": 7, "mailbox": 7}
    # Every edit made in Salesforce was fed to its owner within the day.
    assert report["breakdown"]["woken_runs"]["contacts"] >= 5
    assert report["salesforce_calls_per_day"] < report["salesforce_calls_per_day_polling"]
    # Push: each mailbox edit went through the real webhook path (measured), within a minute.
    assert report["p95_latency_seconds_mailbox_to_salesforce_push"] <= 60
    assert report["p95_latency_seconds_mailbox_to_salesforce"] <= report["polling_interval_seconds"]
    assert set(report["push"]) >= {
        "graph_webhook_to_dispatch_seconds_measured",
        "delivery_seconds_assumed_max",
        "exchange_check_to_dispatch_seconds_measured",
    }
    # Exchange: each mailbox edit waited for the next events check (every minute), measured
    # through the product's check task against the EWS emulator.
    assert report["push"]["exchange_pull_interval_seconds"] == 60
    assert report["p95_latency_seconds_mailbox_to_salesforce_pull_exchange"] is not None
