from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from sandbox.inprocess import mount
from sandbox.salesforce import ids
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import connect, make_certificate

KEY = "3MVG9lsync.collections"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return make_certificate()


@pytest.fixture
def org(keys: tuple[str, str]) -> tuple[SalesforceEmulator, Any]:
    app = SalesforceEmulator(seed=3)
    app.add_user("sync@acme.sf", "sync@acme.example", "Sync", "User")
    app.register_connected_app(KEY, keys[1])
    session = requests.Session()
    session.trust_env = False
    base = mount(session, {"salesforce": app})["salesforce"]
    return app, connect(session, base, keys[0], KEY, "sync@acme.sf")


def contact(last: str | None, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": "Contact"}, **fields}
    if last is not None:
        record["LastName"] = last
    return record


def live_contacts(app: SalesforceEmulator) -> int:
    return sum(1 for _ in app.store.live("Contact"))


def test_create_reports_each_record_in_order(org: tuple[SalesforceEmulator, Any]) -> None:
    app, sf = org
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": False,
            "records": [contact("A"), contact(None, FirstName="B"), contact("C")],
        },
    )
    assert [r["success"] for r in results] == [True, False, True]
    assert results[0]["id"].startswith("003") and results[0]["errors"] == []
    assert results[1] == {
        "success": False,
        "errors": [{"statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]", "fields": ["LastName"]}],
    }  # fmt: skip
    assert live_contacts(app) == 2


def test_all_or_none_rolls_everything_back(org: tuple[SalesforceEmulator, Any]) -> None:
    app, sf = org
    seeded = [app.add_record("Contact", {"LastName": f"Keep {i}"}) for i in range(3)]
    results = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": True,
            "records": [contact("A"), contact("B", Email="bad"), contact("C")],
        },
    )
    assert [r["success"] for r in results] == [False, False, False]
    assert results[1]["errors"][0]["statusCode"] == "INVALID_EMAIL_ADDRESS"
    for index in (0, 2):
        assert results[index]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
        assert "id" not in results[index]
    assert live_contacts(app) == 3
    updates = [
        {"attributes": {"type": "Contact"}, "id": seeded[0], "Title": "Changed"},
        {"attributes": {"type": "Contact"}, "id": seeded[1], "LastName": None},
    ]
    results = sf.restful(
        "composite/sobjects", method="PATCH", json={"allOrNone": True, "records": updates}
    )
    assert [r["id"] for r in results] == seeded[:2]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert app.store.records["Contact"][seeded[0]]["Title"] is None
    missing = ids.make_id("003", 999999)
    results = sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": f"{seeded[2]},{missing}", "allOrNone": "true"},
    )
    assert [r["success"] for r in results] == [False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert live_contacts(app) == 3 and not app.store.deletions


def test_update_and_delete_without_all_or_none_apply_what_they_can(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    first = app.add_record("Contact", {"LastName": "One"})
    second = app.add_record("Contact", {"LastName": "Two"})
    results = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [
            {"attributes": {"type": "Contact"}, "id": first, "Title": "Boss"},
            {"attributes": {"type": "Contact"}, "Title": "No id"},
        ]},
    )  # fmt: skip
    assert results[0] == {"id": first, "success": True, "errors": []}
    assert results[1]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert app.store.records["Contact"][first]["Title"] == "Boss"
    sf.Contact.delete(second)
    results = sf.restful("composite/sobjects", method="DELETE", params={"ids": f"{first},{second}"})
    assert results[0] == {"id": first, "success": True, "errors": []}
    assert results[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert live_contacts(app) == 0


def test_more_than_200_records_are_refused_whole(org: tuple[SalesforceEmulator, Any]) -> None:
    app, sf = org
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.restful(
            "composite/sobjects",
            method="POST",
            json={"records": [contact(str(i)) for i in range(201)]},
        )
    assert error.value.content == [
        {"message": "record limit reached. cannot submit more than 200 records into this call", "errorCode": "EXCEEDED_ID_LIMIT"}
    ]  # fmt: skip
    assert live_contacts(app) == 0
    results = sf.restful(
        "composite/sobjects", method="POST", json={"records": [contact(str(i)) for i in range(200)]}
    )
    assert len(results) == 200 and all(r["success"] for r in results)


def test_a_request_level_error_applies_nothing(org: tuple[SalesforceEmulator, Any]) -> None:
    app, sf = org
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.restful(
            "composite/sobjects",
            method="POST",
            json={"records": [contact("Fine"), contact("Bad", Shoe_Size__c=3)]},
        )
    assert error.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert live_contacts(app) == 0


def test_collections_need_api_version_42(org: tuple[SalesforceEmulator, Any]) -> None:
    _app, sf = org
    sf.base_url = sf.base_url.replace("v59.0", "v41.0")
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("composite/sobjects", method="POST", json={"records": [contact("x")]})
