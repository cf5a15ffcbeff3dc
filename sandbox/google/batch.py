"""The Calendar multipart batch endpoint (``POST /batch/calendar/v3``).

Each ``application/http`` part is dispatched through the emulator like a request of its own, so
route faults and latency apply per part (a part can be throttled while the others succeed). Parts
without an Authorization header use the outer request's, as Google does.
"""

from __future__ import annotations

import io
import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from sandbox.core import ConnectionReset, Request, ResetAfterWrite, Response
from sandbox.google.errors import calendar_invalid

if TYPE_CHECKING:
    from sandbox.google.app import GoogleEmulator

MAX_PARTS = 1000
_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 409: "Conflict", 410: "Gone",
            412: "Precondition Failed", 429: "Too Many Requests",
            500: "Internal Server Error", 503: "Service Unavailable"}  # fmt: skip


def _split_head(blob: bytes) -> tuple[list[str], bytes]:
    match = re.search(rb"\r?\n\r?\n", blob)
    if match is None:
        return blob.decode("utf-8", "replace").splitlines(), b""
    return blob[: match.start()].decode("utf-8", "replace").splitlines(), blob[match.end() :]


def _headers(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


def parse_parts(content_type: str, body: bytes) -> list[tuple[str | None, bytes]]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.lower().startswith("multipart/mixed") or match is None:
        raise calendar_invalid("Batch requests must use multipart/mixed.", reason="badContent")
    delimiter = b"--" + match.group(1).encode()
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n").removeprefix(b"\n")
        chunk = chunk.removesuffix(b"\n").removesuffix(b"\r")
        head, inner = _split_head(chunk)
        parts.append((_headers(head).get("content-id"), inner))
    return parts


class BatchApi:
    def __init__(self, emulator: GoogleEmulator) -> None:
        self.emu = emulator

    def handle(self, request: Request) -> Response:
        parts = parse_parts(request.header("content-type") or "", request.body)
        if not parts:
            raise calendar_invalid("Batch request contains no parts.")
        if len(parts) > MAX_PARTS:
            raise calendar_invalid(f"Too many requests in batch; the maximum is {MAX_PARTS}.")
        boundary = "batch_" + secrets.token_hex(12)
        out = io.BytesIO()
        for content_id, inner in parts:
            answer = self._dispatch(request, inner)
            out.write(f"--{boundary}\r\nContent-Type: application/http\r\n".encode())
            if content_id:
                out.write(f"Content-ID: {_response_id(content_id)}\r\n".encode())
            out.write(b"\r\n")
            reason = _REASONS.get(answer.status, "Status")
            out.write(f"HTTP/1.1 {answer.status} {reason}\r\n".encode())
            for name, value in answer.headers:
                out.write(f"{name}: {value}\r\n".encode())
            out.write(f"Content-Length: {len(answer.body)}\r\n\r\n".encode())
            out.write(answer.body + b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
        return Response(
            200, out.getvalue(), [("Content-Type", f"multipart/mixed; boundary={boundary}")]
        )

    def _dispatch(self, outer: Request, inner: bytes) -> Response:
        head, body = _split_head(inner)
        if not head:
            raise calendar_invalid("Batch part has no request line.")
        method, _, rest = head[0].partition(" ")
        target = rest.rsplit(" ", 1)[0] if rest.count(" ") else rest
        url = urlsplit(target)
        headers = _headers(head[1:])
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method.upper(),
            "PATH_INFO": unquote(url.path, encoding="latin-1"),
            "QUERY_STRING": url.query,
            "SERVER_NAME": outer.environ.get("SERVER_NAME", "localhost"),
            "SERVER_PORT": outer.environ.get("SERVER_PORT", "443"),
            "HTTP_HOST": outer.headers.get("host", "localhost"),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": outer.environ.get("wsgi.url_scheme", "https"),
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key != "CONTENT_LENGTH":
                environ["HTTP_" + key] = value
        if "HTTP_AUTHORIZATION" not in environ and outer.header("authorization"):
            environ["HTTP_AUTHORIZATION"] = outer.header("authorization")
        sub = Request(environ)
        if not sub.path.startswith("/calendar/v3/"):
            return calendar_invalid("Batch parts must call the Calendar API.").response
        try:
            return self.emu.handle(sub)
        except ResetAfterWrite:
            raise  # the part was applied; the whole batch's connection drops
        except ConnectionReset:
            return self.emu.fault_response(503, 1)


def _response_id(content_id: str) -> str:
    inner = content_id.strip()
    if inner.startswith("<") and inner.endswith(">"):
        inner = inner[1:-1]
    return f"<response-{inner}>"
