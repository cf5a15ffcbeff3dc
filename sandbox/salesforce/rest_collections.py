"""sObject Collections (``/composite/sobjects``): create, update and delete up to 200 records in
one call, with per-record results in request order and a true ``allOrNone`` rollback (the
failing records carry their own errors, every other one ALL_OR_NONE_OPERATION_ROLLED_BACK)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.core import Request, Response
from sandbox.salesforce import schema
from sandbox.salesforce.context import Ctx
from sandbox.salesforce.errors import RecordError, SfError
from sandbox.salesforce.rest_sobjects import body
from sandbox.salesforce.store import OrgStore

MAX_RECORDS = 200
_ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
    "fields": [],
}


class _Rollback(Exception):
    pass


def _too_many() -> SfError:
    return SfError(
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
    )


def _record_type(record: Any) -> str:
    if not isinstance(record, dict):
        raise SfError("JSON_PARSER_ERROR", "Each record must be a JSON object")
    kind = (record.get("attributes") or {}).get("type")
    obj = schema.object_name(str(kind or ""))
    if obj is None:
        raise SfError("INVALID_TYPE", f"sObject type '{kind}' is not supported.")
    return obj


class CollectionsApi:
    def __init__(self, store: OrgStore) -> None:
        self.store = store

    def _run(
        self,
        count: int,
        all_or_none: bool,
        step: Callable[[int], str | None],
        ids: list[str | None],
    ) -> Response:
        results: list[dict[str, Any]] = []
        try:
            with self.store.transaction():
                for index in range(count):
                    try:
                        record_id = step(index)
                        results.append({"id": record_id, "success": True, "errors": []})
                    except RecordError as exc:
                        failed: dict[str, Any] = {"success": False, "errors": [exc.record_error()]}
                        if ids[index]:
                            failed = {"id": ids[index], **failed}
                        results.append(failed)
                if all_or_none and any(not r["success"] for r in results):
                    raise _Rollback
        except _Rollback:
            results = [
                r
                if not r["success"]
                else {"id": ids[i], "success": False, "errors": [_ROLLED_BACK]}
                for i, r in enumerate(results)
            ]
            results = [
                r if r.get("id") else {k: v for k, v in r.items() if k != "id"} for r in results
            ]
        return Response.json(results)

    def create(self, request: Request, ctx: Ctx) -> Response:
        payload = body(request)
        if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
            raise SfError("JSON_PARSER_ERROR", "The request body must have a records array")
        records = payload["records"]
        if len(records) > MAX_RECORDS:
            raise _too_many()
        types = [_record_type(r) for r in records]

        def step(i: int) -> str:
            return self.store.create(types[i], records[i], ctx.actor)

        return self._run(len(records), bool(payload.get("allOrNone")), step, [None] * len(records))

    def update(self, request: Request, ctx: Ctx) -> Response:
        payload = body(request)
        if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
            raise SfError("JSON_PARSER_ERROR", "The request body must have a records array")
        records = payload["records"]
        if len(records) > MAX_RECORDS:
            raise _too_many()
        types = [_record_type(r) for r in records]
        record_ids = [str(r.get("id") or r.get("Id") or "") or None for r in records]

        def step(i: int) -> str:
            record_id = record_ids[i]
            if not record_id:
                raise RecordError("MISSING_ARGUMENT", "Id not specified in an update call", 400, [])
            self.store.update(types[i], record_id, records[i], ctx.actor)
            return record_id

        return self._run(len(records), bool(payload.get("allOrNone")), step, list(record_ids))

    def delete(self, request: Request, ctx: Ctx) -> Response:
        record_ids: list[str | None] = [i for i in (request.arg("ids") or "").split(",") if i]
        if not record_ids:
            raise SfError("MISSING_ARGUMENT", "ids parameter is required")
        if len(record_ids) > MAX_RECORDS:
            raise _too_many()
        all_or_none = (request.arg("allOrNone") or "false").lower() == "true"

        def step(i: int) -> str:
            record_id = str(record_ids[i])
            try:
                self.store.delete(None, record_id, ctx.actor)
            except RecordError as exc:
                if exc.code == "NOT_FOUND":
                    raise RecordError(
                        "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", 400, []
                    ) from exc
                raise
            return record_id

        return self._run(len(record_ids), all_or_none, step, record_ids)
