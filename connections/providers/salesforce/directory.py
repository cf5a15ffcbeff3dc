"""The Salesforce side of enrollment: search users and profiles, read the users an assignment
covers, find e-mail duplicates, and try an extra SOQL filter.

Salesforce is reached as one user (the JWT bearer flow always names one): the username in
``LSYNC_SALESFORCE_DIRECTORY_USER``, else an already enrolled user. That user needs "API
Enabled" and "View Setup and Configuration" to see every user and profile.

Everything raises `DirectoryError` with a sentence an admin can act on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings

from connections.models import SalesforceConnection
from connections.providers.salesforce.client import LoginError, SalesforceClient, SalesforceError
from connections.providers.salesforce.messages import explain_login, explain_rest
from connections.providers.salesforce.soql import like_pattern, quote
from syncengine.models import LinkStatus, SyncUser
from syncengine.provider import (
    Directory,
    DirectoryError,
    FilterRejected,
    SalesforceProfile,
    SalesforceUser,
)
from syncengine.unresolved import SEARCH_LIMIT, Candidate

USER_FIELDS = "Id, Username, Email, Name, IsActive, ProfileId, Profile.Name"
# SOQL's IN list is bounded by the 100,000-character query length; stay far below it.
CHUNK = 200
QUERY_ERRORS = frozenset({"MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE", "INVALID_QUERY_FILTER_OPERATOR"})  # fmt: skip


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    unique = sorted({v for v in values if v})
    for start in range(0, len(unique), CHUNK):
        yield unique[start : start + CHUNK]


def _in_list(values: list[str]) -> str:
    return "(" + ", ".join(quote(v) for v in values) + ")"


class SalesforceDirectory:
    def __init__(self, client: SalesforceClient) -> None:
        self.client = client

    def _rows(self, soql: str) -> list[dict[str, Any]]:
        try:
            return list(self.client.query(soql))
        except LoginError as exc:
            raise DirectoryError(
                explain_login(exc, self.client.username, self.client.login_url)
            ) from exc
        except SalesforceError as exc:
            raise DirectoryError(explain_rest(exc)) from exc

    def search(
        self, text: str, limit: int = 10
    ) -> tuple[list[SalesforceUser], list[SalesforceProfile]]:
        text = " ".join(text.split())[:80]
        if not text:
            return [], []
        like = like_pattern(text)
        users = self._rows(
            f"SELECT {USER_FIELDS} FROM User WHERE IsActive = true AND "
            f"(Name LIKE {like} OR Username LIKE {like} OR Email LIKE {like}) "
            f"ORDER BY Name LIMIT {int(limit)}"
        )
        profiles = self._rows(
            f"SELECT Id, Name FROM Profile WHERE Name LIKE {like} ORDER BY Name LIMIT {int(limit)}"
        )
        return (
            [SalesforceUser.from_row(r) for r in users],
            [SalesforceProfile(str(r["Id"]), str(r.get("Name") or "")) for r in profiles],
        )

    def _users_where(self, field: str, values: Iterable[str], active_only: bool) -> list[SalesforceUser]:  # fmt: skip
        found: list[SalesforceUser] = []
        active = " AND IsActive = true" if active_only else ""
        for chunk in _chunks(values):
            soql = f"SELECT {USER_FIELDS} FROM User WHERE {field} IN {_in_list(chunk)}{active}"
            found += [SalesforceUser.from_row(r) for r in self._rows(soql)]
        return found

    def users_by_id(self, ids: Sequence[str]) -> list[SalesforceUser]:
        return self._users_where("Id", ids, active_only=True)

    def users_by_profile(self, profile_ids: Sequence[str]) -> list[SalesforceUser]:
        return self._users_where("ProfileId", profile_ids, active_only=True)

    def users_by_email(self, emails: Sequence[str]) -> list[SalesforceUser]:
        return self._users_where("Email", emails, active_only=True)

    def profiles_by_id(self, ids: Sequence[str]) -> list[SalesforceProfile]:
        found: list[SalesforceProfile] = []
        for chunk in _chunks(ids):
            rows = self._rows(f"SELECT Id, Name FROM Profile WHERE Id IN {_in_list(chunk)}")
            found += [SalesforceProfile(str(r["Id"]), str(r.get("Name") or "")) for r in rows]
        return found

    def check_contact_filter(self, condition: str) -> None:
        try:
            list(self.client.query(f"SELECT Id FROM Contact WHERE ({condition}) LIMIT 1"))
        except LoginError as exc:
            raise DirectoryError(
                explain_login(exc, self.client.username, self.client.login_url)
            ) from exc
        except SalesforceError as exc:
            if exc.code in QUERY_ERRORS:
                raise FilterRejected(plain_query_error(exc.message)) from exc
            raise DirectoryError(explain_rest(exc)) from exc


def plain_query_error(message: str) -> str:
    """Salesforce's query error without the echoed query and caret lines."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    useful = [
        line
        for line in lines
        if not line.upper().startswith(("SELECT ", "^")) and not line.startswith("ERROR at Row")
    ]
    position = next((line for line in lines if line.startswith("ERROR at Row")), "")
    text = " ".join(useful) or message.strip()
    if position:
        column = position.rsplit(":", 1)[-1]
        text += f" (near character {column} of the query lsync built around your filter)"
    return text


