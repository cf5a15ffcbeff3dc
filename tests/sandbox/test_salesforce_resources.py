from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceResourceNotFound

from sandbox.inprocess import mount
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import connect, make_certificate

KEY = "3MVG9lsync.resources"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return make_certificate()


@pytest.fixture
def org(keys: tuple[str, str]) -> tuple[SalesforceEmulator, Any]:
    app = SalesforceEmulator(seed=8)
    app.add_user("sync@acme.sf", "sync@acme.example", "Sync", "User", time_zone="Europe/Paris")
    app.register_connected_app(KEY, keys[1])
    session = requests.Session()
    session.trust_env = False
    base = mount(session, {"salesforce": app})["salesforce"]
    return app, connect(session, base, keys[0], KEY, "sync@acme.sf")


def test_describe_lists_fields_with_lengths_and_write_rules(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    _app, sf = org
    fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    assert fields["LastName"]["length"] == 80 and fields["LastName"]["nillable"] is False
    assert fields["Name"]["createable"] is False
    assert fields["Secondary_Email__c"]["custom"] is True
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    assert fields["AccountId"]["relationshipName"] == "Account"
    show_as = {f["name"]: f for f in sf.Event.describe()["fields"]}["ShowAs"]
    assert [v["value"] for v in show_as["picklistValues"]] == ["Busy", "OutOfOffice", "Free"]
    names = {o["name"]: o["keyPrefix"] for o in sf.describe()["sobjects"]}
    assert names["Contact"] == "003" and names["EventRelation"] == "0RE"


def test_unknown_resources_and_methods_answer_as_salesforce(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    _app, sf = org
    with pytest.raises(SalesforceResourceNotFound) as missing:
        sf.restful("sobjects/Widget/describe")
    assert missing.value.content == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}
    ]
    with pytest.raises(SalesforceGeneralError) as method:
        sf.restful("query/", method="POST")
    assert method.value.status == 405
    assert method.value.content[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_event_owners_are_polymorphic_and_dates_follow_the_users_zone(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    _app, sf = org
    created = sf.Event.create(
        {"Subject": "Late call", "StartDateTime": "2026-06-01T22:30:00Z", "DurationInMinutes": 60}
    )
    row = sf.query(f"SELECT Owner.Email, ActivityDate FROM Event WHERE Id = '{created['id']}'")[
        "records"
    ][0]
    assert row["Owner"]["attributes"]["type"] == "Name"
    assert row["Owner"]["Email"] == "sync@acme.example"
    assert row["ActivityDate"] == "2026-06-02"  # 00:30 in Paris


def test_the_batch_size_header_is_a_hint_within_salesforces_range(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    records = [{"attributes": {"type": "Contact"}, "LastName": f"C{i}"} for i in range(200)]
    for _ in range(2):
        sf.restful("composite/sobjects", method="POST", json={"records": records})
    hinted = sf.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=250"})
    assert len(hinted["records"]) == 250 and hinted["totalSize"] == 400
    ignored = sf.query("SELECT Id FROM Contact", headers={"Sforce-Query-Options": "batchSize=10"})
    assert ignored["done"] is True and len(ignored["records"]) == 400
    app.page_size = 100
    assert len(sf.query("SELECT Id FROM Contact")["records"]) == 100
