from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from sandbox.inprocess import mount
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import connect, make_certificate

KEY = "3MVG9lsync.faults"
QUERY = "SELECT Id FROM User"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return make_certificate()


@pytest.fixture
def org(keys: tuple[str, str]) -> tuple[SalesforceEmulator, Any, requests.Session]:
    app = SalesforceEmulator(seed=6)
    app.add_user("sync@acme.sf", "sync@acme.example", "Sync", "User")
    app.register_connected_app(KEY, keys[1])
    session = requests.Session()
    session.trust_env = False
    base = mount(session, {"salesforce": app})["salesforce"]
    return app, connect(session, base, keys[0], KEY, "sync@acme.sf"), session


def test_an_injected_429_is_salesforces_throttle_a_refused_request(
    org: tuple[SalesforceEmulator, Any, requests.Session],
) -> None:
    app, sf, _session = org
    app.inject("429", route=r"salesforce\.query", retry_after=5)
    with pytest.raises(SalesforceRefusedRequest) as error:
        sf.query(QUERY)
    assert error.value.status == 403
    assert error.value.content == [
        {
            "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
        }
    ]
    assert sf.query(QUERY)["totalSize"] == 2


@pytest.mark.parametrize(
    ("status", "code"), [(500, "UNKNOWN_EXCEPTION"), (503, "SERVER_UNAVAILABLE")]
)
def test_server_errors_surface_as_general_errors(
    org: tuple[SalesforceEmulator, Any, requests.Session], status: int, code: str
) -> None:
    app, sf, _session = org
    app.inject(str(status), route=r"salesforce\.sobject\.create")
    with pytest.raises(SalesforceGeneralError) as error:
        sf.Contact.create({"LastName": "x"})
    assert error.value.status == status
    assert error.value.content[0]["errorCode"] == code
    assert sum(1 for _ in app.store.live("Contact")) == 0


def test_a_reset_connection_is_a_requests_connection_error(
    org: tuple[SalesforceEmulator, Any, requests.Session],
) -> None:
    app, sf, session = org
    session.post(
        "https://salesforce.sandbox.test/_control/faults",
        json={"faults": [{"kind": "reset", "route": r"salesforce\.query"}]},
    )
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.query(QUERY)
    assert sf.query(QUERY)["done"] is True


def test_slow_responses_and_latency_delay_but_answer(
    org: tuple[SalesforceEmulator, Any, requests.Session],
) -> None:
    app, sf, _session = org
    app.inject("slow", route=r"salesforce\.query", delay=0.05)
    started = time.monotonic()
    assert sf.query(QUERY)["totalSize"] == 2
    assert time.monotonic() - started >= 0.05
    app.set_latency(r"salesforce\..*", 0.03)
    started = time.monotonic()
    sf.query(QUERY)
    assert time.monotonic() - started >= 0.03


def test_a_revoked_token_fault_expires_the_session(
    org: tuple[SalesforceEmulator, Any, requests.Session],
) -> None:
    app, sf, _session = org
    app.inject("revoke_token", route=r"salesforce\.query")
    with pytest.raises(SalesforceExpiredSession):
        sf.query(QUERY)


def test_a_cursor_expiry_fault_invalidates_replication_windows(
    org: tuple[SalesforceEmulator, Any, requests.Session],
) -> None:
    app, sf, _session = org
    start = app.clock.now().replace(second=0, microsecond=0)
    app.clock.advance(120)
    end = app.clock.now()
    assert sf.Contact.deleted(start, end)["deletedRecords"] == []
    app.inject("expire_cursor", route=r"salesforce\.sobject\.deleted")
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.Contact.deleted(start, end)
    assert error.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_the_daily_request_limit_is_counted_and_enforced_over_24_hours(
    org: tuple[SalesforceEmulator, Any, requests.Session],
) -> None:
    app, sf, _session = org
    app.api_limit = 3
    app.session_timeout = 3 * 86400
    sf.query(QUERY)
    assert (sf.api_usage["api-usage"].used, sf.api_usage["api-usage"].total) == (1, 3)
    sf.query(QUERY)
    sf.query(QUERY)
    assert sf.api_usage["api-usage"].used == 3
    with pytest.raises(SalesforceRefusedRequest) as error:
        sf.query(QUERY)
    assert error.value.content == [
        {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
    ]
    app.clock.advance(86400 + 1)
    sf.query(QUERY)
    assert sf.api_usage["api-usage"].used == 1
    assert sf.limits()["DailyApiRequests"] == {"Max": 3, "Remaining": 1}
