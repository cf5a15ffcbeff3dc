from __future__ import annotations

import time
from typing import Any

import msal
import pytest
import requests

from sandbox.company import make_company
from sandbox.inprocess import WSGIAdapter
from sandbox.microsoft.app import MicrosoftEmulator
from tests.sandbox.test_microsoft_fixtures import (
    ALICE,
    BASE,
    SCOPE,
    Graph,
    error_code,
    graph,
)

__all__ = ["graph"]


def _folder(graph: Graph) -> str:
    return str(
        graph.post(f"/users/{ALICE}/contactFolders", json={"displayName": "Sync"}).json()["id"]
    )


def _create(step: str, folder: str, surname: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": step,
        "method": "POST",
        "url": f"/users/{ALICE}/contactFolders/{folder}/contacts",
        "headers": {"Content-Type": "application/json"},
        "body": {"givenName": "Ana", "surname": surname},
        **extra,
    }


def _batch(graph: Graph, steps: list[dict[str, Any]]) -> requests.Response:
    return graph.post("/$batch", json={"requests": steps})


def test_a_batch_runs_dependent_requests_in_order(graph: Graph) -> None:
    folder = _folder(graph)
    steps = [
        _create("1", folder, "García"),
        _create("2", folder, "Müller", dependsOn=["1"]),
        {
            "id": "3",
            "method": "GET",
            "url": f"/users/{ALICE}/contactFolders/{folder}/contacts?$select=surname",
            "dependsOn": ["2"],
        },
    ]
    response = _batch(graph, steps)
    assert response.status_code == 200
    by_id = {r["id"]: r for r in response.json()["responses"]}
    assert by_id["1"]["status"] == 201 and by_id["2"]["status"] == 201
    assert [c["surname"] for c in by_id["3"]["body"]["value"]] == ["García", "Müller"]


def test_a_failed_dependency_answers_424(graph: Graph) -> None:
    folder = _folder(graph)
    steps = [
        {
            "id": "a",
            "method": "PATCH",
            "url": f"/users/{ALICE}/contacts/AAMkAAAAmissingmissingmissingmissingmissingmissing",
            "headers": {"Content-Type": "application/json"},
            "body": {"jobTitle": "x"},
        },
        _create("b", folder, "Rossi", dependsOn=["a"]),
    ]
    by_id = {r["id"]: r for r in _batch(graph, steps).json()["responses"]}
    assert by_id["a"]["status"] == 404
    assert by_id["a"]["body"]["error"]["code"] == "ErrorItemNotFound"
    assert by_id["b"]["status"] == 424
    assert graph.get(f"/users/{ALICE}/contactFolders/{folder}/contacts").json()["value"] == []


def test_more_than_twenty_requests_or_duplicate_ids_fail_the_whole_batch(graph: Graph) -> None:
    folder = _folder(graph)
    too_many = _batch(graph, [_create(str(i), folder, str(i)) for i in range(21)])
    assert too_many.status_code == 400
    assert error_code(too_many) == "BadRequest"
    duplicate = _batch(graph, [_create("x", folder, "1"), _create("X", folder, "2")])
    assert duplicate.status_code == 400
    assert graph.get(f"/users/{ALICE}/contactFolders/{folder}/contacts").json()["value"] == []
    twenty = _batch(graph, [_create(str(i), folder, str(i)) for i in range(20)])
    assert {r["status"] for r in twenty.json()["responses"]} == {201}


def test_a_throttled_batch_item_carries_its_own_retry_after(graph: Graph) -> None:
    folder = _folder(graph)
    graph.app.inject("429", route=r"graph\.contacts\.create", retry_after=9)
    response = _batch(graph, [_create("1", folder, "A"), _create("2", folder, "B")])
    assert response.status_code == 200
    by_id = {r["id"]: r for r in response.json()["responses"]}
    assert by_id["1"]["status"] == 429
    assert by_id["1"]["headers"]["Retry-After"] == "9"
    assert by_id["1"]["body"]["error"]["code"] == "TooManyRequests"
    assert by_id["2"]["status"] == 201


def test_parallel_steps_past_the_mailbox_concurrency_limit_are_throttled(graph: Graph) -> None:
    folder = _folder(graph)
    graph.app.directory.mailbox_concurrency = 4
    parallel = _batch(graph, [_create(str(i), folder, str(i)) for i in range(6)]).json()[
        "responses"
    ]
    statuses = {r["id"]: r["status"] for r in parallel}
    assert statuses == {"0": 201, "1": 201, "2": 201, "3": 201, "4": 429, "5": 429}
    throttled = next(r for r in parallel if r["status"] == 429)
    assert throttled["body"]["error"]["code"] == "ApplicationThrottled"
    assert "Retry-After" in throttled["headers"]
    chained = [_create("0", folder, "a")] + [
        _create(str(i), folder, str(i), dependsOn=[str(i - 1)]) for i in range(1, 6)
    ]
    assert {r["status"] for r in _batch(graph, chained).json()["responses"]} == {201}


def test_a_fault_on_the_batch_route_throttles_the_whole_envelope(graph: Graph) -> None:
    folder = _folder(graph)
    graph.app.inject("429", route=r"graph\.batch", retry_after=5)
    response = _batch(graph, [_create("1", folder, "A")])
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "5"
    assert graph.get(f"/users/{ALICE}/contactFolders/{folder}/contacts").json()["value"] == []


