from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from sandbox.inprocess import mount
from sandbox.salesforce import ids
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import connect, make_certificate

KEY = "3MVG9lsync.rest"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return make_certificate()


class Org:
    def __init__(self, keys: tuple[str, str]) -> None:
        self.app = SalesforceEmulator(seed=2)
        self.app.seed({"company": {"users": 3, "seed": 4}})
        self.app.register_connected_app(KEY, keys[1])
        self.session = requests.Session()
        self.session.trust_env = False
        self.base = mount(self.session, {"salesforce": self.app})["salesforce"]
        self.keys = keys
        self.username = self.app.store.records["User"][self.users()[0]]["Username"]
        self.sf = self.login(self.username)

    def users(self) -> list[str]:
        return [
            u["Id"]
            for u in self.app.store.live("User")
            if u["IsActive"] and not u["Username"].startswith(("admin@", "duplicate."))
        ]

    def login(self, username: str, **kwargs: Any) -> Any:
        return connect(self.session, self.base, self.keys[0], KEY, username, **kwargs)


@pytest.fixture
def org(keys: tuple[str, str]) -> Org:
    return Org(keys)


def test_query_returns_records_with_attributes_and_nested_relationships(org: Org) -> None:
    result = org.sf.query(
        "SELECT id, firstname, LastName, Account.Name, Owner.Email, Owner.Profile.Name FROM Contact "
        "WHERE OwnerId = '" + org.users()[0] + "' ORDER BY LastName, FirstName"
    )
    assert result["done"] is True and result["totalSize"] == 8
    first = result["records"][0]
    assert list(first) == ["attributes", "Id", "FirstName", "LastName", "Account", "Owner"]
    assert first["attributes"] == {
        "type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{first['Id']}",
    }  # fmt: skip
    assert first["Account"]["attributes"]["type"] == "Account"
    assert first["Account"]["Name"]
    assert first["Owner"]["Email"] == org.app.store.records["User"][org.users()[0]]["Email"]
    assert first["Owner"]["Profile"]["Name"] in ("Standard User", "Sales Manager")
    names = [(r["LastName"].casefold(), r["FirstName"].casefold()) for r in result["records"]]
    assert names == sorted(names)


def test_a_missing_parent_is_null_and_polymorphic_parents_are_name_objects(org: Org) -> None:
    contact = org.sf.Contact.create({"LastName": "Orphan"})
    assert (
        org.sf.query(f"SELECT Account.Name FROM Contact WHERE Id = '{contact['id']}'")["records"][
            0
        ]["Account"]
        is None
    )
    event = org.sf.Event.create(
        {"Subject": "x", "StartDateTime": "2026-03-01T10:00:00Z", "DurationInMinutes": 30,
         "WhoId": contact["id"]}
    )  # fmt: skip
    row = org.sf.query(f"SELECT Who.Name, Who.Type FROM Event WHERE Id = '{event['id']}'")[
        "records"
    ][0]
    assert row["Who"]["attributes"] == {
        "type": "Name", "url": f"/services/data/v59.0/sobjects/Contact/{contact['id']}",
    }  # fmt: skip
    assert (row["Who"]["Name"], row["Who"]["Type"]) == ("Orphan", "Contact")


def test_results_page_through_next_records_url(org: Org) -> None:
    org.app.page_size = 5
    first = org.sf.query("SELECT Id FROM Contact ORDER BY Id")
    assert first["totalSize"] == 24 and first["done"] is False and len(first["records"]) == 5
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    second = org.sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert [r["Id"] for r in second["records"]] != [r["Id"] for r in first["records"]]
    everything = org.sf.query_all("SELECT Id FROM Contact ORDER BY Id")
    got = [r["Id"] for r in everything["records"]]
    assert len(got) == 24 and got == sorted(got) and len(set(got)) == 24


def test_an_idle_query_cursor_expires(org: Org) -> None:
    org.app.page_size = 5
    first = org.sf.query("SELECT Id FROM Contact")
    org.app.clock.advance(16 * 60)
    with pytest.raises(SalesforceMalformedRequest) as error:
        org.sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert error.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_all_includes_deleted_rows(org: Org) -> None:
    victim = org.sf.query("SELECT Id FROM Contact LIMIT 1")["records"][0]["Id"]
    assert org.sf.Contact.delete(victim) == 204
    soql = f"SELECT Id, IsDeleted FROM Contact WHERE Id = '{victim}'"
    assert org.sf.query(soql)["totalSize"] == 0
    rows = org.sf.query_all(soql, include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(victim, True)]


