"""Test Connection for a CalDAV/CardDAV server: every step says in plain words what is wrong
and what to do about it. The steps stop at the first failure, since later ones depend on it.

1. Server: the settings are complete, the server answers and accepts the service account.
2. User found: the user's principal (from the URL template) and its home collections.
3. Calendar: the user's default calendar for events.
4. Address book: "Salesforce Sync" found, or created.
5. Write permission: a test contact written to that address book and deleted again.
"""

from __future__ import annotations

import uuid

from connections.mail_provider import mailbox_for
from connections.providers.caldav import discovery, webdav
from connections.providers.caldav.client import DavClient, DavError
from connections.providers.caldav.models import CalDavSettings
from syncengine.provider import CheckStep

SERVER_STEP, USER_STEP, CALENDAR_STEP = "Server", "User found", "Calendar"
BOOK_STEP, WRITE_STEP = "Address book", "Write permission"
PROBE_CARD = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:{uid}\r\nFN:lsync test\r\nEND:VCARD\r\n"


def _server_problem(exc: DavError, server_url: str, account: str) -> str:
    if exc.status == 0:
        return (
            f"The server at {server_url} could not be reached ({exc.message}). Check "
            "the URL, the network, the proxy and the CA bundle, then try again."
        )
    if exc.status in (401, 403):
        return (
            f"The server refused the account {account} (HTTP {exc.status}): it refused the "
            "service account or the app password. Check the user name and enter the password "
            "again."
        )
    return f"The server answered HTTP {exc.status} to a WebDAV request: is it a CalDAV server?"


def sign_in(client: DavClient) -> webdav.Multistatus:
    """The service's context path (RFC 6764), asked for the signed-in account's principal."""
    context = client.well_known("caldav")
    return client.propfind(context, [webdav.CURRENT_USER_PRINCIPAL])


def _server(client: DavClient, settings: CalDavSettings, account: str) -> CheckStep:
    try:
        answer = sign_in(client)
    except DavError as exc:
        return CheckStep(SERVER_STEP, False, _server_problem(exc, settings.server_url, account))
    principal = answer.resources[0].hrefs(webdav.CURRENT_USER_PRINCIPAL) if answer.resources else []
    return CheckStep(
        SERVER_STEP,
        True,
        f"{settings.server_url} accepts {account}"
        + (f" (principal {principal[0]})." if principal else "."),
    )


NO_USER = (
    "No user is enrolled in an active sync configuration yet. Enroll a user, or give a user's "
    "address to test access to their calendar and contacts."
)


def run_checks(email: str | None) -> list[CheckStep]:
    settings = CalDavSettings.load()
    if not settings.complete:
        return [
            CheckStep(
                SERVER_STEP,
                False,
                "Enter the server URL and the service account and its password (or the users' "
                "app passwords) on the CalDAV setup page, and save.",
            )
        ]
    mailbox = mailbox_for(email)
    credentials = settings.credentials_for(mailbox or "") if mailbox else None
    if settings.per_user and credentials is None:
        if not mailbox:
            return [CheckStep(USER_STEP, False, NO_USER)]
        message = f"No app password is stored for {mailbox}: add one on the CalDAV setup page."
        return [CheckStep(USER_STEP, False, message, user=True)]
    account = credentials[0] if credentials else settings.username
    client = DavClient(
        settings.server_url, *(credentials or (settings.username, settings.password))
    )
    steps = [_server(client, settings, account)]
    if not steps[0].ok:
        return steps
    if not mailbox:
        return [*steps, CheckStep(USER_STEP, False, NO_USER)]
    try:
        principal = discovery.find_principal(client, settings.url_template, mailbox)
        homes = discovery.homes(client, principal)
    except DavError as exc:
        message = (
            f"No collections for {mailbox} on the server (HTTP {exc.status}). Check the URL "
            "template, that the user has signed in to the server once, and that the account "
            "may act for the user."
        )
        return [*steps, CheckStep(USER_STEP, False, message, user=True)]
    steps.append(CheckStep(USER_STEP, True, f"{mailbox}: principal {homes.principal}."))
    return steps + _collection_steps(client, homes)


def _collection_steps(client: DavClient, homes: discovery.Homes) -> list[CheckStep]:
    try:
        calendar = discovery.default_calendar(client, homes.calendars)
    except DavError:
        message = f"No calendar for events under {homes.calendars}: create one for the user."
        return [CheckStep(CALENDAR_STEP, False, message, user=True)]
    steps = [CheckStep(CALENDAR_STEP, True, f"Events go to {calendar}.")]
    try:
        book = discovery.address_book(client, homes.address_books)
    except DavError as exc:
        message = (
            f"The {discovery.ADDRESS_BOOK_NAME} address book is missing under "
            f"{homes.address_books} and could not be created (HTTP {exc.status})."
        )
        return [*steps, CheckStep(BOOK_STEP, False, message, user=True)]
    steps.append(CheckStep(BOOK_STEP, True, f"Contacts go to {book}."))
    uid = f"lsync-test-{uuid.uuid4()}"
    path = f"{book}{uid}.vcf"
    try:
        etag = client.put(path, PROBE_CARD.format(uid=uid), "text/vcard", if_match=None)
        client.delete(path, if_match=etag or None)
    except DavError as exc:
        message = f"The service account may not write to {book} (HTTP {exc.status})."
        return [*steps, CheckStep(WRITE_STEP, False, message, user=True)]
    return [*steps, CheckStep(WRITE_STEP, True, "A test contact was written and deleted.")]
