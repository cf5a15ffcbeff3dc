"""A real Radicale CalDAV/CardDAV server for the tests and the demo (no emulator of our own).

`RadicaleServer(folder)` configures Radicale on a folder: users in a plain htpasswd file, a service
account that may act for every user (as SOGo's and Nextcloud's admins may), and a default calendar
created with each user's principal. `.app` is its WSGI application, to mount in-process
(`sandbox.inprocess.WSGIAdapter`) or to serve on loopback (`serve`).
"""

from __future__ import annotations

import io
import secrets
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import radicale
import radicale.config
import requests

from sandbox.core import Emulator, FaultRule, Request, Response
from sandbox.inprocess import WSGIAdapter

RIGHTS = """
[service]
user: {service}
collection: .*
permissions: RrWw

[owner]
user: .+
collection: {{user}}(/.*)?
permissions: RrWw

[root]
user: .+
collection:
permissions: R
"""


class RadicaleServer:
    def __init__(self, folder: Path, service: tuple[str, str] = ("svc-lsync", "svc-password")):
        self.folder = folder
        self.service = service
        self.passwords: dict[str, str] = {service[0]: service[1]}
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "rights").write_text(RIGHTS.format(service=service[0]))
        self.write_users()
        config = radicale.config.load()
        config.update(
            {
                "auth": {
                    "type": "htpasswd",
                    "htpasswd_filename": str(folder / "users"),
                    "htpasswd_encryption": "plain",
                    "delay": "0",
                },
                "rights": {"type": "from_file", "file": str(folder / "rights")},
                "storage": {
                    "filesystem_folder": str(folder / "collections"),
                    "_filesystem_fsync": "False",
                    "predefined_collections": '{"def-calendar": {"D:displayname": "Calendar",'
                    ' "tag": "VCALENDAR", "C:supported-calendar-component-set": "VEVENT"}}',
                },
                "logging": {"level": "error", "mask_passwords": "True"},
            },
            "lsync sandbox",
            privileged=True,
        )
        self._radicale = radicale.Application(config)

    def write_users(self) -> None:
        lines = "".join(f"{user}:{password}\n" for user, password in self.passwords.items())
        (self.folder / "users").write_text(lines)

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # The in-process adapter hands bodies over as they are: no compression to undo.
        environ.pop("HTTP_ACCEPT_ENCODING", None)
        return self._radicale(environ, start_response)  # type: ignore[no-any-return]

    def add_user(self, user: str, password: str) -> None:
        """A user who has signed in once, so the server holds their principal and calendar."""
        self.passwords[user] = password
        self.write_users()
        session = requests.Session()
        session.mount("http://radicale.local", WSGIAdapter(self.app))
        answer = session.request(
            "PROPFIND", "http://radicale.local" + url_path(user), auth=(user, password),
            headers={"Depth": "0"},
        )  # fmt: skip
        answer.raise_for_status()

    def collection_path(self, user: str, name: str) -> Path:
        return self.folder / "collections" / "collection-root" / user / name

    def expire_sync_tokens(self) -> None:
        """Forget every sync token handed out (as a server does after its retention period)."""
        root = self.folder / "collections" / "collection-root"
        for cache in root.glob("*/*/.Radicale.cache/sync-token"):
            shutil.rmtree(cache)

    def serve(self, host: str = "127.0.0.1") -> tuple[WSGIServer, str]:
        """Serve on a free loopback port in a daemon thread; returns the server and its base URL."""
        server = make_server(host, 0, self.app, handler_class=_QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://{host}:{server.server_port}"


def url_path(user: str) -> str:
    return "/" + quote(user, safe="@") + "/"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class FaultyRadicale(Emulator):
    """Radicale behind the emulators' fault injection (`inject`, `clear_faults`), so the state
    machine and the soak can strike its requests as they strike the emulators'. Route names
    are `caldav.<method>` (`caldav.put`, `caldav.delete`, `caldav.report`, ...)."""

    METHODS = ("GET", "PUT", "DELETE", "PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "MKCALENDAR")

    def __init__(self, server: RadicaleServer, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self.server = server
        for method in self.METHODS:
            self.route(method, r"/.*", f"caldav.{method.lower()}", self._forward)

    def fault_response(self, status: int, retry_after: int) -> Response:
        headers = [("Retry-After", str(retry_after))] if status in (429, 503) else []
        return Response(status, b"Injected fault", [("Content-Type", "text/plain"), *headers])

    def apply_fault(self, rule: FaultRule, route_name: str) -> Response | None:
        if rule.kind == "revoke_token":
            # Basic credentials cannot be revoked mid-run; the server refusing them once is the
            # same thing to the client.
            return Response(401, b"Unauthorized", [("WWW-Authenticate", 'Basic realm="dav"')])
        return super().apply_fault(rule, route_name)

    def revoke_tokens(self) -> None:
        pass

    def expire_cursors(self) -> None:
        self.server.expire_sync_tokens()

    def _forward(self, request: Request) -> Response:
        environ = dict(request.environ)
        environ["wsgi.input"] = io.BytesIO(request.body)
        environ["CONTENT_LENGTH"] = str(len(request.body))
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.server.app(environ, start_response))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        return Response(int(captured["status"].split()[0]), body, headers)


class RadicaleEmulator(FaultyRadicale):
    """The sandbox's CalDAV/CardDAV server, as the registry builds it (`make demo` serves it over
    HTTPS). Radicale's storage is a temporary folder, made at the first request and removed with
    the object; the seeded company's users have accounts on it."""

    def __init__(self, seed: int = 0) -> None:
        Emulator.__init__(self, seed=seed)
        self._server: RadicaleServer | None = None
        for method in self.METHODS:
            self.route(method, r"/.*", f"caldav.{method.lower()}", self._forward)

    @property
    def server(self) -> RadicaleServer:  # type: ignore[override]
        if self._server is None:
            folder = Path(tempfile.mkdtemp(prefix="lsync-radicale-"))
            weakref.finalize(self, shutil.rmtree, folder, True)
            self._server = RadicaleServer(folder, service=("svc-lsync", secrets.token_urlsafe(18)))
        return self._server

    @server.setter
    def server(self, value: RadicaleServer) -> None:
        self._server = value

    @classmethod
    def product_env(cls, base_url: str) -> dict[str, str]:
        # The URL lives in the connection row, not in a setting: only the demo wiring reads it.
        return {"LSYNC_DEMO_CALDAV_URL": base_url}

    def seed(self, payload: Any) -> Any:
        from sandbox.company import make_company

        payload = payload or {}
        server = self.server
        if "service_account" in payload:
            user = server.service[0]
            server.service = (user, str(payload["service_account"]["password"]))
            server.passwords[user] = server.service[1]
            server.write_users()
        company = payload.get("company")
        if company:
            for person in make_company(int(company["users"]), int(company.get("seed", 1))).users:
                server.add_user(person.email, secrets.token_urlsafe(12))
        return {"service_account": {"user": server.service[0]}, "users": len(server.passwords) - 1}

    def state(self) -> Any:
        return {"users": sorted(self.server.passwords)}
