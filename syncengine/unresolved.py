"""Unresolved items: contacts whose company is no Account, events whose attendees are no contact
or lead. The Salesforce store reports them on `store.unresolved` as (item id or create ref,
message); `record_unresolved` keeps one row per problem, and the console resolves them by
linking a record the administrator picks, creating the Account, or ignoring the item."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils import timezone

from mappings.models import ItemMapping, UnresolvedItem, UnresolvedReason
from syncengine.models import SyncUser
from syncengine.stores.base import Kind

# The texts of connections/providers/salesforce/stores/{contacts,events}.py; others are not ours.
_PATTERNS = [
    (re.compile(r"^Company '(?P<value>.+)' matches no Salesforce Account"), "company_no_account"),
    (re.compile(r"^Attendee (?P<value>\S+) is no Salesforce contact"), "attendee_no_match"),
]
SEARCH_LIMIT = 20
SEARCHABLE = {"company_no_account": ("Account",), "attendee_no_match": ("Contact", "Lead")}


def parse(message: str) -> tuple[str, str] | None:
    """(reason, value) for a message we know, else None."""
    for pattern, reason in _PATTERNS:
        match = pattern.match(message)
        if match:
            return reason, match.group("value")[:255]
    return None


def _salesforce_id(sync_user: SyncUser, kind: Kind, ref: str) -> str:
    """A create in Salesforce is reported by its ref ("mailbox:<id>"); the run's mapping knows
    the Salesforce id it got."""
    side, _, mailbox_id = ref.partition(":")
    if side != "mailbox" or not mailbox_id:
        return ref
    mapping = ItemMapping.objects.filter(sync_user=sync_user, kind=kind, mailbox_id=mailbox_id)
    return mapping.values_list("salesforce_id", flat=True).first() or ""


def record_unresolved(sync_user: SyncUser, kind: Kind, items: Iterable[tuple[str, str]]) -> int:
    """Keeps one row per (item, reason, value); a resolved one seen again is open again, an
    ignored one stays ignored. Returns how many rows are open after this."""
    for ref, message in items:
        parsed = parse(message)
        salesforce_id = _salesforce_id(sync_user, kind, ref) if ref else ""
        if parsed is None or not salesforce_id or len(salesforce_id) > 18:
            continue
        reason, value = parsed
        row, created = UnresolvedItem.objects.get_or_create(
            sync_user=sync_user, kind=kind, salesforce_id=salesforce_id, reason=reason, value=value
        )
        if not created and row.resolved_at is not None and not row.ignored:
            row.resolved_at, row.resolution = None, ""
            row.save(update_fields=["resolved_at", "resolution"])
    return open_items(sync_user).count()


def open_items(sync_user: SyncUser) -> Any:
    return UnresolvedItem.objects.filter(
        sync_user=sync_user, resolved_at__isnull=True, ignored=False
    )


@dataclass(frozen=True)
class Candidate:
    id: str
    sobject: str
    name: str
    detail: str


class Directory(Protocol):
    """The few Salesforce calls resolving needs (a fake in tests, the Salesforce provider's RecordDirectory for real)."""

    def search(self, sobject: str, text: str) -> list[Candidate]: ...
    def create_account(self, name: str) -> str: ...
    def set_account(self, contact_id: str, account_id: str) -> None: ...
    def add_invitee(self, event_id: str, relation_id: str) -> None: ...


def directory_for(sync_user: SyncUser) -> Directory:
    from syncengine import registry

    return registry.salesforce().record_directory(sync_user)


def _done(item: UnresolvedItem, resolution: str) -> None:
    item.resolved_at, item.resolution = timezone.now(), resolution[:255]
    item.save(update_fields=["resolved_at", "resolution"])


def link_record(item: UnresolvedItem, directory: Directory, record: Candidate) -> None:
    """Relates the item to the picked record: the contact's Account, or the event's invitee."""
    if item.reason == UnresolvedReason.COMPANY_NO_ACCOUNT:
        if record.sobject != "Account":
            raise ValueError("A contact's company is resolved with an Account.")
        directory.set_account(item.salesforce_id, record.id)
    else:
        if record.sobject not in ("Contact", "Lead"):
            raise ValueError("An attendee is resolved with a contact or a lead.")
        directory.add_invitee(item.salesforce_id, record.id)
    _done(item, f"{record.sobject} {record.name} ({record.id})")


def create_account(item: UnresolvedItem, directory: Directory) -> str:
    if item.reason != UnresolvedReason.COMPANY_NO_ACCOUNT or not item.value:
        raise ValueError("Only a contact's company can become a new Account.")
    account_id = directory.create_account(item.value)
    directory.set_account(item.salesforce_id, account_id)
    _done(item, f"new Account {item.value} ({account_id})")
    return account_id


def ignore(item: UnresolvedItem) -> None:
    item.ignored = True
    item.save(update_fields=["ignored"])
