"""Whatever Google's token endpoint answers, the stores end with a token or a provider error
with a sentence (retryable when a later try can help), never an unexpected exception."""

from __future__ import annotations

import json

import pytest

from sandbox.core import Request, Response
from syncengine.stores.base import AuthFailed, ProviderError
from tests.providers.google.conftest import GoogleRig


def _answer(google: GoogleRig, monkeypatch: pytest.MonkeyPatch, response: Response) -> None:
    real = google.emu.handle

    def handle(request: Request) -> Response:
        return response if request.path == "/token" else real(request)

    monkeypatch.setattr(google.emu, "handle", handle)


def _read(google: GoogleRig) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        google.contacts().changes(None)
    return caught.value


@pytest.mark.parametrize(
    "response",
    [
        Response(200, b"<html>proxy login</html>", [("Content-Type", "text/html")]),
        Response.json(["not", "an", "object"]),
        Response.json({"token_type": "Bearer"}),
        Response(502, b"Bad gateway", [("Content-Type", "text/plain")]),
        Response.json({"error": {"code": 500, "status": "INTERNAL"}}, 500),
    ],
    ids=["html", "list", "no-token", "502-text", "500-nested"],
)
def test_a_token_answer_in_an_unexpected_shape_is_a_retryable_provider_error(
    google: GoogleRig, monkeypatch: pytest.MonkeyPatch, response: Response
) -> None:
    _answer(google, monkeypatch, response)
    error = _read(google)
    assert not error.permanent, error
    assert "token" in error.message.lower()


def test_a_refused_delegation_is_a_permanent_sign_in_failure(
    google: GoogleRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"error": "unauthorized_client", "error_description": "Client is unauthorized"}
    _answer(google, monkeypatch, Response(401, json.dumps(body).encode(), []))
    error = _read(google)
    assert isinstance(error, AuthFailed) and "unauthorized_client" in error.message
