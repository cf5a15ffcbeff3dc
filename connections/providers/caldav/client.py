"""The only network code of the CalDAV/CardDAV provider: WebDAV requests through the product's
HTTP seam (`connections.http.build_session`: the CA bundle, timeouts, no link-local peers).

Every non-2xx answer is raised as `DavError`; `errors.py` turns it into the engine's errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

import requests

from connections import http
from connections.providers.caldav import webdav


class DavError(Exception):
    """An answer the request did not expect. `status` 0: the server could not be reached."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        conditions: frozenset[str] = frozenset(),
        retry_after: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.conditions = conditions
        self.retry_after = retry_after


@dataclass(frozen=True)
class DavAnswer:
    status: int
    body: bytes
    etag: str
    location: str


class DavClient:
    """One DAV server, signed in as one account (Basic over TLS)."""

    def __init__(self, server_url: str, username: str, password: str) -> None:
        parts = urlsplit(server_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.session = http.build_session()
        self.session.auth = (username, password)
        self.calls = 0

    def url(self, path: str) -> str:
        """The URL of a decoded path (the ids the stores keep are decoded paths)."""
        return urljoin(self.origin, quote(path, safe="/@:+,;=~!$&'()*"))

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        expect: Iterable[int] = (200, 201, 204, 207),
        follow: bool = False,
    ) -> DavAnswer:
        self.calls += 1
        try:
            answer = self.session.request(
                method,
                self.url(path) if path.startswith("/") else path,
                data=body.encode() if isinstance(body, str) else body,
                headers=dict(headers or {}),
                allow_redirects=follow,
            )
        except requests.RequestException as exc:
            raise DavError(
                0, f"the DAV server could not be reached ({type(exc).__name__})"
            ) from exc
        if answer.status_code not in set(expect):
            raise DavError(
                answer.status_code,
                f"{method} {path} answered {answer.status_code} {answer.reason}",
                conditions=frozenset(webdav.error_conditions(answer.content)),
                retry_after=answer.headers.get("Retry-After", ""),
            )
        return DavAnswer(
            answer.status_code,
            answer.content,
            answer.headers.get("ETag", ""),
            answer.headers.get("Location", ""),
        )

    def propfind(self, path: str, props: Iterable[str], depth: int = 0) -> webdav.Multistatus:
        answer = self.request(
            "PROPFIND", path, body=webdav.propfind(props), headers=_xml(Depth=str(depth))
        )
        return webdav.parse_multistatus(answer.body)

    def report(self, path: str, body: bytes, depth: int = 1) -> webdav.Multistatus:
        answer = self.request("REPORT", path, body=body, headers=_xml(Depth=str(depth)))
        return webdav.parse_multistatus(answer.body)

    def get(self, path: str) -> tuple[str, str]:
        answer = self.request("GET", path, expect=(200,))
        return answer.body.decode("utf-8"), answer.etag

    def put(self, path: str, text: str, content_type: str, *, if_match: str | None) -> str:
        """Creates (`if_match` None: only when nothing is there) or overwrites; the new etag
        ("" when the server sends none)."""
        headers = {"Content-Type": f"{content_type}; charset=utf-8"}
        headers.update({"If-Match": if_match} if if_match else {"If-None-Match": "*"})
        return self.request("PUT", path, body=text, headers=headers).etag

    def delete(self, path: str, *, if_match: str | None) -> None:
        self.request("DELETE", path, headers={"If-Match": if_match} if if_match else {})

    def mkcol_addressbook(self, path: str, display_name: str) -> None:
        self.request(
            "MKCOL",
            path,
            body=webdav.mkcol_addressbook(display_name),
            headers=_xml(),
            expect=(201,),
        )

    def well_known(self, service: str) -> str:
        """The context path of RFC 6764 §5 (`/.well-known/caldav` or `carddav`), or "/"."""
        try:
            answer = self.request(
                "PROPFIND",
                f"/.well-known/{service}",
                body=webdav.propfind([webdav.CURRENT_USER_PRINCIPAL]),
                headers=_xml(Depth="0"),
                expect=(207, 301, 302, 303, 307, 308),
            )
        except DavError as exc:
            if exc.status in (404, 405, 501):
                return "/"
            raise
        return webdav.path_of(answer.location) if answer.location else "/"


def _xml(**headers: str) -> dict[str, str]:
    return {"Content-Type": "application/xml; charset=utf-8", **headers}
