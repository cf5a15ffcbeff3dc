from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from mappings.models import ItemMapping, ItemState, SyncCursor, SyncIssue, SyncRun
from syncengine import dispatch, memory_backend
from syncengine.models import KindStatus, SyncUser
from syncengine.service import sync_user
from syncengine.stores.memory import MemoryStore
from syncengine.tasks import dispatch_due, sync_user_task
from tests.engine_django.conftest import MakeUser

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_memory_stores(settings: object) -> Iterator[None]:
    settings.LSYNC_STORE_BACKEND = "memory"  # type: ignore[attr-defined]
    memory_backend.forget_all()
    yield
    memory_backend.forget_all()


def _stores(user: SyncUser, kind: str = "contacts") -> tuple[MemoryStore, MemoryStore]:
    return memory_backend.build_stores(user, kind)  # type: ignore[arg-type]


def test_a_run_records_counts_status_progress_and_cursors(make_user: MakeUser) -> None:
    user = make_user()
    seen: list[tuple[int, int]] = []
    outcome = sync_user(
        user.pk, "contacts", progress=lambda done, total: seen.append((done, total))
    )

    assert outcome.status == "ok"
    run = SyncRun.objects.get()
    assert (run.status, run.counts) == ("ok", outcome.counts)
    assert run.finished_at is not None and run.api_calls > 0
    assert seen and seen[-1][0] == seen[-1][1]
    user.refresh_from_db()
    assert (user.contacts_status, user.contacts_progress) == (KindStatus.IN_SYNC, 100)
    assert user.contacts_synced_at is not None and user.lease_owner == ""
    assert SyncCursor.objects.filter(sync_user=user, kind="contacts").count() == 2
    assert user.events_status == KindStatus.NOT_STARTED


def test_a_user_held_by_another_worker_is_not_synced(make_user: MakeUser) -> None:
    user = make_user()
    assert dispatch.claim_lease(user.pk, "another-worker")
    outcome = sync_user(user.pk, "contacts")
    assert outcome.status == "busy"
    assert not SyncRun.objects.exists() and not ItemMapping.objects.exists()
    assert SyncUser.objects.get().lease_owner == "another-worker"


def test_throttling_backs_the_user_off_without_failing_them(make_user: MakeUser) -> None:
    user = make_user()
    sf, _ = _stores(user)
    sf.throttle(calls=1, retry_after=300)
    before = timezone.now()

    outcome = sync_user(user.pk, "contacts")

    assert outcome.status == "throttled" and outcome.retry_after == 300
    user.refresh_from_db()
    assert user.consecutive_failures == 1
    assert user.backoff_until is not None
    assert user.backoff_until >= before + timedelta(seconds=300)
    assert user.contacts_status == KindStatus.INITIAL_SYNC
    assert "slow down" in user.contacts_message
    assert dispatch.claim_due(before + timedelta(seconds=299)) == []

    # Once the provider's wait is over, the next run goes through.
    SyncUser.objects.filter(pk=user.pk).update(throttled_until=timezone.now())
    assert sync_user(user.pk, "contacts").status == "ok"
    user.refresh_from_db()
    assert (user.consecutive_failures, user.backoff_until) == (0, None)


