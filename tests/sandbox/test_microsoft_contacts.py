from __future__ import annotations

from typing import Any

from tests.sandbox.test_microsoft_fixtures import ALICE, BOB, GHOST, Graph, error_code, graph

__all__ = ["graph"]

PROP = "String {66f5a359-4659-4830-9070-00040ec6ac6e} Name SalesforceId"


def _folder(graph: Graph, name: str = "Salesforce_Sync") -> str:
    created = graph.post(f"/users/{ALICE}/contactFolders", json={"displayName": name})
    assert created.status_code == 201
    return str(created.json()["id"])


def _contact(graph: Graph, folder: str, **fields: Any) -> dict[str, Any]:
    body = {"givenName": "Zoë", "surname": "Núñez", **fields}
    created = graph.post(f"/users/{ALICE}/contactFolders/{folder}/contacts", json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_a_folder_is_created_found_by_name_and_unique(graph: Graph) -> None:
    folder = _folder(graph)
    _folder(graph, "Other")
    found = graph.get(
        f"/users/{ALICE}/contactFolders", params={"$filter": "displayName eq 'Salesforce_Sync'"}
    ).json()["value"]
    assert [f["id"] for f in found] == [folder]
    again = graph.post(f"/users/{ALICE}/contactFolders", json={"displayName": "salesforce_sync"})
    assert again.status_code == 409
    assert error_code(again) == "ErrorFolderExists"


def test_contacts_are_created_read_updated_and_deleted(graph: Graph) -> None:
    folder = _folder(graph)
    contact = _contact(graph, folder, emailAddresses=[{"address": "zoe@acme.example"}])
    assert contact["displayName"] == "Zoë Núñez"
    assert contact["emailAddresses"] == [
        {"name": "zoe@acme.example", "address": "zoe@acme.example"}
    ]
    assert contact["@odata.etag"] == f'W/"{contact["changeKey"]}"'
    path = f"/users/{ALICE}/contacts/{contact['id']}"
    updated = graph.patch(path, json={"jobTitle": "CFO"})
    assert updated.status_code == 200
    assert updated.json()["jobTitle"] == "CFO"
    assert updated.json()["changeKey"] != contact["changeKey"]
    selected = graph.get(path, params={"$select": "givenName,jobTitle"}).json()
    assert set(selected) == {"@odata.etag", "id", "givenName", "jobTitle"}
    assert graph.delete(path).status_code == 204
    gone = graph.get(path)
    assert gone.status_code == 404
    assert error_code(gone) == "ErrorItemNotFound"
    assert error_code(graph.get(f"/users/{ALICE}/contacts/not-an-id")) == "ErrorInvalidIdMalformed"


def test_an_unknown_property_is_refused_like_graph(graph: Graph) -> None:
    folder = _folder(graph)
    refused = graph.post(
        f"/users/{ALICE}/contactFolders/{folder}/contacts", json={"FirstName": "x"}
    )
    assert refused.status_code == 400
    assert error_code(refused) == "RequestBodyRead"


def test_a_stale_if_match_gives_412(graph: Graph) -> None:
    folder = _folder(graph)
    contact = _contact(graph, folder)
    path = f"/users/{ALICE}/contacts/{contact['id']}"
    assert graph.patch(
        path, json={"jobTitle": "A"}, headers={"If-Match": contact["@odata.etag"]}
    ).ok
    stale = graph.patch(path, json={"jobTitle": "B"}, headers={"If-Match": contact["@odata.etag"]})
    assert stale.status_code == 412
    assert error_code(stale) == "ErrorIrresolvableConflict"
    assert graph.delete(path, headers={"If-Match": contact["@odata.etag"]}).status_code == 412


def test_contacts_page_with_top_and_next_link(graph: Graph) -> None:
    folder = _folder(graph)
    for i in range(7):
        _contact(graph, folder, surname=f"Person {i}")
    url = f"/users/{ALICE}/contactFolders/{folder}/contacts?$top=3&$select=surname"
    names: list[str] = []
    pages = 0
    while url:
        body = graph.get(url).json()
        names += [c["surname"] for c in body["value"]]
        url = body.get("@odata.nextLink", "")
        pages += 1
    assert pages == 3
    assert names == [f"Person {i}" for i in range(7)]


def test_the_default_page_is_ten_contacts(graph: Graph) -> None:
    folder = _folder(graph)
    for i in range(12):
        _contact(graph, folder, surname=str(i))
    first = graph.get(f"/users/{ALICE}/contactFolders/{folder}/contacts").json()
    assert len(first["value"]) == 10
    # Graph percent-encodes the dollar sign in the links it hands out.
    assert "%24skip=10" in first["@odata.nextLink"]


def test_delta_reports_new_changed_and_removed_contacts(graph: Graph) -> None:
    folder = _folder(graph)
    keep, drop = _contact(graph, folder), _contact(graph, folder, surname="Drop")
    first = graph.get(f"/users/{ALICE}/contactFolders/{folder}/contacts/delta").json()
    assert {c["id"] for c in first["value"]} == {keep["id"], drop["id"]}
    link = first["@odata.deltaLink"]
    assert graph.get(link).json()["value"] == []
    graph.patch(f"/users/{ALICE}/contacts/{keep['id']}", json={"jobTitle": "VP"})
    graph.delete(f"/users/{ALICE}/contacts/{drop['id']}")
    added = _contact(graph, folder, surname="New")
    second = graph.get(link).json()
    by_id = {c["id"]: c for c in second["value"]}
    assert by_id[keep["id"]]["jobTitle"] == "VP"
    assert by_id[drop["id"]] == {
        "@odata.type": "#microsoft.graph.contact",
        "id": drop["id"],
        "@removed": {"reason": "deleted"},
    }
    assert added["id"] in by_id
    assert "@odata.deltaLink" in second


def test_delta_pages_with_maxpagesize_and_next_links(graph: Graph) -> None:
    folder = _folder(graph)
    for i in range(5):
        _contact(graph, folder, surname=str(i))
    url = f"/users/{ALICE}/contactFolders/{folder}/contacts/delta"
    seen: list[str] = []
    while True:
        page = graph.get(url, headers={"Prefer": "odata.maxpagesize=2"})
        assert page.headers["Preference-Applied"] == "odata.maxpagesize=2"
        body = page.json()
        seen += [c["surname"] for c in body["value"]]
        if "@odata.deltaLink" in body:
            break
        url = body["@odata.nextLink"]
    assert seen == ["0", "1", "2", "3", "4"]


def test_an_expired_delta_token_answers_410_sync_state_not_found(graph: Graph) -> None:
    folder = _folder(graph)
    link = graph.get(f"/users/{ALICE}/contactFolders/{folder}/contacts/delta").json()[
        "@odata.deltaLink"
    ]
    graph.app.expire_cursors()
    stale = graph.get(link)
    assert stale.status_code == 410
    assert error_code(stale) == "SyncStateNotFound"
    graph.app.directory.gone_with_location = True
    link = graph.get(f"/users/{ALICE}/contactFolders/{folder}/contacts/delta").json()[
        "@odata.deltaLink"
    ]
    graph.app.inject("expire_cursor", route=r"graph\.contacts\.delta")
    gone = graph.get(link)
    assert gone.status_code == 410
    assert gone.headers["Location"].endswith("/contacts/delta?$deltatoken=")
    assert graph.get(gone.headers["Location"]).status_code == 200


def test_extended_properties_filter_and_expand(graph: Graph) -> None:
    folder = _folder(graph)
    tagged = _contact(
        graph, folder, singleValueExtendedProperties=[{"id": PROP, "value": "003A000001"}]
    )
    assert "singleValueExtendedProperties" not in tagged
    _contact(graph, folder, singleValueExtendedProperties=[{"id": PROP, "value": "003A000002"}])
    _contact(graph, folder)
    lowered = PROP.replace("66f5a359", "66F5A359")
    found = graph.get(
        f"/users/{ALICE}/contactFolders/{folder}/contacts",
        params={
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{lowered}' and ep/value eq '003A000001')",
            "$expand": f"singleValueExtendedProperties($filter=id eq '{PROP}')",
        },
    ).json()["value"]
    assert [c["id"] for c in found] == [tagged["id"]]
    assert found[0]["singleValueExtendedProperties"] == [{"id": PROP, "value": "003A000001"}]
    bad = graph.get(f"/users/{ALICE}/contacts", params={"$filter": "startswith(givenName,'Z')"})
    assert bad.status_code == 400
    assert error_code(bad) == "ErrorInvalidUrlQueryFilter"


def test_a_user_without_a_mailbox_answers_mailbox_not_enabled(graph: Graph) -> None:
    response = graph.get(f"/users/{GHOST}/contacts")
    assert response.status_code == 404
    assert error_code(response) == "MailboxNotEnabledForRESTAPI"
    assert graph.get(f"/users/{GHOST}").status_code == 200
    unknown = graph.get("/users/nobody@contoso.example/contacts")
    assert unknown.status_code == 404
    assert error_code(unknown) == "ErrorInvalidUser"
    assert error_code(graph.get("/users/nobody@contoso.example")) == "Request_ResourceNotFound"


def test_an_application_access_policy_blocks_one_mailbox(graph: Graph) -> None:
    graph.app.block_mailbox(BOB)
    blocked = graph.get(f"/users/{BOB}/events")
    assert blocked.status_code == 403
    assert error_code(blocked) == "ErrorAccessDenied"
    assert graph.get(f"/users/{ALICE}/events").status_code == 200


def test_mailboxes_are_addressed_by_id_or_upn(graph: Graph) -> None:
    user = graph.get(f"/users/{ALICE}").json()
    folder = _folder(graph)
    by_id = graph.get(f"/users/{user['id']}/contactFolders/{folder}/contacts")
    assert by_id.status_code == 200


def test_a_token_only_reaches_mailboxes_of_its_own_tenant(graph: Graph) -> None:
    graph.app.add_tenant("0d5e3c8a-9f2b-4e1d-8c7a-6b5a4f3e2d1c", ["fabrikam.example"])
    graph.app.add_mailbox("0d5e3c8a-9f2b-4e1d-8c7a-6b5a4f3e2d1c", "eve@fabrikam.example", "Eve")
    other = graph.get("/users/eve@fabrikam.example/contacts")
    assert other.status_code == 404
    assert error_code(other) == "ErrorInvalidUser"


def test_reseeding_the_company_invalidates_earlier_tokens(graph: Graph) -> None:
    graph.app.seed({"company": {"users": 2, "seed": 1}})
    response = graph.get(f"/users/{ALICE}/contacts")
    assert response.status_code == 401
    assert error_code(response) == "InvalidAuthenticationToken"


def test_a_malformed_body_answers_400_not_a_crash(graph: Graph) -> None:
    folder = _folder(graph)
    response = graph.post(
        f"/users/{ALICE}/contactFolders/{folder}/contacts", json={"emailAddresses": ["a@b.c"]}
    )
    assert response.status_code == 400
    assert error_code(response) == "BadRequest"


def test_delta_replays_repeat_last_rounds_items_when_switched_on(graph: Graph) -> None:
    folder = _folder(graph)
    graph.app.directory.delta_replays = True
    first = _contact(graph, folder)
    link = graph.get(f"/users/{ALICE}/contactFolders/{folder}/contacts/delta").json()[
        "@odata.deltaLink"
    ]
    graph.patch(f"/users/{ALICE}/contacts/{first['id']}", json={"jobTitle": "CEO"})
    changed = graph.get(link).json()
    assert [c["jobTitle"] for c in changed["value"]] == ["CEO"]
    replayed = graph.get(changed["@odata.deltaLink"]).json()
    assert [c["id"] for c in replayed["value"]] == [first["id"]]
    assert graph.get(replayed["@odata.deltaLink"]).json()["value"] == []


def test_folders_are_renamed_and_the_default_folder_has_a_delta_too(graph: Graph) -> None:
    folder = _folder(graph)
    renamed = graph.patch(f"/users/{ALICE}/contactFolders/{folder}", json={"displayName": "Sf"})
    assert renamed.json()["displayName"] == "Sf"
    graph.post(f"/users/{ALICE}/contacts", json={"givenName": "Renée"})
    default = graph.get(f"/users/{ALICE}/contacts/delta").json()
    assert [c["givenName"] for c in default["value"]] == ["Renée"]
