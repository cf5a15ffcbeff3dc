"""Single-record sObject calls: create (201), get, update (204) and delete (204)."""

from __future__ import annotations

from typing import Any

from sandbox.core import Request, Response
from sandbox.salesforce import ids, schema, shared_activities
from sandbox.salesforce.context import Ctx
from sandbox.salesforce.errors import SfError, not_found
from sandbox.salesforce.query import Runner
from sandbox.salesforce.store import OrgStore


def object_or_404(name: str) -> str:
    obj = schema.object_name(name)
    if obj is None:
        raise not_found()
    return obj


def body(request: Request) -> Any:
    try:
        return request.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise SfError("JSON_PARSER_ERROR", f"Unexpected character in request body: {exc}") from exc


class SObjectApi:
    def __init__(self, store: OrgStore) -> None:
        self.store = store

    def describe_global(self, request: Request, ctx: Ctx) -> Response:
        sobjects = [
            {"name": name, "label": name, "keyPrefix": ids.PREFIXES.get(name), "queryable": True,
             "createable": True, "updateable": True, "deletable": True, "replicateable": True,
             "urls": {"sobject": f"/services/data/v{ctx.version}/sobjects/{name}"}}
            for name in schema.OBJECTS
            if not shared_activities.hidden_object(self.store, name)
        ]  # fmt: skip
        return Response.json({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    def describe(self, request: Request, ctx: Ctx, obj: str) -> Response:
        name = self.visible(obj)
        fields = [
            {
                "name": f.name,
                "type": f.type,
                "length": f.length,
                "createable": f.createable,
                "updateable": f.updateable,
                "nillable": not f.required and f.type != "boolean",
                "custom": f.name.endswith("__c"),
                "referenceTo": list(f.targets),
                "relationshipName": f.relationship or None,
                "polymorphicForeignKey": f.polymorphic,
                "restrictedPicklist": bool(f.values),
                "picklistValues": [
                    {"value": v, "label": v, "active": True, "defaultValue": False}
                    for v in f.values
                ],
            }
            for f in self.fields(name)
        ]
        return Response.json(
            {
                "name": name,
                "keyPrefix": ids.PREFIXES.get(name),
                "fields": fields,
                "replicateable": True,
            }
        )

    def visible(self, obj: str) -> str:
        name = object_or_404(obj)
        if shared_activities.hidden_object(self.store, name):
            raise not_found()
        return name

    def fields(self, obj: str) -> list[schema.Field]:
        return [
            f for f in schema.fields(obj)
            if not shared_activities.hidden_field(self.store, obj, f.name)
        ]  # fmt: skip

    def create(self, request: Request, ctx: Ctx, obj: str) -> Response:
        name = object_or_404(obj)
        record_id = self.store.create(name, body(request) or {}, ctx.actor)
        location = f"/services/data/v{ctx.version}/sobjects/{name}/{record_id}"
        return Response.json(
            {"id": record_id, "success": True, "errors": []}, 201, [("Location", location)]
        )

    def get(self, request: Request, ctx: Ctx, obj: str, record_id: str) -> Response:
        name = self.visible(obj)
        found = self.store.find(record_id)
        if name == "EventWhoRelation" and found and found[0] == "EventRelation":
            rows = [r for r in self.store.shared.who_rows(False) if r["Id"] == found[1]["Id"]]
            found = (name, rows[0]) if rows else None
        if found is None or found[0] != name:
            raise not_found()
        if found[1]["IsDeleted"]:
            raise SfError("ENTITY_IS_DELETED", "entity is deleted", 404)
        wanted = request.arg("fields")
        if wanted:
            fields = []
            for part in wanted.split(","):
                f = schema.field(name, part.strip())
                if f is None or shared_activities.hidden_field(self.store, name, f.name):
                    raise SfError(
                        "INVALID_FIELD", f"No such column '{part.strip()}' on entity '{name}'."
                    )
                fields.append(f.name)
        else:
            fields = [f.name for f in self.fields(name)]
        return Response.json(
            Runner(self.store, ctx.version).shape(name, found[1], [(f,) for f in fields])
        )

    def update(self, request: Request, ctx: Ctx, obj: str, record_id: str) -> Response:
        self.store.update(object_or_404(obj), record_id, body(request) or {}, ctx.actor)
        return Response.empty(204)

    def delete(self, request: Request, ctx: Ctx, obj: str, record_id: str) -> Response:
        self.store.delete(object_or_404(obj), record_id, ctx.actor)
        return Response.empty(204)