def test_a_tripped_guard_stops_the_run_until_an_admin_approves_it_once(
    make_user: MakeUser,
) -> None:
    user = make_user()
    assert user.configuration is not None
    user.configuration.mass_delete_count = 1
    user.configuration.save()
    assert sync_user(user.pk, "contacts").status == "ok"
    sf, mb = _stores(user)
    for contact_id in list(sf.records()):
        sf.remove(contact_id)
    mailbox_before = len(mb)

    assert sync_user(user.pk, "contacts").status == "guard"
    issue = SyncIssue.objects.get(code="guard_mass_delete")
    assert issue.is_open and "Nothing was deleted" in issue.message
    assert len(mb) == mailbox_before
    user.refresh_from_db()
    assert user.contacts_status == KindStatus.ERROR and user.consecutive_failures == 1

    # Tripping again keeps one issue row instead of adding one per run.
    SyncUser.objects.filter(pk=user.pk).update(backoff_until=None)
    assert sync_user(user.pk, "contacts").status == "guard"
    assert SyncIssue.objects.count() == 1

    SyncUser.objects.filter(pk=user.pk).update(contacts_guard_approved=True)
    assert sync_user(user.pk, "contacts").status == "ok"
    assert len(mb) < mailbox_before
    user.refresh_from_db()
    assert not user.contacts_guard_approved and user.contacts_status == KindStatus.IN_SYNC
    issue.refresh_from_db()
    assert issue.resolved_at is not None


def test_a_rejected_item_is_an_issue_until_a_retry_syncs_it(make_user: MakeUser) -> None:
    user = make_user()
    _, mb = _stores(user)
    mb.validator = lambda record: "The mailbox refuses this contact."
    outcome = sync_user(user.pk, "contacts")
    assert outcome.status == "partial"
    # The issue names the Salesforce contact that the mailbox refused.
    issues = SyncIssue.objects.filter(code="rejected", side="salesforce")
    assert issues.count() == 2 and not any(i.retryable for i in issues)
    assert "refuses" in issues[0].message

    # The next incremental run does not see those items again: the issues stay open.
    assert sync_user(user.pk, "contacts").status == "ok"
    assert SyncIssue.objects.filter(resolved_at__isnull=True).count() == 2

    mb.validator = None
    SyncIssue.objects.update(retry_requested=True)
    assert sync_user(user.pk, "contacts").status == "ok"
    assert not SyncIssue.objects.filter(resolved_at__isnull=True).exists()
    assert ItemMapping.objects.filter(kind="contacts").count() == 4


def test_a_failing_update_flags_its_mapping(make_user: MakeUser) -> None:
    user = make_user()
    sync_user(user.pk, "contacts")
    sf, mb = _stores(user)
    mapping = ItemMapping.objects.filter(kind="contacts").first()
    assert mapping is not None
    record = sf.records()[mapping.salesforce_id]
    sf.edit(mapping.salesforce_id, type(record).normalized(first_name="Zed", last_name="Zulu"))  # type: ignore[call-arg]
    mb.validator = lambda record: "Refused."
    assert sync_user(user.pk, "contacts").status == "partial"
    mapping.refresh_from_db()
    assert mapping.state == ItemState.ERROR


def test_a_crash_is_recorded_without_internals_and_backs_off(
    make_user: MakeUser, settings: object
) -> None:
    user = make_user()
    _, mb = _stores(user)
    mb.crash_after_write(1)
    outcome = sync_user(user.pk, "contacts")
    assert outcome.status == "failed"
    issue = SyncIssue.objects.get()
    assert issue.code == "crash" and "server log" in issue.message
    user.refresh_from_db()
    assert user.contacts_status == KindStatus.ERROR and user.backoff_until is not None
    assert user.lease_owner == ""


def test_a_dry_run_has_no_side_effects_but_its_run_row(make_user: MakeUser) -> None:
    user = make_user()
    outcome = sync_user(user.pk, "events", dry_run=True)
    assert outcome.status == "dry-run" and outcome.plan
    assert not ItemMapping.objects.exists() and not SyncCursor.objects.exists()
    assert SyncRun.objects.get().status == "dry-run"
    assert SyncUser.objects.get().events_status == KindStatus.NOT_STARTED


def test_users_without_an_active_configuration_or_with_a_kind_off_are_skipped(
    make_user: MakeUser,
) -> None:
    orphan = make_user(configuration=None)
    assert sync_user(orphan.pk, "contacts").status == "skipped"
    user = make_user()
    assert user.configuration is not None
    user.configuration.events_direction = "off"
    user.configuration.save()
    assert sync_user(user.pk, "events").status == "skipped"
    assert sync_user(10**9, "events").status == "skipped"
    assert not SyncRun.objects.exists()


