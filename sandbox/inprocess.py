"""Mount emulator WSGI apps on a requests session, so tests run without sockets or TLS."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from sandbox.core import ConnectionReset

# In-process base URLs; the names never resolve, and nothing leaves the process.
BASE_URLS = {
    "salesforce": "https://salesforce.sandbox.test",
    "microsoft": "https://microsoft.sandbox.test",
    "google": "https://google.sandbox.test",
    "exchange": "https://exchange.sandbox.test",
    "caldav": "https://caldav.sandbox.test",
}


class WSGIAdapter(BaseAdapter):
    def __init__(self, app: Any) -> None:
        super().__init__()
        self.app = app

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:
        url = urlsplit(request.url or "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        elif not isinstance(body, bytes):
            body = b"".join(body)  # type: ignore[arg-type]
        port = str(url.port or (443 if url.scheme == "https" else 80))
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method or "GET",
            "PATH_INFO": unquote(url.path, encoding="latin-1"),
            "QUERY_STRING": url.query,
            "SERVER_NAME": url.hostname or "localhost",
            "SERVER_PORT": port,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": url.netloc,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(),
            "wsgi.url_scheme": url.scheme,
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key != "CONTENT_LENGTH":
                environ["HTTP_" + key] = value
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            captured["status"] = status
            captured["headers"] = headers

        try:
            chunks = self.app(environ, start_response)
        except ConnectionReset as exc:
            raise requests.exceptions.ConnectionError(
                f"Connection reset by peer ({exc})", request=request
            ) from exc
        content = b"".join(chunks)
        response = requests.Response()
        code, _, reason = captured["status"].partition(" ")
        response.status_code = int(code)
        response.reason = reason
        merged: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        for name, value in captured["headers"]:
            # Repeated headers (two WWW-Authenticate challenges) are joined, as urllib3 does.
            merged[name] = f"{merged[name]}, {value}" if name in merged else value
        response.headers = merged
        response._content = content
        response.raw = io.BytesIO(content)
        response.url = request.url or ""
        response.request = request
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        return response

    def close(self) -> None:
        pass


def mount(session: requests.Session, apps: dict[str, Any]) -> dict[str, str]:
    """Mounts each named app at its in-process base URL; returns {name: base_url}."""
    for name, app in apps.items():
        session.mount(BASE_URLS[name], WSGIAdapter(app))
    return {name: BASE_URLS[name] for name in apps}
