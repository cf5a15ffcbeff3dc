"""Google's front end parses request bodies against the API's proto: unknown field names and
wrongly typed values are 400 INVALID_ARGUMENT before the API sees them (People API)."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.google.errors import people_invalid
from sandbox.google.person_schema import SCHEMAS

PROTO_TYPES = {"string": "TYPE_STRING", "boolean": "TYPE_BOOL", "integer": "TYPE_INT32",
               "number": "TYPE_DOUBLE"}  # fmt: skip


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _bad_value(path: str, kind: str, value: Any) -> Exception:
    shown = json.dumps(value, ensure_ascii=False)
    return people_invalid(f"Invalid value at '{path}' ({kind}), {shown}")


def check(value: Any, kind: Any, path: str) -> None:
    if value is None:
        return
    if isinstance(kind, list):
        container, inner = kind
        if container == "array":
            if not isinstance(value, list):
                raise _bad_value(path, "TYPE_MESSAGE" if inner in SCHEMAS else "list", value)
            for index, item in enumerate(value):
                check(item, inner, f"{path}[{index}]")
        else:
            if not isinstance(value, dict):
                raise _bad_value(path, "map", value)
            for key, item in value.items():
                check(item, inner, f"{path}[{key}]")
        return
    if kind in SCHEMAS:
        if not isinstance(value, dict):
            raise _bad_value(path, f"type.googleapis.com/google.people.v1.{kind}", value)
        fields = SCHEMAS[kind]
        for key, item in value.items():
            if key not in fields:
                raise people_invalid(
                    f"Invalid JSON payload received. Unknown name \"{key}\" at '{path}': "
                    "Cannot find field."
                )
            check(item, fields[key], f"{path}.{_snake(key)}")
        return
    ok = {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "object": isinstance(value, dict),
    }.get(str(kind), True)
    if not ok:
        raise _bad_value(path, PROTO_TYPES.get(str(kind), str(kind)), value)


def check_person(body: Any, path: str = "person") -> None:
    check(body, "Person", path)
