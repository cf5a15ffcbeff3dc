"""Issue 12 item 3: things that stay wrong after they are fixed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from mappings.models import ItemMapping, SyncIssue, UnresolvedItem
from syncengine import memory_backend, operations
from syncengine.models import SyncUser
from syncengine.records import Contact
from syncengine.service import sync_user
from syncengine.stores.base import Delete, Op, OpResult, ProviderError, RateLimited
from syncengine.stores.memory import MemoryStore
from tests.engine_django.conftest import MakeUser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_stores")]


def _stores(user: SyncUser, kind: str) -> tuple[MemoryStore, MemoryStore]:
    return memory_backend.build_stores(user, kind)  # type: ignore[arg-type]


def _open() -> list[SyncIssue]:
    return list(SyncIssue.objects.filter(resolved_at__isnull=True))


def test_item3_an_issue_about_an_update_closes_once_the_item_synced(make_user: MakeUser) -> None:
    user = make_user()
    assert sync_user(user.pk, "contacts").status == "ok"
    sf, mb = _stores(user, "contacts")
    mapping = ItemMapping.objects.filter(kind="contacts").first()
    assert mapping is not None
    sf.edit(mapping.salesforce_id, Contact.normalized(first_name="Zed", last_name="Zulu"))
    mb.validator = lambda record: "The mailbox refuses this contact."
    assert sync_user(user.pk, "contacts").status == "partial"
    (issue,) = _open()
    assert issue.item_id == mapping.mailbox_id

    # The user fixes it in Salesforce; the next incremental run writes it to the mailbox.
    mb.validator = None
    sf.edit(mapping.salesforce_id, Contact.normalized(first_name="Zed", last_name="Zorro"))
    assert sync_user(user.pk, "contacts").status == "ok"
    assert mb.records()[mapping.mailbox_id].last_name == "Zorro"
    assert _open() == []


def test_item3_an_issue_about_a_delete_closes_once_the_item_synced(make_user: MakeUser) -> None:
    user = make_user()
    assert sync_user(user.pk, "events").status == "ok"
    sf, mb = _stores(user, "events")
    mapping = ItemMapping.objects.filter(kind="events").first()
    assert mapping is not None
    refuse = {"on": True}
    apply = mb.apply

    def refusing_deletes(ops: Sequence[Op]) -> list[OpResult]:
        if refuse["on"] and any(isinstance(op, Delete) for op in ops):
            return [OpResult(False, error=ProviderError("server busy", permanent=False))] * len(ops)
        return apply(ops)

    mb.apply = refusing_deletes  # type: ignore[method-assign]
    sf.remove(mapping.salesforce_id)
    assert sync_user(user.pk, "events").status == "partial"
    assert [i.item_id for i in _open()] == [mapping.mailbox_id]

    refuse["on"] = False
    assert sync_user(user.pk, "events").status == "ok"
    assert mapping.mailbox_id not in mb.records()
    assert _open() == []


def test_item3_reset_sync_keeps_the_users_unresolved_items(make_user: MakeUser) -> None:
    user = make_user()
    assert sync_user(user.pk, "contacts").status == "ok"
    salesforce_id = ItemMapping.objects.filter(kind="contacts").values_list(
        "salesforce_id", flat=True
    )[0]
    item = UnresolvedItem.objects.create(
        sync_user=user, kind="contacts", salesforce_id=salesforce_id,
        reason="company_no_account", value="Initech",
    )  # fmt: skip
    ignored = UnresolvedItem.objects.create(
        sync_user=user, kind="contacts", salesforce_id=salesforce_id,
        reason="company_no_account", value="Hooli", ignored=True,
    )  # fmt: skip

    outcome = operations.reset_sync([user.pk])
    assert outcome.reset == [user.pk] and not ItemMapping.objects.exists()
    # The next run links everything again and writes nothing, so nothing would report the
    # company again: the row itself must survive the reset.
    assert sync_user(user.pk, "contacts").status == "ok"
    item.refresh_from_db()
    ignored.refresh_from_db()
    assert item.is_open and ignored.ignored


def test_item3_an_items_issue_closes_when_it_synced_in_a_run_that_was_then_throttled(
    make_user: MakeUser,
) -> None:
    user = make_user()
    assert sync_user(user.pk, "contacts").status == "ok"
    sf, mb = _stores(user, "contacts")
    fixed, other = ItemMapping.objects.filter(kind="contacts").order_by("pk")[:2]
    sf.edit(fixed.salesforce_id, Contact.normalized(first_name="Zed", last_name="Zulu"))
    mb.validator = lambda record: "The mailbox refuses this contact."
    assert sync_user(user.pk, "contacts").status == "partial"
    assert [i.item_id for i in _open()] == [fixed.mailbox_id]

    # The fix reaches the mailbox, but the provider throttles the other item's write.
    mb.validator = None
    sf.edit(fixed.salesforce_id, Contact.normalized(first_name="Zed", last_name="Zorro"))
    sf.edit(other.salesforce_id, Contact.normalized(first_name="Yan", last_name="Yu"))
    apply = mb.apply

    def throttling_the_other(ops: Sequence[Op]) -> list[OpResult]:
        kept = [op for op in ops if getattr(op, "id", None) != other.mailbox_id]
        results = iter(apply(kept))
        busy = OpResult(False, error=RateLimited("slow down", retry_after=30))
        return [
            busy if getattr(op, "id", None) == other.mailbox_id else next(results) for op in ops
        ]

    mb.apply = throttling_the_other  # type: ignore[method-assign]
    assert sync_user(user.pk, "contacts").status == "throttled"
    assert mb.records()[fixed.mailbox_id].last_name == "Zorro"
    assert [(i.code, i.item_id) for i in _open()] == [("rate_limited", "")]
