"""The Salesforce stores' cursor:
``<ISO UTC second>|<delete log start>|<id>=<row fingerprint or ->,...``
(stores/base.py and stores/delta.py explain how it is used)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from syncengine.stores.base import CursorExpired

# Rows remembered as already seen at the cursor's second (about 36 characters each). A bulk load
# stamps thousands of rows in one second, and the cursor stays at that second until the delete
# log's latestDateCovered passes it (stores/delta.py); the read in between drops them unconverted
# only if they are remembered. The cap is above the 50,000 contacts a user syncs (Lightning
# Sync's own limit), so the cursor stays a bounded text (under 2 MB, and only until then).
BOUNDARY_CAP = 60_000


def soql_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Cursor:
    at: datetime  # rows stamped at or after this second are (re)read
    earliest: datetime  # the delete log's earliestDateAvailable when the cursor was made
    seen: dict[str, str]  # rows already reported at exactly `at`: id -> version, "-" if deleted

    def encode(self) -> str:
        seen = self.seen if len(self.seen) <= BOUNDARY_CAP else {}
        tail = ",".join(f"{k}={v}" for k, v in sorted(seen.items()))
        return f"{soql_time(self.at)}|{soql_time(self.earliest)}|{tail}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            at, earliest, tail = text.split("|", 2)
            seen = dict(pair.split("=", 1) for pair in tail.split(",") if pair)
            return cls(_parse_time(at), _parse_time(earliest), seen)
        except ValueError as exc:
            raise CursorExpired("the Salesforce sync cursor is unreadable") from exc


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
