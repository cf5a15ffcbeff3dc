"""A small WSGI toolkit shared by the emulators: requests, responses, routing, a movable
clock, seed-driven fault and latency injection, and the control surface.

Terminology:
- *route name*: a stable label for one endpoint (``"sf.query"``, ``"graph.events.delta"``);
  faults and latency are injected by matching it against a regular expression.
- *control surface*: ``/_control/...`` endpoints (and the same Python methods) that tests,
  the demo and the benchmark use to seed, inspect, inject faults and move the clock.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

JSON = Any
Handler = Callable[..., "Response"]


class ConnectionReset(Exception):
    """Raised by an app to drop the connection without an answer (fault injection)."""


class ResetAfterWrite(ConnectionReset):
    """The connection drops after the server applied the request: the client never learns that
    its write happened (fault kind ``reset_after``)."""


# The environ key under which a batch hands a step its body already parsed (Request.json).
PARSED = "sandbox.parsed_json"


class Request:
    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method: str = environ["REQUEST_METHOD"].upper()
        self.path: str = environ.get("PATH_INFO", "") or "/"
        self.query: dict[str, list[str]] = parse_qs(
            environ.get("QUERY_STRING", ""), keep_blank_values=True
        )
        self.headers: dict[str, str] = {}
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                self.headers[key[5:].replace("_", "-").lower()] = value
        if environ.get("CONTENT_TYPE"):
            self.headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.body: bytes = environ["wsgi.input"].read(length) if length else b""
        scheme = environ.get("wsgi.url_scheme", "https")
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        self.base_url = f"{scheme}://{host}"

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> JSON:
        if not self.body:
            return None
        if PARSED in self.environ:  # a batch step's body, already parsed with its batch
            return self.environ[PARSED]
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode(), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    # What `json` encoded into `body`: a batch nests it without parsing the body again.
    data: JSON = field(default=None, compare=False, repr=False)

    @classmethod
    def json(
        cls, data: JSON, status: int = 200, headers: Iterable[tuple[str, str]] = ()
    ) -> Response:
        return cls(
            status,
            json.dumps(data).encode(),
            [("Content-Type", "application/json; charset=utf-8"), *headers],
            data,
        )

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode(), [("Content-Type", "text/html; charset=utf-8")])

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(302, b"", [("Location", location)])

    @classmethod
    def empty(cls, status: int = 204, headers: Iterable[tuple[str, str]] = ()) -> Response:
        return cls(status, b"", list(headers))

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class Clock:
    """Wall-clock time plus an offset that tests move forward (token expiry, 15-day windows)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def timestamp(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


FAULT_KINDS = (
    "429", "500", "503", "reset", "reset_after", "slow", "revoke_token", "expire_cursor"
)  # fmt: skip


@dataclass
class FaultRule:
    kind: str
    route: str = ".*"
    times: int | None = 1  # None: until cleared
    probability: float = 1.0
    retry_after: int = 1
    delay: float = 0.0

    def matches(self, route_name: str) -> bool:
        return re.fullmatch(self.route, route_name) is not None


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    name: str
    handler: Handler


class Emulator:
    """Base WSGI app. Subclasses register routes and implement the stateful hooks."""

    #: Provider-specific error body for injected faults; subclasses override.
    def fault_response(self, status: int, retry_after: int) -> Response:
        return Response.json(
            {"error": {"code": status, "message": "Injected fault"}},
            status,
            [("Retry-After", str(retry_after))] if status == 429 else [],
        )

    def __init__(self, seed: int = 0) -> None:
        self.clock = Clock()
        self.lock = threading.RLock()
        self.routes: list[Route] = []
        self.faults: list[FaultRule] = []
        self.latency: dict[str, float] = {}
        self.rng = random.Random(seed)
        self.seed_value = seed
        self.request_log: list[tuple[str, str, int]] = []
        self.route("GET", r"/_control/state", "control.state", self._control_state)
        self.route("POST", r"/_control/seed", "control.seed", self._control_seed)
        self.route("POST", r"/_control/faults", "control.faults", self._control_faults)
        self.route("DELETE", r"/_control/faults", "control.faults.clear", self._control_clear)
        self.route("POST", r"/_control/clock", "control.clock", self._control_clock)

    # --- routing ---------------------------------------------------------------------------
    def route(self, method: str, pattern: str, name: str, handler: Handler) -> None:
        self.routes.append(Route(method, re.compile(pattern + r"\Z"), name, handler))

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for r in self.routes:
            if r.method != method:
                continue
            m = r.pattern.match(path)
            if m:
                return r, m.groupdict()
        return None

    # --- faults and latency ----------------------------------------------------------------
    def inject(self, kind: str, route: str = ".*", **options: Any) -> FaultRule:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        rule = FaultRule(kind=kind, route=route, **options)
        with self.lock:
            self.faults.append(rule)
        return rule

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()
            self.latency.clear()

    def set_latency(self, route: str, seconds: float) -> None:
        self.latency[route] = seconds

    def reseed(self, seed: int) -> None:
        self.seed_value = seed
        self.rng = random.Random(seed)

    def _take_fault(self, route_name: str) -> FaultRule | None:
        if route_name.startswith("control."):
            return None
        with self.lock:
            for rule in self.faults:
                if not rule.matches(route_name):
                    continue
                if rule.probability < 1.0 and self.rng.random() >= rule.probability:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.faults.remove(rule)
                return rule
        return None

    def apply_fault(self, rule: FaultRule, route_name: str) -> Response | None:
        """Returns a response for faults that answer, or None to carry on (stateful faults)."""
        if rule.kind in ("429", "500", "503"):
            return self.fault_response(int(rule.kind), rule.retry_after)
        if rule.kind == "reset":
            raise ConnectionReset(route_name)
        if rule.kind == "slow":
            time.sleep(rule.delay or 2.0)
        elif rule.kind == "revoke_token":
            self.revoke_tokens()
        elif rule.kind == "expire_cursor":
            self.expire_cursors()
        return None

    # --- stateful hooks the emulators implement ----------------------------------------------
    def revoke_tokens(self) -> None:
        raise NotImplementedError

    def expire_cursors(self) -> None:
        raise NotImplementedError

    def seed(self, payload: JSON) -> JSON:
        raise NotImplementedError

    def state(self) -> JSON:
        raise NotImplementedError

    # --- control surface over HTTP ---------------------------------------------------------
    def _control_state(self, request: Request) -> Response:
        return Response.json(self.state())

    def _control_seed(self, request: Request) -> Response:
        return Response.json(self.seed(request.json() or {}))

    def _control_faults(self, request: Request) -> Response:
        payload = request.json() or {}
        if "latency" in payload:
            for route, seconds in payload["latency"].items():
                self.set_latency(route, float(seconds))
        for spec in payload.get("faults", []):
            self.inject(**spec)
        if "seed" in payload:
            self.reseed(int(payload["seed"]))
        return Response.json({"faults": len(self.faults)})

    def _control_clear(self, request: Request) -> Response:
        self.clear_faults()
        return Response.empty()

    def _control_clock(self, request: Request) -> Response:
        payload = request.json() or {}
        self.clock.advance(float(payload.get("advance", 0)))
        return Response.json({"now": self.clock.now().isoformat()})

    # --- WSGI --------------------------------------------------------------------------------
    def not_found(self, request: Request) -> Response:
        return Response.json({"error": "not_found", "path": request.path}, 404)

    def handle(self, request: Request) -> Response:
        found = self.resolve(request.method, request.path)
        if found is None:
            return self.not_found(request)
        route, params = found
        for pattern, seconds in self.latency.items():
            if re.fullmatch(pattern, route.name):
                time.sleep(seconds)
                break
        rule = self._take_fault(route.name)
        if rule is not None:
            answer = self.apply_fault(rule, route.name)
            if answer is not None:
                return answer
        with self.lock:
            response = route.handler(request, **params)
        if rule is not None:
            self.after_handler(rule, route.name)
        return response

    def after_handler(self, rule: FaultRule, route_name: str) -> None:
        """Faults that strike once the request was applied."""
        if rule.kind == "reset_after":
            raise ResetAfterWrite(route_name)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        request = Request(environ)
        response = self.handle(request)
        self.request_log.append((request.method, request.path, response.status))
        reason = _REASONS.get(response.status, "Status")
        headers = [*response.headers, ("Content-Length", str(len(response.body)))]
        start_response(f"{response.status} {reason}", headers)
        return [response.body]


_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    207: "Multi-Status",
    302: "Found",
    300: "Multiple Choices",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
