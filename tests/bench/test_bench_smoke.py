"""The provider benchmark's core runs end to end on a tiny data set and reports every figure.

No timing is asserted: this only keeps `bench/providers.py` working as the product changes."""

from __future__ import annotations

import pytest

from bench.providers import run_benchmark

SCENARIOS = [
    "initial sync",
    "second run (no changes)",
    "1% edited on each side",
    "check run (no changes)",
]


@pytest.mark.django_db
@pytest.mark.parametrize("mail", ["microsoft365", "google"])
def test_the_provider_benchmark_syncs_a_small_mailbox_and_reports_its_figures(mail: str) -> None:
    report = run_benchmark(contacts=5, events=3, mails=(mail,))

    assert report.ok, report.problems
    assert [(f.kind, f.scenario) for f in report.figures] == [
        (kind, scenario) for kind in ("contacts", "events") for scenario in SCENARIOS
    ]
    for figure in report.figures:
        assert figure.mail == mail and figure.status == "ok"
        assert figure.seconds > 0 and figure.peak_mib > 0 and figure.per_second > 0
        assert figure.items == (6 if figure.kind == "contacts" else 4)
        assert figure.api_calls["salesforce"] > 0 and figure.api_calls["mailbox"] > 0
        assert figure.http_requests["salesforce"] >= figure.api_calls["salesforce"]
    initial = {f.kind: f for f in report.figures if f.scenario == "initial sync"}
    # 5 contacts and 3 events in Salesforce, every 4th already in the mailbox plus one that is
    # only there: the first sync links, creates in the mailbox and creates in Salesforce.
    assert initial["contacts"].counts == {
        "linked": 2,
        "created_mailbox": 3,
        "created_salesforce": 1,
    }
    assert initial["events"].counts == {"linked": 1, "created_mailbox": 2, "created_salesforce": 1}
    assert report.as_json()["figures"][0]["items_per_second"] > 0


def test_the_exchange_benchmark_writes_in_bulk_and_reports_requests_per_item() -> None:
    from bench.exchange import run

    bulk, naive = run(contacts=105, latency_ms=0)
    assert (bulk.strategy, naive.strategy) == ("bulk", "naive")
    assert bulk.status == naive.status == "ok" and bulk.written == naive.written == 105
    # Bulk: two CreateItem requests for 105 contacts; naive: one per contact.
    assert naive.ews_requests - bulk.ews_requests == 105 - 2
    assert bulk.requests_per_item == round(bulk.ews_requests / 105, 4)
