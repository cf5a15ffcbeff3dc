"""Expanded views of the calendar: ``calendarView``, ``calendarView/delta`` and a series'
``instances``. They hold single events, occurrences and exceptions, never series masters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sandbox.core import Request, Response
from sandbox.microsoft import delta
from sandbox.microsoft.access import open_mailbox
from sandbox.microsoft.common import find
from sandbox.microsoft.directory import Directory
from sandbox.microsoft.errors import GraphError
from sandbox.microsoft.eventdata import Instance, expand, shift_window_end, stored, times
from sandbox.microsoft.events import ROLE, render
from sandbox.microsoft.odata import paged, parse_filter
from sandbox.microsoft.recurrence import parse_window
from sandbox.microsoft.state import Mailbox


def _window(request: Request, scope: dict[str, str] | None = None) -> tuple[datetime, datetime]:
    source = scope or {k: request.arg(k) or "" for k in ("startDateTime", "endDateTime")}
    start = parse_window(source.get("startDateTime"), "startDateTime")
    end = parse_window(source.get("endDateTime"), "endDateTime")
    if end <= start:
        raise GraphError(
            400, "ErrorInvalidParameter", "The end of the time window must be after its start."
        )
    return start, end


def _overlaps(inst: Instance, start: datetime, end: datetime) -> bool:
    first, last = times(inst.data)
    if first == last:
        return start <= first < end
    return first < end and last > start


def instances_in(
    box: Mailbox, start: datetime, end: datetime, only: str | None = None
) -> list[Instance]:
    found: list[Instance] = []
    for item in box.events.values():
        if only is not None and item.id != only:
            continue
        if item.data.get("recurrence"):
            # An exception may have moved into the window from a later date.
            moved = [date.fromisoformat(k) for k in item.data.get("_exceptions") or {}]
            candidates = expand(item, max([shift_window_end(end), *moved]))
        else:
            candidates = [stored(item)]
        found.extend(i for i in candidates if _overlaps(i, start, end))
    found.sort(key=lambda i: (times(i.data)[0], i.id))
    return found


def calendar_view(directory: Directory, request: Request, user: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    start, end = _window(request)
    keep = parse_filter(request.arg("$filter"))
    values = []
    for inst in instances_in(box, start, end):
        obj = render(request, box, inst, box.events.get(inst.master_id or inst.id))
        if keep is None or keep(obj, box.events[inst.master_id or inst.id]):
            values.append(obj)
    context = f"{request.base_url}/v1.0/$metadata#users('{user}')/calendarView"
    return Response.json(paged(request, values, 10, context))


def instances(directory: Directory, request: Request, user: str, event: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    master = find(box.events, event)
    start, end = _window(request)
    found = instances_in(box, start, end, only=master.id) if master.data.get("recurrence") else []
    values = [render(request, box, inst) for inst in found]
    context = f"{request.base_url}/v1.0/$metadata#users('{user}')/events('{master.id}')/instances"
    return Response.json(paged(request, values, 10, context))


def calendar_view_delta(directory: Directory, request: Request, user: str) -> Response:
    box = open_mailbox(directory, request, user, ROLE)
    for option in ("$select", "$expand", "$filter", "$orderby", "$search"):
        if request.arg(option) is not None:
            raise GraphError(
                400,
                "ErrorInvalidUrlQuery",
                f"The following parameters are not supported with change tracking over the 'CalendarView' resource: '{option}'.",
            )
    initial: dict[str, str] = {}
    if not request.arg("$deltatoken") and not request.arg("$skiptoken"):
        _window(request)
        initial = {k: request.arg(k) or "" for k in ("startDateTime", "endDateTime")}

    def current(
        scope: dict[str, str],
    ) -> tuple[dict[str, str], Callable[[str], dict[str, Any]]]:
        start, end = _window(request, scope)
        found = {inst.id: inst for inst in instances_in(box, start, end)}

        def shape(item_id: str) -> dict[str, Any]:
            return {"@odata.type": "#microsoft.graph.event", **render(request, box, found[item_id])}

        return {item_id: inst.change_key for item_id, inst in found.items()}, shape

    context = f"{request.base_url}/v1.0/$metadata#Collection(event)"
    return delta.run(
        directory, request, box, current, "#microsoft.graph.event", initial, context, True
    )
