"""Events of the user's primary calendar, within the configuration's window.

How the calendar maps to items (as Graph's, docs/series.md): SyncFolderItems on a calendar lists
what the folder stores, single events and recurring masters (never expanded occurrences), so:
- a single event is one item;
- a series is one item under its master's id; its exdates are its DeletedOccurrences and the
  original starts of its ModifiedOccurrences, and exdates written from Salesforce delete those
  occurrences (series.py);
- a modified occurrence (an exception) is also an item of its own, under its occurrence id, with
  `Item.occurrence`: it is read whenever its series is (an edit to it changes the series);
- plain occurrences are not items.
The cursor carries which modified occurrences each series had, so one that is cancelled or
goes with its series is reported deleted (syncengine.stores.occurrences).

The window: an event is listed when it overlaps it (a series when its first start is before the
window's end and its last occurrence ends after the window's start). The window start is kept in
the cursor and never moves forward in the full listing after an expired sync state, so events
that only aged out are not taken for deleted (and deleted in Salesforce).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from exchangelib import Account, CalendarItem
from exchangelib.folders import BaseFolder, Calendar, FolderCollection

from connections.providers.exchange.convert import (
    EVENT_FIELDS,
    canonical_event,
    event_from_ews,
    fill_event,
    marker_of,
    modified_of,
    updated_fields,
)
from connections.providers.exchange.convert_meetings import has_category, invitation_of
from connections.providers.exchange.convert_series import exception_ids, occurrence_of
from connections.providers.exchange.stores import series
from connections.providers.exchange.stores.base import ExchangeStore
from syncengine.records import Contact, Event
from syncengine.stores.base import (
    ChangePage,
    Create,
    Item,
    Kind,
    MatchKey,
    Occurrence,
    Op,
    OpResult,
    Update,
)
from syncengine.stores.matching import first_matches
from syncengine.stores.occurrences import Known, short_key, vanished

# A modified occurrence keeps its series' recurrence to itself: never written over one.
OCCURRENCE_FIELDS = [f for f in updated_fields(EVENT_FIELDS, None) if f != "recurrence"]


def _utc(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return datetime.fromtimestamp(value.timestamp(), UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return None


class ExchangeEventStore(ExchangeStore):
    kind: Kind = "events"
    item_class = CalendarItem

    def __init__(
        self,
        client: Any,
        mailbox: str,
        window_start: datetime,
        window_end: datetime,
        *,
        invitations: bool = False,
        category: str | None = None,
    ) -> None:
        super().__init__(client, mailbox, invitations=invitations)
        self.window = (window_start, window_end)
        self.category = category  # "only events users select": the mark, else None
        self._calendar_id: str | None = None
        self._occurrences: dict[Occurrence, tuple[str, str]] = {}

    def canonical(self, record: Contact | Event) -> Contact | Event:
        return canonical_event(record) if isinstance(record, Event) else record

    # ------------------------------------------------------------------ hooks

    def folder(self, account: Account) -> BaseFolder:
        return Calendar(root=self.root(account))

    def kind_folder(self, account: Account) -> BaseFolder:
        return self.folder(account)

    def calendar_id(self, account: Account) -> str:
        """The primary calendar's id (one GetFolder, then kept in the cursor): an item fetched
        by id elsewhere (Deleted Items) is no longer an event of this calendar."""
        if self._calendar_id is None:
            (found,) = FolderCollection(
                account=account, folders=[self.folder(account)]
            ).get_folders()
            if isinstance(found, Exception):
                raise found
            self._calendar_id = str(found.id)
        return self._calendar_id

    def fetch(self, account: Account, ids: Sequence[str]) -> list[Any]:
        found = super().fetch(account, ids)
        calendar = self.calendar_id(account) if found else ""
        return [o for o in found if str(getattr(o.parent_folder_id, "id", calendar)) == calendar]

    def to_item(self, obj: Any, master: str | None = None) -> Item | None:
        """The item for a single event or a series; for a modified occurrence when its series'
        id (`master`) is known; None for a plain occurrence."""
        occurrence = occurrence_of(obj, master)
        if str(obj.type or "Single") in ("Occurrence", "Exception") and occurrence is None:
            return None
        record = event_from_ews(obj, owner=self.mailbox)
        marker = marker_of(obj)
        if occurrence is not None:
            # An occurrence shows its series' marker and no rule of its own.
            record, marker = replace(record, recurrence=None), None
        selected = has_category(obj, self.category)
        invitation = invitation_of(obj, self.mailbox)
        version = str(obj.changekey or "")
        modified = modified_of(obj)
        return Item(
            str(obj.id), version, record, marker, modified, selected, invitation, occurrence
        )

    def in_window(self, obj: Any, item: Item) -> bool:
        start, end = self.window
        record = item.record
        assert isinstance(record, Event)
        last_end = record.end
        if record.recurrence is not None:
            last = getattr(obj, "last_occurrence", None)
            last_end = _utc(getattr(last, "end", None)) or end  # no end known: runs on
        return record.start < end and last_end >= start

    def fill(self, obj: Any, record: Any) -> Any:
        assert isinstance(record, Event)
        return fill_event(obj, record)

    def fields_for(self, fields: frozenset[str] | None) -> list[str]:
        names = updated_fields(EVENT_FIELDS, fields)
        if fields is None or fields & {"start", "end", "all_day", "time_zone", "recurrence"}:
            names += ["_start_timezone", "_end_timezone"]
        return names

    def update_fields(self, op: Update) -> list[str]:
        names = self.fields_for(op.fields)
        record = op.record
        kept = op.fields is not None and "recurrence" not in op.fields
        if isinstance(record, Event) and record.recurrence is None and kept:
            # A moved single event or modified occurrence: no rule to remove (an occurrence
            # refuses any change to its recurrence).
            names = [n for n in names if n != "recurrence"]
        return names

    def over_occurrence(self, account: Account, op: Create) -> tuple[Any, list[str]]:
        assert isinstance(op.record, Event) and op.occurrence is not None
        target = self._occurrences.get(op.occurrence)
        if target is None:
            raise ValueError("this occurrence is no longer in its series in Exchange")
        obj = self.item_class(account=account, id=target[0], changekey=target[1] or None)
        fill_event(obj, replace(op.record, recurrence=None))
        return obj, [*OCCURRENCE_FIELDS, "_start_timezone", "_end_timezone"]

    def listed(self, account: Account, ids: Sequence[str]) -> list[Item]:
        items, _ = self._listed(account, ids, expand=False)
        return items

    def _listed(
        self, account: Account, ids: Sequence[str], *, expand: bool
    ) -> tuple[list[Item], Known]:
        """The items of `ids` in the window; with `expand`, also their series' modified
        occurrences in the window, and which modified occurrences each listed series has."""
        out: list[Item] = []
        known: Known = {}
        for obj in self.fetch(account, ids):
            item = self.to_item(obj)
            if item is not None and self.in_window(obj, item):
                out.append(item)
                if expand and exception_ids(obj):
                    known[item.id] = exception_ids(obj)
        wanted = [(master, i) for master, found in known.items() for i in found]
        objs = {str(o.id): o for o in self.fetch(account, [i for _, i in wanted])}
        for master, occurrence_id in wanted:
            obj = objs.get(occurrence_id)
            item = self.to_item(obj, master) if obj is not None else None
            if item is not None and self.in_window(obj, item):
                out.append(item)
        return out, known

    # ------------------------------------------------------------------ the interface

    def changes(self, cursor: str | None) -> ChangePage:
        state: dict[str, Any] = self.parse_cursor(cursor) if cursor is not None else {}
        self._keep_window(state)
        if state.get("c"):
            self._calendar_id = str(state["c"])

        def read(account: Account) -> ChangePage:
            ids, deleted, sync_state = self.sync(account, state.get("s"))
            items, series = self._listed(account, ids, expand=True)
            # Which modified occurrences went: those the cursor knew of a series read again
            # (or deleted) that it no longer has.
            known: Known = dict(state.get("x") or {}) if cursor is not None else {}
            current = {short_key(master): found for master, found in series.items()}
            listed = [short_key(i.id) for i in items if i.occurrence is None]
            touched = listed + [short_key(i) for i in deleted]
            deleted += [gone for _, gone in vanished(known, current, touched)]
            window = self.window[0].strftime("%Y-%m-%dT%H:%M:%SZ")
            saved: dict[str, Any] = {"s": sync_state, "w": window, "c": self._calendar_id}
            if known:
                saved["x"] = known
            new = json.dumps(saved, separators=(",", ":"))
            return ChangePage(items, deleted, new, cursor is None)

        return self.run(read)

    def _keep_window(self, state: dict[str, Any]) -> None:
        try:
            start = datetime.fromisoformat(str(state.get("w") or "").replace("Z", "+00:00"))
        except ValueError:
            return
        if start < self.window[0]:
            self.window = (start, self.window[1])

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        if not ids:
            return {}

        def read(account: Account) -> dict[str, Item]:
            objs = self.fetch(account, list(dict.fromkeys(ids)))
            modified = [str(o.id) for o in objs if str(o.type or "") == "Exception"]
            masters = series.masters_of(account, self.kind_folder(account), modified)
            found = (self.to_item(o, masters.get(str(o.id))) for o in objs)
            return {it.id: it for it in found if it is not None}

        return self.run(read)

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        if not keys:
            return {}

        def read(account: Account) -> list[Item]:
            ids, _, _ = self.sync(account, None)
            return self.listed(account, ids)

        return first_matches(self.run(read), keys)

    def _apply(self, account: Account, ops: Sequence[Op]) -> list[OpResult]:
        targets = [op.occurrence for op in ops if isinstance(op, Create) and op.occurrence]
        self._occurrences = series.locate(account, self.calendar_id, targets) if targets else {}
        results = super()._apply(account, series.keep_rules(account, self.calendar_id, ops))
        series.remove_exdates(account, self.calendar_id, ops, results, self._send)
        return results
