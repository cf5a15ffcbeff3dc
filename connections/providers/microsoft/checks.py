"""Test Connection for Microsoft 365: each step says what is wrong and what the admin must do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from connections.providers.microsoft.client import GraphClient, GraphError, TokenError
from syncengine.provider import CheckStep

FOLDER_NAME = "Salesforce_Sync"
CONSENT = (
    "Press 'Log in to Microsoft 365' on the Outlook setup page as a Global Administrator and "
    "accept the permissions lsync asks for."
)


def explain_token_error(error: TokenError, tenant_id: str) -> str:
    """Plain words for a failed app-only sign-in, with what the admin must do."""
    code, aadsts = error.code, error.aadsts
    if code == "credential_missing":
        return error.message
    if code == "network_error" or error.status == 0:
        return (
            "Microsoft's sign-in service could not be reached from this server. Check the "
            "server's network, proxy (LSYNC_HTTPS_PROXY) and LSYNC_MICROSOFT_LOGIN_URL."
        )
    if code == "invalid_tenant" or aadsts in (90002, 90023, 900023):
        return (
            f"Microsoft does not know the tenant '{tenant_id}'. Log in to Microsoft 365 again "
            "from the Outlook setup page so lsync learns the right tenant."
        )
    if aadsts == 7000215:
        return (
            "The client secret of lsync's Microsoft app is wrong or has expired. Create a new "
            "client secret for the app in Entra ID and set it as LSYNC_MICROSOFT_CLIENT_SECRET."
        )
    if aadsts in (700027, 700023, 700024, 5002738):
        return (
            "Microsoft did not accept lsync's certificate. Upload the certificate to the app "
            "registration in Entra ID and check LSYNC_MICROSOFT_CERT_PATH and "
            "LSYNC_MICROSOFT_CERT_THUMBPRINT."
        )
    if aadsts == 7000218:
        return (
            "lsync sent no client secret or certificate. Set LSYNC_MICROSOFT_CLIENT_SECRET or "
            "LSYNC_MICROSOFT_CERT_PATH on the server."
        )
    if code == "unauthorized_client" or aadsts in (700016, 7000112, 65001):
        return (
            "lsync's app has not been granted access to this Microsoft 365 tenant (no admin "
            f"consent yet, or it was removed). {CONSENT} A new consent can take a minute to apply."
        )
    if error.throttled:
        return "Microsoft's sign-in service is busy. Try again in a minute."
    return f"Microsoft refused lsync's sign-in: {error.message.splitlines()[0][:300]}"


def explain_mailbox_error(error: GraphError, email: str) -> str:
    code = error.code.lower()
    if code == "mailboxnotenabledforrestapi":
        return (
            f"The user {email} has no Exchange Online mailbox: assign an Exchange Online licence "
            "to the user in the Microsoft 365 admin center (or use their mailbox address)."
        )
    if code in ("errorinvaliduser", "request_resourcenotfound", "resourcenotfound"):
        return (
            f"Microsoft 365 has no user {email}. Check the address, or set the user's mailbox "
            "address in lsync if it differs from their Salesforce e-mail."
        )
    if error.status == 403 and "policy" in error.message.lower():
        return (
            f"An Exchange application access policy keeps lsync out of {email}'s mailbox. Add "
            "the user to the group named in the policy (New-ApplicationAccessPolicy)."
        )
    if error.status in (401, 403):
        return f"Microsoft 365 denied access to {email}'s mailbox. {CONSENT}"
    if error.throttled:
        return "Microsoft 365 is throttling lsync right now. Try again in a minute."
    return f"Microsoft 365 answered with an error ({error.code}): {error.message[:300]}"


USER_CODES = {
    "mailboxnotenabledforrestapi",
    "errorinvaliduser",
    "request_resourcenotfound",
    "resourcenotfound",
}


def is_user_problem(error: GraphError) -> bool:
    """True when the error is about one user (no such user, no mailbox, outside the access
    policy), not about lsync's access to the tenant."""
    return (
        error.code.lower() in USER_CODES
        or error.status == 404
        or (error.status == 403 and "policy" in error.message.lower())
    )


def _stored_tenant() -> str:
    from connections.models import MailConnection

    return (MailConnection.load(MailConnection.Method.MICROSOFT365).tenant_id or "").strip()


