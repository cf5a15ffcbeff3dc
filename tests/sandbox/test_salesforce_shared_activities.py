"""The Salesforce emulator's Shared Activities setting, through simple-salesforce: with it, an
event is related to up to 50 contacts or one lead (EventRelation IsParent, EventWhoRelation,
WhoCount, WhoId as the primary); without it, those fields and the object do not exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import connect_in_process, make_certificate

KEY = "3MVG9lsync.shared"
START = datetime(2026, 5, 4, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return make_certificate()


def make_org(keys: tuple[str, str], shared: bool) -> tuple[SalesforceEmulator, Any]:
    app = SalesforceEmulator(seed=3)
    app.seed({"settings": {"shared_activities": shared}})
    app.add_user("sync@acme.sf", "sync@acme.example", "Sync", "User")
    return app, connect_in_process(app, keys, KEY, "sync@acme.sf")


@pytest.fixture
def shared(keys: tuple[str, str]) -> tuple[SalesforceEmulator, Any]:
    return make_org(keys, True)


@pytest.fixture
def plain(keys: tuple[str, str]) -> tuple[SalesforceEmulator, Any]:
    return make_org(keys, False)


def event(sf: Any, **fields: Any) -> str:
    body = {"Subject": "Call", "StartDateTime": START.isoformat(),
            "EndDateTime": (START + timedelta(hours=1)).isoformat(), **fields}  # fmt: skip
    return str(sf.Event.create(body)["id"])


def contacts(sf: Any, n: int, account: str | None = None) -> list[str]:
    extra = {"AccountId": account} if account else {}
    return [str(sf.Contact.create({"LastName": f"C{i}", **extra})["id"]) for i in range(n)]


def relate(sf: Any, event_id: str, person: str, **flags: Any) -> dict[str, Any]:
    fields = {"IsParent": True, "IsInvitee": False, **flags}
    return dict(sf.EventRelation.create({"EventId": event_id, "RelationId": person, **fields}))


def whos(sf: Any, event_id: str) -> list[tuple[str, str]]:
    soql = f"SELECT RelationId, Type FROM EventWhoRelation WHERE EventId = '{event_id}' ORDER BY Id"
    return [(r["RelationId"], r["Type"]) for r in sf.query(soql)["records"]]


def test_an_event_is_related_to_several_contacts_and_who_id_is_the_first(
    shared: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = shared
    acme = str(sf.Account.create({"Name": "Acme"})["id"])
    one, two, three = contacts(sf, 3, acme)
    meeting = event(sf)
    for person in (one, two, three):
        relate(sf, meeting, person)
    assert whos(sf, meeting) == [(one, "Contact"), (two, "Contact"), (three, "Contact")]
    row = sf.Event.get(meeting)
    assert (row["WhoId"], row["WhoCount"], row["AccountId"]) == (one, 3, acme)
    # The EventRelation rows of relations are no invitees.
    soql = f"SELECT RelationId, IsParent, IsInvitee FROM EventRelation WHERE EventId = '{meeting}'"
    assert {(r["IsParent"], r["IsInvitee"]) for r in sf.query(soql)["records"]} == {(True, False)}


def test_setting_who_id_relates_the_person_and_replaces_the_previous_primary(
    shared: tuple[SalesforceEmulator, Any],
) -> None:
    _app, sf = shared
    one, two = contacts(sf, 2)
    meeting = event(sf, WhoId=one)
    assert whos(sf, meeting) == [(one, "Contact")]
    sf.Event.update(meeting, {"WhoId": two})
    assert whos(sf, meeting) == [(two, "Contact")]
    assert sf.Event.get(meeting)["WhoCount"] == 1


def test_removing_the_primary_relation_promotes_the_next_one(
    shared: tuple[SalesforceEmulator, Any],
) -> None:
    _app, sf = shared
    one, two = contacts(sf, 2)
    meeting = event(sf, WhoId=one)
    relate(sf, meeting, two)
    (primary,) = sf.query(
        f"SELECT Id FROM EventRelation WHERE EventId = '{meeting}' AND RelationId = '{one}'"
    )["records"]
    sf.EventRelation.delete(primary["Id"])
    row = sf.Event.get(meeting)
    assert (row["WhoId"], row["WhoCount"]) == (two, 1)


def test_an_invitee_who_is_also_related_is_one_row_with_both_flags(
    shared: tuple[SalesforceEmulator, Any],
) -> None:
    _app, sf = shared
    (one,) = contacts(sf, 1)
    meeting = event(sf)
    created = relate(sf, meeting, one, IsInvitee=True, Status="New")
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.EventRelation.create({"EventId": meeting, "RelationId": one, "IsInvitee": True})
    assert caught.value.content[0]["errorCode"] == "DUPLICATE_VALUE"
    # Un-relating keeps the invitee; the event loses its Name.
    sf.EventRelation.update(created["id"], {"IsParent": False})
    assert whos(sf, meeting) == [] and sf.Event.get(meeting)["WhoId"] is None


def test_a_row_naming_neither_flag_is_an_invitee(shared: tuple[SalesforceEmulator, Any]) -> None:
    _app, sf = shared
    (one,) = contacts(sf, 1)
    meeting = event(sf)
    made = sf.EventRelation.create({"EventId": meeting, "RelationId": one})
    row = sf.EventRelation.get(made["id"])
    assert (row["IsInvitee"], row["IsParent"]) == (True, False)


@pytest.mark.parametrize("case", ["51 contacts", "a lead with contacts", "a user"])
def test_relations_salesforce_refuses(shared: tuple[SalesforceEmulator, Any], case: str) -> None:
    app, sf = shared
    meeting = event(sf)
    if case == "51 contacts":
        for person in contacts(sf, 50):
            relate(sf, meeting, person)
        extra = contacts(sf, 1)[0]
    elif case == "a lead with contacts":
        relate(sf, meeting, contacts(sf, 1)[0])
        extra = str(sf.Lead.create({"LastName": "L", "Company": "P"})["id"])
    else:
        extra = app.user_id("sync@acme.sf")
    with pytest.raises(SalesforceMalformedRequest) as caught:
        relate(sf, meeting, extra)
    assert caught.value.content[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_collections_report_a_refused_relation_per_record(
    shared: tuple[SalesforceEmulator, Any],
) -> None:
    _app, sf = shared
    meeting = event(sf)
    lead = str(sf.Lead.create({"LastName": "L", "Company": "P"})["id"])
    (one,) = contacts(sf, 1)
    rows = [{"attributes": {"type": "EventRelation"}, "EventId": meeting, "RelationId": person,
             "IsParent": True, "IsInvitee": False} for person in (one, lead)]  # fmt: skip
    answer = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": False, "records": rows}
    )
    assert [r["success"] for r in answer] == [True, False]
    assert answer[1]["errors"][0]["statusCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_event_who_relation_is_read_only(shared: tuple[SalesforceEmulator, Any]) -> None:
    _app, sf = shared
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.EventWhoRelation.create({"EventId": event(sf)})
    assert caught.value.content[0]["errorCode"] == "INVALID_TYPE_FOR_OPERATION"


def test_describe_shows_who_count_and_event_who_relation_only_with_shared_activities(
    shared: tuple[SalesforceEmulator, Any], plain: tuple[SalesforceEmulator, Any]
) -> None:
    for (_app, sf), on in ((shared, True), (plain, False)):
        names = {f["name"] for f in sf.Event.describe()["fields"]}
        assert ("WhoCount" in names) is on
        relation = {f["name"] for f in sf.EventRelation.describe()["fields"]}
        assert ("IsParent" in relation) is on
        listed = {o["name"] for o in sf.describe()["sobjects"]}
        assert ("EventWhoRelation" in listed) is on


def test_without_shared_activities_is_parent_and_event_who_relation_do_not_exist(
    plain: tuple[SalesforceEmulator, Any],
) -> None:
    _app, sf = plain
    (one,) = contacts(sf, 1)
    meeting = event(sf, WhoId=one)
    with pytest.raises(SalesforceMalformedRequest) as caught:
        relate(sf, meeting, one)
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert "IsParent" in caught.value.content[0]["message"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(f"SELECT Id FROM EventWhoRelation WHERE EventId = '{meeting}'")
    assert caught.value.content[0]["errorCode"] == "INVALID_TYPE"
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query("SELECT Id FROM EventRelation WHERE IsParent = true")
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceResourceNotFound):
        sf.EventWhoRelation.describe()
    # Invitees work as before, and WhoId is one contact, with no relation rows.
    sf.EventRelation.create({"EventId": meeting, "RelationId": one, "IsInvitee": True})
    assert (
        sf.query(f"SELECT COUNT() FROM EventRelation WHERE EventId = '{meeting}'")["totalSize"] == 1
    )


def test_a_seeded_company_can_have_shared_activities(keys: tuple[str, str]) -> None:
    app = SalesforceEmulator(seed=3)
    app.seed({"company": {"users": 1, "seed": 2, "shared_activities": True}})
    related = [r for r in app.store.live("EventRelation") if r["IsParent"]]
    assert related and all(
        app.record(r["EventId"])["WhoId"] == r["RelationId"]  # type: ignore[index]
        for r in related
    )
