"""The "Salesforce Sync" contact group: found by name, or created (a concurrent creation's 409
is answered by looking again). Used by the contacts store and by Test Connection."""

from __future__ import annotations

from connections.providers.google.client import GoogleApiError, GoogleClient

GROUP_NAME = "Salesforce Sync"


def find_group(client: GoogleClient, name: str = GROUP_NAME) -> str | None:
    token = None
    while True:
        params = {"pageSize": "1000", **({"pageToken": token} if token else {})}
        page = client.people("GET", "contactGroups", params=params)
        for group in page.get("contactGroups") or []:
            if group.get("groupType") != "SYSTEM_CONTACT_GROUP" and name in (
                group.get("name"),
                group.get("formattedName"),
            ):
                return str(group["resourceName"])
        token = page.get("nextPageToken")
        if not token:
            return None


def ensure_group(client: GoogleClient, name: str = GROUP_NAME) -> tuple[str, bool]:
    """(the group's resource name, whether it was created now)."""
    found = find_group(client, name)
    if found is not None:
        return found, False
    try:
        created = client.people("POST", "contactGroups", body={"contactGroup": {"name": name}})
        return str(created["resourceName"]), True
    except GoogleApiError as error:
        if error.status != 409:
            raise
    found = find_group(client, name)
    if found is None:
        raise GoogleApiError(409, "ALREADY_EXISTS", f"the contact group {name!r} cannot be found")
    return found, False
