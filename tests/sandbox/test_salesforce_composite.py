from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox.inprocess import mount
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import connect, make_certificate

KEY = "3MVG9lsync.composite"
V = "/services/data/v59.0"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return make_certificate()


@pytest.fixture
def org(keys: tuple[str, str]) -> tuple[SalesforceEmulator, Any]:
    app = SalesforceEmulator(seed=9)
    app.add_user("sync@acme.sf", "sync@acme.example", "Sync", "User")
    app.register_connected_app(KEY, keys[1])
    session = requests.Session()
    session.trust_env = False
    base = mount(session, {"salesforce": app})["salesforce"]
    return app, connect(session, base, keys[0], KEY, "sync@acme.sf")


def event_with_invitee(subject: str, last_name: str | None) -> list[dict[str, Any]]:
    contact: dict[str, Any] = {"Email": "guest@x.example"}
    if last_name is not None:
        contact["LastName"] = last_name
    return [
        {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "guest", "body": contact},
        {"method": "POST", "url": f"{V}/sobjects/Event", "referenceId": "ev1",
         "body": {"Subject": subject, "StartDateTime": "2026-05-04T09:00:00Z", "DurationInMinutes": 30}},
        {"method": "POST", "url": f"{V}/sobjects/EventRelation", "referenceId": "rel1",
         "body": {"EventId": "@{ev1.id}", "RelationId": "@{guest.id}", "IsInvitee": True}},
        {"method": "GET", "url": f"{V}/sobjects/Event/@{{ev1.id}}?fields=Subject", "referenceId": "read"},
    ]  # fmt: skip


def test_subrequests_use_earlier_results_through_references(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    before = app.api_usage()
    answer = sf.restful(
        "composite",
        method="POST",
        json={"allOrNone": True, "compositeRequest": event_with_invitee("Kick-off", "Guest")},
    )
    responses = answer["compositeResponse"]
    assert [r["httpStatusCode"] for r in responses] == [201, 201, 201, 200]
    event_id = responses[1]["body"]["id"]
    assert responses[1]["httpHeaders"] == {"Location": f"{V}/sobjects/Event/{event_id}"}
    relation = app.record(responses[2]["body"]["id"])
    assert relation is not None and relation["EventId"] == event_id
    assert relation["RelationId"] == responses[0]["body"]["id"]
    assert responses[3]["body"]["Subject"] == "Kick-off"
    assert app.api_usage() == before + 1  # one API call for the whole composite request


def test_all_or_none_halts_and_rolls_back(org: tuple[SalesforceEmulator, Any]) -> None:
    app, sf = org
    subrequests = event_with_invitee("s" * 300, "Guest")
    answer = sf.restful(
        "composite", method="POST", json={"allOrNone": True, "compositeRequest": subrequests}
    )
    responses = answer["compositeResponse"]
    assert [r["httpStatusCode"] for r in responses] == [400, 400, 400, 400]
    assert responses[1]["body"][0]["errorCode"] == "STRING_TOO_LONG"
    assert {r["body"][0]["errorCode"] for i, r in enumerate(responses) if i != 1} == {
        "PROCESSING_HALTED"
    }
    assert sum(1 for _ in app.store.live("Contact")) == 0


def test_without_all_or_none_only_dependent_subrequests_halt(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    answer = sf.restful(
        "composite", method="POST", json={"compositeRequest": event_with_invitee("Fine", None)}
    )
    responses = answer["compositeResponse"]
    assert [r["httpStatusCode"] for r in responses] == [400, 201, 400, 200]
    assert responses[0]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert responses[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert sum(1 for _ in app.store.live("Event")) == 1


def test_more_than_25_subrequests_are_refused(org: tuple[SalesforceEmulator, Any]) -> None:
    _app, sf = org
    subrequests = [
        {"method": "GET", "url": f"{V}/limits", "referenceId": f"r{i}"} for i in range(26)
    ]
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite", method="POST", json={"compositeRequest": subrequests})


def test_query_subrequests_read_deleted_rows_the_delete_log_and_further_pages(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    user = app.user_id("sync@acme.sf")
    kept = [app.add_record("Contact", {"LastName": f"Kept {n}"}, as_user=user) for n in range(3)]
    gone = app.add_record("Contact", {"LastName": "Gone"}, as_user=user)
    app.delete_record(gone, as_user=user)
    app.page_size = 2
    soql = urlencode({"q": "SELECT Id, IsDeleted FROM Contact ORDER BY Id"})
    now = app.clock.now().replace(second=0, microsecond=0)
    log = urlencode({"start": f"{now - timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}",
                     "end": f"{now + timedelta(minutes=1):%Y-%m-%dT%H:%M:%SZ}"})  # fmt: skip
    before = app.api_usage()
    answer = sf.restful("composite", method="POST", json={"compositeRequest": [
        {"method": "GET", "url": f"{V}/sobjects/Contact/deleted/?{log}", "referenceId": "log"},
        {"method": "GET", "url": f"{V}/queryAll/?{soql}", "referenceId": "all"},
        {"method": "GET", "url": f"{V}/query/?{soql}", "referenceId": "live"},
    ]})  # fmt: skip
    assert app.api_usage() - before == 1
    log_answer, every, live = (r["body"] for r in answer["compositeResponse"])
    # The log covers whole minutes up to the current one (queryAll sees the deletion already).
    assert {"earliestDateAvailable", "latestDateCovered", "deletedRecords"} <= set(log_answer)
    # Each answer is a query's first page; its nextRecordsUrl is read as any other.
    rows = list(every["records"])
    page = every
    while not page["done"]:
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
        rows += page["records"]
    assert {r["Id"]: r["IsDeleted"] for r in rows} == {**dict.fromkeys(kept, False), gone: True}
    assert live["totalSize"] == 3 and not live["done"]