def directory_username() -> str | None:
    configured = str(getattr(settings, "LSYNC_SALESFORCE_DIRECTORY_USER", "") or "").strip()
    if configured:
        return configured
    first = (
        SyncUser.objects.filter(configuration__isnull=False, link_status=LinkStatus.LINKED)
        .order_by("pk")
        .values_list("username", flat=True)
        .first()
    )
    return first or None


def salesforce_connected() -> bool:
    connection = SalesforceConnection.load()
    return bool(connection.pk and connection.consumer_key and connection.private_key)


def get_directory() -> Directory:
    """The Salesforce directory, or DirectoryError saying what setup is missing."""
    connection = SalesforceConnection.load()
    if not (connection.consumer_key and connection.private_key):
        raise DirectoryError(
            "Salesforce is not connected: enter the connected app's consumer key and private "
            "key in Setup > Salesforce."
        )
    username = directory_username()
    if not username:
        raise DirectoryError(
            "lsync needs a Salesforce user to read users and profiles as: set "
            "LSYNC_SALESFORCE_DIRECTORY_USER to the username of a user with 'API Enabled' and "
            "'View Setup and Configuration', pre-authorized for the connected app."
        )
    client = SalesforceClient(
        connection.login_url,
        connection.consumer_key,
        connection.private_key,
        username,
        connection.api_version,
    )
    return SalesforceDirectory(client)


class RecordDirectory:
    """The Salesforce calls resolving unresolved items needs (syncengine.unresolved.Directory),
    made as the sync user, so their sharing decides what they may pick."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def search(self, sobject: str, text: str) -> list[Candidate]:
        if sobject not in ("Account", "Contact", "Lead") or not text.strip():
            return []
        like = like_pattern(text.strip())
        if sobject == "Account":
            soql = f"SELECT Id, Name FROM Account WHERE Name LIKE {like}"
        else:
            soql = (
                f"SELECT Id, Name, Email FROM {sobject} WHERE Name LIKE {like} OR Email LIKE {like}"
            )
        rows = self.client.query(f"{soql} ORDER BY Name LIMIT {SEARCH_LIMIT}")
        return [
            Candidate(r["Id"], sobject, r.get("Name") or "", r.get("Email") or "") for r in rows
        ][:SEARCH_LIMIT]

    def create_account(self, name: str) -> str:
        answer = self.client.write("POST", "sobjects/Account/", json={"Name": name})
        return str(answer["id"])

    def set_account(self, contact_id: str, account_id: str) -> None:
        self.client.write("PATCH", f"sobjects/Contact/{contact_id}", json={"AccountId": account_id})

    def add_invitee(self, event_id: str, relation_id: str) -> None:
        body = {"EventId": event_id, "RelationId": relation_id, "IsInvitee": True}
        self.client.write("POST", "sobjects/EventRelation/", json=body)
