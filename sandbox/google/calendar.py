"""Calendar API v3 events: list (full, incremental, expanded), get, insert, patch, update,
delete and instances on ``calendars/{calendarId}/events``."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from sandbox.core import Request, Response
from sandbox.google.errors import calendar_error, calendar_invalid, calendar_not_found, int_arg
from sandbox.google.events import (
    check_id,
    decorate,
    envelope,
    merge,
    retire_error,
    validate,
    writable,
)
from sandbox.google.invites import answer_of, check_guest_change, decline, organizer_of
from sandbox.google.listing import (
    Query,
    collect,
    find_instance,
    property_filter,
    rfc3339_arg,
    start_key,
)
from sandbox.google.store import Mailbox, Page, StoredEvent, SyncToken, rfc3339

if TYPE_CHECKING:
    from sandbox.google.app import GoogleEmulator

NOT_WITH_SYNC = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)
SEND_UPDATES = ("all", "externalOnly", "none")
SYNC_TOKEN_DAYS = 30


class CalendarApi:
    def __init__(self, emulator: GoogleEmulator) -> None:
        self.emu = emulator

    def mailbox(self, request: Request, calendar_id: str, write: bool) -> Mailbox:
        mailbox = self.emu.calendar_mailbox(request, write)
        if calendar_id != "primary" and calendar_id.lower() != mailbox.email:
            raise calendar_not_found()
        return mailbox

    # --- list --------------------------------------------------------------------------------
    def list_events(self, request: Request, calendar_id: str) -> Response:
        mailbox = self.mailbox(request, calendar_id, write=False)
        size = min(max(int_arg(request, "maxResults", 250), 1), 2500)
        page_token = request.arg("pageToken")
        offset = 0
        if page_token:
            found = self.emu.pages.take(page_token, mailbox.email, "calendar")
            if found is None:
                raise calendar_invalid("Invalid page token value.", "pageToken")
            page, offset = found
        else:
            page = self._first_page(request, mailbox)
        body = self._envelope(mailbox, copy.deepcopy(page.items[offset : offset + size]))
        if offset + size < len(page.items):
            body["nextPageToken"] = self.emu.pages.put(page, offset + size)
        elif page.sync_seq is not None:
            stamp = self.emu.clock.timestamp()
            body["nextSyncToken"] = SyncToken(
                "calendar", mailbox.email, page.sync_seq, self.emu.cursor_epoch, stamp
            ).encode()
        return Response.json(body)

    def _first_page(self, request: Request, mailbox: Mailbox) -> Page:
        single = request.arg("singleEvents", "false") == "true"
        order = request.arg("orderBy")
        if order not in (None, "startTime", "updated") or (order == "startTime" and not single):
            raise calendar_invalid(
                "The requested ordering is not available for the particular query.",
                "orderBy",
                reason="badRequest",
            )
        sync_text = request.arg("syncToken")
        stored = sorted(mailbox.events.values(), key=lambda e: e.seq)
        if sync_text:
            for name in NOT_WITH_SYNC:
                if request.arg(name) is not None:
                    raise calendar_invalid(
                        f"The {name} parameter can't be combined with syncToken.", name
                    )
            since = self._since(mailbox, sync_text)
            stored = [e for e in stored if e.seq > since]
            query = Query(single=single, show_deleted=True)
        else:
            query = Query(
                single=single,
                show_deleted=request.arg("showDeleted", "false") == "true",
                time_min=rfc3339_arg(request.arg("timeMin"), "timeMin"),
                time_max=rfc3339_arg(request.arg("timeMax"), "timeMax"),
                updated_min=rfc3339_arg(request.arg("updatedMin"), "updatedMin"),
                q=request.arg("q") or "",
                ical_uid=request.arg("iCalUID") or "",
                private=property_filter(
                    request.query.get("privateExtendedProperty", []), "privateExtendedProperty"
                ),
                shared=property_filter(
                    request.query.get("sharedExtendedProperty", []), "sharedExtendedProperty"
                ),
            )
            if query.time_min and query.time_max and query.time_max <= query.time_min:
                raise calendar_error(
                    400, "timeRangeEmpty", "The specified time range is empty.", location="timeMax"
                )
        items = collect(mailbox, stored, query, self.emu.clock.now())
        if order == "startTime":
            items.sort(key=start_key)
        elif order == "updated":
            items.sort(key=lambda i: i.get("updated", ""))
        return Page(mailbox.email, "calendar", copy.deepcopy(items), mailbox.seq)

    def _since(self, mailbox: Mailbox, text: str) -> int:
        token = SyncToken.decode(text)
        too_old = token is not None and (
            self.emu.clock.timestamp() - token.issued > SYNC_TOKEN_DAYS * 86400
        )
        if (
            token is None
            or token.kind != "calendar"
            or token.email != mailbox.email
            or token.epoch != self.emu.cursor_epoch
            or too_old
        ):
            raise calendar_error(
                410,
                "fullSyncRequired",
                "Sync token is no longer valid, a full sync is required.",
                domain="calendar",
                location="syncToken",
            )
        return token.seq

    def _envelope(self, mailbox: Mailbox, items: list[dict[str, Any]]) -> dict[str, Any]:
        latest = max((e.data.get("updated", "") for e in mailbox.events.values()), default="")
        return {
            "kind": "calendar#events",
            "etag": f'"p{mailbox.seq:016d}"',
            "summary": mailbox.email,
            "description": "",
            "updated": latest or rfc3339(self.emu.clock.now()),
            "timeZone": mailbox.time_zone,
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
            "items": items,
        }

    def instances(self, request: Request, calendar_id: str, event_id: str) -> Response:
        mailbox = self.mailbox(request, calendar_id, write=False)
        stored = mailbox.events.get(event_id)
        if stored is None or not stored.data.get("recurrence"):
            raise calendar_not_found()
        if stored.cancelled:
            raise retire_error()
        query = Query(
            single=True,
            show_deleted=request.arg("showDeleted", "false") == "true",
            time_min=rfc3339_arg(request.arg("timeMin"), "timeMin"),
            time_max=rfc3339_arg(request.arg("timeMax"), "timeMax"),
        )
        related = [
            e
            for e in mailbox.events.values()
            if e.data["id"] == event_id or e.data.get("recurringEventId") == event_id
        ]
        items = collect(mailbox, sorted(related, key=lambda e: e.seq), query, self.emu.clock.now())
        items.sort(key=start_key)
        size = min(max(int_arg(request, "maxResults", 250), 1), 2500)
        return Response.json(self._envelope(mailbox, copy.deepcopy(items[:size])))

    # --- single events -----------------------------------------------------------------------
    def get(self, request: Request, calendar_id: str, event_id: str) -> Response:
        mailbox = self.mailbox(request, calendar_id, write=False)
        stored = mailbox.events.get(event_id)
        if stored is not None:
            return Response.json(stored.data)
        found = find_instance(mailbox, event_id)
        if found is None:
            raise calendar_not_found()
        return Response.json(found)

    def insert(self, request: Request, calendar_id: str) -> Response:
        mailbox = self.mailbox(request, calendar_id, write=True)
        send = _send_updates(request)
        body = request.json() or {}
        if not isinstance(body, dict):
            raise calendar_invalid("Parse Error", reason="parseError")
        event_id = check_id(body["id"]) if "id" in body else self.emu.new_event_id()
        if event_id in mailbox.events:
            raise calendar_error(409, "duplicate", "The requested identifier already exists.")
        data = writable(body)
        validate(data)
        now = self.emu.clock.now()
        full = envelope(decorate(data, mailbox.email), event_id, mailbox.email, now, 0)
        if body.get("iCalUID") and "id" not in body:
            full["iCalUID"] = str(body["iCalUID"])
        self.emu.commit_event(mailbox, full, None)
        self.emu.record_updates(mailbox, "insert", full, send)
        return Response.json(full)

    def _existing(self, mailbox: Mailbox, event_id: str, request: Request) -> dict[str, Any]:
        stored = mailbox.events.get(event_id)
        data = stored.data if stored is not None else find_instance(mailbox, event_id)
        if data is None:
            raise calendar_not_found()
        wanted = request.header("if-match")
        if wanted and wanted != data["etag"]:
            raise calendar_error(
                412,
                "conditionNotMet",
                "Precondition Failed",
                location="If-Match",
                location_type="header",
            )
        return data

    def _replace(
        self, mailbox: Mailbox, old: dict[str, Any], new: dict[str, Any], request: Request
    ) -> Response:
        send = _send_updates(request)
        validate(new)
        keep = (
            "kind",
            "id",
            "htmlLink",
            "created",
            "creator",
            "organizer",
            "iCalUID",
            "recurringEventId",
            "originalStartTime",
        )
        full = {k: old[k] for k in keep if k in old}
        full.update(decorate(new, mailbox.email, organizer_of(old) or mailbox.email))
        for k in ("recurringEventId", "originalStartTime"):
            if k in old:
                full[k] = old[k]
        timing = any(old.get(k) != full.get(k) for k in ("start", "end", "recurrence"))
        full["sequence"] = int(old.get("sequence", 0)) + (1 if timing else 0)
        check_guest_change(mailbox, old, full)
        self.emu.commit_event(mailbox, full, old)
        if organizer_of(full) == mailbox.email:
            self.emu.record_updates(mailbox, "update", full, send)
        elif answer_of(full, mailbox.email) != answer_of(old, mailbox.email):
            decline(self.emu, mailbox, full, answer_of(full, mailbox.email) or "needsAction")
        return Response.json(full)

    def patch(self, request: Request, calendar_id: str, event_id: str) -> Response:
        mailbox = self.mailbox(request, calendar_id, write=True)
        old = self._existing(mailbox, event_id, request)
        current = {k: v for k, v in old.items() if k in writable(old)}
        return self._replace(mailbox, old, merge(current, writable(request.json() or {})), request)

    def update(self, request: Request, calendar_id: str, event_id: str) -> Response:
        mailbox = self.mailbox(request, calendar_id, write=True)
        old = self._existing(mailbox, event_id, request)
        return self._replace(mailbox, old, writable(request.json() or {}), request)

    def delete(self, request: Request, calendar_id: str, event_id: str) -> Response:
        mailbox = self.mailbox(request, calendar_id, write=True)
        send = _send_updates(request)
        stored = mailbox.events.get(event_id)
        if stored is not None and stored.cancelled:
            raise retire_error()
        data = self._existing(mailbox, event_id, request)
        self.emu.commit_event(mailbox, dict(data, status="cancelled"), data)
        if organizer_of(data) not in ("", mailbox.email):
            decline(self.emu, mailbox, data)
            return Response.empty(204)
        if data.get("recurrence"):
            for other in list(mailbox.events.values()):
                if other.data.get("recurringEventId") == event_id and not other.cancelled:
                    self.emu.commit_event(mailbox, dict(other.data, status="cancelled"), other.data)
        self.emu.record_updates(mailbox, "delete", data, send)
        return Response.empty(204)


def _send_updates(request: Request) -> str:
    value = request.arg("sendUpdates")
    if value is None:
        return "all" if request.arg("sendNotifications") == "true" else "none"
    if value not in SEND_UPDATES:
        raise calendar_error(
            400,
            "invalidParameter",
            f"Invalid value '{value}'. Values must match the following regular expression: "
            "'(?i)(all|externalOnly|none)'",
            location="sendUpdates",
        )
    return value


def stored_event(data: dict[str, Any], seq: int) -> StoredEvent:
    return StoredEvent(data, seq)
