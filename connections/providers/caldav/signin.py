"""The CalDAV page's sign-in before it stores settings that turn sync on: a wrong password, an
unknown account or an unreachable server is named on its field and nothing is saved, as the
Outlook page does for Exchange."""

from __future__ import annotations

from typing import Any

from connections.models import MailConnection
from connections.providers.caldav.checks import sign_in
from connections.providers.caldav.client import DavClient, DavError
from connections.providers.caldav.forms import PASSWORDS_FIELD, TEMPLATE_FIELD
from connections.providers.caldav.models import PER_USER, read_user_passwords, server_of

REFUSED = (401, 403)


def _unreachable(exc: DavError, server: str) -> tuple[str, str]:
    if exc.status == 0:
        cause = exc.__cause__
        what = f"could not be reached ({type(cause).__name__ if cause else exc.message})"
        todo = "Check the URL, the network, the proxy and the CA bundle"
    else:
        what = f"answered HTTP {exc.status} to a WebDAV request"
        todo = "Check that the URL points at the CalDAV server"
    return "url_template", f"{TEMPLATE_FIELD}: the server at {server} {what}. {todo}, then save."


def _account_problem(server: str, username: str, password: str) -> tuple[str, str] | None:
    try:
        sign_in(DavClient(server, username, password))
    except DavError as exc:
        if exc.status not in REFUSED:
            return _unreachable(exc, server)
        return (
            "password",
            f"Password: the server at {server} refused the service account {username} "
            f"(HTTP {exc.status}). Check the user name under Service account and type its "
            "password again.",
        )
    return None


def _app_password_problem(
    server: str, user_passwords: dict[str, tuple[str, str]]
) -> tuple[str, str] | None:
    for address, (login, password) in user_passwords.items():
        try:
            sign_in(DavClient(server, login, password))
        except DavError as exc:
            if exc.status not in REFUSED:
                return _unreachable(exc, server)
            who = address if login == address else f"{address} (login {login})"
            return (
                "user_passwords",
                f"{PASSWORDS_FIELD}: the server at {server} refused {who} (HTTP {exc.status}). "
                "Check that line's login and type its app password again; no line was saved.",
            )
    return None


def verify(data: dict[str, Any], stored: MailConnection) -> tuple[str, str] | None:
    """(field, message naming the field) for the first sign-in that fails, else None. Sync
    off: nothing to check yet (Test Connection does it). With app passwords, the lines typed
    now are checked; stored ones already were."""
    if not data["enabled"] or not data["url_template"]:
        return None
    server = server_of(data["url_template"])
    if data["auth"] == PER_USER:
        typed = data["user_passwords"]
        if not typed and data["url_template"] != stored.dav_url_template:
            # A new server: one stored app password shows whether the server knows them.
            typed = dict(list(read_user_passwords(stored.dav_user_passwords or "").items())[:1])
        return _app_password_problem(server, typed)
    password = data["password"] or stored.password or ""
    return _account_problem(server, data["username"], password)
