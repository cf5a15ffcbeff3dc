"""Every request the Google stores and Test Connection send matches Google's published discovery
documents (the ones google-api-python-client ships): a known method for the HTTP method and path,
only known query parameters with valid values, required ones present, and a body that fits the
method's request schema. Calendar batch parts are checked as the calls they carry."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from connections.providers.google import convert
from connections.providers.google.batch import BatchCall
from connections.providers.google.checks import run_checks
from connections.providers.google.client import GoogleClient
from syncengine.records import Contact, Event
from syncengine.stores.base import Create, Delete, Update
from tests.providers.google.conftest import USER, GoogleRig, soon
from tests.sandbox.test_google_schema import check, discovery

APIS = {"people": ("people.v1", "/"), "calendar": ("calendar.v3", "/calendar/v3/")}


def _methods(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from (node.get("methods") or {}).values()
    for child in (node.get("resources") or {}).values():
        yield from _methods(child)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\+?[^}]+\})", template)
    regex = "".join(
        (".+" if p.startswith("{+") else "[^/]+") if p.startswith("{") else re.escape(p)
        for p in parts
    )
    return re.compile(regex)


def find_method(api: str, http_method: str, path: str) -> dict[str, Any]:
    candidates = [
        m
        for m in _methods(discovery(api))
        if m["httpMethod"] == http_method
        and _pattern(m.get("flatPath") or m["path"]).fullmatch(path)
    ]
    assert candidates, f"no {api} method for {http_method} {path}"
    return min(candidates, key=lambda m: (m.get("flatPath") or m["path"]).count("{"))


def conforms(api: str, http_method: str, path: str, params: Any, body: Any) -> str:
    spec = find_method(api, http_method, path)
    known = {**discovery(api).get("parameters", {}), **spec.get("parameters", {})}
    pairs = list(params.items()) if isinstance(params, dict) else list(params or [])
    for name, value in pairs:
        assert name in known, f"{spec['id']}: unknown parameter {name!r}"
        param = known[name]
        if "enum" in param:
            assert value in param["enum"], f"{spec['id']}: {name}={value!r}"
        if param.get("type") == "boolean":
            assert value in ("true", "false"), f"{spec['id']}: {name}={value!r}"
    for name, param in spec.get("parameters", {}).items():
        if param.get("required") and param.get("location") == "query":
            assert name in dict(pairs), f"{spec['id']}: required {name!r} missing"
    if "request" in spec:
        assert body is not None, f"{spec['id']}: no body"
        check(api, spec["request"], body, clears=http_method == "PATCH")
    else:
        assert body is None, f"{spec['id']}: takes no body"
    return str(spec["id"])


@pytest.fixture
def sent(
    google: GoogleRig, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, str, str, Any, Any]]:
    seen: list[tuple[str, str, str, Any, Any]] = []
    request, batch = GoogleClient.request, GoogleClient.calendar_batch

    def spy(self: GoogleClient, method: str, url: str, **kwargs: Any) -> Any:
        path = urlsplit(url).path
        for family, (api, prefix) in APIS.items():
            if path.startswith(prefix) and not path.startswith("/batch/"):
                if family == "people" and path.startswith("/calendar/"):
                    continue
                seen.append(
                    (api, method, path[len(prefix) :], kwargs.get("params"), kwargs.get("body"))
                )
                break
        return request(self, method, url, **kwargs)

    def batch_spy(self: GoogleClient, calls: list[BatchCall]) -> Any:
        for call in calls:
            seen.append(("calendar.v3", call.method, call.path, dict(call.params), call.body))
        return batch(self, calls)

    monkeypatch.setattr(GoogleClient, "request", spy)
    monkeypatch.setattr(GoogleClient, "calendar_batch", batch_spy)
    return seen


def _exercise(google: GoogleRig) -> None:
    contacts = google.contacts()
    full = Contact.normalized(
        salutation="Dr.", first_name="Ana", last_name="Lie", emails=["a@x.example", "b@x.example"],
        business_phone="1", mobile_phone="2", home_phone="3", other_phone="4", fax="5",
        assistant_phone="6", title="T", department="D", company="C",
        mailing_address={"street": "S 1\nB", "city": "Oslo", "postal_code": "0155"},
        other_address={"city": "Paris"}, birthdate="1980-02-29", assistant_name="Kari",
        description="Notes",
    )  # fmt: skip
    made = contacts.apply(
        [Create("a", full, marker="003A"), Create("b", Contact.normalized(first_name="B"))]
    )
    cursor = contacts.changes(None).cursor
    ids = [r.id or "" for r in made]
    contacts.apply([Update(ids[0], full), Update(ids[1], full, fields=frozenset({"title"}))])
    contacts.get(ids)
    contacts.find([("email", "a@x.example")])
    contacts.changes(cursor)
    contacts.apply([Delete(ids[0]), Delete(ids[1])])

    events = google.events()
    start = soon(days=2)
    event = Event.normalized(
        subject="S", start=start, end=start + timedelta(hours=1), time_zone="Europe/Oslo",
        location="L", description="D", show_as="free", private=True,
        recurrence={"rrule": "FREQ=WEEKLY;COUNT=3", "exdates": [start + timedelta(days=7)]},
        attendees=[{"email": "bo@x.example", "name": "Bo", "response": "accepted"}],
    )  # fmt: skip
    day = Event.normalized(subject="Day", start=datetime(2030, 1, 1, tzinfo=UTC), all_day=True)
    made = events.apply([Create("e", event, marker="00UA"), Create("d", day)])
    cursor = events.changes(None).cursor
    eids = [r.id or "" for r in made]
    version = made[0].version
    events.apply(
        [
            Update(eids[0], event, expected_version=version),
            Update(eids[1], day, fields=frozenset({"subject"})),
        ]
    )
    events.get(eids)
    events.changes(cursor)
    events.apply([Delete(eids[0]), Delete(eids[1])])
    assert all(s.ok for s in run_checks(USER, google.info))


@pytest.mark.django_db
def test_every_request_fits_googles_discovery_documents(
    google: GoogleRig, sent: list[tuple[str, str, str, Any, Any]]
) -> None:
    _exercise(google)
    used = {conforms(api, method, path, params, body) for api, method, path, params, body in sent}
    assert used >= {
        "people.people.connections.list",
        "people.people.batchCreateContacts",
        "people.people.batchUpdateContacts",
        "people.people.batchDeleteContacts",
        "people.people.getBatchGet",
        "people.contactGroups.list",
        "people.contactGroups.create",
        "people.contactGroups.get",
        "people.contactGroups.update",
        "people.contactGroups.members.modify",
        "calendar.events.list",
        "calendar.events.insert",
        "calendar.events.patch",
        "calendar.events.delete",
        "calendar.events.get",
        "calendar.events.instances",
    }, sorted(used)


def test_the_checker_catches_a_wrong_field_and_an_unknown_parameter() -> None:
    with pytest.raises(AssertionError, match="not in the schema"):
        conforms("people.v1", "POST", "v1/people:batchCreateContacts", None,
                 {"contacts": [{"contactPerson": {"nmes": []}}]})  # fmt: skip
    with pytest.raises(AssertionError, match="unknown parameter"):
        conforms("calendar.v3", "GET", "calendars/primary/events", {"sendUpdate": "none"}, None)
    person = convert.new_person(Contact.normalized(first_name="A"), "contactGroups/x", "003")
    conforms("people.v1", "POST", "v1/people:createContact", None, person)
