"""JSON batching: ``POST /v1.0/$batch`` with at most 20 requests, ``dependsOn`` ordering and
per-request statuses (a failed dependency answers 424)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from sandbox.core import Request, Response
from sandbox.microsoft.errors import GraphError

MAX_REQUESTS = 20
# (method, url relative to /v1.0, headers, body bytes, the body already parsed or None) -> response
Runner = Callable[[str, str, dict[str, str], bytes, Any], Response]


def _bad(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def _validate(steps: Any) -> list[dict[str, Any]]:
    if not isinstance(steps, list) or not steps:
        raise _bad("Invalid batch payload format.")
    if len(steps) > MAX_REQUESTS:
        raise _bad(
            f"The number of batch requests {len(steps)} exceeds the maximum of {MAX_REQUESTS}."
        )
    seen: set[str] = set()
    for step in steps:
        if (
            not isinstance(step, dict)
            or not step.get("id")
            or not step.get("method")
            or not step.get("url")
        ):
            raise _bad("Invalid batch payload format: each request needs id, method and url.")
        key = str(step["id"]).lower()
        if key in seen:
            raise _bad(f"Batch request contains duplicate request id '{step['id']}'.")
        seen.add(key)
    for step in steps:
        for dep in step.get("dependsOn") or []:
            if str(dep).lower() not in seen:
                raise _bad(f"Request '{step['id']}' depends on unknown request '{dep}'.")
    return steps


def _item(step_id: str, response: Response) -> dict[str, Any]:
    headers = {k: v for k, v in response.headers if k.lower() != "content-length"}
    item: dict[str, Any] = {"id": step_id, "status": response.status, "headers": headers}
    if response.body and response.data is not None:
        item["body"] = response.data
    elif response.body:
        try:
            item["body"] = json.loads(response.body)
        except ValueError:
            item["body"] = response.body.decode("utf-8", "replace")
    return item


def _over_concurrency(steps: list[dict[str, Any]], limit: int | None) -> set[str]:
    """Ids of the parallel steps (no dependsOn) past ``limit`` for the same mailbox."""
    if limit is None:
        return set()
    seen: dict[str, int] = {}
    over = set()
    for step in steps:
        m = re.match(r"/?users/([^/?]+)", str(step["url"]), re.IGNORECASE)
        if m is None or step.get("dependsOn"):
            continue
        mailbox = m.group(1).lower()
        seen[mailbox] = seen.get(mailbox, 0) + 1
        if seen[mailbox] > limit:
            over.add(str(step["id"]).lower())
    return over


def run(
    request: Request,
    runner: Runner,
    error: Callable[[GraphError], Response],
    concurrency: int | None = None,
) -> Response:
    try:
        payload = request.json()
    except ValueError:
        raise _bad("Invalid batch payload format.") from None
    steps = _validate(payload.get("requests") if isinstance(payload, dict) else None)
    throttled = _over_concurrency(steps, concurrency)
    status: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    pending = list(steps)
    while pending:
        ready = [
            s for s in pending if all(str(d).lower() in status for d in s.get("dependsOn") or [])
        ]
        if not ready:
            raise _bad("The dependsOn graph of the batch contains a cycle.")
        step = ready[0]
        pending.remove(step)
        step_id = str(step["id"])
        if any(status[str(d).lower()] >= 400 for d in step.get("dependsOn") or []):
            response = error(
                GraphError(
                    424, "FailedDependency", "The request failed because of a failed dependency."
                )
            )
        elif step_id.lower() in throttled:
            response = error(
                GraphError(
                    429,
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                    [("Retry-After", "1")],
                )
            )
        else:
            try:
                response = _execute(step, request, runner)
            except GraphError as exc:
                response = error(exc)
        status[step_id.lower()] = response.status
        results.append(_item(step_id, response))
    return Response.json({"responses": results})


def _execute(step: dict[str, Any], request: Request, runner: Runner) -> Response:
    headers = {str(k).lower(): str(v) for k, v in (step.get("headers") or {}).items()}
    body, parsed = b"", None
    if step.get("body") is not None:
        if "content-type" not in headers:
            raise GraphError(
                400, "BadRequest", "Content-Type header must be specified when a body is present."
            )
        raw = step["body"]
        if isinstance(raw, str):
            body = raw.encode()
        else:
            body, parsed = json.dumps(raw).encode(), raw
    if request.header("authorization") and "authorization" not in headers:
        headers["authorization"] = request.header("authorization") or ""
    url = str(step["url"])
    if url.lower().lstrip("/").startswith("$batch"):
        raise GraphError(400, "BadRequest", "A batch cannot contain another batch.")
    return runner(str(step["method"]).upper(), "/" + url.lstrip("/"), headers, body, parsed)
