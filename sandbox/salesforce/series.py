"""Lightning event series (Recurrence2) as an org stores them: the series row and one real Event
row per occurrence.

- Creating a row with ``IsRecurrence2`` and a pattern makes the series row and, for each start of
  its RRULE (expanded in ``Recurrence2PatternTimeZone``, bounded by COUNT/UNTIL or, for a rule
  without an end, by `HORIZON_DAYS` from now and at most `MAX_OCCURRENCES` rows), an occurrence
  row: the series' fields at that start, ``RecurrenceActivityId`` = the series row.
- Updating an occurrence row through the API makes it an exception
  (``IsRecurrence2Exception = true``); it keeps its link. Its pattern cannot be changed there.
- Changing the series' subject, location, description, show-as or privacy changes every
  occurrence that is no exception. Changing its pattern, zone or times regenerates the occurrence
  rows from now on: future rows (exceptions included) are deleted and made again; past ones stay
  as history, ``IsRecurrence2Exclusion = true`` (Salesforce's "historical event, not following
  recurrence").
- Deleting one occurrence row deletes that row only (Salesforce's "delete a single event in a
  series"): the series keeps its pattern, and the start has no row any more. Deleting the series
  row deletes its occurrences; so does turning ``IsRecurrence2`` off.

Occurrence rows are ordinary Event rows: query, getUpdated/getDeleted and queryAll see them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from sandbox.salesforce.errors import RecordError

HORIZON_DAYS = 730
MAX_OCCURRENCES = 730
# What an occurrence copies from its series, and what a change of the series carries to them.
SHARED = (
    "Subject", "Location", "Description", "ShowAs", "IsPrivate", "OwnerId", "WhoId", "WhatId",
    "AccountId", "Type", "EventSubtype", "IsReminderSet",
    "IsRecurrence2", "Recurrence2PatternText", "Recurrence2PatternVersion",
    "Recurrence2PatternStartDate", "Recurrence2PatternTimeZone",
)  # fmt: skip
PROPAGATED = ("Subject", "Location", "Description", "ShowAs", "IsPrivate", "WhoId", "WhatId")
RESHAPING = (
    "Recurrence2PatternText", "Recurrence2PatternTimeZone", "StartDateTime", "EndDateTime",
    "ActivityDateTime", "ActivityDate", "DurationInMinutes", "IsAllDayEvent", "IsRecurrence2",
)  # fmt: skip
PATTERN_FIELDS = ("IsRecurrence2", "Recurrence2PatternText", "Recurrence2PatternTimeZone")


def is_series(record: dict[str, Any]) -> bool:
    return bool(record.get("IsRecurrence2")) and not record.get("RecurrenceActivityId")


def is_occurrence(record: dict[str, Any]) -> bool:
    return bool(record.get("RecurrenceActivityId")) and bool(record.get("IsRecurrence2"))


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_rule(pattern: str, zone: ZoneInfo, all_day: bool) -> str:
    """The pattern's RRULE with UNTIL as a wall time of the series' zone (dateutil expands a
    naive start, and wants UNTIL of the same kind)."""
    line = next(
        (p.strip() for p in pattern.replace("\r", "\n").split("\n") if "FREQ=" in p.upper()), ""
    )
    parts = []
    for chunk in line.upper().removeprefix("RRULE:").split(";"):
        key, _, value = chunk.partition("=")
        if key == "UNTIL":
            if "T" not in value:
                value = value + "T235959"
            elif value.endswith("Z"):
                moment = datetime.strptime(value[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
                value = (moment if all_day else moment.astimezone(zone)).strftime("%Y%m%dT%H%M%S")
        if key:
            parts.append(f"{key}={value}")
    return ";".join(parts)


def starts(series: dict[str, Any], now: datetime) -> list[datetime]:
    """The UTC starts of the series' occurrences."""
    all_day = bool(series.get("IsAllDayEvent"))
    zone = _zone(None if all_day else series.get("Recurrence2PatternTimeZone"))
    first: datetime = series["StartDateTime"]
    local = first.astimezone(UTC if all_day else zone).replace(tzinfo=None)
    text = _local_rule(str(series.get("Recurrence2PatternText") or ""), zone, all_day)
    try:
        rule = rrulestr(text, dtstart=local)
    except ValueError as error:
        raise RecordError(
            "FIELD_INTEGRITY_EXCEPTION",
            f"Recurrence2PatternText: {error}",
            400,
            ["Recurrence2PatternText"],
        ) from None
    bounded = "COUNT=" in text or "UNTIL=" in text
    horizon = (max(now, first) + timedelta(days=HORIZON_DAYS)).astimezone(zone)
    out: list[datetime] = []
    for moment in rule:
        if len(out) >= MAX_OCCURRENCES or (not bounded and moment > horizon.replace(tzinfo=None)):
            break
        aware = moment.replace(tzinfo=UTC) if all_day else moment.replace(tzinfo=zone)
        out.append(aware.astimezone(UTC))
    return out


