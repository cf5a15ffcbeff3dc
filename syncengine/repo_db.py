"""The engine's MappingRepo over `mappings.ItemMapping` and `mappings.SyncCursor`.

No row locks: the unique constraints on each side's id and conditional updates keep the
table consistent, and the user's lease keeps a second worker away in the first place.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from mappings.models import ItemMapping, ItemState, SyncCursor
from syncengine.models import SyncUser
from syncengine.state import MappingState, Status
from syncengine.stores.base import Kind, Side

SIDES: tuple[Side, ...] = ("salesforce", "mailbox")


def _either(salesforce_id: str | None, mailbox_id: str | None) -> Q:
    """Rows holding either id. A missing id matches nothing (never the NULLs of pending rows)."""
    match = Q(pk__in=[])
    if salesforce_id:
        match |= Q(salesforce_id=salesforce_id)
    if mailbox_id:
        match |= Q(mailbox_id=mailbox_id)
    return match


def _exactly(ids: dict[str, str | None]) -> dict[str, object]:
    """Lookups for the row with exactly these ids (NULL where one is missing)."""
    return {
        (f"{k}__isnull" if v is None else k): (True if v is None else v) for k, v in ids.items()
    }


class DbMappingRepo:
    def __init__(self, sync_user: SyncUser, kind: Kind) -> None:
        self.sync_user = sync_user
        self.kind = kind
        # Both ids of every link this repo removed: a delete that landed (or a pair forgotten
        # because both sides are gone) is an item that synced, as far as its issues go.
        self.removed: set[str] = set()

    def _mappings(self) -> QuerySet[ItemMapping]:
        return ItemMapping.objects.filter(sync_user=self.sync_user, kind=self.kind)

    def _cursors(self) -> QuerySet[SyncCursor]:
        return SyncCursor.objects.filter(sync_user=self.sync_user, kind=self.kind)

    def load(self) -> list[MappingState]:
        rows = self._mappings().values_list(
            "salesforce_id",
            "mailbox_id",
            "salesforce_version",
            "mailbox_version",
            "field_hashes",
            "state",
            "detached_side",
            "intents",
        )
        return [
            MappingState(
                sf_id or "",
                mb_id or "",
                sf_version,
                mb_version,
                dict(hashes or {}),
                status=cast(Status, state),
                gone=cast(Side, gone) if gone else None,
                intents={side: dict(notes) for side, notes in (notes or {}).items()},
            )
            for sf_id, mb_id, sf_version, mb_version, hashes, state, gone, notes in rows
        ]

    def upsert(self, mapping: MappingState) -> None:
        values = {
            "salesforce_version": mapping.salesforce_version,
            "mailbox_version": mapping.mailbox_version,
            "field_hashes": dict(mapping.hashes),
            "state": mapping.status,
            "detached_side": (mapping.gone or "") if mapping.status == "detached" else "",
            "intents": {side: notes for side, notes in mapping.intents.items() if notes},
            # QuerySet.update() skips auto_now: without this, synced_since() never sees a
            # repaired update and its issue stays open.
            "updated_at": timezone.now(),
        }
        ids = {
            "salesforce_id": mapping.salesforce_id or None,
            "mailbox_id": mapping.mailbox_id or None,
        }
        with transaction.atomic():
            # A link that moved (either id now pairs with another item) replaces the old one.
            self._mappings().filter(_either(mapping.salesforce_id, mapping.mailbox_id)).exclude(
                **_exactly(ids)
            ).delete()
            same = self._mappings().filter(**_exactly(ids))
            if same.update(**values):
                return
            try:
                with transaction.atomic():
                    ItemMapping.objects.create(
                        sync_user=self.sync_user, kind=self.kind, **ids, **values
                    )
            except IntegrityError:
                # Inserted by someone else between our update and insert: theirs is the same
                # link, so bring it to our versions.
                if not same.update(**values):
                    raise

    def remove(self, salesforce_id: str | None, mailbox_id: str | None) -> None:
        gone = self._mappings().filter(_either(salesforce_id, mailbox_id))
        self.removed |= {
            i for pair in gone.values_list("salesforce_id", "mailbox_id") for i in pair if i
        }
        self.removed |= {i for i in (salesforce_id, mailbox_id) if i}
        gone.delete()

    def mark_failed(self, item_ids: list[str]) -> int:
        """Flags the linked pairs whose last change failed (shown in the admin). Issues name the
        target item of an update or delete but the source item of a create, so either side's id
        may match. Pending and detached rows keep their state: it is what the engine reads."""
        ids = [i for i in item_ids if i]
        match = Q(salesforce_id__in=ids) | Q(mailbox_id__in=ids)
        linked = self._mappings().filter(match, state=ItemState.SYNCED)
        return linked.update(state=ItemState.ERROR)

    def synced_since(self, moment: datetime) -> set[str]:
        """Both ids of every mapping written successfully at or after `moment`, and of every link
        removed by this repo (a delete that landed)."""
        rows = self._mappings().filter(updated_at__gte=moment, state=ItemState.SYNCED)
        ids = {i for pair in rows.values_list("salesforce_id", "mailbox_id") for i in pair if i}
        return ids | self.removed

    def get_cursor(self, side: Side) -> str | None:
        value = self._cursors().filter(side=side).values_list("value", flat=True).first()
        return value or None

    def save_cursors(self, cursors: dict[Side, str | None]) -> None:
        with transaction.atomic():
            for side, value in cursors.items():
                if value is None:
                    self._cursors().filter(side=side).delete()
                    continue
                if self._cursors().filter(side=side).update(value=value):
                    continue
                try:
                    with transaction.atomic():
                        SyncCursor.objects.create(
                            sync_user=self.sync_user, kind=self.kind, side=side, value=value
                        )
                except IntegrityError:
                    self._cursors().filter(side=side).update(value=value)

    def reset(self) -> None:
        """Forgets every link and cursor: the next run lists both sides and matches again."""
        self._mappings().delete()
        self._cursors().delete()
