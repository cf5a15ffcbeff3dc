"""Test Connection for Salesforce: log in as one syncing user and try what sync needs.

Steps, in order (a failed step stops the ones that need it):
"token" (the JWT bearer exchange), "user found", "contacts readable", "events readable",
"write permission". Every failure says what is wrong and what the admin must do.

The write check sends one insert that cannot succeed (no required fields, allOrNone) for Contact
and for Event: a user allowed to create gets REQUIRED_FIELD_MISSING and nothing is written; a
user who may not gets an access error. It works the same on every org and needs no describe call.
"""

from __future__ import annotations

from dataclasses import replace

from connections.models import SalesforceConnection
from connections.providers.salesforce.client import LoginError, SalesforceClient, SalesforceError
from connections.providers.salesforce.messages import explain_login, explain_rest
from syncengine.provider import CheckStep

PERMISSION_ADVICE = (
    "Give the user's profile or a permission set Read, Create and Edit on {obj} (Setup > "
    "Profiles or Permission Sets > Object Settings)."
)


def choose_username(email: str | None) -> tuple[str | None, str]:
    """The Salesforce username to test with, and a sentence when there is none."""
    from django.apps import apps
    from django.db.models import Q

    # Read through the app registry: connections must not import the sync engine.
    sync_user = apps.get_model("syncengine", "SyncUser")
    users = sync_user.objects.all()
    if email:
        found = users.filter(
            Q(email__iexact=email) | Q(username__iexact=email) | Q(mailbox_address__iexact=email)
        ).first()
        return (found.username if found else email), ""
    first = users.filter(configuration__active=True).order_by("email").first()
    if first is None:
        return None, (
            "No user is enrolled in an active sync configuration yet. Enroll a user, or give "
            "the Salesforce username to test with."
        )
    return first.username, ""


def run_checks(email: str | None) -> list[CheckStep]:
    """Every step logs in as one user. For an address no enrolled user has (a typo, a
    stranger), a failure is about that address, not the connection."""
    steps = _steps(email)
    if email and not _enrolled(email):
        steps = [replace(step, user=True) for step in steps]
    return steps


def _enrolled(email: str) -> bool:
    from django.apps import apps
    from django.db.models import Q

    users = apps.get_model("syncengine", "SyncUser").objects.all()
    return bool(
        users.filter(
            Q(email__iexact=email) | Q(username__iexact=email) | Q(mailbox_address__iexact=email)
        ).exists()
    )


def _steps(email: str | None) -> list[CheckStep]:
    connection = SalesforceConnection.load()
    if not connection.consumer_key or not connection.private_key:
        return [
            CheckStep(
                "token",
                False,
                "Salesforce is not set up: enter the connected app's consumer key and upload its "
                "private key in Setup > Salesforce.",
            )
        ]
    username, problem = choose_username(email)
    if username is None:
        return [CheckStep("token", False, problem)]
    client = SalesforceClient(
        connection.login_url,
        connection.consumer_key,
        connection.private_key,
        username,
        connection.api_version,
    )
    steps: list[CheckStep] = []
    try:
        token = client.login(fresh=True)
    except LoginError as exc:
        return [CheckStep("token", False, explain_login(exc, username, connection.login_url))]
    steps.append(CheckStep("token", True, f"Logged in to Salesforce as {username}."))
    try:
        steps.append(_user_step(client, token.user_id, username))
        for obj, name in (("Contact", "contacts readable"), ("Event", "events readable")):
            steps.append(_read_step(client, obj, name, token.user_id))
        steps.append(_write_step(client))
    except SalesforceError as exc:
        step = _next_name(steps)
        steps.append(CheckStep(step, False, explain_rest(exc)))
    return steps


def _next_name(steps: list[CheckStep]) -> str:
    order = ["token", "user found", "contacts readable", "events readable", "write permission"]
    return order[min(len(steps), len(order) - 1)]


def _user_step(client: SalesforceClient, user_id: str, username: str) -> CheckStep:
    soql = f"SELECT Id, Username, Name, Email, IsActive FROM User WHERE Id = '{user_id}'"
    rows = list(client.query(soql))
    if not rows:
        return CheckStep(
            "user found",
            False,
            f"Salesforce logged {username} in but cannot show the user record; check that the "
            "user's profile has 'API Enabled' and 'View Setup and Configuration'.",
        )
    row = rows[0]
    return CheckStep(
        "user found", True, f"{row.get('Name') or username} ({row.get('Email')}), id {row['Id']}."
    )


def _read_step(client: SalesforceClient, obj: str, name: str, user_id: str) -> CheckStep:
    try:
        answer = client.get(
            "query/", {"q": f"SELECT COUNT() FROM {obj} WHERE OwnerId = '{user_id}'"}
        )
    except SalesforceError as exc:
        if exc.code.startswith("INSUFFICIENT_ACCESS") or exc.code in ("INVALID_TYPE", "NOT_FOUND"):
            plural = "contacts" if obj == "Contact" else "events"
            return CheckStep(
                name,
                False,
                f"The user cannot read {plural}. " + PERMISSION_ADVICE.format(obj=plural),
            )
        raise
    count = int((answer or {}).get("totalSize", 0))
    label = "contact" if obj == "Contact" else "event"
    return CheckStep(name, True, f"The user owns {count} {label}{'s' if count != 1 else ''}.")


def _write_step(client: SalesforceClient) -> CheckStep:
    refused: list[str] = []
    for obj in ("Contact", "Event"):
        answer = client.write(
            "POST",
            "composite/sobjects",
            json={"allOrNone": True, "records": [{"attributes": {"type": obj}}]},
        )
        errors = (answer or [{}])[0].get("errors") or [{}]
        code = str(errors[0].get("statusCode", ""))
        if (answer or [{}])[0].get("success"):
            # Cannot happen with no fields at all; never leave a record behind if it does.
            client.write("DELETE", "composite/sobjects", params={"ids": answer[0]["id"]})
        elif code != "REQUIRED_FIELD_MISSING":
            refused.append(f"{obj}: {errors[0].get('message', code)}")
    if refused:
        return CheckStep(
            "write permission",
            False,
            "The user may not create records ("
            + "; ".join(refused)
            + "). "
            + PERMISSION_ADVICE.format(obj="contacts and events"),
        )
    return CheckStep("write permission", True, "The user can create contacts and events.")
