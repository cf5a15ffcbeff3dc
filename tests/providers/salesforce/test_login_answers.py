"""Whatever the token endpoint answers, getting a Salesforce token ends in a token or in a
LoginError the stores turn into a provider error with a sentence, never in a crash."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from connections.providers.salesforce.client import LoginError, fetch_token
from connections.providers.salesforce.errors import translate
from sandbox.inprocess import WSGIAdapter
from sandbox.salesforce.testkit import make_certificate

LOGIN = "https://login.example.test"


@functools.cache
def make_key() -> str:
    return make_certificate("lsync-test")[0]


def _session(status: str, body: bytes, content_type: str = "application/json") -> requests.Session:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response(status, [("Content-Type", content_type)])
        return [body]

    session = requests.Session()
    session.mount(LOGIN, WSGIAdapter(app))
    return session


def _login(session: requests.Session) -> LoginError:
    with pytest.raises(LoginError) as caught:
        fetch_token(session, LOGIN, "consumer", make_key(), "ana@example.com")
    return caught.value


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (
            "500 Internal Server Error",
            json.dumps([{"errorCode": "UNKNOWN_EXCEPTION"}]),
            "application/json",
        ),
        ("503 Service Unavailable", "<html>maintenance</html>", "text/html"),
        ("200 OK", json.dumps({"access_token": "x"}), "application/json"),
        ("200 OK", json.dumps(["not", "an", "object"]), "application/json"),
        ("502 Bad Gateway", json.dumps({"error": {"nested": True}}), "application/json"),
    ],
)
def test_an_answer_in_an_unexpected_shape_is_a_retryable_provider_error(
    status: str, body: str, content_type: str
) -> None:
    error = translate(_login(_session(status, body.encode(), content_type)), "ana", LOGIN)
    assert not error.permanent
    assert error.message.endswith(".")


def test_a_refusal_in_salesforces_shape_stays_a_permanent_sign_in_failure() -> None:
    body = {"error": "invalid_grant", "error_description": "user hasn't approved this consumer"}
    error = _login(_session("400 Bad Request", json.dumps(body).encode()))
    assert error.code == "invalid_grant"
    translated = translate(error, "ana@example.com", LOGIN)
    assert translated.permanent and "ana@example.com" in translated.message
