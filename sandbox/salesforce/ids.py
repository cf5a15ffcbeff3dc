"""Realistic Salesforce record ids: a 3-character key prefix, then a 2-character pod, a reserved
character and a base-62 counter (15 case-sensitive characters), plus the 3-character
case-insensitive checksum that makes the 18-character form."""

from __future__ import annotations

import re

PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "User": "005",
    "Event": "00U",
    "Lead": "00Q",
    "Profile": "00e",
    "EventRelation": "0RE",
    "Organization": "00D",
}
TYPES_BY_PREFIX = {prefix: name for name, prefix in PREFIXES.items()}
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SHAPE = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Z]{3})?\Z")


def checksum(id15: str) -> str:
    out = ""
    for chunk in range(3):
        bits = 0
        for i, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << i
        out += _SUFFIX[bits]
    return out


def make_id(prefix: str, number: int, pod: str = "5g") -> str:
    body = ""
    while number:
        number, digit = divmod(number, 62)
        body = _DIGITS[digit] + body
    id15 = f"{prefix}{pod}0{body.rjust(9, '0')}"
    return id15 + checksum(id15)


def normalize(value: str) -> str | None:
    """The 18-character form of a 15- or 18-character id, or None if it is not shaped like one.
    An 18-character id whose suffix does not match its body is rejected, as Salesforce does."""
    if not _SHAPE.match(value):
        return None
    if len(value) == 15:
        return value + checksum(value)
    body = value[:15]
    return value if checksum(body) == value[15:].upper() else None


def type_of(record_id: str) -> str | None:
    return TYPES_BY_PREFIX.get(record_id[:3])
