from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox.inprocess import mount
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import connect, make_certificate
from sandbox.salesforce.values import format_datetime

KEY = "3MVG9lsync.replication"
DAY = 86400


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return make_certificate()


@pytest.fixture
def org(keys: tuple[str, str]) -> tuple[SalesforceEmulator, Any]:
    app = SalesforceEmulator(seed=5)
    app.add_user("sync@acme.sf", "sync@acme.example", "Sync", "User")
    app.register_connected_app(KEY, keys[1])
    session = requests.Session()
    session.trust_env = False
    base = mount(session, {"salesforce": app})["salesforce"]
    return app, connect(session, base, keys[0], KEY, "sync@acme.sf")


def minute(app: SalesforceEmulator, shift: float = 0) -> Any:
    return (app.clock.now() + timedelta(seconds=shift)).replace(second=0, microsecond=0)


def reason(error: pytest.ExceptionInfo[SalesforceMalformedRequest]) -> str:
    return str(error.value.content[0]["errorCode"])


def test_updated_lists_changes_in_the_window_and_says_how_far_it_got(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    start = minute(app)
    app.clock.advance(60)
    early = sf.Contact.create({"LastName": "Early"})["id"]
    app.clock.advance(120)
    late = sf.Contact.create({"LastName": "Late"})["id"]
    gone = sf.Contact.create({"LastName": "Gone"})["id"]
    sf.Contact.delete(gone)
    app.clock.advance(120)
    result = sf.Contact.updated(start, minute(app, 3600))
    assert result["ids"] == [early, late]
    assert result["latestDateCovered"] == format_datetime(minute(app))
    narrow = sf.Contact.updated(start, start + timedelta(seconds=150))
    assert narrow == {
        "ids": [early],
        "latestDateCovered": format_datetime(start + timedelta(minutes=2)),
    }
    assert sf.Event.updated(start, minute(app))["ids"] == []


def test_changes_in_the_current_minute_wait_for_the_next_window(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    start = minute(app, -120)
    record = sf.Contact.create({"LastName": "Now"})["id"]
    first = sf.Contact.updated(start, minute(app, 600))
    assert record not in first["ids"]
    app.clock.advance(61)
    covered = app.clock.now().fromisoformat(first["latestDateCovered"].replace("+0000", "+00:00"))
    assert record in sf.Contact.updated(covered, minute(app, 600))["ids"]


def test_window_rules_are_enforced(org: tuple[SalesforceEmulator, Any]) -> None:
    app, sf = org
    now = minute(app)
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.Contact.updated(now, now - timedelta(minutes=5))
    assert reason(error) == "INVALID_REPLICATION_DATE"
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.Contact.updated(now + timedelta(seconds=10), now + timedelta(seconds=50))
    assert reason(error) == "INVALID_REPLICATION_DATE"  # same minute once seconds are dropped
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.Contact.updated(now - timedelta(days=31), now)
    assert reason(error) == "INVALID_REPLICATION_DATE"
    assert sf.Contact.updated(now - timedelta(days=29), now)["ids"] == []
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.restful("sobjects/Contact/deleted/", params={"start": "yesterday", "end": "today"})
    assert error.value.status == 400


def test_the_deleted_log_covers_fifteen_days_of_the_emulator_clock(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    app.session_timeout = 40 * DAY  # the session must outlive the jumps of the clock
    since = minute(app)
    app.clock.advance(60)
    victim = sf.Contact.create({"LastName": "Victim"})["id"]
    sf.Contact.delete(victim)
    deleted_at = app.record(victim)["SystemModstamp"]  # type: ignore[index]
    app.clock.advance(120)
    result = sf.Contact.deleted(since, minute(app))
    assert result["deletedRecords"] == [{"id": victim, "deletedDate": format_datetime(deleted_at)}]
    assert result["earliestDateAvailable"] == format_datetime(minute(app, -15 * DAY))
    assert result["latestDateCovered"] == format_datetime(minute(app))
    app.clock.advance(14 * DAY)
    assert [d["id"] for d in sf.Contact.deleted(since, minute(app))["deletedRecords"]] == [victim]
    app.clock.advance(1 * DAY + 600)
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.Contact.deleted(since, minute(app))
    assert reason(error) == "INVALID_REPLICATION_DATE"
    fresh = sf.Contact.deleted(minute(app, -15 * DAY), minute(app))
    assert fresh["deletedRecords"] == []
    assert (
        sf.query_all(f"SELECT Id FROM Contact WHERE Id = '{victim}'", include_deleted=True)[
            "totalSize"
        ]
        == 0
    )


def test_expiring_cursors_purges_the_delete_log_and_open_query_cursors(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    app.page_size = 2
    for i in range(5):
        sf.Contact.create({"LastName": f"C{i}"})
    since = minute(app, -3600)
    page = sf.query("SELECT Id FROM Contact")
    assert sf.Contact.deleted(since, minute(app))["deletedRecords"] == []
    app.expire_cursors()
    app.clock.advance(60)
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.Contact.deleted(since, minute(app))
    assert reason(error) == "INVALID_REPLICATION_DATE"
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
    assert reason(error) == "INVALID_QUERY_LOCATOR"
    earliest = sf.Contact.deleted(minute(app, -60), minute(app))["earliestDateAvailable"]
    assert earliest == format_datetime(minute(app, -60))
