"""Field values between JSON and Python: coercion with Salesforce's validation errors on the way
in, and Salesforce's wire formats (``2026-01-01T09:30:00.000+0000``) on the way out."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sandbox.salesforce import ids
from sandbox.salesforce.errors import RecordError, SfError
from sandbox.salesforce.schema import TEXT_TYPES, Field
from sandbox.salesforce.soql import parse_datetime

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")


def format_datetime(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _parser_error(field: Field, value: Any) -> SfError:
    kind = {"datetime": "datetime", "date": "date", "boolean": "boolean", "int": "int"}.get(
        field.type, field.type
    )
    return SfError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} or request may "
        f"be missing a required field",
    )


def coerce(field: Field, value: Any) -> Any:
    """The stored value for a written JSON value, or RecordError/SfError as Salesforce answers."""
    if value is None or (value == "" and field.type in TEXT_TYPES):
        return False if field.type == "boolean" else None
    if field.type in TEXT_TYPES:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _parser_error(field, value)
        text = str(value)
        if field.type == "reference":
            normalized = ids.normalize(text)
            if normalized is None:
                raise RecordError(
                    "MALFORMED_ID", f"{field.name}: id value of incorrect type: {text}", 400,
                    [field.name],
                )  # fmt: skip
            return normalized
        if field.length and len(text) > field.length:
            raise RecordError(
                "STRING_TOO_LONG",
                f"{field.name}: data value too large: {text[:40]} (max length={field.length})",
                400,
                [field.name],
            )
        if field.type == "email" and not _EMAIL.match(text):
            raise RecordError(
                "INVALID_EMAIL_ADDRESS", f"{field.name}: invalid email address: {text}", 400,
                [field.name],
            )  # fmt: skip
        if field.values and text not in field.values:
            raise RecordError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{field.name}: bad value for restricted picklist field: {text}",
                400,
                [field.name],
            )
        return text
    if field.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _parser_error(field, value)
    if field.type in ("int", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _parser_error(field, value)
        if field.type == "int":
            if value != int(value):
                raise _parser_error(field, value)
            return int(value)
        return float(value)
    if field.type == "date":
        text = str(value)
        try:
            return date.fromisoformat(text[:10] if "T" in text else text)
        except ValueError as exc:
            raise _parser_error(field, value) from exc
    if field.type == "datetime":
        try:
            parsed = parse_datetime(str(value))
        except ValueError as exc:
            raise _parser_error(field, value) from exc
        return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)
    raise _parser_error(field, value)
