"""People API v1 contacts and contact groups, driven through google-auth's AuthorizedSession;
every response is checked against people.v1's discovery document."""

from __future__ import annotations

from typing import Any

import pytest
from google.auth.transport.requests import AuthorizedSession

from tests.sandbox.test_google_schema import BASE, Rig, validate

V1 = f"{BASE}/v1"
FIELDS = "names,emailAddresses,memberships,clientData,metadata"


@pytest.fixture
def rig() -> Rig:
    return Rig()


@pytest.fixture
def api(rig: Rig) -> AuthorizedSession:
    return rig.authed()


def _list(api: AuthorizedSession, **params: Any) -> dict[str, Any]:
    response = api.get(f"{V1}/people/me/connections", params={"personFields": FIELDS, **params})
    assert response.status_code == 200, response.text
    return dict(validate("people.people.connections.list", response.json()))


def _full_sync(api: AuthorizedSession, page_size: int = 4) -> tuple[list[dict[str, Any]], str]:
    people: list[dict[str, Any]] = []
    params: dict[str, Any] = {"pageSize": page_size, "requestSyncToken": "true"}
    while True:
        page = _list(api, **params)
        people += page.get("connections", [])
        if "nextPageToken" not in page:
            return people, page["nextSyncToken"]
        assert "nextSyncToken" not in page
        params["pageToken"] = page["nextPageToken"]


def _create(api: AuthorizedSession, **person: Any) -> dict[str, Any]:
    body = {"names": [{"givenName": "Zoë", "familyName": "Núñez"}],
            "emailAddresses": [{"value": "zoe@acme.example", "type": "work"}], **person}  # fmt: skip
    response = api.post(f"{V1}/people:createContact", params={"personFields": FIELDS}, json=body)
    assert response.status_code == 200, response.text
    return dict(validate("people.people.createContact", response.json()))


def test_a_full_sync_pages_through_every_seeded_contact(rig: Rig, api: AuthorizedSession) -> None:
    people, token = _full_sync(api)
    assert len(people) == len(rig.emu.contacts(rig.user)) >= 8
    assert len({p["resourceName"] for p in people}) == len(people)
    assert token
    assert all(p["names"][0]["displayName"] for p in people)


def test_incremental_sync_returns_changes_and_deleted_contacts(api: AuthorizedSession) -> None:
    people, token = _full_sync(api)
    created = _create(api, clientData=[{"key": "sfId", "value": "0035g00000AbCdE"}])
    gone = people[0]["resourceName"]
    assert (
        validate("people.people.deleteContact", api.delete(f"{V1}/{gone}:deleteContact").json())
        == {}
    )
    changes = _list(api, syncToken=token, requestSyncToken="true")
    by_name = {p["resourceName"]: p for p in changes["connections"]}
    assert set(by_name) == {created["resourceName"], gone}
    assert by_name[gone]["metadata"]["deleted"] is True
    assert by_name[created["resourceName"]]["clientData"][0]["value"] == "0035g00000AbCdE"
    quiet = _list(api, syncToken=changes["nextSyncToken"], requestSyncToken="true")
    assert "connections" not in quiet and quiet["nextSyncToken"]


def _expired(response: Any) -> None:
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "FAILED_PRECONDITION"
    assert error["message"] == (
        "Sync token is expired. Clear local cache and retry call without the sync token."
    )
    assert error["details"][0]["reason"] == "EXPIRED_SYNC_TOKEN"


def test_expired_cursors_and_week_old_tokens_fail_with_expired_sync_token(
    rig: Rig, api: AuthorizedSession
) -> None:
    _people, token = _full_sync(api)
    rig.emu.expire_cursors()
    params = {"personFields": FIELDS, "syncToken": token, "requestSyncToken": "true"}
    _expired(api.get(f"{V1}/people/me/connections", params=params))
    _people, token = _full_sync(api)
    rig.emu.clock.advance(8 * 86400)
    params["syncToken"] = token
    _expired(api.get(f"{V1}/people/me/connections", params=params))


def test_person_fields_is_required_and_checked(api: AuthorizedSession) -> None:
    missing = api.get(f"{V1}/people/me/connections")
    assert missing.status_code == 400 and missing.json()["error"]["status"] == "INVALID_ARGUMENT"
    bad = api.get(f"{V1}/people/me/connections", params={"personFields": "names,shoeSize"})
    assert "Invalid personFields mask path" in bad.json()["error"]["message"]


