"""Running a parsed SOQL query against the store: field and relationship resolution with
Salesforce's INVALID_FIELD / INVALID_TYPE errors, typed filters, ordering and records shaped
as the REST API returns them (``attributes`` plus nested relationship objects)."""

from __future__ import annotations

from typing import Any

from sandbox.salesforce import ids, schema, shared_activities, sharing, soql
from sandbox.salesforce.errors import SfError
from sandbox.salesforce.store import OrgStore
from sandbox.salesforce.values import to_json

_CUSTOM_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom "
    "field name. Please reference your WSDL or the describe call for the appropriate names."
)


def _invalid_field(message: str) -> SfError:
    return SfError("INVALID_FIELD", message)


def resolve(obj: str, path: soql.Path) -> tuple[tuple[str, ...], schema.Field | None]:
    """Canonical spelling of a field path and the final field (None for a polymorphic
    relationship's Name fields)."""
    canonical: list[str] = []
    current = obj
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if last:
            f = schema.field(current, part)
            if f is None:
                raise _invalid_field(
                    f"No such column '{part}' on entity '{current}'. {_CUSTOM_HINT}"
                )
            return (*canonical, f.name), f
        ref = schema.relationship(current, part)
        if ref is None:
            raise _invalid_field(
                f"Didn't understand relationship '{part}' in field path. {_CUSTOM_HINT}"
            )
        canonical.append(ref.relationship)
        if ref.polymorphic:
            rest = path[i + 1 :]
            names = {n.lower(): n for n in schema.NAME_FIELDS}
            if len(rest) != 1 or rest[0].lower() not in names:
                raise _invalid_field(f"No such column '{'.'.join(rest)}' on entity 'Name'.")
            return (*canonical, names[rest[0].lower()]), None
        current = ref.targets[0]
    raise _invalid_field("empty field path")  # the parser never yields one