def test_a_body_without_content_type_is_refused_per_item(graph: Graph) -> None:
    folder = _folder(graph)
    step = _create("1", folder, "A")
    del step["headers"]
    item = _batch(graph, [step]).json()["responses"][0]
    assert item["status"] == 400


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("429", 429, "TooManyRequests"),
        ("500", 500, "ErrorInternalServerError"),
        ("503", 503, "ServiceNotAvailable"),
    ],
)
def test_injected_faults_use_graphs_error_shape(
    graph: Graph, kind: str, status: int, code: str
) -> None:
    graph.app.inject(kind, route=r"graph\.events\.list", retry_after=4)
    response = graph.get(f"/users/{ALICE}/events")
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert {"date", "request-id", "client-request-id"} <= set(error["innerError"])
    if status in (429, 503):
        assert response.headers["Retry-After"] == "4"
    assert graph.get(f"/users/{ALICE}/events").status_code == 200


def test_a_reset_surfaces_as_a_connection_error(graph: Graph) -> None:
    graph.app.inject("reset", route=r"graph\.contacts\.list")
    with pytest.raises(requests.exceptions.ConnectionError):
        graph.get(f"/users/{ALICE}/contacts")


def test_slow_responses_and_latency_trip_client_timeouts(graph: Graph) -> None:
    graph.app.inject("slow", route=r"graph\.users\.get", delay=0.05)
    started = time.monotonic()
    assert graph.get(f"/users/{ALICE}").status_code == 200
    assert time.monotonic() - started >= 0.05
    graph.app.set_latency(r"graph\.events\..*", 0.03)
    started = time.monotonic()
    graph.get(f"/users/{ALICE}/events")
    assert time.monotonic() - started >= 0.03


def test_an_unknown_segment_answers_like_graph(graph: Graph) -> None:
    response = graph.get(f"/users/{ALICE}/notebooks")
    assert response.status_code == 400
    assert error_code(response) == "BadRequest"


def test_the_company_seed_builds_a_tenant_the_demo_app_can_use() -> None:
    app = MicrosoftEmulator(seed=3)
    session = requests.Session()
    session.trust_env = False
    session.mount(BASE, WSGIAdapter(app))
    payload = {
        "company": {"users": 4, "seed": 5},
        "app": {"client_id": "demo-app", "client_secret": "demo"},
    }
    summary = session.post(f"{BASE}/_control/seed", json=payload).json()
    again = MicrosoftEmulator(seed=3).seed(payload)
    assert summary["tenant_id"] == again["tenant_id"]
    company = make_company(4, 5)
    assert summary["mailboxes"] == [u.email for u in company.users]
    client = msal.ConfidentialClientApplication(
        "demo-app", client_credential="demo", authority=f"{BASE}/{summary['tenant_id']}",
        instance_discovery=False, validate_authority=False, http_client=session,
    )  # fmt: skip
    assert client.acquire_token_for_client(scopes=SCOPE)["error_codes"] == [700016]
    session.post(f"{BASE}/_control/seed", json={"consent": True})
    # msal replays an identical HTTP 400 from its own cache for 60 s: a fresh app is needed.
    assert client.acquire_token_for_client(scopes=SCOPE)["error_codes"] == [700016]
    client = msal.ConfidentialClientApplication(
        "demo-app", client_credential="demo", authority=f"{BASE}/{summary['tenant_id']}",
        instance_discovery=False, validate_authority=False, http_client=session,
    )  # fmt: skip
    token = client.acquire_token_for_client(scopes=SCOPE)["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    user = company.users[0].email
    contacts = session.get(f"{BASE}/v1.0/users/{user}/contacts?$top=50", headers=headers).json()[
        "value"
    ]
    assert len(contacts) == 6
    assert any(not c["surname"].isascii() or not c["givenName"].isascii() for c in contacts)
    events = session.get(f"{BASE}/v1.0/users/{user}/events?$top=50", headers=headers).json()[
        "value"
    ]
    assert {e["type"] for e in events} == {"singleInstance", "seriesMaster"}
    assert any(e["isAllDay"] for e in events) and any(e["sensitivity"] == "private" for e in events)
    assert any(e["originalStartTimeZone"].endswith("Standard Time") for e in events)
    master = next(e for e in events if e["type"] == "seriesMaster")
    start = master["start"]["dateTime"][:10]
    view = session.get(
        f"{BASE}/v1.0/users/{user}/events/{master['id']}/instances",
        params={
            "startDateTime": f"{start}T00:00:00Z",
            "endDateTime": "2099-01-01T00:00:00Z",
            "$top": "50",
        },
        headers=headers,
    ).json()["value"]
    assert len(view) == 9  # ten weekly occurrences, one cancelled
    assert [v["type"] for v in view].count("exception") == 1
    assert app.invitations(user) == []
    lost = session.get(f"{BASE}/v1.0/users/{summary['without_mailbox']}/events", headers=headers)
    assert lost.json()["error"]["code"] == "MailboxNotEnabledForRESTAPI"
    state = session.get(f"{BASE}/_control/state").json()
    assert state["tenants"][0]["consents"]["demo-app"]


def test_product_env_points_at_login_and_graph() -> None:
    assert MicrosoftEmulator.product_env("https://127.0.0.1:8442") == {
        "LSYNC_MICROSOFT_LOGIN_URL": "https://127.0.0.1:8442",
        "LSYNC_GRAPH_URL": "https://127.0.0.1:8442/v1.0",
    }
