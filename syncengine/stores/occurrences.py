"""What mailbox stores share about modified occurrences of a series (docs/series.md).

Exchange and CalDAV keep a series' modified occurrences inside the series (EWS's
ModifiedOccurrences, a calendar resource's RECURRENCE-ID overrides): their change feeds name
only the series, never an occurrence that stops being modified or is cancelled. Those stores keep
in their cursor which modified occurrences each series had (`Known`), and `vanished` tells, from
the series read again, which of them are gone, so they are reported deleted as Graph's delta
reports a removed exception. Graph keeps a map of its own, keyed by `short_key`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

# Series id (or its `short_key`) -> what names its modified occurrences (ids, or keys of them).
Known = dict[str, list[str]]


def short_key(item_id: str) -> str:
    """A short key for a long item id in a cursor's map."""
    return hashlib.sha1(item_id.encode()).hexdigest()[:12]  # noqa: S324 - a map key, not security


def vanished(known: Known, current: Known, touched: Iterable[str]) -> list[tuple[str, str]]:
    """(series, entry) for each modified occurrence `known` held for a touched series (read
    again, or deleted) that `current` no longer holds. `known` becomes `current` for them."""
    gone: list[tuple[str, str]] = []
    for series in dict.fromkeys(touched):
        now = current.get(series, [])
        gone += [(series, entry) for entry in known.pop(series, []) if entry not in now]
        if now:
            known[series] = list(now)
    return gone
