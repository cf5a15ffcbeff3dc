"""RRULE/EXDATE/RDATE expansion for Calendar ``recurrence`` lines (RFC 5545 subset).

Supported: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY with INTERVAL, COUNT, UNTIL, BYDAY (ordinals in
MONTHLY/YEARLY), BYMONTHDAY, BYMONTH, WKST=MO. Other parts are rejected, as an invalid rule is
by Google. Occurrences are generated in the event's wall-clock time zone, so DST shifts the UTC
instant and not the local hour.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
MAX_PERIODS = 5000
Moment = date | datetime


@dataclass(frozen=True)
class Rule:
    freq: str
    interval: int = 1
    count: int | None = None
    until: Moment | None = None
    byday: tuple[tuple[int, int], ...] = ()
    bymonthday: tuple[int, ...] = ()
    bymonth: tuple[int, ...] = ()


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
    byday = []
    for token in filter(None, parts.get("BYDAY", "").split(",")):
        ordinal, day = token[:-2], token[-2:]
        if day not in WEEKDAYS:
            raise ValueError(f"bad BYDAY {token!r}")
        byday.append((int(ordinal) if ordinal not in ("", "+") else 0, WEEKDAYS.index(day)))
    interval = int(parts.get("INTERVAL", "1"))
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    if interval < 1 or (count is not None and count < 1):
        raise ValueError("INTERVAL and COUNT must be positive")
    return Rule(
        freq=parts["FREQ"],
        interval=interval,
        count=count,
        until=_moment(parts["UNTIL"], UTC, False) if "UNTIL" in parts else None,
        byday=tuple(byday),
        bymonthday=tuple(int(d) for d in filter(None, parts.get("BYMONTHDAY", "").split(","))),
        bymonth=tuple(int(m) for m in filter(None, parts.get("BYMONTH", "").split(","))),
    )


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


def _month_days(year: int, month: int, rule: Rule, base: datetime) -> list[int]:
    last = calendar.monthrange(year, month)[1]
    days: set[int] = set()
    for ordinal, weekday in rule.byday:
        matching = [d for d in range(1, last + 1) if date(year, month, d).weekday() == weekday]
        if ordinal == 0:
            days.update(matching)
        elif -len(matching) <= ordinal <= len(matching) and ordinal != 0:
            days.add(matching[ordinal - 1 if ordinal > 0 else ordinal])
    for monthday in rule.bymonthday:
        day = monthday if monthday > 0 else last + 1 + monthday
        if 1 <= day <= last:
            days.add(day)
    if not rule.byday and not rule.bymonthday and base.day <= last:
        days.add(base.day)
    return sorted(days)


def _candidates(base: datetime, rule: Rule) -> Iterator[datetime]:
    """Wall-clock candidates in order (naive datetimes), starting at or after ``base``."""
    at = base.time()
    for k in range(MAX_PERIODS):
        step = k * rule.interval
        if rule.freq == "DAILY":
            days = [base.date() + timedelta(days=step)]
        elif rule.freq == "WEEKLY":
            week = base.date() - timedelta(days=base.weekday()) + timedelta(weeks=step)
            weekdays = sorted({wd for _, wd in rule.byday} or {base.weekday()})
            days = [week + timedelta(days=wd) for wd in weekdays]
        elif rule.freq == "MONTHLY":
            index = base.month - 1 + step
            year, month = base.year + index // 12, index % 12 + 1
            days = [date(year, month, d) for d in _month_days(year, month, rule, base)]
        else:
            year = base.year + step
            months = rule.bymonth or (base.month,)
            days = [
                date(year, m, d) for m in sorted(months) for d in _month_days(year, m, rule, base)
            ]
        for day in days:
            if rule.freq in ("DAILY", "WEEKLY") and rule.bymonth and day.month not in rule.bymonth:
                continue
            if (
                rule.freq == "DAILY"
                and rule.byday
                and day.weekday() not in {w for _, w in rule.byday}
            ):
                continue
            moment = datetime.combine(day, at)
            if moment >= base:
                yield moment


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
        for produced, naive in enumerate(_candidates(base, rule), start=1):
            moment = _as_output(naive, tz, all_day)
            if rule.until is not None and _past_until(moment, rule.until):
                break
            if _utc(moment) >= end or len(found) > limit:
                break
            found.add(moment)
            if rule.count is not None and produced >= rule.count:
                break
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
