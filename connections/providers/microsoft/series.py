"""Series in Graph's calendar: a series' instances in the window, the exdates read from them,
and exdates written by cancelling occurrences (events_store.py explains the item mapping)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connections.providers.microsoft.errors import store_error
from connections.providers.microsoft.recurrence import occurrence_starts
from connections.providers.microsoft.stores.base import GraphStore, chunks, query, translated
from syncengine.records import Event, norm_datetime
from syncengine.stores.base import Occurrence
from syncengine.stores.occurrences import short_key

Obj = dict[str, Any]
Window = tuple[datetime, datetime]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def instances(
    store: GraphStore, window: Window, master_ids: list[str], occ: dict[str, str]
) -> dict[str, list[Obj]]:
    """Each series' occurrences and exceptions in the window (one request per 20 series);
    `occ` learns which master each occurrence belongs to."""
    params = {"startDateTime": iso(window[0]), "endDateTime": iso(window[1]), "$top": "1000",
              "$select": "id,type,originalStart,seriesMasterId"}  # fmt: skip
    found: dict[str, list[Obj]] = {}
    for part in chunks(master_ids):
        steps = [
            {"method": "GET", "url": f"{store.item_path(m)}/instances?{query(params)}"}
            for m in part
        ]
        with translated():
            answers = store.client.batch(steps)
        for master, answer in zip(part, answers, strict=True):
            if answer.status == 404:
                continue  # the series is gone: its deletion is read as such
            if answer.error is not None:
                # Not "no occurrences": every occurrence would read as cancelled, and those
                # cancellations would be written to the other side. The run stops; a retry reads
                # them.
                raise store_error(answer.error)
            found[master] = [i for i in answer.body.get("value") or [] if isinstance(i, dict)]
            for inst in found[master]:
                occ[short_key(str(inst["id"]))] = master
    return found


def exdates(window: Window, obj: Obj, record: Event, listed: list[Obj]) -> list[datetime]:
    """Within the window: the original starts of modified occurrences (items of their own)
    and of occurrences the rule has but Outlook no longer lists (cancelled)."""
    present = {norm_datetime(i["originalStart"]) for i in listed if i.get("originalStart")}
    moved = {
        norm_datetime(i["originalStart"])
        for i in listed
        if i.get("type") == "exception" and i.get("originalStart")
    }
    zone = "UTC" if record.all_day else record.time_zone
    expected = occurrence_starts(obj["recurrence"], record.start, zone, window[1])
    return sorted(moved | {s for s in expected if s >= window[0] and s not in present})


def cancel(store: GraphStore, window: Window, wanted: dict[str, set[datetime]]) -> None:
    """Graph takes no exdates: cancel those plain occurrences one by one (an exdate that is a
    modified occurrence stays: that meeting is an item of its own)."""
    doomed = [
        str(inst["id"])
        for master, found in instances(store, window, list(wanted), {}).items()
        for inst in found
        if inst.get("type") == "occurrence"
        and inst.get("originalStart")
        and norm_datetime(inst["originalStart"]) in wanted[master]
    ]
    for part in chunks(doomed):
        with translated():
            store.client.batch([{"method": "DELETE", "url": store.item_path(i)} for i in part])


def locate(store: GraphStore, window: Window, wanted: list[Occurrence]) -> dict[Occurrence, str]:
    """The id of each wanted occurrence that is still a plain occurrence of its series (a
    modified occurrence from Salesforce is written over it, which makes it an exception)."""
    found: dict[Occurrence, str] = {}
    masters = sorted({o.series for o in wanted})
    for master, listed in instances(store, window, masters, {}).items():
        for inst in listed:
            if inst.get("type") == "occurrence" and inst.get("originalStart"):
                at = Occurrence(master, norm_datetime(inst["originalStart"]))
                found[at] = str(inst["id"])
    return {o: found[o] for o in wanted if o in found}


def occurrence_of(obj: Obj) -> Occurrence | None:
    """A modified occurrence's place in its series."""
    if obj.get("type") != "exception" or not obj.get("seriesMasterId"):
        return None
    if not obj.get("originalStart"):
        return None
    return Occurrence(str(obj["seriesMasterId"]), norm_datetime(obj["originalStart"]))
