"""Pure reads of a series in EWS terms (docs/series.md): which of its occurrences are modified,
where a modified one sits in its series, and whether a record's rule is the one it holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connections.providers.exchange.convert import iana_of, modified_occurrences
from connections.providers.exchange.recurrence import UnsupportedRecurrence, from_ews, to_ews
from syncengine.records import Event
from syncengine.stores.base import Occurrence


def exception_ids(master: Any) -> list[str]:
    """The ids of a series' modified occurrences (its ModifiedOccurrences)."""
    return [str(o.id) for o in modified_occurrences(master) if o.id]


def occurrence_of(item: Any, master_id: str | None) -> Occurrence | None:
    """A modified occurrence's place in its series (the series' id and its OriginalStart);
    None for anything else."""
    original = getattr(item, "original_start", None)
    if str(getattr(item, "type", "") or "") != "Exception" or not master_id:
        return None
    if not isinstance(original, datetime):
        return None
    return Occurrence(master_id, datetime.fromtimestamp(original.timestamp(), UTC))


def same_rule(master: Any, record: Event) -> bool:
    """Whether `record`'s rule is, in EWS's patterns, the one the series `master` holds (its
    first start is compared by the caller: a changed start is a change of its own)."""
    if record.recurrence is None or master.recurrence is None:
        return False
    zone = iana_of(getattr(master, "_start_timezone", None))
    try:
        wanted = to_ews(record.recurrence.rrule, record.start, record.time_zone, record.all_day)
    except UnsupportedRecurrence:
        return False
    held = from_ews(master.recurrence, zone)
    return bool(held) and from_ews(wanted, zone) == held
