"""Test Connection on the setup pages: run a provider's checks, show every step, record the result.

A test is not a save: it writes no audit entry and changes only the status columns, never a
setting or a secret. The page around the results is rendered by the setup page's own view, as
for a GET, with the outcome attached to the request: the page looks exactly as it does otherwise.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from connections import outlook
from connections.models import MailConnection, SalesforceConnection, Status, mask
from connections.permissions import manage_sync_required
from connections.providers.caldav import views as views_caldav
from connections.providers.google import views as views_google
from connections.providers.salesforce import views as views_salesforce
from syncengine import registry
from syncengine.provider import CheckStep
from syncengine.redaction import redact as redact_patterns

logger = logging.getLogger(__name__)

PAGES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "salesforce": views_salesforce.salesforce,
    "outlook": outlook.outlook,
    "google": views_google.google,
    "caldav": views_caldav.caldav,
}
EMAIL_ERROR = (
    "Test as user (e-mail): enter one e-mail address such as ana@example.com, or leave it empty "
    "to test the first enrolled user."
)
# Shorter secrets are not searched for: replacing them could garble ordinary words.
MIN_SECRET = 8

Connection = SalesforceConnection | MailConnection


class ConnectionTestForm(forms.Form):
    email = forms.EmailField(
        label="Test as user (e-mail)",
        required=False,
        max_length=254,
        error_messages={"invalid": EMAIL_ERROR, "max_length": EMAIL_ERROR},
    )


@dataclass(frozen=True)
class Outcome:
    """What the page shows under the Test connection form."""

    email: str
    error: str = ""
    steps: tuple[CheckStep, ...] = ()
    recorded: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    @property
    def failed(self) -> int:
        return sum(1 for step in self.steps if not step.ok)


def connection_for(page: str) -> tuple[str | None, Connection]:
    """The method to test on ``page`` (None: it cannot be tested) and its connection."""
    if page == "salesforce":
        return "salesforce", SalesforceConnection.load()
    own = {"google": MailConnection.Method.GOOGLE, "caldav": MailConnection.Method.CALDAV}
    method = own.get(page) or MailConnection.outlook_choice()
    found = registry.mail_provider(method)
    return (method if found is not None and found.testable else None), MailConnection.load(method)


def run(method: str, email: str | None) -> list[CheckStep]:
    try:
        steps = list(registry.provider(method).run_checks(email))
    except Exception as error:  # a bug or an unforeseen answer must not hide behind a 500
        logger.exception("Test Connection for %s stopped", method)
        return [
            CheckStep(
                "Test",
                False,
                f"The test stopped on an unexpected error ({type(error).__name__}). The details "
                "are in lsync's log; try again, and report it if it keeps happening.",
            )
        ]
    return steps or [CheckStep("Test", False, "The checks gave no result. Try again.")]


def stored_secrets() -> list[str]:
    """Every stored secret, and each long line of one, as they could appear in a message."""
    values = [SalesforceConnection.load().private_key, settings.LSYNC_MICROSOFT_CLIENT_SECRET]
    for conn in MailConnection.objects.all():
        values += [conn.tenant_id, conn.password, conn.service_account_key]
        with contextlib.suppress(ValueError, AttributeError):
            values.append(str(json.loads(conn.service_account_key or "{}").get("private_key", "")))
        with contextlib.suppress(ValueError, AttributeError, TypeError, IndexError):
            # CalDAV app passwords per user: {address: [login, password]}.
            pairs = json.loads(conn.dav_user_passwords or "{}").values()
            values += [str(pair[1]) for pair in pairs]
    pieces: set[str] = set()
    for value in values:
        text = str(value or "").strip()
        pieces.add(text)
        pieces.update(line.strip() for line in text.splitlines())
    return sorted((p for p in pieces if len(p) >= MIN_SECRET), key=len, reverse=True)


def redact(steps: list[CheckStep], secrets: list[str]) -> list[CheckStep]:
    """The checks write plain messages; this makes sure no stored secret slips into one."""
    clean = []
    for step in steps:
        message = step.message
        for secret in secrets:
            message = message.replace(secret, mask(secret))
        message = redact_patterns(message)
        clean.append(replace(step, message=message))
    return clean


def record(conn: Connection, steps: list[CheckStep]) -> str:
    """Marks the connection verified or error; returns what the page says about it. A step
    that failed for the tested user alone is that user's problem: the connection's status is
    left as it was."""
    if conn.pk is None or conn.status == Status.NOT_CONFIGURED:
        return "Nothing was recorded: save this connection's settings first."
    failed = next((step for step in steps if not step.ok), None)
    if failed is not None and failed.user:
        return (
            "The connection's own steps passed; the failed step concerns only the user tested, "
            "so the connection's status is unchanged. Fix the address or that user's account, "
            "then test again."
        )
    if failed is None:
        fields = {"status": Status.VERIFIED, "status_message": "", "verified_at": timezone.now()}
    else:
        fields = {"status": Status.ERROR, "status_message": failed.message, "verified_at": None}
    # Only if the settings are still the ones tested: a save during the test wins.
    rows = type(conn).objects.filter(pk=conn.pk, updated_at=conn.updated_at)
    if not rows.exclude(status=Status.NOT_CONFIGURED).update(**fields):
        return "The settings changed while the test ran, so this result was not recorded."
    if failed is None:
        return "The connection is now marked Verified."
    return "The connection is now marked Error until a test passes."


@manage_sync_required
def test_connection(request: HttpRequest, page: str) -> HttpResponse:
    if request.method != "POST":
        # Reached by a GET after logging in again: the test itself only runs on a POST.
        return redirect(f"setup:{page}")
    method, conn = connection_for(page)
    outcome: Outcome | None = None
    form = ConnectionTestForm(request.POST)
    if method is None:
        pass  # the page itself says why this method cannot be tested
    elif not form.is_valid():
        typed = str(request.POST.get("email", ""))[:254]
        outcome = Outcome(email=typed, error=" ".join(str(e) for e in form.errors["email"]))
    else:
        email = form.cleaned_data["email"].strip().lower() or None
        steps = redact(run(method, email), stored_secrets())
        outcome = Outcome(email=email or "", steps=tuple(steps), recorded=record(conn, steps))
    shown = copy.copy(request)
    shown.method = "GET"
    shown.connection_test = outcome  # type: ignore[attr-defined]
    return PAGES[page](shown)
