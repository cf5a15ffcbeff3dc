"""The named scenarios of bench/run.py (issue 14) run on tiny data sets and report the issue's keys.

No timing is asserted: this only keeps `bench/scenarios.py` working as the product changes."""

from __future__ import annotations

import pytest

from bench import dispatching, mapwrites, nochange, scenarios, speedup


def test_every_scenario_is_listed_by_name() -> None:
    assert set(scenarios.SCENARIOS) == {
        "mapping-writes",
        "mapping-writes-emulated",
        "nochange-microsoft365",
        "nochange-google",
        "nochange-microsoft365-feed",
        "nochange-google-feed",
        "dispatch",
        "initial-speedup",
        "scaleout",
        "large-user",
    }


@pytest.mark.django_db
def test_the_mapping_writes_scenario_reports_the_share_of_writes() -> None:
    figures = mapwrites.run(40)
    assert figures["status"] == "ok" and 0 < figures["mapping_write_share"] < 1
    # The driver's part of the writes is a part of them.
    assert 0 < figures["mapping_write_database_seconds"] <= figures["mapping_write_seconds"]


@pytest.mark.django_db
def test_the_dispatch_scenario_claims_and_queues_every_user_once() -> None:
    figures = dispatching.run(30)
    assert figures["claimed"] == figures["queued_tasks"] == 30
    assert figures["double_claims"] == 0 and figures["dispatch_seconds"] > 0


@pytest.mark.django_db
@pytest.mark.parametrize("mail", ["microsoft365", "google"])
def test_the_nochange_scenarios_count_requests_per_side_and_kind(mail: str) -> None:
    figures = nochange.run(mail, 4)
    assert figures["statuses"][-1] == {"contacts": "ok", "events": "ok"}
    assert set(figures["nochange_requests"]) == {
        f"{side}/{kind}" for side in ("salesforce", "mailbox") for kind in ("contacts", "events")
    }
    assert figures["nochange_requests_per_side_kind"] >= 1


@pytest.mark.django_db
def test_with_the_change_feed_on_a_quiet_run_reads_salesforce_only_through_the_orgs_feed() -> None:
    figures = nochange.run("microsoft365", 4, feed=True)
    assert figures["statuses"][-1] == {"contacts": "ok", "events": "ok"}
    steady = figures["nochange_requests"]
    assert steady["salesforce/contacts"] == steady["salesforce/events"] == 0
    assert figures["feed_requests"] == {"feed/contacts": 1, "feed/events": 1}


@pytest.mark.django_db
def test_the_initial_speedup_scenario_compares_with_the_naive_strategy() -> None:
    figures = speedup.run(25, latency_ms=0, repeat=1)
    assert figures["statuses"] == ["ok"]
    assert figures["initial_speedup_vs_naive"] > 0 and figures["mail_requests_per_item"] > 0