def test_update_needs_the_current_etag(api: AuthorizedSession) -> None:
    person = _create(api)
    url = f"{V1}/{person['resourceName']}:updateContact"
    body = {"etag": person["etag"], "names": [{"givenName": "Zoé", "familyName": "Núñez"}]}
    fresh = api.patch(
        url, params={"updatePersonFields": "names", "personFields": FIELDS}, json=body
    )
    assert fresh.status_code == 200
    updated = validate("people.people.updateContact", fresh.json())
    assert updated["names"][0]["givenName"] == "Zoé" and updated["etag"] != person["etag"]
    assert updated["emailAddresses"][0]["value"] == "zoe@acme.example"
    stale = api.patch(url, params={"updatePersonFields": "names"}, json=body)
    assert stale.status_code == 400
    assert stale.json()["error"]["status"] == "FAILED_PRECONDITION"
    missing = api.patch(url, params={"updatePersonFields": "names"}, json={"names": []})
    assert missing.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_update_person_fields_replaces_and_clears_only_the_named_fields(
    api: AuthorizedSession,
) -> None:
    person = _create(api, clientData=[{"key": "sfId", "value": "003A"}])
    url = f"{V1}/{person['resourceName']}:updateContact"
    body = {"etag": person["etag"], "names": [{"givenName": "Other"}]}
    answer = api.patch(url, params={"updatePersonFields": "emailAddresses,clientData"}, json=body)
    result = validate("people.people.updateContact", answer.json())
    assert result["names"][0]["givenName"] == "Zoë"
    assert "emailAddresses" not in result and "clientData" not in result


def test_deleting_an_unknown_contact_is_not_found(api: AuthorizedSession) -> None:
    answer = api.delete(f"{V1}/people/c123:deleteContact")
    assert answer.status_code == 404 and answer.json()["error"]["status"] == "NOT_FOUND"


def test_contact_groups_create_list_duplicate_and_membership(
    rig: Rig, api: AuthorizedSession
) -> None:
    created = api.post(f"{V1}/contactGroups", json={"contactGroup": {"name": "Salesforce_Sync"}})
    group = validate("people.contactGroups.create", created.json())
    assert group["groupType"] == "USER_CONTACT_GROUP" and group["name"] == "Salesforce_Sync"
    again = api.post(f"{V1}/contactGroups", json={"contactGroup": {"name": "Salesforce_Sync"}})
    assert again.status_code == 409 and again.json()["error"]["status"] == "ALREADY_EXISTS"
    listed = validate("people.contactGroups.list", api.get(f"{V1}/contactGroups").json())
    names = {g["name"] for g in listed["contactGroups"]}
    assert {"Salesforce_Sync", "Clients", "myContacts"} <= names
    person = _create(api)
    modify = api.post(
        f"{V1}/{group['resourceName']}/members:modify",
        json={"resourceNamesToAdd": [person["resourceName"], "people/c1"]},
    )
    answer = validate("people.contactGroups.members.modify", modify.json())
    assert answer == {"notFoundResourceNames": ["people/c1"]}
    got = api.get(f"{V1}/{group['resourceName']}", params={"maxMembers": 10}).json()
    assert validate("people.contactGroups.get", got)["memberResourceNames"] == [
        person["resourceName"]
    ]
    member = api.get(
        f"{V1}/{person['resourceName']}", params={"personFields": "memberships"}
    ).json()
    groups = {
        m["contactGroupMembership"]["contactGroupResourceName"]
        for m in validate("people.people.get", member)["memberships"]
    }
    assert groups == {"contactGroups/myContacts", group["resourceName"]}


def test_creating_into_a_missing_group_is_rejected(api: AuthorizedSession) -> None:
    body = {
        "memberships": [
            {"contactGroupMembership": {"contactGroupResourceName": "contactGroups/nope"}}
        ]
    }
    answer = api.post(f"{V1}/people:createContact", json=body)
    assert answer.status_code == 400 and answer.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_a_contact_takes_one_name_only(api: AuthorizedSession) -> None:
    body = {"names": [{"givenName": "A"}, {"givenName": "B"}]}
    assert api.post(f"{V1}/people:createContact", json=body).status_code == 400


def test_batch_create_update_and_delete(rig: Rig, api: AuthorizedSession) -> None:
    contacts = [{"contactPerson": {"names": [{"givenName": f"Ségolène {i}"}],
                                   "clientData": [{"key": "sfId", "value": f"003{i:012d}"}]}}
                for i in range(3)]  # fmt: skip
    created = api.post(f"{V1}/people:batchCreateContacts",
                       json={"contacts": contacts, "readMask": "names,clientData"})  # fmt: skip
    people = [
        r["person"]
        for r in validate("people.people.batchCreateContacts", created.json())["createdPeople"]
    ]
    assert [p["clientData"][0]["value"] for p in people] == [f"003{i:012d}" for i in range(3)]
    updates = {
        p["resourceName"]: {"etag": p["etag"], "names": [{"givenName": "Renée"}]} for p in people
    }
    answer = api.post(f"{V1}/people:batchUpdateContacts",
                      json={"contacts": updates, "updateMask": "names", "readMask": "names"})  # fmt: skip
    result = validate("people.people.batchUpdateContacts", answer.json())["updateResult"]
    assert {r["person"]["names"][0]["givenName"] for r in result.values()} == {"Renée"}
    stale = api.post(f"{V1}/people:batchUpdateContacts",
                     json={"contacts": updates, "updateMask": "names", "readMask": "names"})  # fmt: skip
    assert stale.status_code == 400 and stale.json()["error"]["status"] == "FAILED_PRECONDITION"
    names = [p["resourceName"] for p in people]
    deleted = api.post(f"{V1}/people:batchDeleteContacts", json={"resourceNames": names})
    assert validate("people.people.batchDeleteContacts", deleted.json()) == {}
    assert not {c["resourceName"] for c in rig.emu.contacts(rig.user)} & set(names)