def run_checks(email: str | None, *, tenant_id: str | None = None) -> list[CheckStep]:
    tenant = (tenant_id if tenant_id is not None else _stored_tenant()).strip()
    if not tenant:
        return [
            CheckStep(
                "Sign in to Microsoft 365", False, f"Microsoft 365 is not connected yet. {CONSENT}"
            )
        ]
    client = GraphClient(tenant)
    try:
        client.token(fresh=True)
    except TokenError as error:
        return [CheckStep("Sign in to Microsoft 365", False, explain_token_error(error, tenant))]
    steps = [
        CheckStep("Sign in to Microsoft 365", True, "lsync got an app-only token for the tenant.")
    ]
    email = (email or "").strip().lower() or _first_enrolled_mailbox()
    if not email:
        steps.append(
            CheckStep(
                "Mailbox",
                True,
                "lsync's permissions are checked on a mailbox: enter a user's e-mail address to "
                "test them.",
            )
        )
        return steps
    permissions = _permission_step(client, email)
    if permissions is not None:
        steps.append(permissions)
        if not permissions.ok:
            return steps
    return steps + _mailbox_steps(client, email)


def _first_enrolled_mailbox() -> str:
    # Read through the app registry: connections must not import the sync engine.
    from django.apps import apps

    users = apps.get_model("syncengine", "SyncUser").objects.filter(
        link_status="linked", configuration__active=True
    )
    first = users.exclude(mailbox_address="").order_by("email").first()
    return str(first.mailbox_address).lower() if first else ""


def _permission_step(client: GraphClient, email: str) -> CheckStep | None:
    """Asks Graph for the user's contacts and calendar: a refusal that is not about the user is
    a permission the app lacks. Access tokens are opaque to clients (Microsoft may encrypt or
    reshape them), so their claims are never read. None: the user cannot tell (no such user or
    mailbox); the mailbox step says why."""
    user = f"/users/{quote(email, safe='@')}"
    missing = []
    for role, path in (("Contacts.ReadWrite", "contacts"), ("Calendars.ReadWrite", "events")):
        try:
            client.send("GET", f"{user}/{path}", params={"$top": "1", "$select": "id"})
        except GraphError as error:
            if is_user_problem(error):
                return None
            if error.status in (401, 403):
                missing.append(role)
                continue
            return CheckStep("Permissions", False, explain_mailbox_error(error, email))
    if missing:
        return CheckStep(
            "Permissions",
            False,
            f"lsync's app lacks the permission {', '.join(missing)}. Add it as an application "
            f"permission to the app registration, then: {CONSENT}",
        )
    return CheckStep("Permissions", True, "Contacts and calendars may be read and written.")


def _mailbox_steps(client: GraphClient, email: str) -> list[CheckStep]:
    user = f"/users/{quote(email, safe='@')}"
    steps: list[CheckStep] = []
    try:
        folders = client.send(
            "GET", f"{user}/contactFolders", params={"$filter": f"displayName eq '{FOLDER_NAME}'"}
        )
    except GraphError as error:
        message = explain_mailbox_error(error, email)
        return [CheckStep("Mailbox", False, message, user=is_user_problem(error))]
    steps.append(
        CheckStep("Mailbox", True, f"{email} has an Exchange Online mailbox lsync can open.")
    )
    found = [f for f in folders.get("value") or [] if f.get("displayName") == FOLDER_NAME]
    steps.append(
        CheckStep(
            "Contacts folder",
            True,
            f"The {FOLDER_NAME} contact folder exists."
            if found
            else f"The {FOLDER_NAME} contact folder will be created on the first sync.",
        )
    )
    now = datetime.now(UTC).replace(microsecond=0)
    window = {"startDateTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "endDateTime": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "$top": "1"}  # fmt: skip
    try:
        client.send("GET", f"{user}/calendarView", params=window)
        steps.append(CheckStep("Calendar", True, "The primary calendar can be read."))
    except GraphError as error:
        message = explain_mailbox_error(error, email)
        steps.append(CheckStep("Calendar", False, message, user=is_user_problem(error)))
    steps.append(_write_probe(client, user, email, found[0]["id"] if found else None))
    return steps


def _write_probe(client: GraphClient, user: str, email: str, folder_id: str | None) -> CheckStep:
    """Creates a contact and deletes it again: the only sure test of write access."""
    where = f"{user}/contactFolders/{folder_id}/contacts" if folder_id else f"{user}/contacts"
    try:
        made = client.send("POST", where, body={"givenName": "lsync", "surname": "connection test"})
        client.send("DELETE", f"{user}/contacts/{made['id']}")
    except GraphError as error:
        message = explain_mailbox_error(error, email)
        return CheckStep("Write access", False, message, user=is_user_problem(error))
    return CheckStep("Write access", True, "A test contact was created and deleted again.")
