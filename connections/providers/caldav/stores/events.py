"""Events in the user's default calendar, as iCalendar, within the configured window."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from connections.providers.caldav import webdav
from connections.providers.caldav.client import DavClient
from connections.providers.caldav.convert_events import (
    add_override,
    cancel_occurrence,
    event_from_ical,
    events_from_ical,
    ical_text,
    rid_key,
    rid_start,
)
from connections.providers.caldav.errors import translated
from connections.providers.caldav.stores.base import DavCollectionStore, Record
from syncengine.records import Event
from syncengine.stores.base import Item, Kind, NotFound, Occurrence


class DavEventStore(DavCollectionStore):
    kind: Kind = "events"
    suffix = ".ics"
    content_type = "text/calendar"

    def __init__(
        self,
        client: DavClient,
        collection: str,
        start: datetime,
        end: datetime,
        *,
        invitations: bool = False,
    ) -> None:
        super().__init__(client, collection)
        self.start, self.end = start, end
        self.invitations = invitations

    def read(self, text: str) -> tuple[Record, str | None]:
        return event_from_ical(text)

    def write(
        self,
        record: Record,
        uid: str,
        marker: str | None,
        existing: str | None,
        occurrence: str | None = None,
    ) -> str:
        assert isinstance(record, Event)
        try:
            return ical_text(
                record, uid=uid, marker=marker, existing=existing,
                invitations=self.invitations, occurrence=occurrence,
            )  # fmt: skip
        except KeyError as exc:
            raise NotFound(f"the occurrence {occurrence} is no longer in the series") from exc

    def items_of(self, path: str, etag: str, text: str) -> list[Item]:
        return [
            Item(f"{path}#{key}", etag, event, marker, occurrence=Occurrence(path, rid_start(key)))
            if key
            else Item(path, etag, event, marker)
            for key, event, marker in events_from_ical(text)
        ]

    def remove_occurrence(self, text: str, occurrence: str) -> str:
        return cancel_occurrence(text, occurrence)

    def add_occurrence(self, text: str, start: datetime, record: Record) -> tuple[str, str]:
        assert isinstance(record, Event)
        try:
            new_text = add_override(text, start, record, invitations=self.invitations)
        except KeyError as exc:
            raise NotFound("this occurrence is no longer in its series on the server") from exc
        return new_text, rid_key(start)

    def list_all(self) -> list[Item]:
        # The server expands series for the time range, so a series started long ago but
        # still running is listed too.
        with translated():
            answer = self.client.report(
                self.collection, webdav.calendar_query(self.start, self.end), depth=1
            )
        return [i for r in answer.resources for i in self.items(r, webdav.CALENDAR_DATA)]

    def keep(self, record: Record) -> bool:
        assert isinstance(record, Event)
        return record.is_series or (record.start < self.end and record.end > self.start)

    def canonical(self, record: Record) -> Record:
        """What the calendar keeps: no organizer is written (the server sets it), and a date
        (all-day) has no zone."""
        assert isinstance(record, Event)
        return replace(
            record, organizer=None, time_zone="UTC" if record.all_day else record.time_zone
        )
