"""The Calendar batch wire format (``multipart/mixed`` of ``application/http`` parts), pure:
encoding the calls and decoding the answers. Sending is client.py's job."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode


@dataclass(frozen=True)
class BatchCall:
    method: str
    path: str  # relative to the Calendar API root, e.g. "calendars/primary/events"
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchAnswer:
    status: int
    headers: dict[str, str]  # lower-case names
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def encode(calls: Sequence[BatchCall], prefix: str) -> tuple[str, bytes]:
    """(Content-Type, body). ``prefix`` is the API root's path, e.g. ``/calendar/v3``."""
    boundary = "lsync_" + secrets.token_hex(12)
    out: list[bytes] = []
    for index, call in enumerate(calls):
        target = f"{prefix}/{call.path}"
        if call.params:
            target += "?" + urlencode(dict(call.params))
        lines = [f"{call.method} {target} HTTP/1.1"]
        payload = b""
        if call.body is not None:
            payload = json.dumps(call.body).encode()
            lines.append("Content-Type: application/json")
        lines += [f"{name}: {value}" for name, value in call.headers.items()]
        inner = "\r\n".join(lines).encode() + b"\r\n\r\n" + payload
        head = (
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <item-{index}>\r\n\r\n"
        )
        out.append(head.encode() + inner + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return f"multipart/mixed; boundary={boundary}", b"".join(out)


def _split(blob: bytes) -> tuple[list[str], bytes]:
    match = re.search(rb"\r?\n\r?\n", blob)
    if match is None:
        return blob.decode("utf-8", "replace").splitlines(), b""
    return blob[: match.start()].decode("utf-8", "replace").splitlines(), blob[match.end() :]


def _headers(lines: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


def decode(content_type: str, body: bytes, expected: int) -> list[BatchAnswer]:
    """The answers in call order (matched by Content-ID ``<response-item-N>``); a call the
    response does not answer gets a 500 answer, so a caller never loses track of an op."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    answers: dict[int, BatchAnswer] = {}
    if match:
        delimiter = b"--" + match.group(1).encode()
        for position, chunk in enumerate(body.split(delimiter)[1:]):
            if chunk.startswith(b"--"):
                break
            chunk = chunk.strip(b"\r\n")
            outer, inner = _split(chunk)
            content_id = _headers(outer).get("content-id", "")
            found = re.search(r"item-(\d+)", content_id)
            index = int(found.group(1)) if found else position
            head, payload = _split(inner)
            status_line = head[0] if head else "HTTP/1.1 500"
            parts = status_line.split(" ")
            status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 500
            payload = payload.rstrip(b"\r\n")
            try:
                parsed: Any = json.loads(payload) if payload else {}
            except ValueError:
                parsed = {}
            answers[index] = BatchAnswer(status, _headers(head[1:]), parsed)
    missing = BatchAnswer(500, {}, {"error": {"message": "no answer in the batch response"}})
    return [answers.get(i, missing) for i in range(expected)]
