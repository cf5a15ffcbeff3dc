"""Google's error bodies. The token endpoint speaks OAuth 2.0 (RFC 6749 section 5.2), People
speaks google.rpc (``status`` + ``details``), Calendar the older ``errors[]`` shape (plus ``status``,
as Google now sends both)."""

from __future__ import annotations

import json
from typing import Any

from sandbox.core import Request, Response

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    410: "NOT_FOUND",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
UNAUTHENTICATED_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
INSUFFICIENT_SCOPES = "Request had insufficient authentication scopes."


def int_arg(request: Request, name: str, default: int) -> int:
    text = request.arg(name)
    try:
        return int(text) if text else default
    except ValueError as exc:
        raise ApiError(
            Response.json(
                {
                    "error": {
                        "code": 400,
                        "message": f"Invalid value for {name}: {text}",
                        "status": "INVALID_ARGUMENT",
                    }
                },
                400,
            )  # fmt: skip
        ) from exc


class ApiError(Exception):
    """Raised inside handlers; the route wrapper turns it into its response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def with_error_list(response: Response) -> Response:
    """The same error with the older ``errors[]`` list in front of google.rpc ``details``, as
    some Google front ends still send it: its ``reason`` is the generic one (from ``status``),
    the specific reason stays in ``details`` (e.g. EXPIRED_SYNC_TOKEN)."""
    try:
        body = json.loads(response.body)
    except ValueError:
        return response
    error = body.get("error") if isinstance(body, dict) else None
    if response.status < 400 or not isinstance(error, dict) or "errors" in error:
        return response
    words = str(error.get("status") or "unknown").lower().split("_")
    reason = words[0] + "".join(w.title() for w in words[1:])
    error["errors"] = [{"message": error.get("message", ""), "domain": "global", "reason": reason}]
    headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
    return Response(response.status, json.dumps(body).encode(), headers)


def _retry_after(status: int, retry_after: int | None) -> list[tuple[str, str]]:
    return [("Retry-After", str(retry_after))] if status == 429 and retry_after else []


def token_error(
    status: int, error: str, description: str, retry_after: int | None = None
) -> ApiError:
    body = {"error": error, "error_description": description}
    return ApiError(Response.json(body, status, _retry_after(status, retry_after)))


def people_error(
    code: int,
    message: str,
    status: str | None = None,
    reason: str | None = None,
    *,
    method: str = "",
    metadata: dict[str, str] | None = None,
    retry_after: int | None = None,
) -> ApiError:
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "status": status or STATUS_NAMES.get(code, "UNKNOWN"),
    }
    if reason:
        info_metadata = {"service": "people.googleapis.com", **(metadata or {})}
        if method:
            info_metadata["method"] = f"google.people.v1.{method}"
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": info_metadata,
            }
        ]
    headers = _retry_after(code, retry_after)
    if code == 401:
        headers.append(("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"'))
    return ApiError(Response.json({"error": error}, code, headers))


def calendar_error(
    code: int,
    reason: str,
    message: str,
    *,
    domain: str = "global",
    location: str | None = None,
    location_type: str = "parameter",
    retry_after: int | None = None,
) -> ApiError:
    item: dict[str, str] = {"domain": domain, "reason": reason, "message": message}
    if location:
        item["locationType"] = location_type
        item["location"] = location
    error: dict[str, Any] = {"errors": [item], "code": code, "message": message}
    headers = _retry_after(code, retry_after)
    if code == 401:
        error["message"] = UNAUTHENTICATED_MESSAGE
        error["status"] = "UNAUTHENTICATED"
        headers.append(("WWW-Authenticate", 'Bearer realm="https://accounts.google.com/"'))
    elif code == 403 and reason == "insufficientPermissions":
        error["message"] = INSUFFICIENT_SCOPES
        error["status"] = "PERMISSION_DENIED"
    return ApiError(Response.json({"error": error}, code, headers))


def calendar_not_found() -> ApiError:
    return calendar_error(404, "notFound", "Not Found")


def people_not_found() -> ApiError:
    return people_error(404, "Requested entity was not found.", "NOT_FOUND")


def people_invalid(message: str) -> ApiError:
    return people_error(400, message, "INVALID_ARGUMENT")


def calendar_invalid(
    message: str, location: str | None = None, reason: str = "invalid"
) -> ApiError:
    return calendar_error(400, reason, message, location=location)


#: What Google sends for rate limits and outages, per API family. ``quota`` faults are 403s.
def fault_error(family: str, status: int, retry_after: int, reason: str = "") -> ApiError:
    if family == "token":
        if status == 429:
            return token_error(429, "rate_limit_exceeded", "Rate Limit Exceeded", retry_after)
        if status == 503:
            return token_error(503, "temporarily_unavailable", "Service unavailable.")
        return token_error(status, "internal_failure", "Backend Error")
    if family == "people":
        if status in (429, 403):
            return people_error(
                429,
                "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
                "minute per user' of service 'people.googleapis.com' for consumer "
                "'project_number:000000000000'.",
                "RESOURCE_EXHAUSTED",
                "RATE_LIMIT_EXCEEDED",
                metadata={
                    "quota_metric": "people.googleapis.com/read_requests",
                    "quota_limit": "ReadRequestsPerMinutePerUser",
                    "consumer": "projects/000000000000",
                },
                retry_after=retry_after,
            )
        if status == 503:
            return people_error(503, "The service is currently unavailable.", "UNAVAILABLE")
        return people_error(500, "Internal error encountered.", "INTERNAL")
    if status == 403:
        message = {
            "userRateLimitExceeded": "User Rate Limit Exceeded",
            "quotaExceeded": "Calendar usage limits exceeded.",
        }.get(reason, "Rate Limit Exceeded")
        return calendar_error(403, reason or "rateLimitExceeded", message, domain="usageLimits")
    if status == 429:
        return calendar_error(
            429,
            "rateLimitExceeded",
            "Rate Limit Exceeded",
            domain="usageLimits",
            retry_after=retry_after,
        )
    if status == 503:
        return calendar_error(503, "backendError", "The service is currently unavailable.")
    return calendar_error(500, "backendError", "Backend Error")