Writer = Callable[[dict[str, Any]], str]


class Series:
    """What an org does to occurrence rows when a series or an occurrence is written. `rows`
    lists the live Event rows, `create` stores a new row (returns its id), `put` stores a changed
    row, `delete` soft-deletes one."""

    def __init__(
        self,
        rows: Callable[[], Iterator[dict[str, Any]]],
        create: Writer,
        put: Callable[[dict[str, Any]], None],
        delete: Callable[[dict[str, Any]], None],
    ) -> None:
        self.rows, self.create, self.put, self.delete = rows, create, put, delete

    def occurrences(self, series_id: str) -> list[dict[str, Any]]:
        return [r for r in self.rows() if r.get("RecurrenceActivityId") == series_id]

    def check_occurrence_update(self, before: dict[str, Any], changed: set[str]) -> None:
        if is_occurrence(before) and changed & set(PATTERN_FIELDS):
            raise RecordError(
                "FIELD_INTEGRITY_EXCEPTION",
                "You can't change the recurrence pattern of one event in a series",
                400,
                sorted(changed & set(PATTERN_FIELDS)),
            )

    def created(self, series: dict[str, Any], now: datetime) -> None:
        if is_series(series):
            self._generate(series, now, after=None)

    def updated(
        self, before: dict[str, Any], after: dict[str, Any], changed: set[str], now: datetime
    ) -> dict[str, Any]:
        """The row to store for `after` (an occurrence becomes an exception)."""
        if is_occurrence(before):
            return {**after, "IsRecurrence2Exception": True} if changed else after
        if not is_series(before) and not is_series(after):
            return after
        reshaped = any(before.get(f) != after.get(f) for f in RESHAPING)
        if not is_series(after):
            for row in self.occurrences(before["Id"]):
                self.delete(row)
        elif not is_series(before):
            self._generate(after, now, after=None)
        elif reshaped:
            self._regenerate(after, now)
        else:
            moved = {f: after.get(f) for f in PROPAGATED if before.get(f) != after.get(f)}
            if moved:
                for row in self.occurrences(after["Id"]):
                    if not row.get("IsRecurrence2Exception") and not row.get(
                        "IsRecurrence2Exclusion"
                    ):
                        self.put({**row, **moved, "SystemModstamp": after["SystemModstamp"],
                                  "LastModifiedDate": after["SystemModstamp"]})  # fmt: skip
        return after

    def deleted(self, record: dict[str, Any]) -> None:
        if is_series(record):
            for row in self.occurrences(record["Id"]):
                self.delete(row)

    def _regenerate(self, series: dict[str, Any], now: datetime) -> None:
        for row in self.occurrences(series["Id"]):
            if row["StartDateTime"] >= now:
                self.delete(row)
            elif not row.get("IsRecurrence2Exclusion"):
                self.put({**row, "IsRecurrence2Exclusion": True})
        self._generate(series, now, after=now)

    def _generate(self, series: dict[str, Any], now: datetime, after: datetime | None) -> None:
        length = series["EndDateTime"] - series["StartDateTime"]
        for start in starts(series, now):
            if after is not None and start < after:
                continue
            row = {f: series.get(f) for f in SHARED}
            row.update(
                StartDateTime=start,
                EndDateTime=start + length,
                IsAllDayEvent=series.get("IsAllDayEvent"),
                DurationInMinutes=series.get("DurationInMinutes"),
                RecurrenceActivityId=series["Id"],
            )
            self.create(row)