def test_filters_combine_like_soql(org: Org) -> None:
    rows = org.app.store.rows("Contact", False)
    expected = sorted(
        r["Id"]
        for r in rows
        if (r["Email"] or "").lower().endswith(".example")
        and (r["MailingCountry"] in ("France", "Germany") or r["Title"] == "CEO")
    )
    got = org.sf.query_all(
        "SELECT Id FROM Contact WHERE Email LIKE '%.EXAMPLE' AND "
        "(MailingCountry IN ('France', 'Germany') OR Title = 'ceo')"
    )["records"]
    assert sorted(r["Id"] for r in got) == expected and expected
    stamp = org.sf.query("SELECT SystemModstamp FROM Contact LIMIT 1")["records"][0][
        "SystemModstamp"
    ]
    literal = stamp.replace(".000+0000", "Z")
    assert (
        org.sf.query(f"SELECT COUNT() FROM Contact WHERE SystemModstamp <= {literal}")["totalSize"]
        == 24
    )
    assert (
        org.sf.query(f"SELECT COUNT() FROM Contact WHERE SystemModstamp > {literal}")["totalSize"]
        == 0
    )
    assert org.sf.query("SELECT COUNT() FROM Event WHERE IsAllDayEvent = true")["totalSize"] == 6
    limited = org.sf.query("SELECT Id FROM Contact ORDER BY LastName DESC NULLS LAST LIMIT 4")
    assert limited["totalSize"] == 4 and len(limited["records"]) == 4


