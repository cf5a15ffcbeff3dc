"""Recurring series: the EWS ``t:Recurrence`` element, expanded occurrences, modified
occurrences (exceptions) and deleted occurrences.

EWS patterns are the ones Graph copied, so the pattern is translated into Graph's
``patternedRecurrence`` shape and expanded by ``sandbox.microsoft.recurrence.dates`` (one
expansion, Outlook's rules, for both emulators). Occurrences keep the master's wall-clock time in
its start time zone across DST changes."""

from __future__ import annotations

import base64
import copy
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.exchange import calendar
from sandbox.exchange.items import Shape, iso, write_item
from sandbox.exchange.soap import ItemError, local, sub, t
from sandbox.exchange.state import ExceptionData, Item, Mailbox
from sandbox.exchange.updates import apply_updates
from sandbox.microsoft.errors import GraphError
from sandbox.microsoft.recurrence import dates
from sandbox.microsoft.recurrence import validate as graph_validate

PATTERNS = {
    "DailyRecurrence": "daily",
    "WeeklyRecurrence": "weekly",
    "AbsoluteMonthlyRecurrence": "absoluteMonthly",
    "RelativeMonthlyRecurrence": "relativeMonthly",
    "AbsoluteYearlyRecurrence": "absoluteYearly",
    "RelativeYearlyRecurrence": "relativeYearly",
}
DAY_GROUPS = {
    "day": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "weekday": ["monday", "tuesday", "wednesday", "thursday", "friday"],
    "weekendday": ["saturday", "sunday"],
}
MONTHS = [
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december",
]  # fmt: skip
OCCURRENCE_PREFIX = "AAMkOcc"
HORIZON = timedelta(days=366 * 5)  # LastOccurrence/FirstOccurrence search of unbounded series


def _bad(why: str) -> ItemError:
    return ItemError("ErrorCalendarInvalidRecurrence", f"The recurrence pattern is invalid: {why}")


def _child_text(elem: ET.Element, name: str) -> str | None:
    found = elem.find(t(name))
    return None if found is None else (found.text or "").strip()


def pattern_of(recurrence: ET.Element) -> dict[str, Any]:
    """``t:Recurrence`` -> Graph's patternedRecurrence dict."""
    pattern_elem = next((c for c in recurrence if local(c.tag) in PATTERNS), None)
    range_elem = next((c for c in recurrence if local(c.tag).endswith("Recurrence")
                       and local(c.tag) not in PATTERNS), None)  # fmt: skip
    if pattern_elem is None or range_elem is None:
        raise _bad("a pattern and a range are required.")
    pattern: dict[str, Any] = {
        "type": PATTERNS[local(pattern_elem.tag)],
        "interval": int(_child_text(pattern_elem, "Interval") or 1),
    }
    days = (_child_text(pattern_elem, "DaysOfWeek") or "").lower().split()
    expanded: list[str] = []
    for day in days:
        expanded.extend(DAY_GROUPS.get(day, [day]))
    if expanded:
        pattern["daysOfWeek"] = expanded
    if _child_text(pattern_elem, "FirstDayOfWeek"):
        pattern["firstDayOfWeek"] = (_child_text(pattern_elem, "FirstDayOfWeek") or "").lower()
    if _child_text(pattern_elem, "DayOfMonth"):
        pattern["dayOfMonth"] = int(_child_text(pattern_elem, "DayOfMonth") or 0)
    if _child_text(pattern_elem, "DayOfWeekIndex"):
        pattern["index"] = (_child_text(pattern_elem, "DayOfWeekIndex") or "").lower()
    if _child_text(pattern_elem, "Month"):
        month = (_child_text(pattern_elem, "Month") or "").lower()
        if month not in MONTHS:
            raise _bad(f"unknown month {month!r}.")
        pattern["month"] = MONTHS.index(month) + 1
    kind = local(range_elem.tag)
    start_text = (_child_text(range_elem, "StartDate") or "")[:10]
    rng: dict[str, Any] = {"startDate": start_text}
    if kind == "NoEndRecurrence":
        rng["type"] = "noEnd"
    elif kind == "EndDateRecurrence":
        rng.update(type="endDate", endDate=(_child_text(range_elem, "EndDate") or "")[:10])
    elif kind == "NumberedRecurrence":
        rng.update(
            type="numbered", numberOfOccurrences=_child_text(range_elem, "NumberOfOccurrences")
        )
    else:
        raise _bad(f"unknown range {kind}.")
    try:
        graph_validate({"pattern": pattern, "range": rng})
    except GraphError as error:
        raise _bad(str(error)) from None
    return {"pattern": pattern, "range": rng}


