"""``/users/{u}/events``: single events, series masters, and writes to occurrences (which turn
them into exceptions or cancel them). Writes with attendees record the invitations Outlook
would have e-mailed."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sandbox.core import Request, Response
from sandbox.microsoft import meetings
from sandbox.microsoft.access import open_mailbox
from sandbox.microsoft.common import body_json, check_if_match, find, write_extended
from sandbox.microsoft.directory import Directory
from sandbox.microsoft.errors import GraphError
from sandbox.microsoft.eventdata import (
    MEETING_FIELDS,
    apply,
    check_times,
    occurrence,
    occurrence_days,
    parse_occurrence_id,
    stored,
    to_json,
    validate_patch,
)
from sandbox.microsoft.odata import expand, paged, parse_filter, select
from sandbox.microsoft.recurrence import zone
from sandbox.microsoft.state import Invitation, Item, Mailbox

ROLE = "Calendars.ReadWrite"
NOT_FOUND = "The specified object was not found in the store."


def output_zone(request: Request) -> str:
    m = re.search(r'outlook\.timezone\s*=\s*"([^"]+)"', request.header("prefer") or "")
    if m is None:
        return "UTC"
    zone(m.group(1))
    return m.group(1)


def render(request: Request, box: Mailbox, inst: Any, item: Item | None = None) -> dict[str, Any]:
    obj = to_json(box, inst, output_zone(request), request.header("prefer") or "")
    obj = select(obj, request.arg("$select"))
    return expand(obj, item, request.arg("$expand")) if item is not None else obj


def notify(
    directory: Directory,
    box: Mailbox,
    event_id: str,
    subject: str,
    before: list[dict[str, Any]],
    after: list[dict[str, Any]],
    changed: set[str],
) -> None:
    def addresses(attendees: list[dict[str, Any]]) -> list[str]:
        found = [a["emailAddress"]["address"].lower() for a in attendees]
        return [a for a in dict.fromkeys(found) if a != box.upn]

    old, new = addresses(before), addresses(after)
    sends = [(a, "request") for a in new if a not in old]
    sends += [(a, "cancel") for a in old if a not in new]
    if changed & (MEETING_FIELDS | {"attendees"}):
        sends += [(a, "update") for a in new if a in old]
    now = directory.clock.now()
    for address, kind in sends:
        directory.invitations.append(Invitation(box.upn, event_id, address, kind, subject, now))


def resolve(box: Mailbox, event_id: str) -> tuple[Item, date | None]:
    parsed = parse_occurrence_id(event_id)
    if parsed is None:
        return find(box.events, event_id), None
    master = box.events.get(parsed[0])
    if master is None or not master.data.get("recurrence"):
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
    if parsed[1] not in occurrence_days(master, parsed[1]):
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
    return master, parsed[1]


def list_events(directory: Directory, request: Request, user: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    keep = parse_filter(request.arg("$filter"))
    values = []
    for item in box.events.values():
        obj = render(request, box, stored(item), item)
        if keep is None or keep(obj, item):
            values.append(obj)
    context = f"{request.base_url}/v1.0/$metadata#users('{user}')/events"
    return Response.json(paged(request, values, 10, context))


def create_event(directory: Directory, request: Request, user: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    data = body_json(request)
    validate_patch(data)
    transaction = data.get("transactionId")
    if transaction:
        for existing in box.events.values():
            if existing.data.get("transactionId") == transaction:
                return Response.json(render(request, box, stored(existing)), 201)
    now = directory.clock.now()
    item = Item(directory.make.item(), {}, directory.make.change_key(), now, now)
    apply(item.data, data)
    check_times(item.data)
    write_extended(item, data)
    box.events[item.id] = item
    meetings.deliver(directory, box, item, [])
    notify(
        directory,
        box,
        item.id,
        item.data.get("subject") or "",
        [],
        item.data.get("attendees") or [],
        set(),
    )
    return Response.json(render(request, box, stored(item)), 201)


def get_event(directory: Directory, request: Request, user: str, event: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    master, day = resolve(box, event)
    if day is None:
        return Response.json(render(request, box, stored(master), master))
    return Response.json(render(request, box, occurrence(master, day)))


def update_event(directory: Directory, request: Request, user: str, event: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    master, day = resolve(box, event)
    patch = body_json(request)
    if day is not None:
        return _update_occurrence(directory, request, box, master, day, patch)
    check_if_match(request, master)
    validate_patch(patch)
    before = list(master.data.get("attendees") or [])
    candidate = dict(master.data)
    changed = apply(candidate, patch)
    if "recurrence" in patch and patch["recurrence"] is None:
        candidate.pop("recurrence", None)
    check_times(candidate)
    if changed & {"recurrence", "start", "end"}:
        # Outlook drops a series' exceptions when its pattern or times change.
        candidate.pop("_exceptions", None)
        candidate.pop("_cancelled", None)
    master.data = candidate
    write_extended(master, patch)
    master.change_key, master.modified = directory.make.change_key(), directory.clock.now()
    after = master.data.get("attendees") or []
    meetings.deliver(directory, box, master, before)
    notify(directory, box, master.id, master.data.get("subject") or "", before, after, changed)
    return Response.json(render(request, box, stored(master)))


def _update_occurrence(
    directory: Directory,
    request: Request,
    box: Mailbox,
    master: Item,
    day: date,
    patch: dict[str, Any],
) -> Response:
    current = occurrence(master, day)
    check_if_match(
        request, Item(current.id, {}, current.change_key, current.created, current.modified)
    )
    validate_patch(patch, occurrence=True)
    candidate = dict(current.data)
    changed = apply(candidate, patch)
    check_times(candidate)
    exceptions = master.data.setdefault("_exceptions", {})
    overrides = dict((exceptions.get(day.isoformat()) or {}).get("data") or {})
    for key in patch:
        names = [f"_{key}", f"_{key}_tz"] if key in ("start", "end") else [key]
        overrides.update({name: candidate[name] for name in names if name in candidate})
    now = directory.clock.now()
    exceptions[day.isoformat()] = {
        "data": overrides,
        "change_key": directory.make.change_key(),
        "modified": now,
    }
    updated = occurrence(master, day)
    before = current.data.get("attendees") or []
    notify(
        directory,
        box,
        updated.id,
        updated.data.get("subject") or "",
        before,
        updated.data.get("attendees") or [],
        changed,
    )
    return Response.json(render(request, box, updated))


def delete_event(directory: Directory, request: Request, user: str, event: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    master, day = resolve(box, event)
    attendees = master.data.get("attendees") or []
    if day is None:
        check_if_match(request, master)
        del box.events[master.id]
        meetings.deliver(directory, box, master, attendees, gone=True)
        notify(directory, box, master.id, master.data.get("subject") or "", attendees, [], set())
        return Response.empty()
    current = occurrence(master, day)
    master.data.setdefault("_cancelled", []).append(day.isoformat())
    (master.data.get("_exceptions") or {}).pop(day.isoformat(), None)
    master.change_key, master.modified = directory.make.change_key(), directory.clock.now()
    notify(
        directory,
        box,
        current.id,
        current.data.get("subject") or "",
        current.data.get("attendees") or [],
        [],
        set(),
    )
    return Response.empty()
