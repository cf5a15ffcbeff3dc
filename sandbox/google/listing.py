"""Calendar listings: filters, recurring-series expansion (singleEvents) and instance identity."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.google.errors import calendar_invalid
from sandbox.google.events import as_utc, fmt_moment, instance_suffix, moment
from sandbox.google.recurrence import Moment, expand, parse
from sandbox.google.store import Mailbox, StoredEvent

#: Open-ended series are expanded this far past "now" when no timeMax is given.
HORIZON = timedelta(days=730)
MAX_INSTANCES = 1000
INSTANCE_ID = re.compile(r"(?P<master>[a-v0-9]+)_(?P<suffix>\d{8}(?:T\d{6}Z)?)")
FAR_PAST = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Query:
    single: bool = False
    show_deleted: bool = False
    time_min: datetime | None = None
    time_max: datetime | None = None
    updated_min: datetime | None = None
    q: str = ""
    ical_uid: str = ""
    private: dict[str, str] = field(default_factory=dict)
    shared: dict[str, str] = field(default_factory=dict)


def rfc3339_arg(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise calendar_invalid(f"Bad Request: invalid {name}", name, reason="badRequest") from exc
    if value.tzinfo is None:
        raise calendar_invalid(f"Bad Request: invalid {name}", name, reason="badRequest")
    return value.astimezone(UTC)


def property_filter(values: list[str], name: str) -> dict[str, str]:
    wanted = {}
    for value in values:
        key, sep, expected = value.partition("=")
        if not sep:
            raise calendar_invalid(f"Invalid value for {name}: {value}", name)
        wanted[key] = expected
    return wanted


def _span(data: dict[str, Any]) -> tuple[Moment, Moment]:
    start, _ = moment(data["start"], "start")
    end, _ = moment(data["end"], "end")
    return start, end


def instances(
    master: dict[str, Any], until: datetime, limit: int = MAX_INSTANCES
) -> list[dict[str, Any]]:
    start, tz = moment(master["start"], "start")
    end, _ = moment(master["end"], "end")
    rec = parse(list(master.get("recurrence") or []), tz)
    result = []
    for at in expand(start, tz, rec, until, limit):
        if isinstance(start, datetime) and isinstance(at, datetime) and isinstance(end, datetime):
            finish: Moment = at + (end - start)
        else:
            finish = date.fromordinal(at.toordinal() + (end.toordinal() - start.toordinal()))
        result.append(instance(master, at, finish, tz))
    return result


def instance(master: dict[str, Any], at: Moment, finish: Moment, tz: Any) -> dict[str, Any]:
    item = {k: v for k, v in master.items() if k != "recurrence"}
    item["id"] = f"{master['id']}_{instance_suffix(at)}"
    item["recurringEventId"] = master["id"]
    item["originalStartTime"] = fmt_moment(at, tz)
    item["start"] = fmt_moment(at, tz)
    item["end"] = fmt_moment(finish, tz)
    return item


def find_instance(mailbox: Mailbox, event_id: str) -> dict[str, Any] | None:
    """The (unmodified) instance a ``<master>_<start>`` id names, if the series produces it."""
    match = INSTANCE_ID.fullmatch(event_id)
    stored = mailbox.events.get(match["master"]) if match else None
    if match is None or stored is None or stored.cancelled or not stored.data.get("recurrence"):
        return None
    suffix = match["suffix"]
    if "T" in suffix:
        when = datetime.strptime(suffix, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    else:
        when = datetime.strptime(suffix, "%Y%m%d").replace(tzinfo=UTC)
    for item in instances(stored.data, when + timedelta(days=1)):
        if item["id"] == event_id:
            return item
    return None


def minimal(data: dict[str, Any]) -> dict[str, Any]:
    """Cancelled items in lists carry little more than their id (Google guarantees only that)."""
    keep = ("kind", "etag", "id", "status", "recurringEventId", "originalStartTime")
    return {k: data[k] for k in keep if k in data}


def _matches(data: dict[str, Any], query: Query) -> bool:
    props = data.get("extendedProperties") or {}
    for scope, wanted in (("private", query.private), ("shared", query.shared)):
        have = props.get(scope) or {}
        if any(have.get(k) != v for k, v in wanted.items()):
            return False
    if query.ical_uid and data.get("iCalUID") != query.ical_uid:
        return False
    if query.q:
        text = " ".join(str(data.get(k, "")) for k in ("summary", "description", "location"))
        if query.q.casefold() not in text.casefold():
            return False
    return not (query.updated_min and datetime.fromisoformat(data["updated"]) < query.updated_min)


def _in_window(data: dict[str, Any], query: Query) -> bool:
    if "start" not in data:
        return True
    start, end = _span(data)
    if query.time_max and as_utc(start) >= query.time_max:
        return False
    return not (query.time_min and as_utc(end) <= query.time_min)


def collect(
    mailbox: Mailbox, stored: list[StoredEvent], query: Query, now: datetime
) -> list[dict[str, Any]]:
    """The items of a listing, in modification order; cancelled ones only if asked for."""
    until = query.time_max or now + HORIZON
    exceptions = {e.data["id"] for e in mailbox.events.values() if e.data.get("recurringEventId")}
    out: list[dict[str, Any]] = []
    for event in stored:
        data = event.data
        if event.cancelled and not query.show_deleted:
            continue
        if not _matches(data, query):
            continue
        master_gone = data.get("recurringEventId") and _master_cancelled(mailbox, data)
        if master_gone and not query.show_deleted:
            continue
        if query.single and data.get("recurrence") and not event.cancelled:
            for item in instances(data, until):
                if item["id"] not in exceptions and _in_window(item, query):
                    out.append(item)
            continue
        if event.cancelled:
            out.append(minimal(data))
        elif data.get("recurrence"):
            if _series_hits(data, query, until):
                out.append(data)
        elif _in_window(data, query):
            out.append(data)
    return out


def _master_cancelled(mailbox: Mailbox, data: dict[str, Any]) -> bool:
    master = mailbox.events.get(str(data["recurringEventId"]))
    return master is None or master.cancelled


def _series_hits(data: dict[str, Any], query: Query, until: datetime) -> bool:
    if query.time_min is None and query.time_max is None:
        return True
    return any(_in_window(item, query) for item in instances(data, until))


def start_key(item: dict[str, Any]) -> datetime:
    if "start" not in item:
        return FAR_PAST
    start, _ = moment(item["start"], "start")
    return as_utc(start)
