"""The Google events store: the user's primary calendar through the Calendar API.

- Cursor: the events sync token (with the window start it was made with, see `_token_of`);
  410 ``fullSyncRequired`` -> CursorExpired. Full listings are limited to the configured window
  (timeMin/timeMax); Google does not allow a window together with a sync token, so incremental
  listings are filtered to it here (deletions always pass).
- Listings ask for ``showDeleted`` so cancelled occurrences of a series are seen: they become the
  series' exception dates. Moved occurrences (exceptions still confirmed) are not items.
- ``status: cancelled`` on a master or a single event -> deleted.
- Marker: ``extendedProperties.private.lsyncSalesforceId`` on events we create.
- `get` and the series' cancelled occurrences are read through the batch endpoint too.
- Writes go through the multipart batch endpoint (<= 50 calls, as Google advises), with
  ``sendUpdates=none`` unless the configuration sends invitations, and ``If-Match`` with the
  expected etag (412 -> VersionMismatch).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from connections.providers.google import convert, series
from connections.providers.google.batch import BatchAnswer, BatchCall
from connections.providers.google.client import GoogleClient, answer_error
from connections.providers.google.errors import store_error, translated
from syncengine.records import Contact, Event, norm_datetime
from syncengine.stores.base import (
    ChangePage,
    Create,
    CursorExpired,
    Delete,
    Item,
    Kind,
    MatchKey,
    NotFound,
    Op,
    OpResult,
    Side,
    Update,
)
from syncengine.stores.matching import first_matches

MAX_BATCH = 50
# Calendar entries that are not meetings: contacts' birthdays and working-location markers.
SKIPPED_TYPES = frozenset({"birthday", "workingLocation"})


def _until(rrule: str) -> datetime | None:
    """A series' UNTIL as an instant (a date-only UNTIL: the end of that day), if it has one."""
    for part in rrule.split(";"):
        key, _, value = part.partition("=")
        if key == "UNTIL" and value:
            digits = value.rstrip("Z")
            if "T" in digits:
                return datetime.strptime(digits, "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
            return datetime.strptime(digits[:8], "%Y%m%d").replace(tzinfo=UTC) + timedelta(days=1)
    return None


def _writes_exdates(op: Update) -> bool:
    record = op.record
    if not isinstance(record, Event) or record.recurrence is None:
        return False
    return bool(record.recurrence.exdates) and (op.fields is None or "recurrence" in op.fields)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class GoogleEventsStore:
    side: Side = "mailbox"
    kind: Kind = "events"
    max_batch = MAX_BATCH
    page_size = 2500  # the Calendar maximum

    def __init__(
        self,
        client: GoogleClient,
        owner: str,
        *,
        window: tuple[datetime, datetime] | None = None,
        send_invitations: bool = False,
        calendar_id: str = "primary",
        color: str | None = None,
    ) -> None:
        self.client = client
        self.color = color  # "only events users select": the colorId that marks, else None
        self.owner = owner.lower()
        self.window = window
        self.send_updates = "all" if send_invitations else "none"
        self.path = f"calendars/{quote(calendar_id, safe='@')}/events"

    @property
    def api_calls(self) -> int:
        return self.client.calls

    @api_calls.setter
    def api_calls(self, value: int) -> None:
        self.client.calls = value

    def canonical(self, record: Event) -> Event:
        return convert.canonical_event(record, self.owner)

    # ------------------------------------------------------------------ reading

    def _list(self, params: dict[str, str]) -> tuple[list[dict[str, Any]], str, str | None]:
        """(items, the calendar's time zone, next sync token) over every page."""
        params = {"maxResults": str(self.page_size), **params}
        items: list[dict[str, Any]] = []
        with translated():
            while True:
                page = self.client.calendar("GET", self.path, params=params)
                items += page.get("items") or []
                if not page.get("nextPageToken"):
                    return items, str(page.get("timeZone") or "UTC"), page.get("nextSyncToken")
                params["pageToken"] = str(page["nextPageToken"])

    def _batch(self, calls: list[BatchCall]) -> list[BatchAnswer]:
        answers: list[BatchAnswer] = []
        with translated():
            for start in range(0, len(calls), MAX_BATCH):
                answers += self.client.calendar_batch(calls[start : start + MAX_BATCH])
        return answers

    def _removed_occurrences(
        self, masters: dict[str, dict[str, Any]], cancelled: bool = True
    ) -> dict[str, list[dict[str, Any]]]:
        """``originalStartTime`` of each series' cancelled (unless told not to) and modified
        occurrences (one batch call): the series' exception dates (series.py)."""
        params = {"showDeleted": "true", "maxResults": "2500"}
        ids = list(masters)
        calls = [BatchCall("GET", f"{self.path}/{quote(i)}/instances", params) for i in ids]
        out: dict[str, list[dict[str, Any]]] = {}
        for master_id, answer in zip(ids, self._batch(calls), strict=True):
            if not answer.ok and answer.status not in (404, 410):
                raise store_error(answer_error(answer))
            items = answer.body.get("items") if isinstance(answer.body, dict) else None
            out[master_id] = [
                i.get("originalStartTime") or {}
                for i in items or []
                if (cancelled and i.get("status") == "cancelled")
                or series.is_modified(i, masters[master_id])
            ]
        return out

    def _item(self, data: dict[str, Any], zone: str, occurrences: list[dict[str, Any]]) -> Item:
        updated = data.get("updated")
        return Item(
            id=str(data["id"]),
            version=str(data.get("etag", "")),
            record=convert.event_from_api(data, zone, occurrences),
            marker=convert.event_marker(data),
            modified=norm_datetime(updated) if updated else None,
            selected=convert.has_color(data, self.color),
            invitation=convert.invitation_of(data),
            occurrence=series.occurrence_of(data),
        )

    def changes(self, cursor: str | None) -> ChangePage:
        params = {"showDeleted": "true", "singleEvents": "false"}
        if cursor:
            params["syncToken"] = self._token_of(cursor)
        elif self.window:
            params["timeMin"], params["timeMax"] = (_stamp(w) for w in self.window)
        items, zone, token = self._list(params)
        cancelled: dict[str, list[dict[str, Any]]] = {}
        masters: dict[str, dict[str, Any]] = {}
        modified: dict[str, dict[str, Any]] = {}
        deleted: list[str] = []
        for data in items:
            master = data.get("recurringEventId")
            if master:
                # Cancelled and modified occurrences: the series' exception dates; a modified
                # one is also an item of its own, and one cancelled later is deleted.
                cancelled.setdefault(str(master), []).append(data.get("originalStartTime") or {})
                if data.get("status") != "cancelled":
                    modified[str(data["id"])] = data
                elif cursor:
                    deleted.append(str(data["id"]))
            elif data.get("status") == "cancelled":
                if cursor:
                    deleted.append(str(data["id"]))
            elif data.get("eventType") in SKIPPED_TYPES:
                continue
            else:
                masters[str(data["id"])] = data
        # An incremental page holds only this run's cancellations: ask for all of them.
        heads = {i: d for i, d in masters.items() if d.get("recurrence")} if cursor else {}
        refreshed = self._removed_occurrences(heads) if heads else {}
        changed = [
            self._item(data, zone, refreshed.get(event_id, cancelled.get(event_id, [])))
            for event_id, data in masters.items()
        ]
        changed += [self._item(data, zone, []) for data in modified.values()]
        if cursor:
            others = sorted(set(cancelled) - set(masters) - set(deleted))
            changed += self.get(others).values() if others else []
            # Google cannot window an incremental listing: the store's scope is the same window
            # either way, so a change far outside it is not the engine's business.
            changed = [it for it in changed if self.in_window(it.record)]
        return ChangePage(changed, deleted, self._cursor(token), cursor is None)

    def _cursor(self, token: str | None) -> str | None:
        if not token:
            return None
        state = {"t": token, **({"w": _stamp(self.window[0])} if self.window else {})}
        return json.dumps(state, separators=(",", ":"))

    def _token_of(self, cursor: str) -> str:
        """The sync token in `cursor`. The window start the cursor was made with is kept when it is
        earlier than ours: should the token have expired, the full listing that follows must not
        start later, or events that only aged out of the window would be missing from it and be
        taken for deleted (and deleted in Salesforce)."""
        try:
            state = json.loads(cursor)
            token = str(state["t"])
            start = datetime.fromisoformat(str(state.get("w") or "").replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            raise CursorExpired("the sync cursor is not one of ours") from None
        if self.window and start.tzinfo is not None and start < self.window[0]:
            self.window = (start, self.window[1])
        return token

    def in_window(self, record: Event | Contact) -> bool:
        if self.window is None or not isinstance(record, Event):
            return True
        low, high = self.window
        if record.start >= high:
            return False
        if record.recurrence is None:
            return record.end > low
        until = _until(record.recurrence.rrule)
        return until is None or until >= low

    def get(self, ids: Sequence[str]) -> dict[str, Item]:
        unique = list(dict.fromkeys(ids))
        calls = [BatchCall("GET", f"{self.path}/{quote(i)}") for i in unique]
        found: dict[str, dict[str, Any]] = {}
        for event_id, answer in zip(unique, self._batch(calls) if calls else [], strict=True):
            if answer.status in (404, 410):
                continue
            if not answer.ok:
                raise store_error(answer_error(answer))
            data = answer.body if isinstance(answer.body, dict) else {}
            if data.get("status") == "cancelled":
                continue
            if data.get("eventType") not in SKIPPED_TYPES:
                found[event_id] = data
        heads = {i: d for i, d in found.items() if d.get("recurrence")}
        occurrences = self._removed_occurrences(heads) if heads else {}
        return {
            event_id: self._item(
                data,
                str((data.get("start") or {}).get("timeZone") or "UTC"),
                occurrences.get(event_id, []),
            )
            for event_id, data in found.items()
        }

    def find(self, keys: Sequence[MatchKey]) -> dict[MatchKey, str]:
        return first_matches(self.changes(None).changed, keys)

    def deleted_copies(self, markers: Sequence[str]) -> dict[str, str]:
        """The cancelled event carrying each marker, where no live one does (syncengine/recovery.py):
        Calendar keeps deleted events listable with `showDeleted`, extended properties included."""
        out: dict[str, str] = {}
        for marker in markers:
            found = f"{convert.MARKER_PROPERTY}={marker}"
            params = {"showDeleted": "true", "privateExtendedProperty": found}
            items = [d for d in self._list(params)[0] if not d.get("recurringEventId")]
            if items and all(d.get("status") == "cancelled" for d in items):
                out[marker] = str(items[0]["id"])
        return out

    # ------------------------------------------------------------------ writing

    def _call(self, op: Op, moved: dict[str, set[datetime]]) -> BatchCall:
        params = {"sendUpdates": self.send_updates}
        if isinstance(op, Create) and op.occurrence is not None:
            assert isinstance(op.record, Event)
            target = f"{self.path}/{quote(series.instance_id(op.occurrence, op.record.all_day))}"
            body = convert.patch_body(
                op.record, [f for f in convert.EVENT_KEYS if f != "recurrence"]
            )
            return BatchCall("PATCH", target, params, body)
        if isinstance(op, Create):
            assert isinstance(op.record, Event)
            body = convert.event_to_api(op.record)
            if op.marker:
                body["extendedProperties"] = {"private": {convert.MARKER_PROPERTY: op.marker}}
            return BatchCall("POST", self.path, params, body)
        headers = {"If-Match": op.expected_version} if op.expected_version else {}
        target = f"{self.path}/{quote(op.id)}"
        if isinstance(op, Delete):
            return BatchCall("DELETE", target, params, None, headers)
        assert isinstance(op.record, Event)
        record = series.without(op.record, moved.get(op.id, ()))
        return BatchCall("PATCH", target, params, convert.patch_body(record, op.fields), headers)

    def _moved(self, ops: Sequence[Op]) -> dict[str, set[datetime]]:
        """For each series this batch writes exception dates to: the starts of its modified
        occurrences (kept out of EXDATE, series.py), those modified in this batch included."""
        out: dict[str, set[datetime]] = {}
        heads: list[str] = []
        for op in ops:
            if isinstance(op, Create) and op.occurrence is not None:
                out.setdefault(op.occurrence.series, set()).add(op.occurrence.start)
            elif isinstance(op, Update) and _writes_exdates(op):
                heads.append(op.id)
        # Modified means: unlike the series as Google holds it now (not as this batch writes it).
        calls = [BatchCall("GET", f"{self.path}/{quote(i)}") for i in heads]
        current = {
            i: a.body
            for i, a in zip(heads, self._batch(calls) if calls else [], strict=True)
            if a.ok and isinstance(a.body, dict)
        }
        if current:
            for master, found in self._removed_occurrences(current, cancelled=False).items():
                starts = (convert.original_start({"originalStartTime": o}) for o in found)
                out.setdefault(master, set()).update(s for s in starts if s is not None)
        return out

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        if len(ops) > self.max_batch:
            raise ValueError(f"batch of {len(ops)} exceeds max_batch={self.max_batch}")
        if not ops:
            return []
        moved = self._moved(ops)
        with translated():
            answers = self.client.calendar_batch([self._call(op, moved) for op in ops])
        results = []
        for op, answer in zip(ops, answers, strict=True):
            own_id = None if isinstance(op, Create) else op.id
            body = answer.body if isinstance(answer.body, dict) else {}
            if answer.ok and isinstance(op, Update) and body.get("status") == "cancelled":
                # Google lets a PATCH reach a deleted event (that is how one is restored); the
                # patch leaves it cancelled, so for the engine the event is gone.
                results.append(OpResult(False, own_id, error=NotFound(f"event {own_id} deleted")))
            elif answer.ok:
                new_id = str(body.get("id") or own_id or "")
                version = None if isinstance(op, Delete) else str(body.get("etag", ""))
                results.append(OpResult(True, new_id, version))
            else:
                results.append(OpResult(False, own_id, error=store_error(answer_error(answer))))
        return results
