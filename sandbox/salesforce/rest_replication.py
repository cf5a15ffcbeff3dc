"""The replication resources ``sobjects/X/updated`` and ``sobjects/X/deleted``.

Rules (provider-contracts.md §4.4 and Salesforce's getUpdated/getDeleted guidelines):
- ``start``/``end`` are ISO date-times with an offset; their seconds are truncated;
- ``start`` must be before ``end``, else INVALID_REPLICATION_DATE;
- updated: ``start`` no more than 30 days ago; deleted: not before ``earliestDateAvailable``
  (15 days back, or later if the delete log was purged), else INVALID_REPLICATION_DATE;
- ``latestDateCovered`` is ``end`` capped at the current minute; rows are those stamped in
  [start, latestDateCovered), so the next window should start at ``latestDateCovered``."""

from __future__ import annotations

from datetime import datetime, timedelta

from sandbox.core import Request, Response
from sandbox.salesforce.context import Ctx
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.rest_sobjects import object_or_404
from sandbox.salesforce.soql import parse_datetime
from sandbox.salesforce.store import OrgStore
from sandbox.salesforce.values import format_datetime

UPDATED_DAYS = 30
MAX_IDS = 600_000


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _bad_date(message: str) -> SfError:
    return SfError("INVALID_REPLICATION_DATE", message)


def _window(request: Request) -> tuple[datetime, datetime]:
    values = []
    for name in ("start", "end"):
        raw = request.arg(name)
        if not raw:
            raise SfError("MISSING_ARGUMENT", f"Missing required parameter: {name}")
        try:
            # A raw '+' in a query string decodes to a space.
            values.append(_minute(parse_datetime(raw.strip().replace(" ", "+"))))
        except ValueError as exc:
            raise SfError(
                "INVALID_QUERY_FILTER_OPERATOR", f"Invalid date/time for {name}: {raw}"
            ) from exc
    start, end = values
    if start >= end:
        raise _bad_date("endDate must chronologically follow startDate")
    return start, end


class ReplicationApi:
    def __init__(self, store: OrgStore) -> None:
        self.store = store

    def updated(self, request: Request, ctx: Ctx, obj: str) -> Response:
        name = object_or_404(obj)
        start, end = _window(request)
        now = ctx.actor.now
        if start < _minute(now - timedelta(days=UPDATED_DAYS)):
            raise _bad_date(f"startDate cannot be more than {UPDATED_DAYS} days ago")
        latest = min(end, _minute(now))
        found = [r["Id"] for r in self.store.live(name) if start <= r["SystemModstamp"] < latest]
        if len(found) > MAX_IDS:
            raise SfError("EXCEEDED_ID_LIMIT", "Too many ids: narrow the start and end window")
        return Response.json({"ids": found, "latestDateCovered": format_datetime(latest)})

    def deleted(self, request: Request, ctx: Ctx, obj: str) -> Response:
        name = object_or_404(obj)
        start, end = _window(request)
        now = ctx.actor.now
        earliest = _minute(self.store.earliest_available(now))
        if start < earliest:
            raise _bad_date(
                "startDate is before earliestDateAvailable " + format_datetime(earliest)
            )
        latest = min(end, _minute(now))
        found = self.store.deleted_between(name, start, latest)
        if len(found) > MAX_IDS:
            raise SfError("EXCEEDED_ID_LIMIT", "Too many ids: narrow the start and end window")
        return Response.json(
            {
                "deletedRecords": [
                    {"id": d.id, "deletedDate": format_datetime(d.deleted_at)} for d in found
                ],
                "earliestDateAvailable": format_datetime(earliest),
                "latestDateCovered": format_datetime(latest),
            }
        )
