"""What the engine remembers between runs for one (sync user, kind): ids, versions and hashes."""

from __future__ import annotations

import hashlib
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
        self.mappings: dict[str, MappingState] = {}  # by Salesforce id
        self._by_mailbox: dict[str, str] = {}  # mailbox id -> Salesforce id
        self.cursors: dict[Side, str | None] = {}

    def load(self) -> list[MappingState]:
        return [MappingState(**vars(m)) for m in self.mappings.values()]

    def upsert(self, mapping: MappingState) -> None:
        self.remove(mapping.salesforce_id, mapping.mailbox_id)
        self.mappings[mapping.salesforce_id] = MappingState(**vars(mapping))
        self._by_mailbox[mapping.mailbox_id] = mapping.salesforce_id

    def remove(self, salesforce_id: str | None, mailbox_id: str | None) -> None:
        # Indexed on both ids: a linear scan here made a run quadratic in the mailbox size.
        keys = {salesforce_id, self._by_mailbox.get(mailbox_id or "")} - {None}
        for key in keys:
            gone = self.mappings.pop(str(key), None)
            if gone is not None:
                self._by_mailbox.pop(gone.mailbox_id, None)

    def get_cursor(self, side: Side) -> str | None:
        return self.cursors.get(side)

    def save_cursors(self, cursors: dict[Side, str | None]) -> None:
        self.cursors.update(cursors)


# --------------------------------------------------------------------------- bookkeeping in `hashes`
#
# The repo stores `hashes` as an opaque dict, so the engine keeps a little bookkeeping in it:
# - "<field>": hash of the field's last synced value;
# - "salesforce:<field>" / "mailbox:<field>": that side's value when it differs from the common one
#   (a side that keeps less, e.g. one e-mail in Salesforce);
# - "_pending": "1" on the row written just before creating an item in Salesforce for a mailbox item
#   (its salesforce_id is a placeholder from `pending_id`): after a crash, the next run finds the new
#   Salesforce item by its content and links it instead of creating it twice;
# - "_detached": "<side>" on a tombstone: that side's item is gone and, by configuration, the other
#   one stays unsynced (not deleted, not created again);
# - "~<side>:<field>": written just before an update batch, the hash being written. If the run dies
#   before recording the result, the next run sees that the value on that side is lsync's own write
#   (not a user's edit) and that it came from the other side.

PENDING = "_pending"
DETACHED = "_detached"
INTENT = "~"  # "~<side>:<field>": the hash an update under way is writing to that side's field


def pending_id(mailbox_id: str) -> str:
    """A Salesforce-id-sized placeholder (18 chars) unique per mailbox item."""
    return "~" + hashlib.sha256(mailbox_id.encode()).hexdigest()[:17]


def is_pending(m: MappingState) -> bool:
    return m.hashes.get(PENDING) == "1"


def detached_side(m: MappingState) -> Side | None:
    value = m.hashes.get(DETACHED)
    return value if value in ("salesforce", "mailbox") else None  # type: ignore[return-value]


def side_hashes(m: MappingState, side: Side) -> dict[str, str]:
    """The field hashes of what `side` held after the last sync."""
    out = {k: v for k, v in m.hashes.items() if ":" not in k and not k.startswith("_")}
    prefix = f"{side}:"
    out.update({k[len(prefix) :]: v for k, v in m.hashes.items() if k.startswith(prefix)})
    return out


def compose_hashes(salesforce: dict[str, str], mailbox: dict[str, str]) -> dict[str, str]:
    """The stored form of both sides' field hashes (inverse of `side_hashes`)."""
    out = dict(salesforce)
    for name, value in mailbox.items():
        if out.get(name) != value:
            out[f"mailbox:{name}"] = value
    return out


def build_mapping(
    ids: dict[Side, str],
    versions: dict[Side, str],
    bases: dict[Side, dict[str, str]],
    *,
    extra: dict[str, str] | None = None,
) -> MappingState:
    hashes = compose_hashes(bases.get("salesforce", {}), bases.get("mailbox", {}))
    hashes.update(extra or {})
    return MappingState(
        salesforce_id=ids["salesforce"],
        mailbox_id=ids["mailbox"],
        salesforce_version=versions.get("salesforce", ""),
        mailbox_version=versions.get("mailbox", ""),
        hashes=hashes,
    )


def mapping_id(m: MappingState, side: Side) -> str:
    return m.salesforce_id if side == "salesforce" else m.mailbox_id


def mapping_version(m: MappingState, side: Side) -> str:
    return m.salesforce_version if side == "salesforce" else m.mailbox_version


def intents(m: MappingState) -> list[tuple[Side, str, str]]:
    """(side, field, hash) of the updates that were under way when this row was last written."""
    out: list[tuple[Side, str, str]] = []
    for key, value in m.hashes.items():
        if key.startswith(INTENT):
            side, _, name = key[len(INTENT) :].partition(":")
            if side in ("salesforce", "mailbox"):
                out.append((side, name, value))  # type: ignore[arg-type]
    return out


def with_intents(m: MappingState, side: Side, written: dict[str, str]) -> MappingState:
    hashes = {k: v for k, v in m.hashes.items() if not k.startswith(f"{INTENT}{side}:")}
    hashes.update({f"{INTENT}{side}:{name}": value for name, value in written.items()})
    return MappingState(
        m.salesforce_id, m.mailbox_id, m.salesforce_version, m.mailbox_version, hashes
    )
