"""The two error shapes: Entra ID's OAuth errors and Graph's ``{"error": {...}}`` envelope."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from datetime import datetime

from sandbox.core import Response

# Graph answers 401 with this challenge; clients use it to tell an auth failure from others.
WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)


class Ids:
    """Request, trace and correlation ids drawn from their own generator, so they are
    deterministic for a seed without disturbing the fault-probability generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"ms-ids:{seed}")

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


class GraphError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = list(headers)

    def response(self, ids: Ids, now: datetime) -> Response:
        return graph_error(ids, now, self.status, self.code, self.message, self.headers)


def graph_error(
    ids: Ids,
    now: datetime,
    status: int,
    code: str,
    message: str,
    headers: Iterable[tuple[str, str]] = (),
    inner_extra: dict[str, str] | None = None,
) -> Response:
    request_id = ids.uuid()
    inner = {
        **(inner_extra or {}),
        "date": now.strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": request_id,
        "client-request-id": request_id,
    }
    extra = list(headers)
    extra.append(("request-id", request_id))
    if status == 401:
        extra.append(("WWW-Authenticate", WWW_AUTHENTICATE))
    return Response.json(
        {"error": {"code": code, "message": message, "innerError": inner}}, status, extra
    )


class AADError(Exception):
    """An OAuth error from the token endpoint, as Entra ID words it."""

    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(f"{error} AADSTS{code}")
        self.status = status
        self.error = error
        self.code = code
        self.description = description

    def response(self, ids: Ids, now: datetime) -> Response:
        trace, correlation = ids.uuid(), ids.uuid()
        stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
        description = (
            f"AADSTS{self.code}: {self.description}\r\nTrace ID: {trace}\r\n"
            f"Correlation ID: {correlation}\r\nTimestamp: {stamp}"
        )
        return Response.json(
            {
                "error": self.error,
                "error_description": description,
                "error_codes": [self.code],
                "timestamp": stamp,
                "trace_id": trace,
                "correlation_id": correlation,
                "error_uri": "https://login.microsoftonline.com/error?code=" + str(self.code),
            },
            self.status,
            [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")],
        )