def test_batch_limits_are_200_writes_and_500_deletes(api: AuthorizedSession) -> None:
    contacts = [{"contactPerson": {"names": [{"givenName": "x"}]}}] * 201
    too_many = api.post(
        f"{V1}/people:batchCreateContacts", json={"contacts": contacts, "readMask": "names"}
    )
    assert too_many.status_code == 400 and too_many.json()["error"]["status"] == "INVALID_ARGUMENT"
    names = [f"people/c{i}" for i in range(501)]
    assert (
        api.post(f"{V1}/people:batchDeleteContacts", json={"resourceNames": names}).status_code
        == 400
    )
    missing_mask = api.post(f"{V1}/people:batchCreateContacts", json={"contacts": contacts[:1]})
    assert missing_mask.status_code == 400


def test_batch_get_reports_missing_people_per_item(api: AuthorizedSession) -> None:
    person = _create(api)
    answer = api.get(
        f"{V1}/people:batchGet",
        params={"resourceNames": [person["resourceName"], "people/c9"], "personFields": "names"},
    )
    responses = validate("people.people.getBatchGet", answer.json())["responses"]
    assert [r["httpStatusCode"] for r in responses] == [200, 404]


def test_each_user_sees_only_their_own_contacts(rig: Rig) -> None:
    mine = _full_sync(rig.authed())[0]
    theirs = _full_sync(rig.authed(subject=rig.other))[0]
    assert not {p["resourceName"] for p in mine} & {p["resourceName"] for p in theirs}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"emailAddresses": [{"value": "a@b.example", "label": "work"}]},
            "Invalid JSON payload received. Unknown name \"label\" at 'person.email_addresses[0]': "
            "Cannot find field.",
        ),
        (
            {"names": [{"givenName": {"text": "Zoë"}}]},
            'Invalid value at \'person.names[0].given_name\' (TYPE_STRING), {"text": "Zoë"}',
        ),
        (
            {"clientData": {"key": "sfId"}},
            'Invalid value at \'person.client_data\' (TYPE_MESSAGE), {"key": "sfId"}',
        ),
    ],
)
def test_unknown_or_mistyped_fields_are_rejected_like_googles_front_end(
    api: AuthorizedSession, body: dict[str, Any], message: str
) -> None:
    answer = api.post(f"{V1}/people:createContact", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}


def test_with_a_sync_lag_writes_reach_connections_list_late_but_get_at_once(
    rig: Rig, api: AuthorizedSession
) -> None:
    _people, token = _full_sync(api)
    rig.emu.people_sync_lag = 120
    existing = rig.emu.contacts(rig.user)[0]
    created = _create(api)
    body = {"etag": existing["etag"], "names": [{"givenName": "Håkon"}]}
    api.patch(
        f"{V1}/{existing['resourceName']}:updateContact",
        params={"updatePersonFields": "names"},
        json=body,
    )
    got = api.get(f"{V1}/{created['resourceName']}", params={"personFields": "names"})
    assert got.status_code == 200
    listed = {p["resourceName"]: p for p in _full_sync(api)[0]}
    assert created["resourceName"] not in listed
    assert listed[existing["resourceName"]]["names"][0]["givenName"] != "Håkon"
    early = _list(api, syncToken=token, requestSyncToken="true")
    assert "connections" not in early
    rig.emu.clock.advance(121)
    late = _list(api, syncToken=early["nextSyncToken"], requestSyncToken="true")
    names = {p["resourceName"]: p for p in late["connections"]}
    assert set(names) == {created["resourceName"], existing["resourceName"]}
    assert names[existing["resourceName"]]["names"][0]["givenName"] == "Håkon"


def test_renaming_a_group_checks_its_etag_and_the_name(api: AuthorizedSession) -> None:
    group = api.post(
        f"{V1}/contactGroups", json={"contactGroup": {"name": "Salesforce_Sync"}}
    ).json()
    url = f"{V1}/{group['resourceName']}"
    renamed = api.put(
        url, json={"contactGroup": {"name": "Salesforce Sync", "etag": group["etag"]}}
    )
    assert validate("people.contactGroups.update", renamed.json())["name"] == "Salesforce Sync"
    stale = api.put(url, json={"contactGroup": {"name": "Other", "etag": group["etag"]}})
    assert stale.status_code == 400 and stale.json()["error"]["status"] == "FAILED_PRECONDITION"
    clash = api.put(url, json={"contactGroup": {"name": "Clients"}})
    assert clash.status_code == 409
    system = api.put(f"{V1}/contactGroups/myContacts", json={"contactGroup": {"name": "x"}})
    assert system.status_code == 403
