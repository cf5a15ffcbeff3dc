"""Issue 12 item 4: any Retry-After, on one item of a batch too, stops further writes for the
user until it has passed and ends the run "throttled", not "partial"; Sync now does not lift it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from mappings.models import SyncIssue
from syncengine import dispatch, memory_backend
from syncengine.models import SyncUser
from syncengine.records import Contact
from syncengine.service import sync_user
from syncengine.stores.base import Op, OpResult, RateLimited
from tests.engine_django.conftest import MakeUser

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_stores")]


def throttle_one_item(user: SyncUser, retry_after: float) -> list[int]:
    """The mailbox refuses the first item of its next batch with a Retry-After (as Graph, Google
    and Salesforce do per item); returns the sizes of the batches sent."""
    sf, mb = memory_backend.build_stores(user, "contacts")
    for n in range(45):
        sf.put(Contact.normalized(first_name="Rep", last_name=f"N{n:02d}"))
    sent: list[int] = []
    apply, armed = mb.apply, [True]

    def apply_once_throttled(ops: Sequence[Op]) -> list[OpResult]:
        sent.append(len(ops))
        if not armed[0]:
            return apply(ops)
        armed[0] = False
        rest = apply(ops[1:])
        return [OpResult(False, error=RateLimited("slow down", retry_after=retry_after)), *rest]

    mb.apply = apply_once_throttled  # type: ignore[method-assign]
    return sent


def test_item4_a_retry_after_on_one_batch_item_ends_the_run_throttled(
    make_user: MakeUser,
) -> None:
    user = make_user()
    sent = throttle_one_item(user, retry_after=120)
    before = timezone.now()

    outcome = sync_user(user.pk, "contacts")

    assert (outcome.status, outcome.retry_after) == ("throttled", 120)
    assert sent == [20]  # no later batch went out
    assert list(SyncIssue.objects.values_list("code", flat=True)) == ["rate_limited"]
    user.refresh_from_db()
    assert user.throttled_until is not None
    assert user.throttled_until >= before + timedelta(seconds=120)
    assert user.backoff_until is not None and user.backoff_until >= user.throttled_until
    assert dispatch.claim_due(before + timedelta(seconds=119)) == []


def test_item4_nothing_goes_out_for_the_user_until_the_retry_after_has_passed(
    make_user: MakeUser, client: Client, django_user_model: type
) -> None:
    user = make_user()
    sent = throttle_one_item(user, retry_after=120)
    assert sync_user(user.pk, "contacts").status == "throttled"

    again = sync_user(user.pk, "contacts")
    assert again.status == "throttled" and "Retry-After" in again.message
    assert sync_user(user.pk, "events", dry_run=True).status == "throttled"
    assert sent == [20]

    admin = django_user_model.objects.create_superuser("root", "r@example.org", "pw")
    client.force_login(admin)
    body = client.post(f"/status/users/{user.pk}/sync-now/", follow=True).content.decode()
    assert "asked lsync to wait" in body
    assert sent == [20]

    SyncUser.objects.filter(pk=user.pk).update(throttled_until=timezone.now())
    assert sync_user(user.pk, "contacts").status == "ok"
    assert sent[1:] and SyncIssue.objects.filter(resolved_at__isnull=True).count() == 0
