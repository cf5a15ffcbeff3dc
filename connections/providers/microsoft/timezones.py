"""Windows time-zone names (what Outlook writes, e.g. "Pacific Standard Time") <-> IANA names.

CLDR's map (exchangelib.winzone) gives each Windows zone its "001" (main) IANA zone. Writing, we use the Windows
name only when it maps back to the very same IANA zone (Europe/Berlin -> "W. Europe Standard
Time" -> Europe/Berlin); any other IANA zone (Europe/Oslo) is written as is, which Graph accepts,
so a round trip never moves an event to a neighbouring zone with other DST history.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

# Where CLDR (as exchangelib ships it) names a zone by an old tzdata alias ("backward" links),
# the canonical name Salesforce and Google use instead: an alias would read as a changed
# time zone on every round trip. tests/providers/microsoft/test_timezones.py shows each one.
CANONICAL: dict[str, str] = {
    "US Eastern Standard Time": "America/Indiana/Indianapolis",
    "Argentina Standard Time": "America/Argentina/Buenos_Aires",
}
WINDOWS_TO_IANA: dict[str, str] = MS_TIMEZONE_TO_IANA_MAP | CANONICAL
_UTC_NAMES = {
    "utc",
    "etc/utc",
    "gmt",
    "etc/gmt",
    "coordinated universal time",
    "tzone://microsoft/utc",
}
_LOWER = {k.lower(): v for k, v in WINDOWS_TO_IANA.items()}
IANA_TO_WINDOWS: dict[str, str] = {v: k for k, v in WINDOWS_TO_IANA.items() if v != "Etc/UTC"}


def _valid(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def to_iana(name: str | None) -> str:
    """An IANA zone for a Windows or IANA name; UTC for anything unknown."""
    raw = (name or "").strip()
    if not raw or raw.lower() in _UTC_NAMES:
        return "UTC"
    if raw.lower() in _LOWER:
        return _LOWER[raw.lower()]
    return raw if "/" in raw and _valid(raw) else "UTC"


def to_graph(iana: str) -> str:
    """The zone name to write to Graph for an IANA zone (see the module docstring)."""
    if iana in ("UTC", "Etc/UTC"):
        return "UTC"
    return IANA_TO_WINDOWS.get(iana, iana)
