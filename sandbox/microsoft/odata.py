"""The OData query options Graph supports on the resources we emulate: $filter (a subset),
$select, $expand of extended properties, $top/$skip paging."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlencode

from sandbox.core import Request
from sandbox.microsoft.errors import GraphError
from sandbox.microsoft.state import Item, normalize_property_id

T = TypeVar("T")
Predicate = Callable[[dict[str, Any], Item], bool]
_STRING = r"'((?:[^']|'')*)'"
_EXT_ANY = re.compile(
    r"singleValueExtendedProperties/any\(\s*(\w+)\s*:\s*\1/id\s+eq\s+"
    + _STRING
    + r"\s+and\s+\1/value\s+eq\s+"
    + _STRING
    + r"\s*\)",
    re.IGNORECASE,
)
_EMAIL_ANY = re.compile(
    r"emailAddresses/any\(\s*(\w+)\s*:\s*\1/address\s+eq\s+" + _STRING + r"\s*\)", re.IGNORECASE
)
_EQ = re.compile(r"([A-Za-z][\w/]*)\s+eq\s+(?:" + _STRING + r"|(true|false|null))", re.IGNORECASE)
_EXPAND = re.compile(
    r"singleValueExtendedProperties\(\s*\$filter\s*=\s*id\s+eq\s+" + _STRING + r"\s*\)",
    re.IGNORECASE,
)


def invalid_filter() -> GraphError:
    return GraphError(
        400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes."
    )


def _unquote(text: str) -> str:
    return text.replace("''", "'")


def _split_and(text: str) -> list[str]:
    parts, depth, quoted, start = [], 0, False, 0
    lowered = text.lower()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and lowered.startswith(" and ", i):
            parts.append(text[start:i])
            start = i + 5
            i += 5
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _clause(text: str) -> Predicate:
    if m := _EXT_ANY.fullmatch(text):
        key, value = normalize_property_id(_unquote(m.group(2))), _unquote(m.group(3))
        return lambda obj, item: key in item.extended and item.extended[key][1] == value
    if m := _EMAIL_ANY.fullmatch(text):
        address = _unquote(m.group(2)).lower()
        return lambda obj, item: any(
            (e.get("address") or "").lower() == address for e in obj.get("emailAddresses") or []
        )
    if m := _EQ.fullmatch(text):
        path = m.group(1).split("/")
        literal: Any
        if m.group(2) is not None:
            literal = _unquote(m.group(2))
        else:
            literal = {"true": True, "false": False, "null": None}[m.group(3).lower()]

        def equal(obj: dict[str, Any], item: Item) -> bool:
            value: Any = obj
            for step in path:
                value = value.get(step) if isinstance(value, dict) else None
            if isinstance(value, str) and isinstance(literal, str):
                return value.lower() == literal.lower()
            return bool(value == literal)

        return equal
    raise invalid_filter()


def parse_filter(text: str | None) -> Predicate | None:
    if not text:
        return None
    clauses = [_clause(part) for part in _split_and(text.strip())]
    return lambda obj, item: all(c(obj, item) for c in clauses)


def select(obj: dict[str, Any], fields: str | None) -> dict[str, Any]:
    if not fields:
        return obj
    keep = {f.strip() for f in fields.split(",") if f.strip()} | {
        "id",
        "@odata.etag",
        "@odata.type",
    }
    return {k: v for k, v in obj.items() if k in keep or k.startswith("@")}


def expand(obj: dict[str, Any], item: Item, option: str | None) -> dict[str, Any]:
    if not option:
        return obj
    if option.strip().lower() == "singlevalueextendedproperties":
        wanted = None
    elif m := _EXPAND.fullmatch(option.strip()):
        wanted = normalize_property_id(_unquote(m.group(1)))
    else:
        raise GraphError(400, "BadRequest", f"Parsing OData Select and Expand failed: '{option}'")
    values = [
        {"id": first, "value": value}
        for key, (first, value) in item.extended.items()
        if wanted is None or key == wanted
    ]
    if values:
        obj = {**obj, "singleValueExtendedProperties": values}
    return obj


def page_size(request: Request, default: int, maximum: int = 1000) -> int:
    raw = request.arg("$top")
    if raw is None:
        prefer = request.header("prefer") or ""
        m = re.search(r"odata\.maxpagesize=(\d+)", prefer)
        return min(int(m.group(1)), maximum) if m else default
    if not raw.isdigit():
        raise GraphError(400, "BadRequest", f"Invalid $top value '{raw}'.")
    return max(1, min(int(raw), maximum))


def paged(
    request: Request, values: list[dict[str, Any]], default: int, context: str
) -> dict[str, Any]:
    return paged_lazily(request, values, lambda value: value, default, context)


def paged_lazily(
    request: Request,
    candidates: Iterable[T],
    finish: Callable[[T], dict[str, Any]],
    default: int,
    context: str,
    keep: Callable[[T], bool] | None = None,
) -> dict[str, Any]:
    """One page of the candidates `keep` accepts, only the page's own shaped by `finish`: a
    page of a large folder costs in proportion to its size and place, not to the folder's."""
    size = page_size(request, default)
    raw_skip = request.arg("$skip", "0") or "0"
    skip = int(raw_skip) if raw_skip.isdigit() else 0
    page: list[dict[str, Any]] = []
    kept, more = 0, False
    for candidate in candidates:
        if keep is not None and not keep(candidate):
            continue
        if kept >= skip + size:
            more = True
            break
        if kept >= skip:
            page.append(finish(candidate))
        kept += 1
    body: dict[str, Any] = {"@odata.context": context, "value": page}
    if more:
        query = {k: v[0] for k, v in request.query.items()}
        query["$top"] = str(size)
        query["$skip"] = str(skip + size)
        body["@odata.nextLink"] = f"{request.base_url}{request.path}?{urlencode(query)}"
    return body
