"""What the engine remembers between runs for one (sync user, kind): ids, versions, hashes, the
mapping's state and the writes under way."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, Protocol

from syncengine.stores.base import Side

# The state of a mapping; mappings.models.ItemState holds the same values for the database.
# - "pending": written just before creating an item's copy on the other side; it holds only the
#   source's id (no Salesforce id: a create in Salesforce; no mailbox id: a create in the mailbox)
#   and the hashes being written. After a crash, or a create whose answer was lost, the next run
#   finds the copy (in Salesforce by its content, decision table U5; in the mailbox by its marker,
#   U1) and links it with those hashes as the base, so an edit made to the copy since is kept.
# - "synced": both items are linked and were equal after the last sync.
# - "detached": a tombstone: the item on side `gone` is gone and, by configuration, the other one
#   stays unsynced (not deleted, not created again).
# - "error": a linked pair whose last change failed (set by the Django side for the admin; the
#   engine treats it as "synced" and the next successful write makes it "synced" again).
Status = Literal["pending", "synced", "detached", "error"]
LINKED: frozenset[str] = frozenset({"synced", "error"})


@dataclass
class MappingState:
    """One mapping. A pending row's missing id (the side being created) is "" (stored as NULL).

    `hashes` holds field hashes only: "<field>" for a field's last synced value, and
    "salesforce:<field>" / "mailbox:<field>" for a side's value where it differs from the common one
    (a side that keeps less, e.g. one e-mail in Salesforce).

    `intents[side]` holds, per field, the hash an update under way is writing to that side: noted
    just before the update batch. If the run dies before recording the result, the next run sees
    that the value on that side is lsync's own write (not a user's edit) from the other side."""

    salesforce_id: str
    mailbox_id: str
    salesforce_version: str
    mailbox_version: str
    hashes: dict[str, str] = field(default_factory=dict)
    status: Status = "synced"
    gone: Side | None = None  # "detached": the side whose item is gone
    intents: dict[Side, dict[str, str]] = field(default_factory=dict)
    # Where the repo keeps it (the row's primary key): a run that loads its mappings in parts
    # puts them back in the repo's order, so that it plans in the same order as from all of them.
    seq: int = field(default=0, compare=False, repr=False)
    # A pending row: when it was last saved, just before its create went out (this machine's
    # clock). A Salesforce record created around then may be that create (row U5f). None
    # elsewhere.
    since: datetime | None = field(default=None, compare=False, repr=False)

    def copy(self) -> MappingState:
        # Spelled out: dataclasses.replace costs several times more, once per mapping written.
        return MappingState(
            self.salesforce_id,
            self.mailbox_id,
            self.salesforce_version,
            self.mailbox_version,
            dict(self.hashes),
            self.status,
            self.gone,
            {s: dict(v) for s, v in self.intents.items()},
            self.seq,
            self.since,
        )


class MappingRepo(Protocol):
    def load(self) -> list[MappingState]: ...

    def load_for(self, ids: Mapping[Side, Collection[str]]) -> list[MappingState]:
        """The mappings holding any of these ids on that side (syncengine.scope)."""
        ...

    def load_unsettled(self) -> list[MappingState]:
        """Pending rows, and linked rows missing a side's version: a run settles them whatever
        its pages hold."""
        ...

    def count_linked(self) -> int:
        """How many pairs are linked (not pending, not detached): what the guards compare with."""
        ...

    def upsert(self, mapping: MappingState) -> None:
        """Insert or replace the mapping keyed by either side's id (a pending row by its
        mailbox id)."""
        ...

    def remove(self, salesforce_id: str | None, mailbox_id: str | None) -> None: ...

    def get_cursor(self, side: Side) -> str | None: ...

    def save_cursors(self, cursors: dict[Side, str | None]) -> None: ...


class MemoryRepo:
    def __init__(self) -> None:
        # By (Salesforce id, mailbox id); a pending row has no Salesforce id.
        self.mappings: dict[tuple[str, str], MappingState] = {}
        # Indexed on both ids: a linear scan here made a run quadratic in the mailbox size.
        self._by_side: dict[Side, dict[str, tuple[str, str]]] = {"salesforce": {}, "mailbox": {}}
        self.cursors: dict[Side, str | None] = {}
        self._seq = 0

    def load(self) -> list[MappingState]:
        return [m.copy() for m in self.mappings.values()]

    def load_for(self, ids: Mapping[Side, Collection[str]]) -> list[MappingState]:
        keys = {
            key
            for side, wanted in ids.items()
            for item_id in wanted
            if (key := self._by_side[side].get(item_id)) is not None
        }
        return [self.mappings[key].copy() for key in keys]

    def load_unsettled(self) -> list[MappingState]:
        return [m.copy() for m in self.mappings.values() if unsettled(m)]

    def count_linked(self) -> int:
        return sum(1 for m in self.mappings.values() if is_linked(m))

    def upsert(self, mapping: MappingState) -> None:
        key = (mapping.salesforce_id, mapping.mailbox_id)
        since = datetime.now(UTC) if is_pending(mapping) else None  # the database's updated_at
        self.remove(mapping.salesforce_id, mapping.mailbox_id)
        self._seq += 1
        self.mappings[key] = replace(mapping.copy(), seq=self._seq, since=since)
        for side, item_id in zip(("salesforce", "mailbox"), key, strict=True):
            if item_id:
                self._by_side[side][item_id] = key  # type: ignore[index]

    def remove(self, salesforce_id: str | None, mailbox_id: str | None) -> None:
        keys = {
            self._by_side["salesforce"].get(salesforce_id or ""),
            self._by_side["mailbox"].get(mailbox_id or ""),
        } - {None}
        for key in keys:
            assert key is not None
            gone = self.mappings.pop(key, None)
            if gone is not None:
                for side, item_id in zip(("salesforce", "mailbox"), key, strict=True):
                    self._by_side[side].pop(item_id, None)  # type: ignore[index]

    def confirm_versions(self, side: Side, versions: Mapping[str, str]) -> None:
        """Records `side`'s version of linked items whose version there is unknown: lsync's own
        creates, once a change feed read after them reported them as written (engine.py)."""
        for item_id, version in versions.items():
            key = self._by_side[side].get(item_id)
            m = self.mappings.get(key) if key is not None else None
            if m is not None and is_linked(m) and not mapping_version(m, side):
                if side == "salesforce":
                    m.salesforce_version = version
                else:
                    m.mailbox_version = version

    def get_cursor(self, side: Side) -> str | None:
        return self.cursors.get(side)

    def save_cursors(self, cursors: dict[Side, str | None]) -> None:
        self.cursors.update(cursors)


# --------------------------------------------------------------------------- reading a mapping


def is_pending(m: MappingState) -> bool:
    return m.status == "pending"


def detached_side(m: MappingState) -> Side | None:
    return m.gone if m.status == "detached" else None


def is_linked(m: MappingState) -> bool:
    """Both items exist and are kept in sync (not pending, not a tombstone)."""
    return m.status in LINKED


def unsettled(m: MappingState) -> bool:
    """A pending row, or a link missing a side's version (a write to the pair failed or half
    landed): a run reads its items by id whatever the change feeds say."""
    return is_pending(m) or (is_linked(m) and not (m.salesforce_version and m.mailbox_version))


def side_hashes(m: MappingState, side: Side) -> dict[str, str]:
    """The field hashes of what `side` held after the last sync."""
    out = {k: v for k, v in m.hashes.items() if ":" not in k}
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
    status: Status = "synced",
) -> MappingState:
    hashes = compose_hashes(bases.get("salesforce", {}), bases.get("mailbox", {}))
    return MappingState(
        salesforce_id=ids.get("salesforce", ""),
        mailbox_id=ids.get("mailbox", ""),
        salesforce_version=versions.get("salesforce", ""),
        mailbox_version=versions.get("mailbox", ""),
        hashes=hashes,
        status=status,
    )


def mapping_id(m: MappingState, side: Side) -> str:
    return m.salesforce_id if side == "salesforce" else m.mailbox_id


def mapping_version(m: MappingState, side: Side) -> str:
    return m.salesforce_version if side == "salesforce" else m.mailbox_version


def intents(m: MappingState) -> list[tuple[Side, str, str]]:
    """(side, field, hash) of the updates that were under way when this row was last written."""
    return [
        (side, name, value) for side, notes in m.intents.items() for name, value in notes.items()
    ]


def with_intents(m: MappingState, side: Side, written: dict[str, str]) -> MappingState:
    out = m.copy()
    out.intents[side] = dict(written)
    return out


def without_intents(m: MappingState) -> MappingState:
    out = m.copy()
    out.intents = {}
    return out
