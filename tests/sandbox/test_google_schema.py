"""A validator for Google's discovery documents (the ones google-api-python-client ships), the
shared test rig for the Google emulator, and tests that the validator itself catches mistakes."""

from __future__ import annotations

import functools
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import googleapiclient
import pytest
import requests
from google.auth.transport.requests import AuthorizedSession
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account

from sandbox.google.app import GoogleEmulator
from sandbox.google.keys import generate_service_account_key
from sandbox.inprocess import WSGIAdapter

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
BASE = "https://google.sandbox.test"
CONTACTS = "https://www.googleapis.com/auth/contacts"
CALENDAR = "https://www.googleapis.com/auth/calendar"
SCOPES = [CONTACTS, CALENDAR]


@functools.cache
def discovery(api: str) -> dict[str, Any]:
    return dict(json.loads((DOCUMENTS / f"{api}.json").read_text()))


def method(api: str, method_id: str) -> dict[str, Any]:
    node: dict[str, Any] = discovery(api)
    *resources, name = method_id.split(".")
    for resource in resources:
        node = node["resources"][resource]
    return dict(node["methods"][name])


def check(
    api: str, schema: dict[str, Any], value: Any, path: str = "$", *, clears: bool = False
) -> None:
    """`clears`: a PATCH body, where null is how Google clears a field."""
    if clears and value is None and path != "$":
        return
    doc = discovery(api)
    if "$ref" in schema:
        schema = doc["schemas"][schema["$ref"]]
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                check(api, properties[key], item, f"{path}.{key}", clears=clears)
            elif extra is not None:
                check(api, extra, item, f"{path}.{key}", clears=clears)
            else:
                raise AssertionError(f"{path}: property {key!r} is not in the schema")
        for key, spec in properties.items():
            if spec.get("required") is True:
                assert key in value, f"{path}: required property {key!r} is missing"
    elif kind == "array":
        assert isinstance(value, list), f"{path}: expected an array, got {value!r}"
        for index, item in enumerate(value):
            check(api, schema.get("items", {}), item, f"{path}[{index}]", clears=clears)
    elif kind == "string":
        assert isinstance(value, str), f"{path}: expected a string, got {value!r}"
        if "enum" in schema:
            assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
        fmt = schema.get("format")
        if fmt in ("date-time", "google-datetime"):
            datetime.fromisoformat(value)
        elif fmt == "date":
            date.fromisoformat(value)
        elif fmt in ("int64", "uint64"):
            int(value)
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), f"{path}: not an integer"
    elif kind == "number":
        assert isinstance(value, int | float) and not isinstance(value, bool), (
            f"{path}: not a number"
        )
    elif kind == "boolean":
        assert isinstance(value, bool), f"{path}: expected a boolean, got {value!r}"
    elif kind not in (None, "any"):
        raise AssertionError(f"{path}: unknown schema type {kind!r}")


def validate(method_id: str, value: Any) -> Any:
    """Checks ``value`` against the response schema of ``method_id`` ("people.connections.list",
    "calendar.events.insert"); returns it for chaining."""
    api, _, rest = method_id.partition(".")
    name = {"people": "people.v1", "calendar": "calendar.v3"}[api]
    spec = method(name, rest)
    check(name, spec["response"], value)
    return value


@functools.cache
def _key() -> tuple[dict[str, str], str]:
    return generate_service_account_key(BASE + "/token")


class Rig:
    """One seeded emulator, a registered service account with delegation, sessions mounted
    in-process."""

    def __init__(self, users: int = 3, grant: bool = True) -> None:
        self.emu = GoogleEmulator(seed=1)
        self.summary = self.emu.seed({"company": {"users": users, "seed": 1}})
        self.info, public = _key()
        self.client_id = self.emu.register_service_account(
            self.info["client_email"],
            self.info["private_key_id"],
            public,
            client_id=self.info["client_id"],
        )
        if grant:
            self.emu.grant_delegation(self.client_id, SCOPES)
        self.user: str = self.summary["users"][0]
        self.other: str = self.summary["users"][-1]
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.mount(BASE, WSGIAdapter(self.emu))

    def credentials(
        self, subject: str | None = None, scopes: list[str] | None = None
    ) -> service_account.Credentials:
        return service_account.Credentials.from_service_account_info(
            self.info, scopes=scopes or SCOPES, subject=subject or self.user
        )

    def authed(
        self, subject: str | None = None, scopes: list[str] | None = None
    ) -> AuthorizedSession:
        session = AuthorizedSession(
            self.credentials(subject, scopes), auth_request=AuthRequest(self.session)
        )
        session.trust_env = False
        session.mount(BASE, WSGIAdapter(self.emu))
        return session

    def token(self, subject: str | None = None) -> str:
        credentials = self.credentials(subject)
        credentials.refresh(AuthRequest(self.session))
        return str(credentials.token)


def test_the_validator_accepts_a_real_shaped_person() -> None:
    person = {
        "resourceName": "people/c1",
        "etag": "%Eg",
        "names": [
            {
                "givenName": "Zoë",
                "metadata": {"primary": True, "source": {"type": "CONTACT", "id": "1"}},
            }
        ],
        "clientData": [{"key": "sfId", "value": "003"}],
    }
    validate("people.people.get", person)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"resourceName": "people/c1", "nickName": "x"}, "not in the schema"),
        ({"names": {"givenName": "x"}}, "expected an array"),
        ({"names": [{"metadata": {"primary": "yes"}}]}, "expected a boolean"),
        ({"metadata": {"sources": [{"type": "MAILBOX"}]}}, "not in"),
    ],
)
def test_the_validator_rejects_what_the_schema_does_not_allow(value: Any, problem: str) -> None:
    with pytest.raises(AssertionError, match=problem):
        validate("people.people.get", value)


def test_the_validator_follows_refs_into_calendar_events() -> None:
    with pytest.raises(AssertionError, match=r"\$\.items\[0\]\.start\.dateTime"):
        validate("calendar.events.list", {"items": [{"start": {"dateTime": 5}}]})
    with pytest.raises(AssertionError, match="extendedProperties.private.k"):
        validate("calendar.events.get", {"extendedProperties": {"private": {"k": 1}}})
