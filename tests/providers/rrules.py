"""Hypothesis strategies for the recurrence rules every mail provider can hold (canonical form,
as `syncengine.records.norm_rrule` writes it), and their expansion by dateutil: the reference
the providers' pattern conversions are compared with."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from hypothesis import assume
from hypothesis import strategies as st

from syncengine.records import norm_rrule, rrule_parts

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ZONES = ("UTC", "Europe/Paris", "America/New_York", "Australia/Sydney")
ORDINALS = (1, 2, 3, 4, -1)

# Starts on day 1..28 at whole quarter hours: day 29-31 is where Outlook and RFC 5545 part
# (Outlook moves it to a shorter month's last day), shown by a test of its own.
starts = st.builds(
    datetime.combine,
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 1)).map(
        lambda d: d.replace(day=min(d.day, 28))
    ),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
)
day_sets = st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True)


@st.composite
def rules(draw: st.DrawFn, start: datetime, *, yearly_interval: bool = True) -> str:
    """A canonical RRULE whose first occurrence can be `start` (aware, local)."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    interval = draw(st.integers(1, 4))
    parts = {"FREQ": freq}
    if freq == "DAILY" and draw(st.booleans()):
        parts["BYDAY"] = ",".join(draw(day_sets))
    elif freq == "WEEKLY":
        if draw(st.booleans()):
            parts["BYDAY"] = ",".join(draw(day_sets))
        parts["WKST"] = draw(st.sampled_from(DAYS))
    elif freq in ("MONTHLY", "YEARLY"):
        if freq == "YEARLY":
            parts["BYMONTH"] = str(draw(st.integers(1, 12)))
            interval = interval if yearly_interval else 1
        how = draw(st.sampled_from(["start", "monthday", "weekday"]))
        if how == "monthday":
            parts["BYMONTHDAY"] = str(draw(st.integers(1, 28)))
        elif how == "weekday":
            n = draw(st.sampled_from(ORDINALS))
            parts["BYDAY"] = ",".join(f"{n}{d}" for d in draw(day_sets))
    parts["INTERVAL"] = str(interval)
    end = draw(st.sampled_from(["none", "count", "until"]))
    if end == "count":
        parts["COUNT"] = str(draw(st.integers(1, 30)))
    elif end == "until":
        # The last second of a local day: the only UNTIL a pattern's end date can hold.
        day = start.date() + timedelta(days=draw(st.integers(0, 800)))
        last = datetime.combine(day, time(23, 59, 59), start.tzinfo)
        parts["UNTIL"] = last.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return norm_rrule(";".join(f"{k}={v}" for k, v in parts.items()))


@st.composite
def series(draw: st.DrawFn, *, yearly_interval: bool = True) -> tuple[datetime, str, str]:
    """(start, zone, rule): a series' first start (aware, local), its IANA zone and its rule."""
    zone = draw(st.sampled_from(ZONES))
    start = draw(starts).replace(tzinfo=ZoneInfo(zone))
    # A wall time the zone skips (a spring-forward gap) is no start a calendar can hold: the
    # event's instant shows an hour later, and its series keeps that later wall time, while
    # dateutil's rule would keep the skipped one.
    assume(
        start.astimezone(UTC).astimezone(start.tzinfo).replace(tzinfo=None)
        == start.replace(tzinfo=None)
    )
    return start, zone, draw(rules(start, yearly_interval=yearly_interval))


def weekly_in_days(rule: str) -> bool:
    """Every n (> 1) days on some weekdays: Outlook's weekly pattern would repeat every n weeks,
    so Microsoft 365 and Exchange refuse it."""
    parts = rrule_parts(rule)
    return parts["FREQ"] == "DAILY" and "BYDAY" in parts and parts.get("INTERVAL", "1") != "1"


def expected_starts(rule: str, start: datetime, until: datetime) -> list[datetime]:
    """dateutil's occurrences of `rule` from `start` (aware, local) that begin before `until`,
    in UTC."""
    out = []
    for moment in rrulestr(rule, dtstart=start):
        if moment.astimezone(UTC) >= until:
            break
        out.append(moment.astimezone(UTC))
    return out
