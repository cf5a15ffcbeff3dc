"""Helpers shared by contacts and events: ids, etags, extended properties, bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.core import Request
from sandbox.microsoft.errors import GraphError
from sandbox.microsoft.state import Item, looks_like_item_id, normalize_property_id

READ_ONLY = {
    "id",
    "changeKey",
    "createdDateTime",
    "lastModifiedDateTime",
    "parentFolderId",
    "@odata.etag",
    "@odata.type",
    "@odata.context",
    "multiValueExtendedProperties",
    "extensions",
}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso7(moment: datetime) -> str:
    """Event timestamps carry seven fractional digits, which trips naive parsers."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def find(items: dict[str, Item], item_id: str) -> Item:
    if item_id in items:
        return items[item_id]
    if not looks_like_item_id(item_id):
        raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
    raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def check_if_match(request: Request, item: Item) -> None:
    wanted = request.header("if-match")
    if wanted is None or wanted.strip() == "*":
        return
    bare = wanted.strip().removeprefix("W/").strip('"')
    if bare != item.change_key:
        raise GraphError(
            412,
            "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change key passed "
            "in the request does not match the current change key for the item.",
        )


def body_json(request: Request) -> dict[str, Any]:
    try:
        data = request.json()
    except ValueError as exc:
        raise GraphError(400, "BadRequest", "Unable to read JSON request payload.") from exc
    if not isinstance(data, dict):
        raise GraphError(400, "BadRequest", "Empty Payload. JSON content expected.")
    return data


def check_properties(data: dict[str, Any], allowed: set[str], entity: str) -> None:
    for key in data:
        if key not in allowed and key not in READ_ONLY and key != "singleValueExtendedProperties":
            raise GraphError(
                400,
                "RequestBodyRead",
                f"The property '{key}' does not exist on type 'microsoft.graph.{entity}'. Make "
                "sure to only use property names that are defined by the type or mark the type "
                "as open type.",
            )


def write_extended(item: Item, data: dict[str, Any]) -> None:
    for prop in data.get("singleValueExtendedProperties") or []:
        if not isinstance(prop, dict) or not isinstance(prop.get("id"), str):
            raise GraphError(400, "ErrorInvalidExtendedPropertyValue", "Invalid extended property.")
        key = normalize_property_id(prop["id"])
        if prop.get("value") is None:
            item.extended.pop(key, None)
        else:
            item.extended[key] = (prop["id"], str(prop["value"]))
