"""Events of the user's primary calendar, read through `calendarView/delta` over a fixed window.

How Graph's calendar maps to items (calendarView holds occurrences, never series masters):
- a single event is one item (its id);
- a series is one item under the **series master's id**: the master is fetched whenever any of
  its occurrences changes, and becomes one Event whose Recurrence carries the RRULE and, as
  exdates, the original starts of its modified occurrences (exceptions);
- an exception (a modified occurrence) is also an item of its own, a single event under the
  occurrence id, so an edit to one meeting of a series is synced as that meeting;
- plain occurrences are not items.
The cursor is the deltaLink plus a compact map from (hashed) occurrence ids to their master, so a
removed occurrence can be traced to its series; an id Graph reports removed is looked up once more,
since an event moved out of the window is also reported removed.

The window is fixed into the delta token, and its start never moves forward, not even in the
full listing after a cursor expired: a listing that started later would miss events that only
aged out of the window, which the planner would take for deletions (and delete in Salesforce).

Items' versions are the changeKey, with a suffix for series whose exceptions changed (the
master's own changeKey does not move then); If-Match sends the changeKey part only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from connections.providers.microsoft import series
from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.convert import (
    READ_PREFER,
    canonical_event,
    event_from_graph,
    event_to_graph,
    has_category,
    invitation_of,
    marker_json,
    marker_of,
    modified_of,
)
from connections.providers.microsoft.stores.base import (
    EXPAND_MARKER,
    GraphStore,
    Step,
    query,
)
from syncengine.records import Contact, Event
from syncengine.stores.base import (
    ChangePage,
    Create,
    CursorExpired,
    Item,
    Kind,
    MatchKey,
    Occurrence,
    Op,
    OpResult,
    Update,
)
from syncengine.stores.occurrences import short_key

Obj = dict[str, Any]
# Above this many new or changed events, markers are read by one listing, not event by event.
LIST_THRESHOLD = 40


class GraphEventStore(GraphStore):
    kind: Kind = "events"

    def __init__(
        self,
        client: GraphClient,
        mailbox: str,
        window_start: datetime,
        window_end: datetime,
        *,
        invitations: bool,
        category: str | None = None,
    ) -> None:
        super().__init__(client, mailbox)
        self.window = (window_start, window_end)
        self.invitations = invitations
        self.category = category  # "only events users select": the mark, else None
        self._invited: dict[str, set[str]] = {}
        self._occurrences: dict[Occurrence, str] = {}

    def canonical(self, record: Contact | Event) -> Contact | Event:
        if not isinstance(record, Event):
            return record
        return canonical_event(record, invitations=self.invitations)

    def item_path(self, item_id: str) -> str:
        return f"{self.user_path}/events/{item_id}"

    # ------------------------------------------------------------------ writes

    def create_step(self, op: Create) -> Step:
        assert isinstance(op.record, Event)
        if op.occurrence is not None:
            return self._occurrence_step(op)
        body = event_to_graph(op.record, invitations=self.invitations)
        if body.get("recurrence") is None:
            body.pop("recurrence", None)
        if op.marker:
            body["singleValueExtendedProperties"] = marker_json(op.marker)
        return {"method": "POST", "url": f"{self.user_path}/events", "body": body}

    def _occurrence_step(self, op: Create) -> Step:
        """A modified occurrence from Salesforce: written over that occurrence of the series."""
        assert isinstance(op.record, Event) and op.occurrence is not None
        target = self._occurrences.get(op.occurrence)
        if target is None:
            raise ValueError("this occurrence is no longer in its series in Outlook")
        body = event_to_graph(op.record, invitations=self.invitations)
        body.pop("recurrence", None)
        return {"method": "PATCH", "url": self.item_path(target), "body": body}

    def update_step(self, op: Update) -> Step:
        assert isinstance(op.record, Event)
        invited = self._invited.get(op.id, ())
        body = event_to_graph(
            op.record, invitations=self.invitations, fields=op.fields, invited=invited
        )
        if body.get("recurrence", 0) is None and (
            op.fields is None or "recurrence" not in op.fields
        ):
            body.pop("recurrence")
        return {"method": "PATCH", "url": self.item_path(op.id), "body": body}

    def _step(self, op: Any) -> Step:
        step = super()._step(op)
        if "If-Match" in step.get("headers", {}):
            # A series' version carries a suffix of ours (see the module docstring).
            step["headers"]["If-Match"] = (
                step["headers"]["If-Match"].split("#")[0].rstrip('"') + '"'
            )
        return step

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        self._invited = self._real_attendees(ops)
        wanted = [op.occurrence for op in ops if isinstance(op, Create) and op.occurrence]
        self._occurrences = series.locate(self, self.window, wanted) if wanted else {}
        results = super().apply(ops)
        cancel: dict[str, set[datetime]] = {}
        for op, result in zip(ops, results, strict=True):
            record = getattr(op, "record", None)
            if not result.ok or not result.id or not isinstance(record, Event):
                continue
            if record.recurrence is None or not record.recurrence.exdates:
                continue
            fields = getattr(op, "fields", None)
            if fields is None or fields & {"recurrence", "start", "end", "all_day", "time_zone"}:
                cancel[result.id] = set(record.recurrence.exdates)
        if cancel:
            series.cancel(self, self.window, cancel)
        return results

    def _real_attendees(self, ops: Sequence[Op]) -> dict[str, set[str]]:
        """Invitations off: who is already a real attendee of the events whose body an update
        rewrites, so the invitee section lists only the others (one read per 20 events)."""
        if self.invitations:
            return {}
        ids = [
            op.id
            for op in ops
            if isinstance(op, Update)
            and isinstance(op.record, Event)
            and op.record.attendees
            and (op.fields is None or op.fields & {"description", "attendees"})
        ]
        found = self.fetch(ids, {"$select": "id,attendees"}) if ids else {}
        return {
            i: {
                str((a.get("emailAddress") or {}).get("address") or "").strip().lower()
                for a in o.get("attendees") or []
            }
            for i, o in found.items()
        }

    # ------------------------------------------------------------------ reads

    def _initial_url(self) -> str:
        start, end = self.window
        params = {"startDateTime": series.iso(start), "endDateTime": series.iso(end)}
        return f"{self.client.base}{self.user_path}/calendarView/delta?{query(params)}"

    def changes(self, cursor: str | None) -> ChangePage:
        state: dict[str, Any] = {}
        if cursor is not None:
            try:
                state = json.loads(cursor)
            except ValueError:
                raise CursorExpired("the sync cursor is not one of ours") from None
            if not str(state.get("d", "")).startswith(self.client.base):
                raise CursorExpired("the sync cursor belongs to another Graph endpoint")
            self._keep_window(state)
        url = state.get("d") or self._initial_url()
        prefer = f"{READ_PREFER}, odata.maxpagesize=200"
        entries, link = self.delta_pages(url, prefer, expiring=cursor is not None)
        occ: dict[str, str] = dict(state.get("o") or {})
        singles: dict[str, Obj] = {}
        masters: set[str] = set()
        removed: list[str] = []
        for entry in entries:
            if "@removed" in entry:
                removed.append(str(entry["id"]))
                if short_key(str(entry["id"])) in occ:
                    masters.add(occ[short_key(str(entry["id"]))])
            else:
                self._sort(entry, singles, masters, occ)
        still = self.fetch(removed, {"$expand": EXPAND_MARKER}, READ_PREFER) if removed else {}
        for obj in still.values():
            self._sort(obj, singles, masters, occ)
        deleted = [i for i in removed if i not in still]
        master_objs = self.fetch(sorted(masters), {"$expand": EXPAND_MARKER}, READ_PREFER)
        for gone in sorted(masters - set(master_objs)):
            deleted.append(gone)
            occ = {k: v for k, v in occ.items() if v != gone}
        instances = (
            series.instances(self, self.window, list(master_objs), occ) if master_objs else {}
        )
        markers = self._single_markers(
            [i for i, o in singles.items() if o.get("type") != "exception"]
        )
        items = [self._item(o, markers.get(i, marker_of(o))) for i, o in singles.items()]
        items += [self._master(o, instances.get(i, [])) for i, o in master_objs.items()]
        window = [series.iso(self.window[0]), series.iso(self.window[1])]
        state = {"d": link, "o": occ, "w": window}
        new_cursor = json.dumps(state, separators=(",", ":")) if link else None
        return ChangePage(items, sorted(set(deleted)), new_cursor, cursor is None)

    def _keep_window(self, state: dict[str, Any]) -> None:
        """If this cursor is stale, the full listing that follows must not start later than the
        cursor's window did: events that aged out since would be missing from it and be taken
        for deleted (and deleted in Salesforce). So the window start never moves forward."""
        try:
            start = datetime.fromisoformat(str((state.get("w") or [""])[0]).replace("Z", "+00:00"))
        except ValueError:
            return
        if start < self.window[0]:
            self.window = (start, self.window[1])

    @staticmethod
    def _sort(obj: Obj, singles: dict[str, Obj], masters: set[str], occ: dict[str, str]) -> None:
        kind, item_id = obj.get("type"), str(obj["id"])
        if kind in ("occurrence", "exception") and obj.get("seriesMasterId"):
            master = str(obj["seriesMasterId"])
            occ[short_key(item_id)] = master
            masters.add(master)
            if kind == "exception":
                singles[item_id] = obj
        elif kind == "seriesMaster":
            masters.add(item_id)
        else:
            singles[item_id] = obj

    def _single_markers(self, ids: list[str]) -> dict[str, str | None]:
        if not ids:
            return {}
        if len(ids) > LIST_THRESHOLD:
            # Many at once (a full listing): one calendarView listing beats a GET per event.
            start, end = self.window
            params = {"startDateTime": series.iso(start), "endDateTime": series.iso(end), "$top": "1000",
                      "$select": "id", "$expand": EXPAND_MARKER}  # fmt: skip
            listed = self.list_all(f"{self.user_path}/calendarView", params)
            wanted = set(ids)
            return {str(o["id"]): marker_of(o) for o in listed if str(o["id"]) in wanted}
        found = self.fetch(ids, {"$select": "id", "$expand": EXPAND_MARKER})
        return {i: marker_of(o) for i, o in found.items()}

    def _item(self, obj: Obj, marker: str | None) -> Item:
        record = event_from_graph(obj)
        selected = has_category(obj, self.category)
        version = str(obj.get("changeKey") or "")
        return Item(
            str(obj["id"]), version, record, marker, modified_of(obj), selected,
            invitation_of(obj), series.occurrence_of(obj),
        )  # fmt: skip

    def _master(self, obj: Obj, instances: list[Obj]) -> Item:
        record = event_from_graph(obj)
        exdates = series.exdates(self.window, obj, record, instances) if record.recurrence else []
        version = str(obj.get("changeKey") or "")
        if exdates:
            version += "#" + hashlib.sha1(repr(exdates).encode()).hexdigest()[:8]  # noqa: S324
        record = event_from_graph(obj, exdates)
        selected = has_category(obj, self.category)
        invitation = invitation_of(obj)
        modified = modified_of(obj)
        return Item(str(obj["id"]), version, record, marker_of(obj), modified, selected, invitation)

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        if not ids:
            return {}
        found = self.fetch(ids, {"$expand": EXPAND_MARKER}, READ_PREFER)
        masters = [i for i, o in found.items() if o.get("type") == "seriesMaster"]
        instances = series.instances(self, self.window, masters, {}) if masters else {}
        out: dict[str, Item] = {}
        for item_id, obj in found.items():
            if obj.get("type") == "seriesMaster":
                out[item_id] = self._master(obj, instances.get(item_id, []))
            elif obj.get("type") != "occurrence":
                out[item_id] = self._item(obj, marker_of(obj))
        return out

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        if not keys:
            return {}
        objs = self.list_all(
            f"{self.user_path}/events", {"$top": "1000", "$expand": EXPAND_MARKER}, READ_PREFER
        )
        items = [self._item(o, marker_of(o)) for o in objs]
        return self.match(items, keys, lambda it: it.record.match_keys())
