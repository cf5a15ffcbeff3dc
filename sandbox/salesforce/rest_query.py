"""``query``/``queryAll`` with server-side cursors: results are computed when the query runs and
handed out in pages through ``nextRecordsUrl`` (``/query/<locator>-<offset>``). A user keeps at
most 10 open cursors (opening another drops the oldest) and a cursor idle for 15 minutes is gone;
both then answer 400 INVALID_QUERY_LOCATOR, as Salesforce does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.core import Request, Response
from sandbox.salesforce import ids
from sandbox.salesforce.context import Ctx
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.query import Runner
from sandbox.salesforce.store import OrgStore

CURSOR_IDLE = timedelta(minutes=15)
CURSORS_PER_USER = 10


@dataclass
class Cursor:
    locator: str
    user_id: str
    records: list[dict[str, Any]]
    total: int
    page_size: int
    used: datetime


class QueryApi:
    def __init__(self, store: OrgStore) -> None:
        self.store = store
        self.page_size = 2000
        self.cursors: dict[str, Cursor] = {}
        self.counter = 0

    def expire_all(self) -> None:
        self.cursors.clear()

    def _page_size(self, request: Request) -> int:
        options = request.header("sforce-query-options") or ""
        match = re.search(r"batchSize\s*=\s*(\d+)", options)
        if match and 200 <= int(match.group(1)) <= 2000:
            return min(int(match.group(1)), self.page_size)
        return self.page_size

    def query(self, request: Request, ctx: Ctx, include_deleted: bool = False) -> Response:
        text = request.arg("q")
        if not text:
            raise SfError("MALFORMED_QUERY", "A query string has to be specified")
        total, records = Runner(self.store, ctx.version).run(text, include_deleted)
        if len(records) <= self._page_size(request):
            return Response.json({"totalSize": total, "done": True, "records": records})
        self.counter += 1
        locator = ids.make_id("01g", self.counter)[:15]
        cursor = Cursor(
            locator, ctx.actor.user_id, records, total, self._page_size(request), ctx.actor.now
        )
        mine = sorted(
            (c for c in self.cursors.values() if c.user_id == cursor.user_id), key=lambda c: c.used
        )
        for old in mine[: max(0, len(mine) - CURSORS_PER_USER + 1)]:
            del self.cursors[old.locator]
        self.cursors[locator] = cursor
        return self._page(cursor, 0, ctx)

    def query_all(self, request: Request, ctx: Ctx) -> Response:
        return self.query(request, ctx, include_deleted=True)

    def more(self, request: Request, ctx: Ctx, locator: str) -> Response:
        key, _, offset = locator.partition("-")
        cursor = self.cursors.get(key)
        if (
            cursor is None
            or not offset.isdigit()
            or cursor.user_id != ctx.actor.user_id
            or ctx.actor.now - cursor.used > CURSOR_IDLE
            or int(offset) >= len(cursor.records)
        ):
            if cursor is not None and cursor.user_id == ctx.actor.user_id:
                del self.cursors[key]
            raise SfError("INVALID_QUERY_LOCATOR", "invalid query locator")
        cursor.used = ctx.actor.now
        return self._page(cursor, int(offset), ctx)

    def _page(self, cursor: Cursor, offset: int, ctx: Ctx) -> Response:
        end = offset + cursor.page_size
        body: dict[str, Any] = {
            "totalSize": cursor.total,
            "done": end >= len(cursor.records),
            "records": cursor.records[offset:end],
        }
        if body["done"]:
            del self.cursors[cursor.locator]
        else:
            body["nextRecordsUrl"] = f"/services/data/v{ctx.version}/query/{cursor.locator}-{end}"
        return Response.json(body)