def test_the_dispatch_task_syncs_each_due_user_once(make_user: MakeUser) -> None:
    ana, bob = make_user(), make_user()
    make_user(next_due_at=timezone.now() + timedelta(hours=1))
    assert dispatch_due() == 2  # Q_CLUSTER sync=True runs the enqueued tasks inline
    assert set(SyncRun.objects.values_list("sync_user_id", "kind")) == {
        (ana.pk, "contacts"),
        (ana.pk, "events"),
        (bob.pk, "contacts"),
        (bob.pk, "events"),
    }
    assert dispatch_due() == 0
    ana.refresh_from_db()
    assert ana.next_due_at > timezone.now() and ana.lease_owner == ""


_second_attempts: list[str] = []


def build_stores_and_try_a_second_sync(
    user: SyncUser, kind: str
) -> tuple[MemoryStore, MemoryStore]:
    """A backend that, while the first sync holds the user, starts a second sync of that user."""
    _second_attempts.append(sync_user(user.pk, kind).status)  # type: ignore[arg-type]
    return _stores(user, kind)


def test_a_second_sync_of_the_same_user_is_refused_while_the_first_runs(
    make_user: MakeUser, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syncengine import registry

    monkeypatch.setitem(
        registry.BACKENDS, "reentrant", f"{__name__}.build_stores_and_try_a_second_sync"
    )
    settings.LSYNC_STORE_BACKEND = "reentrant"  # type: ignore[attr-defined]
    _second_attempts.clear()
    user = make_user()
    assert sync_user(user.pk, "events").status == "ok"
    assert _second_attempts == ["busy"]
    assert SyncRun.objects.count() == 1


def test_issue_messages_never_carry_credentials_a_provider_echoed(make_user: MakeUser) -> None:
    user = make_user()
    _, mb = _stores(user)
    mb.validator = lambda record: (
        "Rejected request with Authorization: Bearer eyJhbGciOi.secret.sig and "
        "password=hunter2; see https://x.example/?sig=abc123&ok=1"
    )
    sync_user(user.pk, "contacts")
    text = " ".join(SyncIssue.objects.values_list("message", flat=True))
    assert text and "[redacted]" in text
    assert not any(s in text for s in ("eyJhbGciOi", "hunter2", "abc123"))
    assert "ok=1" in text


def test_running_the_sync_task_twice_does_no_more_than_once(make_user: MakeUser) -> None:
    user = make_user()
    assert sync_user_task(user.pk) == {"contacts": "ok", "events": "ok"}
    # Ordered: PostgreSQL returns rows in no set order, and updated rows move.
    rows = ItemMapping.objects.order_by("salesforce_id", "mailbox_id")
    links = list(rows.values_list("salesforce_id", "mailbox_id", "state"))
    sf, mb = _stores(user)
    sizes = (len(sf), len(mb))
    assert sync_user_task(user.pk) == {"contacts": "ok", "events": "ok"}
    # The second run confirms the versions of the items the first one created (a change feed
    # need not report their deletion); after that, a run rewrites not even a mapping.
    assert list(rows.values_list("salesforce_id", "mailbox_id", "state")) == links
    mappings = list(rows.values_list("salesforce_id", "mailbox_id", "updated_at"))
    assert sync_user_task(user.pk) == {"contacts": "ok", "events": "ok"}
    assert list(rows.values_list("salesforce_id", "mailbox_id", "updated_at")) == mappings
    assert (len(sf), len(mb)) == sizes
    assert SyncRun.objects.filter(sync_user=user).count() == 6
    for run in SyncRun.objects.order_by("-started_at")[:4]:
        # The later runs only see their own writes echoed back, and skip them.
        assert set(run.counts) <= {"skipped"}
