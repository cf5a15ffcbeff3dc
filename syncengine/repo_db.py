"""The engine's MappingRepo over `mappings.ItemMapping` and `mappings.SyncCursor`.

No row locks: the unique constraints on each side's id and conditional updates keep the
table consistent, and the user's lease keeps a second worker away in the first place.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from mappings.models import ItemMapping, ItemState, SyncCursor
from syncengine.models import SyncUser
from syncengine.state import MappingState
from syncengine.stores.base import Kind, Side

SIDES: tuple[Side, ...] = ("salesforce", "mailbox")


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
            "salesforce_id", "mailbox_id", "salesforce_version", "mailbox_version", "field_hashes"
        )
        return [
            MappingState(sf_id, mb_id, sf_version, mb_version, dict(hashes or {}))
            for sf_id, mb_id, sf_version, mb_version, hashes in rows
        ]

    def upsert(self, mapping: MappingState) -> None:
        values = {
            "salesforce_version": mapping.salesforce_version,
            "mailbox_version": mapping.mailbox_version,
            "field_hashes": dict(mapping.hashes),
            "state": ItemState.SYNCED,
            # QuerySet.update() skips auto_now: without this, synced_since() never sees a
            # repaired update and its issue stays open.
            "updated_at": timezone.now(),
        }
        with transaction.atomic():
            # A link that moved (either id now pairs with another item) replaces the old one.
            self._mappings().filter(
                Q(salesforce_id=mapping.salesforce_id) | Q(mailbox_id=mapping.mailbox_id)
            ).exclude(salesforce_id=mapping.salesforce_id, mailbox_id=mapping.mailbox_id).delete()
            same = self._mappings().filter(
                salesforce_id=mapping.salesforce_id, mailbox_id=mapping.mailbox_id
            )
            if same.update(**values):
                return
            try:
                with transaction.atomic():
                    ItemMapping.objects.create(
                        sync_user=self.sync_user,
                        kind=self.kind,
                        salesforce_id=mapping.salesforce_id,
                        mailbox_id=mapping.mailbox_id,
                        **values,
                    )
            except IntegrityError:
                # Inserted by someone else between our update and insert: theirs is the same
                # link, so bring it to our versions.
                if not same.update(**values):
                    raise

    def remove(self, salesforce_id: str | None, mailbox_id: str | None) -> None:
        match = Q(pk__in=[])
        if salesforce_id:
            match |= Q(salesforce_id=salesforce_id)
        if mailbox_id:
            match |= Q(mailbox_id=mailbox_id)
        gone = self._mappings().filter(match)
        self.removed |= {
            i for pair in gone.values_list("salesforce_id", "mailbox_id") for i in pair
        }
        self.removed |= {i for i in (salesforce_id, mailbox_id) if i}
        gone.delete()

    def mark_failed(self, item_ids: list[str]) -> int:
        """Flags the mappings of items whose last change failed (shown in the admin). Issues name
        the target item of an update or delete but the source item of a create, so either
        side's id may match."""
        ids = [i for i in item_ids if i]
        match = Q(salesforce_id__in=ids) | Q(mailbox_id__in=ids)
        return self._mappings().filter(match).update(state=ItemState.ERROR)

    def synced_since(self, moment: datetime) -> set[str]:
        """Both ids of every mapping written successfully at or after `moment`, and of every link
        removed by this repo (a delete that landed)."""
        rows = self._mappings().filter(updated_at__gte=moment, state=ItemState.SYNCED)
        ids = {i for pair in rows.values_list("salesforce_id", "mailbox_id") for i in pair}
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
