from __future__ import annotations

from collections import Counter
from typing import Any

import requests

from sandbox import registry
from sandbox.company import make_company
from sandbox.inprocess import mount
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import assertion, make_certificate, request_token


def snapshot(app: SalesforceEmulator) -> list[tuple[Any, ...]]:
    return [
        (r["FirstName"], r["LastName"], r["Email"], r["MailingCity"])
        for r in app.store.live("Contact")
    ]


def test_seeding_the_company_is_deterministic() -> None:
    first, second = SalesforceEmulator(seed=1), SalesforceEmulator(seed=9)
    counts = first.seed({"company": {"users": 4, "seed": 11}})
    second.seed({"company": {"users": 4, "seed": 11}})
    assert counts == {"users": 4, "contacts": 32, "leads": 8, "events": 80}
    assert snapshot(first) == snapshot(second)
    assert any(not (r["LastName"] or "").isascii() for r in first.store.live("Contact"))


def test_the_company_users_exist_with_link_error_cases() -> None:
    app = SalesforceEmulator()
    app.seed({"company": {"users": 5, "seed": 2}})
    company = make_company(5, 2)
    users = list(app.store.live("User"))
    by_username = {u["Username"]: u for u in users}
    for person in company.users:
        user = by_username[person.username]
        assert (user["Email"], user["IsActive"], user["TimeZoneSidKey"]) == (
            person.email, True, person.time_zone,
        )  # fmt: skip
    profiles = {p["Id"]: p["Name"] for p in app.store.live("Profile")}
    assert {profiles[by_username[p.username]["ProfileId"]] for p in company.users} <= {
        "Standard User", "Sales Manager",
    }  # fmt: skip
    assert sum(1 for u in users if not u["IsActive"]) == 2
    emails = Counter(u["Email"] for u in users if u["IsActive"])
    assert emails[company.users[0].email] == 2


def test_each_user_owns_contacts_and_a_varied_calendar() -> None:
    app = SalesforceEmulator()
    app.seed({"company": {"users": 2, "seed": 5}})
    person = make_company(2, 5).users[1]
    owner = app.user_id(person.username)
    contacts = [c for c in app.store.live("Contact") if c["OwnerId"] == owner]
    assert len(contacts) == 8 and all(c["AccountId"] for c in contacts)
    events = [e for e in app.store.live("Event") if e["OwnerId"] == owner]
    assert any(e["IsAllDayEvent"] and e["DurationInMinutes"] == 1440 for e in events)
    assert any(e["IsAllDayEvent"] and e["DurationInMinutes"] > 1440 for e in events)
    assert any(e["IsPrivate"] for e in events)
    series = [e for e in events if e["IsRecurrence2"] and not e["RecurrenceActivityId"]]
    assert len([e for e in events if e["RecurrenceActivityId"] == series[0]["Id"]]) == 10
    assert len(series) == 1 and series[0]["Recurrence2PatternText"].startswith("RRULE:FREQ=WEEKLY")
    assert any(
        e["IsRecurrence2Exception"] and e["RecurrenceActivityId"] == series[0]["Id"] for e in events
    )
    mine = {e["Id"] for e in events}
    invitees = [r for r in app.store.live("EventRelation") if r["EventId"] in mine]
    kinds = {r["RelationId"][:3] for r in invitees}
    assert kinds == {"003", "005"}


def test_the_control_surface_seeds_a_connected_app_and_reports_state() -> None:
    app = registry.build("salesforce", seed=3)
    session = requests.Session()
    session.trust_env = False
    base = mount(session, {"salesforce": app})["salesforce"]
    private_pem, cert_pem = make_certificate()
    response = session.post(
        f"{base}/_control/seed",
        json={
            "company": {"users": 1, "seed": 1},
            "connected_app": {"consumer_key": "demo", "certificate_pem": cert_pem},
            "settings": {"page_size": 50, "api_limit": 100},
        },
    )
    assert response.json()["connected_app"] == "demo"
    username = make_company(1, 1).users[0].username
    assert request_token(session, base, assertion(private_pem, "demo", username)).status_code == 200
    state = session.get(f"{base}/_control/state").json()
    assert state["objects"]["Contact"] == {"live": 8, "deleted": 0}
    assert state["sessions"] == 1 and state["api_usage"] == "0/100"
    assert app.page_size == 50
    assert registry.product_env({"salesforce": base}, None) == {"LSYNC_SALESFORCE_LOGIN_URL": base}
