"""Calendar items: times normalised to UTC on the way in, and the flags the server computes on
the way out (type, organizer, my response, meeting, occurrences of a series)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

from sandbox.exchange.items import iso
from sandbox.exchange.soap import ItemError, as_bool, sub, t, xml_bool
from sandbox.exchange.state import Item, Mailbox

ATTENDEE_FIELDS = ("RequiredAttendees", "OptionalAttendees", "Resources")
DATETIME_FIELDS = ("Start", "End", "ReminderDueBy")


def zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(MS_TIMEZONE_TO_IANA_MAP.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ItemError(
            "ErrorTimeZone", f"The time zone {name!r} is not a valid Windows time zone."
        ) from None


def parse_time(text: str, default_zone: tzinfo) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ItemError("ErrorSchemaValidation", f"Invalid date-time {text!r}.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_zone)
    return value.astimezone(UTC)


def start_zone(item: Item, request_zone: str | None = None) -> tzinfo:
    tz = item.fields.get("StartTimeZone")
    if tz is not None and tz.get("Id"):
        return zone(tz.get("Id"))
    return zone(request_zone)


def bounds(item: Item) -> tuple[datetime, datetime]:
    start, end = item.fields.get("Start"), item.fields.get("End")
    if start is None or end is None:
        raise ItemError("ErrorItemSave", "A calendar item needs a start and an end.")
    return parse_time(start.text or "", UTC), parse_time(end.text or "", UTC)


def prepare(item: Item, request_zone: str | None) -> None:
    """Validates a created or updated calendar item and stores its times in UTC."""
    default = start_zone(item, request_zone)
    for name in DATETIME_FIELDS:
        elem = item.fields.get(name)
        if elem is not None and elem.text:
            elem.text = iso(parse_time(elem.text, default))
    start, end = bounds(item)
    if end < start:
        raise ItemError(
            "ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate"
        )
    if as_bool(_text(item, "IsAllDayEvent")):
        # Exchange pushes all-day bounds out to the surrounding local midnights.
        first = _midnight(start.astimezone(default))
        last = _midnight(end.astimezone(default))
        if last < end.astimezone(default):
            last = _midnight(last + timedelta(days=1, hours=1))
        if last <= first:
            last = _midnight(first + timedelta(days=1, hours=1))
        item.fields["Start"].text = iso(first.astimezone(UTC))
        item.fields["End"].text = iso(last.astimezone(UTC))
    if "UID" not in item.fields:
        uid = ET.Element(t("UID"))
        uid.text = uuid.uuid5(uuid.NAMESPACE_URL, item.id).hex.upper()
        item.fields["UID"] = uid


def _midnight(value: datetime) -> datetime:
    """Local midnight of that day (zone-aware: the wall clock, then re-resolved)."""
    return value.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)


def _text(item: Item, name: str) -> str | None:
    elem = item.fields.get(name)
    return None if elem is None else (elem.text or "")


def attendees(item: Item) -> list[str]:
    found = []
    for name in ATTENDEE_FIELDS:
        group = item.fields.get(name)
        for address in group.iter(t("EmailAddress")) if group is not None else []:
            if address.text:
                found.append(address.text.strip())
    return found


def _mailbox(parent: ET.Element, tag: str, name: str, address: str) -> None:
    holder = sub(parent, t(tag))
    box = sub(holder, t("Mailbox"))
    sub(box, t("Name"), name)
    sub(box, t("EmailAddress"), address)
    sub(box, t("RoutingType"), "SMTP")


def extras(box: Mailbox, item: Item, item_type: str | None = None) -> list[ET.Element]:
    """Computed CalendarItem elements, in the order Exchange writes them."""
    holder = ET.Element("holder")
    meeting = bool(attendees(item))
    organizer = item.meta.get("organizer", box.smtp)
    is_organizer = organizer.lower() == box.smtp.lower()
    kind = item_type or ("RecurringMaster" if "Recurrence" in item.fields else "Single")
    sub(holder, t("IsMeeting"), xml_bool(meeting))
    sub(holder, t("IsCancelled"), xml_bool(False))
    sub(holder, t("IsRecurring"), xml_bool(kind != "Single"))
    sub(holder, t("MeetingRequestWasSent"), xml_bool(item.meta.get("invited") == "true"))
    sub(holder, t("CalendarItemType"), kind)
    response = "Organizer" if is_organizer else item.meta.get("response", "NoResponseReceived")
    sub(holder, t("MyResponseType"), response)
    name = box.display_name if is_organizer else item.meta.get("organizer_name", organizer)
    _mailbox(holder, "Organizer", name, organizer)
    sub(holder, t("IsOrganizer"), xml_bool(is_organizer))
    state = 0 if not meeting else (1 if is_organizer else 3)
    sub(holder, t("AppointmentState"), str(state))
    start, end = bounds(item)
    minutes = int((end - start).total_seconds() // 60)
    sub(holder, t("Duration"), f"PT{minutes // 60}H{minutes % 60}M" if minutes else "PT0S")
    return list(holder)