def validate(item: Item) -> None:
    recurrence = item.fields.get("Recurrence")
    if recurrence is not None:
        pattern_of(recurrence)


@dataclass
class Occurrence:
    master: Item
    index: int  # 1-based InstanceIndex
    original: datetime  # UTC

    @property
    def key(self) -> str:
        return iso(self.original)

    @property
    def id(self) -> str:
        """Stable: an occurrence keeps its id when it becomes an exception, as in Exchange."""
        raw = f"{self.master.id}|{self.key}".encode()
        return OCCURRENCE_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def change_key(self, master: Item | None = None) -> str:
        exception = self.master.exceptions.get(self.key)
        return exception.change_key if exception is not None else self.master.change_key

    def fields(self) -> dict[str, ET.Element]:
        """The master's fields, the occurrence's times, then the exception's changes."""
        start, end = calendar.bounds(self.master)
        merged = {k: copy.deepcopy(v) for k, v in self.master.fields.items() if k != "Recurrence"}
        merged["Start"].text = iso(self.original)
        merged["End"].text = iso(self.original + (end - start))
        exception = self.master.exceptions.get(self.key)
        if exception is not None:
            merged.update({k: copy.deepcopy(v) for k, v in exception.fields.items()})
        return merged

    def bounds(self) -> tuple[datetime, datetime]:
        fields = self.fields()
        return (
            calendar.parse_time(fields["Start"].text or "", UTC),
            calendar.parse_time(fields["End"].text or "", UTC),
        )


def instances(master: Item, until: datetime) -> list[Occurrence]:
    """Every occurrence of the series that starts on or before ``until`` (deleted ones too)."""
    recurrence = master.fields.get("Recurrence")
    if recurrence is None:
        return []
    rec = pattern_of(recurrence)
    start, _ = calendar.bounds(master)
    tz = calendar.start_zone(master)
    wall = start.astimezone(tz)
    found = []
    for index, day in enumerate(dates(rec, until.astimezone(tz).date()), start=1):
        local_start = datetime.combine(day, wall.time()).replace(tzinfo=tz)
        found.append(Occurrence(master, index, local_start.astimezone(UTC)))
    return found


def live(master: Item, until: datetime) -> list[Occurrence]:
    return [o for o in instances(master, until) if o.key not in master.deleted_occurrences]


def decode(item_id: str) -> tuple[str, str] | None:
    if not item_id.startswith(OCCURRENCE_PREFIX):
        return None
    raw = item_id[len(OCCURRENCE_PREFIX) :]
    try:
        master_id, _, key = (
            base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode().partition("|")
        )
    except (ValueError, UnicodeDecodeError):
        return None
    return master_id, key


def _find(master: Item, key: str) -> Occurrence:
    original = calendar.parse_time(key, UTC)
    for occurrence in instances(master, original + timedelta(days=1)):
        if occurrence.key == key:
            if key in master.deleted_occurrences:
                break
            return occurrence
    raise ItemError("ErrorItemNotFound", "The specified object was not found in the store.")


def resolve(ctx: Any, ref: ET.Element) -> Item | Occurrence:
    kind = local(ref.tag)
    ctx.box()
    if kind == "OccurrenceItemId":
        master = ctx.item(ref.get("RecurringMasterId") or "")
        index = int(ref.get("InstanceIndex") or 0)
        if "Recurrence" not in master.fields or index < 1:
            raise ItemError("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange",
                            "Occurrence index is out of recurrence range.")  # fmt: skip
        found = instances(master, calendar.bounds(master)[0] + HORIZON)
        if index > len(found):
            raise ItemError("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange",
                            "Occurrence index is out of recurrence range.")  # fmt: skip
        occurrence = found[index - 1]
        if occurrence.key in master.deleted_occurrences:
            raise ItemError("ErrorCalendarOccurrenceIsDeletedFromRecurrence",
                            "Occurrence with this index was previously deleted from the recurrence.")  # fmt: skip
        return occurrence
    item_id = ref.get("Id") or ref.get("OccurrenceId") or ""
    decoded = decode(item_id)
    if decoded is not None:
        master = ctx.item(decoded[0])
        return master if kind == "RecurringMasterItemId" else _find(master, decoded[1])
    item = ctx.item(item_id)
    if kind == "RecurringMasterItemId" and "Recurrence" not in item.fields:
        raise ItemError("ErrorItemNotFound", "The item is not part of a recurring series.")
    return item


