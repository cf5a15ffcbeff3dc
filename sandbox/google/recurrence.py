"""RRULE/EXDATE/RDATE expansion for Calendar ``recurrence`` lines (RFC 5545 subset).

Supported: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY with INTERVAL, COUNT, UNTIL, BYDAY (ordinals in
MONTHLY/YEARLY), BYMONTHDAY, BYMONTH, WKST=MO. Other parts are rejected, as an invalid rule is
by Google. dateutil's rrule expands the rules, in the event's wall-clock time zone, so DST shifts
the UTC instant and not the local hour; the series' start is always its first instance.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
Moment = date | datetime


@dataclass(frozen=True)
class Rule:
    text: str  # the RRULE value, checked by `_rule`
    until: Moment | None = None  # its UNTIL, read as Google does (see `_past_until`)


@dataclass
class Recurrence:
    rules: list[Rule] = field(default_factory=list)
    exdates: set[Moment] = field(default_factory=set)
    rdates: list[Moment] = field(default_factory=list)


def _moment(text: str, tz: tzinfo | None, as_date: bool) -> Moment:
    if as_date or len(text) == 8:
        return datetime.strptime(text[:8], "%Y%m%d").date()
    if text.endswith("Z"):
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    local = datetime.strptime(text, "%Y%m%dT%H%M%S")
    return local.replace(tzinfo=tz or UTC).astimezone(UTC)


def _rule(value: str) -> Rule:
    parts: dict[str, str] = {}
    for item in value.split(";"):
        key, sep, val = item.partition("=")
        if not sep or not val:
            raise ValueError(f"bad rule part {item!r}")
        parts[key.upper()] = val.upper()
    unsupported = set(parts) - {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYDAY",
        "BYMONTHDAY",
        "BYMONTH",
        "WKST",
    }
    if unsupported or parts.get("FREQ") not in FREQS or parts.get("WKST", "MO") != "MO":
        raise ValueError(f"unsupported rule {value!r}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError("COUNT and UNTIL are exclusive")
    if int(parts.get("INTERVAL", "1")) < 1 or int(parts.get("COUNT", "1")) < 1:
        raise ValueError("INTERVAL and COUNT must be positive")
    _possible(parts)
    # dateutil checks the values (an unknown day, a bad number); UNTIL is checked by `_moment`.
    rrulestr(value, dtstart=datetime(2000, 1, 1), ignoretz=True)
    until = _moment(parts["UNTIL"], UTC, False) if "UNTIL" in parts else None
    return Rule(value.upper(), until)


def _possible(parts: dict[str, str]) -> None:
    """Refuses days no month has (BYMONTHDAY=30 in February...): dateutil would search them up to
    the year 9999 before giving up."""
    months = [int(m) for m in filter(None, parts.get("BYMONTH", "").split(","))]
    if any(not 1 <= m <= 12 for m in months):
        raise ValueError("BYMONTH must be 1 to 12")
    longest = max(calendar.monthrange(2000, m)[1] for m in months or range(1, 13))
    for day in filter(None, parts.get("BYMONTHDAY", "").split(",")):
        if not 1 <= abs(int(day)) <= longest:
            raise ValueError(f"no month has day {day}")


def parse(lines: list[str], tz: ZoneInfo | None) -> Recurrence:
    """Raises ValueError for anything Google would call an invalid recurrence rule."""
    result = Recurrence()
    for line in lines:
        if not isinstance(line, str) or ":" not in line:
            raise ValueError(f"bad recurrence line {line!r}")
        head, _, value = line.partition(":")
        name, *params = head.split(";")
        name = name.upper()
        if name == "RRULE":
            result.rules.append(_rule(value))
            continue
        if name not in ("EXDATE", "RDATE"):
            raise ValueError(f"unsupported recurrence property {name}")
        options = dict(p.split("=", 1) for p in params if "=" in p)
        zone = ZoneInfo(options["TZID"]) if "TZID" in options else tz
        as_date = options.get("VALUE", "").upper() == "DATE"
        moments = [_moment(v.strip(), zone, as_date) for v in value.split(",") if v.strip()]
        if name == "EXDATE":
            result.exdates.update(moments)
        else:
            result.rdates.extend(moments)
    if not result.rules and not result.rdates:
        raise ValueError("no RRULE or RDATE")
    return result


def _as_output(naive: datetime, tz: ZoneInfo | None, all_day: bool) -> Moment:
    return naive.date() if all_day else naive.replace(tzinfo=tz or UTC)


def _utc(moment: Moment) -> datetime:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC)
    return datetime.combine(moment, datetime.min.time(), tzinfo=UTC)


def expand(
    start: Moment, tz: ZoneInfo | None, rec: Recurrence, end: datetime, limit: int
) -> list[Moment]:
    """Instance starts (dates for all-day events, aware local datetimes otherwise) up to ``end``."""
    all_day = not isinstance(start, datetime)
    if isinstance(start, datetime):
        base = start.astimezone(tz or UTC).replace(tzinfo=None)
    else:
        base = datetime.combine(start, datetime.min.time())
    found: set[Moment] = {_as_output(base, tz, all_day)}
    for rule in rec.rules:
        # All in wall time: dateutil keeps the local hour across DST, as Google does.
        dated = rrulestr(rule.text, dtstart=base, ignoretz=True)
        assert isinstance(dated, rrule)  # one RRULE line, so never a set
        for naive in dated.replace(until=None):
            moment = _as_output(naive, tz, all_day)
            if rule.until is not None and _past_until(moment, rule.until):
                break
            if _utc(moment) >= end or len(found) > limit:
                break
            found.add(moment)
    for extra in rec.rdates:
        if all_day:
            found.add(extra.date() if isinstance(extra, datetime) else extra)
        elif isinstance(extra, datetime):
            found.add(extra.astimezone(tz or UTC))
        else:
            found.add(datetime.combine(extra, base.time(), tzinfo=tz or UTC))
    kept = [m for m in found if not _excluded(m, rec.exdates, tz) and _utc(m) < end]
    return sorted(kept, key=_utc)[:limit]


def _past_until(moment: Moment, until: Moment) -> bool:
    if isinstance(moment, datetime):
        return _utc(moment) > _utc(until)
    limit_day = until.date() if isinstance(until, datetime) else until
    return moment > limit_day


def _excluded(moment: Moment, exdates: set[Moment], tz: ZoneInfo | None) -> bool:
    if isinstance(moment, datetime):
        utc = moment.astimezone(UTC)
        return utc in exdates or moment.date() in exdates
    return moment in exdates or any(
        isinstance(x, datetime) and x.astimezone(tz or UTC).date() == moment for x in exdates
    )