@pytest.mark.parametrize(
    ("soql", "code", "fragment"),
    [
        ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY", "unexpected token: <EOF>"),
        ("SELECT Nope FROM Contact", "INVALID_FIELD", "No such column 'Nope' on entity 'Contact'"),
        ("SELECT Foo.Name FROM Contact", "INVALID_FIELD", "Didn't understand relationship 'Foo'"),
        ("SELECT Id FROM Widget", "INVALID_TYPE", "sObject type 'Widget' is not supported"),
        ("SELECT Id FROM Contact WHERE LastName = 5", "INVALID_FIELD", "must be of type string"),
        ("SELECT Id FROM Contact WHERE SystemModstamp > '2026-01-01'", "INVALID_FIELD", "dateTime"),
        ("SELECT Id FROM Contact WHERE SystemModstamp > 2026-01-01", "INVALID_FIELD", "dateTime"),
        ("SELECT Id FROM Contact WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID"),
    ],
)
def test_bad_queries_fail_with_salesforces_error_array(
    org: Org, soql: str, code: str, fragment: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as error:
        org.sf.query(soql)
    assert error.value.status == 400
    [item] = error.value.content
    assert item["errorCode"] == code and fragment in item["message"]


def test_create_get_update_delete_with_realistic_ids(org: Org) -> None:
    created = org.sf.Contact.create(
        {"LastName": "Łukasz", "Email": "l@x.example", "MailingCity": "Zürich"}
    )
    assert created["success"] is True and created["errors"] == []
    record_id = created["id"]
    assert record_id.startswith("003") and len(record_id) == 18
    assert ids.normalize(record_id[:15]) == record_id
    got = org.sf.Contact.get(record_id[:15])
    assert got["LastName"] == "Łukasz" and got["Name"] == "Łukasz" and got["IsDeleted"] is False
    assert not any(k.startswith("_") for k in got)
    assert org.sf.Contact.update(record_id, {"Title": "CFO", "Email": None}) == 204
    again = org.sf.Contact.get(record_id)
    assert (again["Title"], again["Email"]) == ("CFO", None)
    assert org.sf.Contact.delete(record_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as error:
        org.sf.Contact.get(record_id)
    assert error.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"
    with pytest.raises(SalesforceResourceNotFound):
        org.sf.Contact.get(ids.make_id("003", 999999))
    assert org.sf.Event.create(
        {"Subject": "x", "StartDateTime": "2026-03-01T10:00:00Z", "DurationInMinutes": 5}
    )["id"].startswith("00U")


def test_writes_record_the_acting_user_the_clock_and_the_calling_client(org: Org) -> None:
    first, second = org.users()[0], org.users()[1]
    created = org.sf.Contact.create(
        {"LastName": "Mine"}, headers={"Sforce-Call-Options": "client=lsync-engine"}
    )
    record = org.app.record(created["id"])
    assert record is not None
    assert (record["CreatedById"], record["LastModifiedById"], record["OwnerId"]) == (
        first,
        first,
        first,
    )
    assert record["_LastModifiedClient"] == "lsync-engine"
    stamp = record["SystemModstamp"]
    org.app.clock.advance(90)
    other = org.login(org.app.store.records["User"][second]["Username"])
    other.Contact.update(created["id"], {"Title": "VP"})
    after = org.app.record(created["id"])
    assert after is not None
    assert after["LastModifiedById"] == second and after["CreatedById"] == first
    assert after["_LastModifiedClient"] is None and after["_CreatedClient"] == "lsync-engine"
    assert (after["SystemModstamp"] - stamp).total_seconds() == pytest.approx(90, abs=1)
    api = org.sf.Contact.get(created["id"])
    assert api["SystemModstamp"].endswith(".000+0000") and "_LastModifiedClient" not in api


@pytest.mark.parametrize(
    ("data", "code", "fields"),
    [
        ({"FirstName": "No last name"}, "REQUIRED_FIELD_MISSING", ["LastName"]),
        ({"LastName": "x" * 81}, "STRING_TOO_LONG", ["LastName"]),
        ({"LastName": "x", "FirstName": "y" * 41}, "STRING_TOO_LONG", ["FirstName"]),
        ({"LastName": "x", "Email": "e" * 75 + "@x.com"}, "STRING_TOO_LONG", ["Email"]),
        ({"LastName": "x", "Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS", ["Email"]),
        ({"LastName": "x", "Name": "y"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Name"]),
        (
            {"LastName": "x", "AccountId": ids.make_id("001", 999999)},
            "INVALID_CROSS_REFERENCE_KEY",
            ["AccountId"],
        ),
        (
            {"LastName": "x", "AccountId": ids.make_id("003", 999999)},
            "FIELD_INTEGRITY_EXCEPTION",
            ["AccountId"],
        ),
        ({"LastName": "x", "AccountId": "bogus"}, "MALFORMED_ID", ["AccountId"]),
    ],
)
def test_invalid_records_fail_with_the_field_named(
    org: Org, data: dict[str, Any], code: str, fields: list[str]
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as error:
        org.sf.Contact.create(data)
    [item] = error.value.content
    assert item["errorCode"] == code and item["fields"] == fields


def test_unknown_fields_and_inactive_owners_are_rejected(org: Org) -> None:
    with pytest.raises(SalesforceMalformedRequest) as error:
        org.sf.Contact.create({"LastName": "x", "Shoe_Size__c": 44})
    assert error.value.content == [
        {
            "message": "No such column 'Shoe_Size__c' on sobject of type Contact",
            "errorCode": "INVALID_FIELD",
        }
    ]
    inactive = org.app.user_id("former.employee1@example.com.sf")
    with pytest.raises(SalesforceMalformedRequest) as error:
        org.sf.Contact.create({"LastName": "x", "OwnerId": inactive})
    assert error.value.content[0]["errorCode"] == "INACTIVE_OWNER_OR_USER"
    with pytest.raises(SalesforceMalformedRequest) as error:
        org.sf.Event.create(
            {"Subject": "s" * 256, "StartDateTime": "2026-01-01T00:00:00Z", "DurationInMinutes": 5}
        )
    assert error.value.content[0]["errorCode"] == "STRING_TOO_LONG"


def test_event_dates_are_derived_as_salesforce_does(org: Org) -> None:
    timed = org.sf.Event.create(
        {
            "Subject": "Call",
            "StartDateTime": "2026-03-01T23:30:00+01:00",
            "EndDateTime": "2026-03-02T00:15:00+01:00",
        }
    )
    row = org.sf.Event.get(timed["id"])
    assert row["StartDateTime"] == "2026-03-01T22:30:00.000+0000"
    assert row["DurationInMinutes"] == 45 and row["ShowAs"] == "Busy" and row["IsPrivate"] is False
    assert org.sf.Event.update(timed["id"], {"StartDateTime": "2026-03-05T10:00:00Z"}) == 204
    moved = org.sf.Event.get(timed["id"])
    assert moved["EndDateTime"] == "2026-03-05T10:45:00.000+0000"
    all_day = org.sf.Event.create(
        {
            "Subject": "Fair",
            "IsAllDayEvent": True,
            "ActivityDate": "2026-04-10",
            "DurationInMinutes": 2880,
        }
    )
    row = org.sf.Event.get(all_day["id"])
    assert (row["StartDateTime"], row["EndDateTime"], row["EndDate"]) == (
        "2026-04-10T00:00:00.000+0000", "2026-04-11T00:00:00.000+0000", "2026-04-11",
    )  # fmt: skip
    for data, code in [
        ({"Subject": "x", "StartDateTime": "2026-01-01T00:00:00Z"}, "REQUIRED_FIELD_MISSING"),
        ({"Subject": "x", "StartDateTime": "2026-01-01T00:00:00Z", "DurationInMinutes": 15 * 1440}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"Subject": "x", "StartDateTime": "2026-01-02T00:00:00Z", "EndDateTime": "2026-01-01T00:00:00Z"}, "FIELD_INTEGRITY_EXCEPTION"),
        ({"Subject": "x", "StartDateTime": "2026-01-01T00:00:00Z", "DurationInMinutes": 5, "ShowAs": "Tentative"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({"Subject": "x", "StartDateTime": "2026-01-01T00:00:00Z", "DurationInMinutes": 5, "IsRecurrence2": True}, "REQUIRED_FIELD_MISSING"),
    ]:  # fmt: skip
        with pytest.raises(SalesforceMalformedRequest) as error:
            org.sf.Event.create(data)
        assert error.value.content[0]["errorCode"] == code, data


def test_invitees_are_event_relations_and_go_with_their_event(org: Org) -> None:
    rows = org.sf.query_all(
        "SELECT EventId, RelationId, Relation.Email, Status FROM EventRelation WHERE IsInvitee = true"
    )["records"]
    assert rows and all(r["Relation"]["attributes"]["type"] == "Name" for r in rows)
    assert all(r["Relation"]["Email"] for r in rows)
    event_id = rows[0]["EventId"]
    count = sum(1 for r in rows if r["EventId"] == event_id)
    org.sf.Event.delete(event_id)
    soql = f"SELECT Id FROM EventRelation WHERE EventId = '{event_id}'"
    assert org.sf.query(soql)["totalSize"] == 0
    assert org.sf.query_all(soql, include_deleted=True)["totalSize"] == count
