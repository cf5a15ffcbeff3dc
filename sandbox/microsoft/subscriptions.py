"""Graph change notifications: ``POST/PATCH/DELETE /subscriptions`` and their delivery.

What Graph does and the emulator copies (learn.microsoft.com/graph/change-notifications-delivery-
webhooks): creating a subscription first POSTs to ``notificationUrl?validationToken=...`` and
expects, within 10 s, a 200 with that token as the plain-text body, else 400 "Subscription
validation request failed". Outlook resources (contacts, events) live at most 10,080 minutes; a
subscription past its expirationDateTime is gone (PATCH and GET answer 404). A notification is
``{"value": [{subscriptionId, clientState, changeType, resource, resourceData,
subscriptionExpirationDateTime, tenantId}]}``, one entry per changed item.

Delivery needs a way to reach the product: `deliver(url, body)` -> (status, text), set by the test
or benchmark (the Django test client, for example). Changes are found by `pump()`, which the test
calls after editing a mailbox (Graph pushes within seconds; in process, the test says when).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sandbox.core import Request, Response
from sandbox.microsoft.access import open_mailbox
from sandbox.microsoft.common import body_json, iso
from sandbox.microsoft.directory import Directory
from sandbox.microsoft.errors import GraphError
from sandbox.microsoft.state import Mailbox

MAX_MINUTES = 10080
Deliver = Callable[[str, bytes | None], tuple[int, str]]


@dataclass
class Subscription:
    id: str
    tenant_id: str
    resource: str
    change_type: str
    url: str
    client_state: str
    expires: datetime
    box: Mailbox
    kind: str  # "contacts" | "events"
    folder: str | None
    seen: dict[str, str] = field(default_factory=dict)  # item id -> changeKey delivered


def _items(sub: Subscription) -> dict[str, str]:
    if sub.kind == "events":
        return {i.id: i.change_key for i in sub.box.events.values()}
    return {
        i.id: i.change_key
        for i in sub.box.contacts.values()
        if sub.folder is None or i.parent_id == sub.folder
    }


def _parse(resource: str) -> tuple[str, str, str | None]:
    """(user, kind, folder) of ``users/{u}/events``, ``users/{u}/contacts`` or
    ``users/{u}/contactFolders/{f}/contacts``."""
    parts = resource.strip("/").split("/")
    if len(parts) == 3 and parts[0] == "users" and parts[2] in ("events", "contacts"):
        return parts[1], parts[2], None
    folder = len(parts) == 5 and parts[0] == "users" and parts[2] == "contactFolders"
    if folder and parts[4] == "contacts":
        return parts[1], "contacts", parts[3]
    raise GraphError(400, "InvalidRequest", f"Resource '{resource}' is not supported.")


class Subscriptions:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.subs: dict[str, Subscription] = {}
        self.deliver: Deliver | None = None
        self.delivered: list[dict[str, Any]] = []

    def _live(self, sub_id: str) -> Subscription:
        self.expire()
        sub = self.subs.get(sub_id)
        if sub is None:
            raise GraphError(404, "ResourceNotFound", f"The object was not found: {sub_id}")
        return sub

    def _expiry(self, data: dict[str, Any]) -> datetime:
        raw = str(data.get("expirationDateTime") or "")
        try:
            expires = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise GraphError(400, "InvalidRequest", "expirationDateTime is invalid.") from exc
        now = self.directory.clock.now()
        if expires <= now or expires > now + timedelta(minutes=MAX_MINUTES):
            raise GraphError(
                400,
                "InvalidRequest",
                "Subscription expiration can only be 10080 minutes in the future.",
            )
        return expires

    def expire(self) -> None:
        now = self.directory.clock.now()
        for sub_id in [s.id for s in self.subs.values() if s.expires <= now]:
            del self.subs[sub_id]

    def json(self, sub: Subscription) -> dict[str, Any]:
        return {
            "id": sub.id,
            "resource": sub.resource,
            "changeType": sub.change_type,
            "notificationUrl": sub.url,
            "expirationDateTime": iso(sub.expires),
        }

    # --- the API -----------------------------------------------------------------------------
    def create(self, directory: Directory, request: Request) -> Response:
        data = body_json(request)
        user, kind, folder = _parse(str(data.get("resource", "")))
        role = "Calendars.ReadWrite" if kind == "events" else "Contacts.ReadWrite"
        box = open_mailbox(directory, request, user, role)
        url = str(data.get("notificationUrl", ""))
        if not url.startswith("https://"):
            raise GraphError(400, "InvalidRequest", "NotificationUrl must use https.")
        expires = self._expiry(data)
        token = secrets.token_urlsafe(16)
        status, text = (0, "")
        if self.deliver is not None:
            status, text = self.deliver(f"{url}?validationToken={token}", None)
        if status != 200 or text != token:
            raise GraphError(
                400,
                "InvalidRequest",
                "Subscription validation request failed. Response must exactly match "
                "validationToken query parameter.",
            )
        sub = Subscription(
            directory.make.guid("subscription", len(self.subs), token),
            box.tenant_id,
            str(data["resource"]),
            str(data.get("changeType", "created,updated,deleted")),
            url,
            str(data.get("clientState", "")),
            expires,
            box,
            kind,
            folder,
        )
        sub.seen = _items(sub)
        self.subs[sub.id] = sub
        return Response.json(self.json(sub), 201)

    def renew(self, directory: Directory, request: Request, sub_id: str) -> Response:
        sub = self._live(sub_id)
        sub.expires = self._expiry(body_json(request))
        return Response.json(self.json(sub))

    def get(self, directory: Directory, request: Request, sub_id: str) -> Response:
        return Response.json(self.json(self._live(sub_id)))

    def delete(self, directory: Directory, request: Request, sub_id: str) -> Response:
        self._live(sub_id)
        del self.subs[sub_id]
        return Response(204)

    # --- delivery ----------------------------------------------------------------------------
    def pump(self) -> int:
        """Delivers one notification per item changed since the last pump; returns how many."""
        self.expire()
        sent = 0
        for sub in list(self.subs.values()):
            now_items = _items(sub)
            notes = []
            for item_id, key in now_items.items():
                if sub.seen.get(item_id) != key:
                    notes.append(
                        self._note(
                            sub, item_id, "created" if item_id not in sub.seen else "updated"
                        )
                    )
            notes += [self._note(sub, i, "deleted") for i in sub.seen if i not in now_items]
            sub.seen = now_items
            if notes and self.deliver is not None:
                self.delivered.extend(notes)
                self.deliver(sub.url, json.dumps({"value": notes}).encode())
                sent += len(notes)
        return sent

    def _note(self, sub: Subscription, item_id: str, change: str) -> dict[str, Any]:
        return {
            "subscriptionId": sub.id,
            "clientState": sub.client_state,
            "changeType": change,
            "resource": f"{sub.resource}/{item_id}",
            "resourceData": {"id": item_id},
            "subscriptionExpirationDateTime": iso(sub.expires),
            "tenantId": sub.tenant_id,
        }
