"""EWS search restrictions (``m:Restriction``) evaluated against stored values.

``values(path)`` returns the stored string values for a FieldURI, IndexedFieldURI or
ExtendedFieldURI element. Strings compare case-insensitively (as Exchange does by default);
values that both parse as date-times compare as instants."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime

from sandbox.exchange.soap import ItemError, local, t

Values = Callable[[ET.Element], list[str]]
COMPARISONS = {
    "IsEqualTo": lambda a, b: a == b,
    "IsNotEqualTo": lambda a, b: a != b,
    "IsGreaterThan": lambda a, b: a > b,
    "IsGreaterThanOrEqualTo": lambda a, b: a >= b,
    "IsLessThan": lambda a, b: a < b,
    "IsLessThanOrEqualTo": lambda a, b: a <= b,
}


def _normal(value: str) -> object:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value.casefold()


def _comparable(a: object, b: object) -> tuple[object, object]:
    if isinstance(a, datetime) != isinstance(b, datetime):
        return str(a), str(b)
    if (
        isinstance(a, datetime)
        and isinstance(b, datetime)
        and (a.tzinfo is None) != (b.tzinfo is None)
    ):
        return a.replace(tzinfo=None), b.replace(tzinfo=None)
    return a, b


def _path(elem: ET.Element) -> ET.Element:
    for child in elem:
        if local(child.tag).endswith("FieldURI"):
            return child
    raise ItemError("ErrorInvalidRestriction", f"{local(elem.tag)} without a field path.")


def matches(elem: ET.Element, values: Values) -> bool:
    kind = local(elem.tag)
    if kind == "And":
        return all(matches(child, values) for child in elem)
    if kind == "Or":
        return any(matches(child, values) for child in elem)
    if kind == "Not":
        return not matches(elem[0], values)
    if kind == "Exists":
        return bool(values(_path(elem)))
    if kind in COMPARISONS:
        constant = elem.find(f"{t('FieldURIOrConstant')}/{t('Constant')}")
        if constant is None:
            raise ItemError("ErrorInvalidRestriction", "Only constant comparisons are supported.")
        wanted = _normal(constant.get("Value", ""))
        found = values(_path(elem))
        compare = COMPARISONS[kind]
        if kind == "IsNotEqualTo":
            return all(compare(*_comparable(_normal(v), wanted)) for v in found)
        return any(compare(*_comparable(_normal(v), wanted)) for v in found)
    if kind == "Contains":
        constant = elem.find(t("Constant"))
        wanted_text = (constant.get("Value", "") if constant is not None else "").casefold()
        mode = elem.get("ContainmentMode", "Substring")
        checks = {
            "FullString": lambda v: v == wanted_text,
            "Prefixed": lambda v: v.startswith(wanted_text),
            "Substring": lambda v: wanted_text in v,
            "PrefixOnWords": lambda v: any(w.startswith(wanted_text) for w in v.split()),
            "ExactPhrase": lambda v: wanted_text in v,
        }
        check = checks.get(mode, checks["Substring"])
        return any(check(v.casefold()) for v in values(_path(elem)))
    raise ItemError("ErrorInvalidRestriction", f"Restriction {kind} is not supported.")