def update(ctx: Any, occurrence: Occurrence, updates: ET.Element) -> Item:
    master = occurrence.master
    scratch = copy.deepcopy(master)
    scratch.fields = occurrence.fields()
    touched = apply_updates(scratch, updates)
    if touched & {"Recurrence", "UID"}:
        raise ItemError("ErrorInvalidPropertySet", "An occurrence cannot change its recurrence.")
    calendar.prepare(scratch, ctx.request.time_zone)
    base = {k: v for k, v in master.fields.items() if k != "Recurrence"}
    changed = {
        k: v for k, v in scratch.fields.items()
        if k not in base or ET.tostring(base[k]) != ET.tostring(v) or k in ("Start", "End")
    }  # fmt: skip
    existing = master.exceptions.get(occurrence.key)
    exception_id = existing.id if existing else ctx.org.make_id("exception")
    master.exceptions[occurrence.key] = ExceptionData(
        exception_id, ctx.org.make_change_key(), changed
    )
    master.touch(ctx.org.next_seq(), ctx.org.make_change_key(), touched, ctx.org.clock.now())
    return master


def delete(ctx: Any, occurrence: Occurrence) -> None:
    master = occurrence.master
    master.exceptions.pop(occurrence.key, None)
    master.deleted_occurrences.add(occurrence.key)
    master.touch(ctx.org.next_seq(), ctx.org.make_change_key(), {"DeletedOccurrences"},
                 ctx.org.clock.now())  # fmt: skip


def after_master_change(item: Item, touched: set[str]) -> None:
    """Exchange drops a series' exceptions when its times or pattern change."""
    if touched & {"Start", "End", "Recurrence", "StartTimeZone"}:
        item.exceptions.clear()
        item.deleted_occurrences.clear()


def _occurrence_element(tag: str, occurrence: Occurrence) -> ET.Element:
    elem = ET.Element(t(tag))
    start, end = occurrence.bounds()
    sub(elem, t("ItemId"), Id=occurrence.id, ChangeKey=occurrence.change_key())
    sub(elem, t("Start"), iso(start))
    sub(elem, t("End"), iso(end))
    sub(elem, t("OriginalStart"), iso(occurrence.original))
    return elem


def master_extras(item: Item) -> list[ET.Element]:
    if item.kind != "CalendarItem" or "Recurrence" not in item.fields:
        return []
    start, _ = calendar.bounds(item)
    found = live(item, start + HORIZON)
    out: list[ET.Element] = []
    if found:
        out.append(_occurrence_element("FirstOccurrence", found[0]))
        rng = pattern_of(item.fields["Recurrence"])["range"]
        if rng["type"] != "noEnd":
            out.append(_occurrence_element("LastOccurrence", found[-1]))
    if item.exceptions:
        modified = ET.Element(t("ModifiedOccurrences"))
        for occurrence in instances(item, start + HORIZON):
            if occurrence.key in item.exceptions:
                modified.append(_occurrence_element("Occurrence", occurrence))
        out.append(modified)
    if item.deleted_occurrences:
        deleted = ET.Element(t("DeletedOccurrences"))
        for key in sorted(item.deleted_occurrences):
            sub(sub(deleted, t("DeletedOccurrence")), t("Start"), key)
        out.append(deleted)
    return out


def write(holder: ET.Element, box: Mailbox, occurrence: Occurrence, shape: Shape) -> ET.Element:
    view = copy.copy(occurrence.master)
    view.fields = occurrence.fields()
    view.id, view.change_key = occurrence.id, occurrence.change_key()
    view.extended = occurrence.master.extended
    kind = "Exception" if occurrence.key in occurrence.master.exceptions else "Occurrence"
    extra = calendar.extras(box, view, kind)
    original = ET.Element(t("OriginalStart"))
    original.text = occurrence.key
    recurrence_id = ET.Element(t("RecurrenceId"))
    recurrence_id.text = occurrence.key
    return write_item(holder, view, box, shape, [*extra, original, recurrence_id])


def window(box: Mailbox, folder_id: str, start: datetime, end: datetime) -> list[Item | Occurrence]:
    """CalendarView: single items and occurrences that overlap [start, end), by start."""
    found: list[tuple[datetime, Item | Occurrence]] = []
    for item in box.items.values():
        if item.folder_id != folder_id or item.kind != "CalendarItem":
            continue
        if "Recurrence" in item.fields:
            for occurrence in live(item, end + timedelta(days=1)):
                first, last = occurrence.bounds()
                if first < end and (last > start or first == last == start):
                    found.append((first, occurrence))
            continue
        first, last = calendar.bounds(item)
        if first < end and (last > start or first == last == start):
            found.append((first, item))
    found.sort(key=lambda pair: pair[0])
    return [entry for _, entry in found]
