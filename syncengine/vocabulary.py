"""The words the engine, the database and the pages share, each defined once.

The engine core works with these `Literal` types (checked by mypy, no Django); the models build
their field choices from the label tables below, so a value cannot exist in one and not the other.
Pure: no Django, no I/O, so every layer may import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypeVar, get_args

Kind = Literal["contacts", "events"]
Side = Literal["salesforce", "mailbox"]
Direction = Literal["both", "salesforce_to_mailbox", "mailbox_to_salesforce", "off"]
ConflictPolicy = Literal["salesforce", "mailbox", "newest"]

KINDS: tuple[Kind, ...] = get_args(Kind)

KIND_LABELS: dict[Kind, str] = {"contacts": "Contacts", "events": "Events"}
SIDE_LABELS: dict[Side, str] = {"salesforce": "Salesforce", "mailbox": "Mailbox"}
DIRECTION_LABELS: dict[Direction, str] = {
    "both": "Sync both ways",
    "salesforce_to_mailbox": "Salesforce to mailbox",
    "mailbox_to_salesforce": "Mailbox to Salesforce",
    "off": "Don't sync",
}
CONFLICT_LABELS: dict[ConflictPolicy, str] = {
    "salesforce": "Salesforce wins",
    "mailbox": "Mailbox wins",
    "newest": "Newest change wins",
}

T = TypeVar("T", bound=str)


def choices(labels: Mapping[T, str]) -> list[tuple[str, str]]:
    """Django field choices from a label table."""
    return [(str(value), label) for value, label in labels.items()]


def _checked(value: str, labels: Mapping[T, str], what: str) -> T:
    for known in labels:
        if known == value:
            return known
    raise ValueError(f"{value!r} is not a {what} ({', '.join(map(str, labels))})")


def as_kind(value: str) -> Kind:
    return _checked(value, KIND_LABELS, "kind")


def as_side(value: str) -> Side:
    return _checked(value, SIDE_LABELS, "side")


def as_direction(value: str) -> Direction:
    return _checked(value, DIRECTION_LABELS, "direction")


def as_conflict_policy(value: str) -> ConflictPolicy:
    return _checked(value, CONFLICT_LABELS, "conflict policy")
