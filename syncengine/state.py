"""What the engine remembers between runs for one (sync user, kind): ids, versions and hashes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from syncengine.stores.base import Side


@dataclass
class MappingState:
    salesforce_id: str
    mailbox_id: str
    salesforce_version: str
    mailbox_version: str
    hashes: dict[str, str] = field(default_factory=dict)


class MappingRepo(Protocol):
    def load(self) -> list[MappingState]: ...

    def upsert(self, mapping: MappingState) -> None:
        """Insert or replace the mapping keyed by either side's id."""
        ...

    def remove(self, salesforce_id: str | None, mailbox_id: str | None) -> None: ...

    def get_cursor(self, side: Side) -> str | None: ...

    def save_cursors(self, cursors: dict[Side, str | None]) -> None: ...


class MemoryRepo:
    def __init__(self) -> None:
        self.mappings: dict[str, MappingState] = {}
        self.cursors: dict[Side, str | None] = {}

    def load(self) -> list[MappingState]:
        return [MappingState(**vars(m)) for m in self.mappings.values()]

    def upsert(self, mapping: MappingState) -> None:
        self.remove(mapping.salesforce_id, mapping.mailbox_id)
        self.mappings[mapping.salesforce_id] = MappingState(**vars(mapping))

    def remove(self, salesforce_id: str | None, mailbox_id: str | None) -> None:
        for key, m in list(self.mappings.items()):
            if m.salesforce_id == salesforce_id or m.mailbox_id == mailbox_id:
                del self.mappings[key]

    def get_cursor(self, side: Side) -> str | None:
        return self.cursors.get(side)

    def save_cursors(self, cursors: dict[Side, str | None]) -> None:
        self.cursors.update(cursors)
