"""Salesforce's error shapes: REST errors are a JSON array of {message, errorCode[, fields]};
per-record results in collections use {statusCode, message, fields}."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandbox.core import Response


class SfError(Exception):
    def __init__(
        self, code: str, message: str, status: int = 400, fields: Iterable[str] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = list(fields) if fields is not None else None

    def body(self) -> list[dict[str, Any]]:
        item: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]

    def record_error(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": self.fields or []}

    def response(self, headers: Iterable[tuple[str, str]] = ()) -> Response:
        return Response.json(self.body(), self.status, headers)


class RecordError(SfError):
    """A problem with one record: 400 for a single call, a failed result in a collection."""


def not_found() -> SfError:
    return SfError("NOT_FOUND", "The requested resource does not exist", 404)


def session_invalid() -> SfError:
    return SfError("INVALID_SESSION_ID", "Session expired or invalid", 401)


def malformed_id(obj: str, value: object) -> SfError:
    return SfError("MALFORMED_ID", f"{obj} ID: id value of incorrect type: {value}", 400)
