"""Composite (``POST /composite``): up to 25 subrequests in one API call, later ones using
earlier results through ``@{referenceId.field}`` references in their URL or body.

With ``allOrNone`` a failure rolls every subrequest back; the failed one keeps its error and the
others answer 400 PROCESSING_HALTED. Without it, a subrequest whose reference points at a failed
or missing result answers 400 PROCESSING_HALTED and the rest carry on."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sandbox.core import Request, Response
from sandbox.salesforce.context import Ctx
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.rest_sobjects import body as read_body
from sandbox.salesforce.store import OrgStore

MAX_SUBREQUESTS = 25
_REFERENCE = re.compile(r"@\{([\w]+)((?:\.\w+|\[\d+\])*)\}")
_PREFIX = re.compile(r"/services/data/v(?P<version>\d+\.\d)(?P<rest>/.*)")

Dispatch = Callable[[str, str], tuple[Callable[..., Response], dict[str, str]] | None]


class _Halt(Exception):
    pass


class _Unresolved(Exception):
    pass


def _halted(message: str) -> list[dict[str, str]]:
    return [{"errorCode": "PROCESSING_HALTED", "message": message}]


def _lookup(results: dict[str, Any], ref: str, path: str) -> Any:
    if ref not in results:
        raise _Unresolved(f"Invalid reference specified. No value for {ref}{path} found in {ref}.")
    value = results[ref]
    for key in re.findall(r"\.(\w+)|\[(\d+)\]", path):
        try:
            value = value[key[0]] if key[0] else value[int(key[1])]
        except (KeyError, IndexError, TypeError) as exc:
            raise _Unresolved(
                f"Invalid reference specified. No value for {ref}{path} found in {ref}."
            ) from exc
    return value


def _substitute(value: Any, results: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole:
            return _lookup(results, whole.group(1), whole.group(2))
        return _REFERENCE.sub(lambda m: str(_lookup(results, m.group(1), m.group(2))), value)
    if isinstance(value, dict):
        return {k: _substitute(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, results) for v in value]
    return value


class CompositeApi:
    def __init__(self, store: OrgStore, dispatch: Dispatch) -> None:
        self.store = store
        self.dispatch = dispatch

    def _call(
        self, request: Request, ctx: Ctx, sub: dict[str, Any], results: dict[str, Any]
    ) -> Response:
        method = str(sub.get("method", "")).upper()
        url = _substitute(str(sub.get("url", "")), results)
        data = _substitute(sub.get("body"), results)
        parts = urlsplit(url)
        match = _PREFIX.fullmatch(parts.path)
        if match is None:
            raise SfError("INVALID_BATCH_REQUEST", f"Invalid url for a composite subrequest: {url}")
        found = self.dispatch(method, match.group("rest"))
        if found is None or "/composite" in match.group("rest"):
            raise SfError("NOT_FOUND", "The requested resource does not exist", 404)
        handler, groups = found
        payload = json.dumps(data).encode() if data is not None else b""
        environ = {
            **request.environ,
            "REQUEST_METHOD": method,
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "CONTENT_LENGTH": str(len(payload)),
            "CONTENT_TYPE": "application/json",
            "wsgi.input": io.BytesIO(payload),
        }
        sub_ctx = Ctx(ctx.session, ctx.actor, match.group("version"))
        return handler(Request(environ), sub_ctx, **groups)  # type: ignore[no-any-return]

    def run(self, request: Request, ctx: Ctx) -> Response:
        payload = read_body(request)
        subs = payload.get("compositeRequest") if isinstance(payload, dict) else None
        if not isinstance(subs, list) or not subs:
            raise SfError("JSON_PARSER_ERROR", "compositeRequest is required")
        if len(subs) > MAX_SUBREQUESTS:
            raise SfError("LIMIT_EXCEEDED", f"Limit Exceeded: {MAX_SUBREQUESTS} subrequests")
        all_or_none = bool(payload.get("allOrNone"))
        results: dict[str, Any] = {}
        answers: list[dict[str, Any]] = []
        try:
            with self.store.transaction():
                for sub in subs:
                    ref = str(sub.get("referenceId", ""))
                    try:
                        response = self._call(request, ctx, sub, results)
                    except SfError as exc:
                        response = exc.response()
                    except _Unresolved as exc:
                        response = Response.json(_halted(str(exc)), 400)
                    body = json.loads(response.body) if response.body else None
                    headers = {k: v for k, v in response.headers if k.lower() == "location"}
                    answers.append(
                        {"body": body, "httpHeaders": headers, "httpStatusCode": response.status,
                         "referenceId": ref}
                    )  # fmt: skip
                    if response.status < 300:
                        results[ref] = body
                    elif all_or_none:
                        raise _Halt
        except _Halt:
            message = "The transaction was rolled back since another operation in the same transaction failed."
            failed = len(answers) - 1
            answers = [
                answer if i == failed else {**answer, "body": _halted(message), "httpHeaders": {},
                                            "httpStatusCode": 400}
                for i, answer in enumerate(answers)
            ]  # fmt: skip
            for sub in subs[len(answers) :]:
                answers.append(
                    {"body": _halted(message), "httpHeaders": {}, "httpStatusCode": 400,
                     "referenceId": str(sub.get("referenceId", ""))}
                )  # fmt: skip
        return Response.json({"compositeResponse": answers})
