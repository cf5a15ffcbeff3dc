"""Who may touch which mailbox: bearer token, tenant, app roles, mailbox existence, and the
directory's ``/users`` resource."""

from __future__ import annotations

from typing import Any

from sandbox.core import Request, Response
from sandbox.microsoft.directory import Directory
from sandbox.microsoft.errors import GraphError
from sandbox.microsoft.odata import paged
from sandbox.microsoft.state import Mailbox

DENIED = "Access is denied. Check credentials and try again."


def open_mailbox(directory: Directory, request: Request, user: str, role: str) -> Mailbox:
    tenant, client_id = directory.authenticate(request.header("authorization"))
    box = tenant.user(user)
    if box is None:
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
    if role not in tenant.consents.get(client_id, set()):
        raise GraphError(403, "ErrorAccessDenied", DENIED)
    if not box.has_mailbox:
        raise GraphError(
            404,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        )
    if box.blocked:
        raise GraphError(
            403,
            "ErrorAccessDenied",
            "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly "
            "AccessPolicy settings.",
        )
    return box


def user_json(box: Mailbox) -> dict[str, Any]:
    given, _, surname = box.display_name.partition(" ")
    return {
        "businessPhones": [],
        "displayName": box.display_name,
        "givenName": given or None,
        "jobTitle": None,
        "mail": box.upn if box.has_mailbox else None,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": None,
        "surname": surname or None,
        "userPrincipalName": box.upn,
        "id": box.id,
    }


def _directory_reader(directory: Directory, request: Request) -> Any:
    tenant, client_id = directory.authenticate(request.header("authorization"))
    if "User.Read.All" not in tenant.consents.get(client_id, set()):
        raise GraphError(
            403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
        )
    return tenant


def get_user(directory: Directory, request: Request, user: str) -> Response:
    tenant = _directory_reader(directory, request)
    box = tenant.user(user)
    if box is None:
        raise GraphError(
            404,
            "Request_ResourceNotFound",
            f"Resource '{user}' does not exist or one of its queried reference-property objects "
            "are not present.",
        )
    body = {"@odata.context": f"{request.base_url}/v1.0/$metadata#users/$entity", **user_json(box)}
    return Response.json(body)


def list_users(directory: Directory, request: Request) -> Response:
    tenant = _directory_reader(directory, request)
    values = [user_json(b) for b in sorted(tenant.users.values(), key=lambda b: b.upn)]
    return Response.json(paged(request, values, 100, f"{request.base_url}/v1.0/$metadata#users"))


def mailbox_settings(directory: Directory, request: Request, user: str) -> Response:
    box = open_mailbox(directory, request, user, "Calendars.ReadWrite")
    return Response.json(
        {
            "@odata.context": f"{request.base_url}/v1.0/$metadata#users('{box.id}')/mailboxSettings",
            "timeZone": "UTC",
            "dateFormat": "yyyy-MM-dd",
            "timeFormat": "HH:mm",
            "userPurpose": "user",
        }
    )
