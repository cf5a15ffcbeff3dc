"""The normalized forms of single values (text, e-mails, zones, instants, dates) and the hash of a
field's value: the pieces `syncengine.records` builds its records from."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# --------------------------------------------------------------------------- text helpers


def norm_text(value: Any, *, multiline: bool = False) -> str:
    """NFC, no surrounding blanks; one-line text has its runs of white space collapsed,
    multi-line text has LF line ends and no trailing blanks on a line."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = "\n".join(line.rstrip() for line in text.split("\n"))
        return text.strip()
    return " ".join(text.split())


def norm_email(value: Any) -> str:
    return norm_text(value).replace(" ", "").lower()


def norm_emails(values: Iterable[Any] | str | None) -> tuple[str, ...]:
    """Lower-case, order kept (the first is the primary), empties and repeats dropped."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        e = norm_email(v)
        if e and e not in out:
            out.append(e)
    return tuple(out)


def norm_zone(value: Any) -> str:
    name = norm_text(value) or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def norm_datetime(value: Any, zone: str = "UTC") -> datetime:
    """An aware UTC datetime to the second. A naive value is read in `zone`; a date is its midnight."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if not isinstance(value, datetime):
        raise TypeError(f"not a datetime: {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(norm_zone(zone)))
    return value.astimezone(UTC).replace(microsecond=0)


def norm_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --------------------------------------------------------------------------- hashing


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# What json.dumps(..., ensure_ascii=False) writes for one string.
_json_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _blob(value: Any) -> str:
    """The value as compact JSON with sorted keys. Strings, None and tuples of strings (most
    fields) are written directly, as json.dumps would write them, at a fraction of its cost."""
    if value is None:
        return "null"
    if value.__class__ is str:
        return str(_json_string(value))
    if value.__class__ is tuple and all(v.__class__ is str for v in value):
        return "[" + ",".join(_json_string(v) for v in value) + "]"
    return json.dumps(_jsonable(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def value_hash(value: Any) -> str:
    """A short, stable hash of one normalized field value (stored: it must never change).
    Interned: a run holds the hashes of every item it plans, and most of them are the same few
    values (an empty field, a shared title or company), so equal hashes share one string."""
    return sys.intern(hashlib.sha256(_blob(value).encode()).hexdigest()[:16])
