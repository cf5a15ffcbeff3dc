"""Test Connection for Google Workspace: every step says in plain words what is wrong and what
to do about it. The steps stop at the first failure, since later ones depend on it.

1. Service account key: stored, readable, and Google issues the service account a token.
2. User found: a delegated token for the user (unknown or suspended users are refused here).
3. Domain-wide delegation: both scopes granted (a missing scope is named).
4. Contact group: "Salesforce Sync" found, or created.
5. Calendar: the primary calendar can be read.
6. Write permission: the group can be written and the calendar is the user's own (owner/writer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from connections.mail_provider import mailbox_for
from connections.providers.google.client import (
    CALENDAR_SCOPE,
    CONTACTS_SCOPE,
    SCOPES,
    GoogleApiError,
    GoogleAuthError,
    GoogleClient,
    stored_key_info,
)
from connections.providers.google.groups import GROUP_NAME, ensure_group
from syncengine.provider import CheckStep

ADMIN_PATH = "In the Google Admin console, open Security > API controls > Domain-wide delegation"
KEY_STEP, USER_STEP, DWD_STEP = "Service account key", "User found", "Domain-wide delegation"
GROUP_STEP, CALENDAR_STEP, WRITE_STEP = "Contact group", "Calendar", "Write permission"


def _scopes() -> str:
    return ",".join(SCOPES)


def _key_problem(info: Mapping[str, Any]) -> str | None:
    if not info:
        return "No service account key is stored. Upload the JSON key on the Google setup page."
    missing = [k for k in ("client_email", "private_key", "private_key_id") if not info.get(k)]
    if info.get("type") != "service_account" or missing:
        return (
            "The uploaded file is not a service account key"
            + (f" (missing {', '.join(missing)})" if missing else "")
            + ". In Google Cloud console, IAM & Admin > Service accounts > Keys, create a JSON key "
            "and upload it."
        )
    return None


def _key_refused(error: GoogleApiError, info: Mapping[str, Any]) -> str:
    account = info.get("client_email", "the service account")
    if error.status == 0 or error.status >= 500:
        return (
            f"Google's token service at {settings.LSYNC_GOOGLE_TOKEN_URI} could not be reached "
            f"({error.message}). Check the network and proxy settings, then try again."
        )
    if "Signature" in error.message:
        return (
            f"Google does not accept this key for {account}: it was revoked or deleted. In Google "
            f"Cloud console, IAM & Admin > Service accounts > {account} > Keys, create a new JSON "
            "key and upload it here."
        )
    if "not found" in error.message.lower():
        return (
            f"The service account {account} does not exist any more (deleted in Google Cloud). "
            "Create a service account, enable domain-wide delegation for it, and upload its key."
        )
    if "iat" in error.message or "timeframe" in error.message:
        return (
            "Google refused the key because this server's clock is wrong. Synchronize the "
            "clock (NTP) and try again."
        )
    return f"Google refused the key ({error.reason}: {error.message})."


def _delegation_missing(client_id: str, email: str, granted: list[str]) -> str:
    if granted:
        missing = [s for s in SCOPES if s not in granted]
        return (
            f"Domain-wide delegation is missing the scope {', '.join(missing)}. {ADMIN_PATH}, "
            f"edit client ID {client_id} and set the scopes to: {_scopes()}"
        )
    return (
        f"Google refused to let the service account act as {email}. Either domain-wide "
        f"delegation is not granted: {ADMIN_PATH}, add client ID {client_id} with the scopes "
        f"{_scopes()} (it can take up to 24 hours to apply); or {email} is not a user of the "
        "Google Workspace domain that granted it: check the address."
    )


def _token(info: Mapping[str, Any], subject: str | None, scopes: tuple[str, ...]) -> None:
    GoogleClient(info, subject, scopes).fetch_token()


def _user_steps(info: Mapping[str, Any], email: str) -> list[CheckStep]:
    client_id = str(info.get("client_id", "?"))
    try:
        _token(info, email, SCOPES)
    except GoogleAuthError as error:
        if error.reason == "invalid_grant" and "email" in error.message.lower():
            return [
                CheckStep(
                    USER_STEP,
                    False,
                    f"{email} is not an active user of your Google Workspace domain (unknown, "
                    "suspended or deleted). Check the address, or link the Salesforce user to "
                    "the Google mailbox it uses.",
                    user=True,
                )
            ]
        if error.reason != "unauthorized_client":
            return [CheckStep(USER_STEP, False, _key_refused(error, info))]
        granted = []
        for scope in SCOPES:
            try:
                _token(info, email, (scope,))
                granted.append(scope)
            except GoogleApiError:
                continue
        found = CheckStep(USER_STEP, True, f"{email} is a user of the domain.")
        return [
            *([found] if granted else []),
            CheckStep(DWD_STEP, False, _delegation_missing(client_id, email, granted)),
        ]
    return [
        CheckStep(USER_STEP, True, f"{email} is a user of the domain."),
        CheckStep(
            DWD_STEP, True, f"Client ID {client_id} may act as {email} for contacts and calendar."
        ),
    ]


def _api_problem(error: GoogleApiError, what: str, email: str) -> str:
    if error.rate_limited:
        return f"Google is rate limiting requests for {email}. Try again in a minute."
    if error.status in (401, 403):
        return (
            f"Google denied access to {what} of {email} ({error.message}). Check that the "
            f"Contacts and Calendar services are on for the user, and that client ID's scopes "
            f"are {_scopes()}."
        )
    if error.status == 404:
        return (
            f"{email} has no {what}: turn the Google service on for the user's organizational unit."
        )
    return (
        f"Google could not open {what} of {email} ({error.status} {error.reason}: {error.message})."
    )


def _mailbox_steps(info: Mapping[str, Any], email: str) -> list[CheckStep]:
    client = GoogleClient(info, email, SCOPES)
    steps: list[CheckStep] = []
    try:
        group, created = ensure_group(client)
    except GoogleApiError as error:
        message = _api_problem(error, "the contacts", email)
        return [CheckStep(GROUP_STEP, False, message, user=error.status in (403, 404))]
    verb = "was created" if created else "was found"
    steps.append(CheckStep(GROUP_STEP, True, f"The contact group '{GROUP_NAME}' {verb}."))
    try:
        listing = client.calendar("GET", "calendars/primary/events", params={"maxResults": "1"})
    except GoogleApiError as error:
        message = _api_problem(error, "a calendar", email)
        return [*steps, CheckStep(CALENDAR_STEP, False, message, user=error.status in (403, 404))]
    steps.append(CheckStep(CALENDAR_STEP, True, f"The primary calendar of {email} can be read."))
    role = str(listing.get("accessRole", ""))
    if role not in ("owner", "writer"):
        message = (
            f"The service account may only {role or 'read'} the calendar of {email}; it must be "
            f"able to write. Grant the scope {CALENDAR_SCOPE}, not a read-only one."
        )
        return [*steps, CheckStep(WRITE_STEP, False, message)]
    try:
        current = client.people("GET", group)
        client.people(
            "PUT", group, body={"contactGroup": {"name": GROUP_NAME, "etag": current.get("etag")}}
        )
    except GoogleApiError as error:
        message = _api_problem(error, "the contacts", email)
        if error.status == 403:
            message += f" Writing needs the scope {CONTACTS_SCOPE}, not contacts.readonly."
        return [*steps, CheckStep(WRITE_STEP, False, message)]
    return [*steps, CheckStep(WRITE_STEP, True, "Contacts and events can be written.")]


def run_checks(email: str | None, info: Mapping[str, Any] | None = None) -> list[CheckStep]:
    """The steps in order, stopping at the first failure. `info`: a key not stored yet."""
    try:
        key = dict(info) if info is not None else stored_key_info()
    except ValueError:
        return [CheckStep(KEY_STEP, False, "The stored key is not valid JSON. Upload it again.")]
    problem = _key_problem(key)
    if problem:
        return [CheckStep(KEY_STEP, False, problem)]
    try:
        _token(key, None, (CONTACTS_SCOPE,))
    except GoogleApiError as error:
        return [CheckStep(KEY_STEP, False, _key_refused(error, key))]
    except ValueError as error:
        return [CheckStep(KEY_STEP, False, f"The key cannot be used: {error}. Upload it again.")]
    steps = [CheckStep(KEY_STEP, True, f"Google accepts the key of {key['client_email']}.")]
    mailbox = mailbox_for(email)
    if not mailbox:
        message = (
            "No user is enrolled in an active sync configuration yet. Enroll a user, or give a "
            "user's Google address to test delegation and access."
        )
        return [*steps, CheckStep(USER_STEP, False, message)]
    user_steps = _user_steps(key, mailbox)
    steps += user_steps
    if not all(s.ok for s in user_steps):
        return steps
    return steps + _mailbox_steps(key, mailbox)