class Runner:
    def __init__(self, store: OrgStore, version: str) -> None:
        self.store = store
        self.version = version

    def url(self, obj: str, record_id: str) -> str:
        return f"/services/data/v{self.version}/sobjects/{obj}/{record_id}"

    def parent(
        self, obj: str, record: dict[str, Any], rel: str
    ) -> tuple[str, dict[str, Any]] | None:
        ref = schema.relationship(obj, rel)
        assert ref is not None
        found = self.store.find(record.get(ref.name) or "")
        if found is None or found[1]["IsDeleted"]:
            return None
        return found

    def value(self, obj: str, record: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
        if record is None:
            return None
        if len(path) == 1:
            return record.get(path[0])
        ref = schema.relationship(obj, path[0])
        found = self.parent(obj, record, path[0])
        if found is None:
            return None
        if ref is not None and ref.polymorphic:
            return found[0] if path[1] == "Type" else found[1].get(path[1])
        return self.value(found[0], found[1], path[1:])

    def shape(
        self, obj: str, record: dict[str, Any], paths: list[tuple[str, ...]]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"attributes": {"type": obj, "url": self.url(obj, record["Id"])}}
        for path in paths:
            self._put(out, obj, record, path)
        return out

    def _put(
        self, out: dict[str, Any], obj: str, record: dict[str, Any], path: tuple[str, ...]
    ) -> None:
        if len(path) == 1:
            out[path[0]] = to_json(record.get(path[0]))
            return
        rel = path[0]
        found = self.parent(obj, record, rel)
        if found is None:
            out[rel] = None
            return
        ref = schema.relationship(obj, rel)
        kind = "Name" if ref is not None and ref.polymorphic else found[0]
        nested = out.get(rel) or {
            "attributes": {"type": kind, "url": self.url(found[0], found[1]["Id"])}
        }
        out[rel] = nested
        if kind == "Name":
            key = path[1]
            nested[key] = found[0] if key == "Type" else to_json(found[1].get(key))
        else:
            self._put(nested, found[0], found[1], path[1:])

    # --- filters -----------------------------------------------------------------------------
    def literal(self, f: schema.Field | None, lit: soql.Literal) -> Any:
        if lit.kind == "null":
            return None
        ftype = f.type if f is not None else "string"
        name = f.name if f is not None else "Name"
        expected = {"string": "string", "number": "number", "boolean": "boolean", "date": "date",
                    "datetime": "dateTime"}  # fmt: skip
        wanted = (
            "string" if ftype in schema.TEXT_TYPES
            else "number" if ftype in ("int", "double")
            else "boolean" if ftype == "boolean"
            else "date" if ftype == "date"
            else "datetime"
        )  # fmt: skip
        if lit.kind != wanted:
            quoted = "" if wanted == "string" else "not "
            raise _invalid_field(
                f"value of filter criterion for field '{name}' must be of type "
                f"{expected[wanted]} and should {quoted}be enclosed in quotes"
            )
        if ftype in ("id", "reference"):
            normalized = ids.normalize(lit.value)
            if normalized is None:
                raise SfError("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {lit.value}")
            return normalized
        return lit.value

    def matches(self, obj: str, record: dict[str, Any], cond: soql.Condition) -> bool:
        if isinstance(cond, soql.And):
            return all(self.matches(obj, record, c) for c in cond.operands)
        if isinstance(cond, soql.Or):
            return any(self.matches(obj, record, c) for c in cond.operands)
        if isinstance(cond, soql.Not):
            return not self.matches(obj, record, cond.operand)
        path, f = resolve(obj, cond.path)
        actual = self.value(obj, record, path)
        if isinstance(cond, soql.InList):
            wanted = [_fold(self.literal(f, v)) for v in cond.values]
            found = _fold(actual) in wanted
            return found != cond.negated
        expected = self.literal(f, cond.value)
        if cond.op == "LIKE":
            if f is not None and f.type not in schema.TEXT_TYPES:
                raise _invalid_field(f"invalid operator on field: {f.name}")
            return actual is not None and soql.like_pattern(expected).match(str(actual)) is not None
        if cond.op == "=":
            return _fold(actual) == _fold(expected)
        if cond.op == "!=":
            return _fold(actual) != _fold(expected)
        if actual is None or expected is None:
            return False
        a, b = _fold(actual), _fold(expected)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[cond.op]

    def since(
        self, obj: str, rows: list[dict[str, Any]], where: soql.Condition
    ) -> list[dict[str, Any]]:
        """Rows a ``SystemModstamp >= / >`` condition ANDed at the top leaves, found by a plain
        comparison, as Salesforce finds them through its index on that field: a change feed
        asking a large org for the last minute must not cost the emulator a full evaluation of
        every row (`matches` still checks every condition of those left)."""
        operands = where.operands if isinstance(where, soql.And) else (where,)
        for cond in operands:
            if (
                isinstance(cond, soql.Compare)
                and cond.path == ("SystemModstamp",)
                and cond.op in (">=", ">")
                and cond.value.kind == "datetime"
            ):
                bound = self.literal(resolve(obj, cond.path)[1], cond.value)
                if cond.op == ">":
                    rows = [r for r in rows if r["SystemModstamp"] > bound]
                else:
                    rows = [r for r in rows if r["SystemModstamp"] >= bound]
            elif isinstance(cond, soql.InList | soql.Compare) and _is_id(cond.path):
                # `Id IN (...)` / `Id = ...`: Salesforce's primary key, so reading a batch back by
                # id costs a look-up per id, not an evaluation of every row.
                wanted = self._ids(obj, cond)
                if wanted is not None:
                    rows = [r for r in rows if r.get("Id") in wanted]
        return rows

    def _ids(self, obj: str, cond: soql.InList | soql.Compare) -> set[str] | None:
        """The ids a positive `Id IN` / `Id =` condition admits; None for any other form."""
        if isinstance(cond, soql.Compare):
            if cond.op != "=" or cond.value.kind != "string":
                return None
            values: tuple[soql.Literal, ...] = (cond.value,)
        elif cond.negated or any(v.kind != "string" for v in cond.values):
            return None
        else:
            values = cond.values
        try:
            f = resolve(obj, cond.path)[1]
            return {self.literal(f, v) for v in values}
        except SfError:
            return None  # `matches` reports it as it always has

    # --- the query ---------------------------------------------------------------------------
    def run(self, text: str, include_deleted: bool) -> tuple[int, list[dict[str, Any]]]:
        try:
            query = soql.parse(text)
        except soql.SoqlError as exc:
            raise SfError("MALFORMED_QUERY", exc.message) from exc
        obj = schema.object_name(query.object)
        if obj is None or shared_activities.hidden_object(self.store, obj):
            raise SfError(
                "INVALID_TYPE",
                f"sObject type '{query.object}' is not supported. If you are attempting to use "
                "a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )
        paths = [resolve(obj, p)[0] for p in query.fields]
        for path in [*paths, *(resolve(obj, p)[0] for p in _filtered(query.where))]:
            if len(path) == 1 and shared_activities.hidden_field(self.store, obj, path[0]):
                raise _invalid_field(
                    f"No such column '{path[0]}' on entity '{obj}'. {_CUSTOM_HINT}"
                )
        if obj == "UserRecordAccess":
            rows = sharing.access_rows(self.store, query.where)
        elif obj == "EventWhoRelation":
            rows = self.store.shared.who_rows(include_deleted)
        else:
            rows = self.store.rows(obj, include_deleted)
        if query.where is not None:
            rows = self.since(obj, rows, query.where)
            rows = [r for r in rows if self.matches(obj, r, query.where)]
        for order in reversed(query.order):
            path = resolve(obj, order.path)[0]
            keyed = [(_fold(self.value(obj, r, path)), r) for r in rows]
            present = [pair for pair in keyed if pair[0] is not None]
            absent = [r for key, r in keyed if key is None]
            present.sort(key=lambda pair: pair[0], reverse=order.descending)
            ordered = [r for _key, r in present]
            rows = ordered + absent if order.nulls_last else absent + ordered
        rows = rows[query.offset or 0 :]
        if query.limit is not None:
            rows = rows[: query.limit]
        if query.count:
            return len(rows), []
        return len(rows), [self.shape(obj, r, paths) for r in rows]


def _filtered(cond: soql.Condition | None) -> list[soql.Path]:
    """The field paths a WHERE clause names."""
    if isinstance(cond, soql.And | soql.Or):
        return [p for c in cond.operands for p in _filtered(c)]
    if isinstance(cond, soql.Not):
        return _filtered(cond.operand)
    return [] if cond is None else [cond.path]


def _is_id(path: soql.Path) -> bool:
    return len(path) == 1 and path[0].lower() == "id"


def _fold(value: Any) -> Any:
    """SOQL compares text case-insensitively; ids (always 18 characters here) exactly."""
    if isinstance(value, str) and ids.normalize(value) != value:
        return value.casefold()
    return value
