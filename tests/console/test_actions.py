from __future__ import annotations

import pytest
from django.test import Client
from django_q.models import Task

from mappings.models import ItemMapping, SyncCursor, SyncIssue, SyncRun
from syncengine import memory_backend
from syncengine.models import KindStatus, SyncUser
from tests.console.conftest import MakeUser

pytestmark = pytest.mark.django_db


def labels(user: SyncUser, kind: str, side: int) -> list[str]:
    store = memory_backend.build_stores(user, kind)[side]  # type: ignore[arg-type]
    return sorted(r.label() for r in store.records().values())  # type: ignore[union-attr]


def test_sync_now_enqueues_the_task_with_the_id_only_and_it_runs(
    manager: Client, make_user: MakeUser
) -> None:
    user = make_user("ana@example.com")
    response = manager.post(f"/status/users/{user.pk}/sync-now/", follow=True)
    assert response.redirect_chain[-1][0] == f"/status/users/{user.pk}/"
    task = Task.objects.get(func="syncengine.tasks.sync_user_task")
    assert task.args == (user.pk,) and not task.kwargs
    assert task.success
    assert sorted(SyncRun.objects.values_list("kind", "status")) == [
        ("contacts", "ok"),
        ("events", "ok"),
    ]
    user.refresh_from_db()
    assert (user.contacts_status, user.events_status) == (KindStatus.IN_SYNC, KindStatus.IN_SYNC)
    body = response.content.decode()
    assert "Sync of ana@example.com started" in body
    assert "created mailbox 2" in body  # the run is in the history


def test_sync_now_lifts_the_back_off(manager: Client, make_user: MakeUser) -> None:
    from django.utils import timezone

    user = make_user(backoff_until=timezone.now() + timezone.timedelta(hours=1))
    manager.post(f"/status/users/{user.pk}/sync-now/")
    user.refresh_from_db()
    assert user.backoff_until is None or user.backoff_until <= timezone.now()
    assert SyncRun.objects.filter(sync_user=user).count() == 2


def test_reset_asks_first_then_drops_links_and_cursors_and_the_next_run_duplicates_nothing(
    manager: Client, make_user: MakeUser
) -> None:
    user = make_user("ana@example.com")
    manager.post(f"/status/users/{user.pk}/sync-now/")
    links = ItemMapping.objects.filter(sync_user=user).count()
    assert links == 7 and SyncCursor.objects.filter(sync_user=user).exists()
    before = {
        kind: (labels(user, kind, 0), labels(user, kind, 1)) for kind in ("contacts", "events")
    }

    confirm = manager.get(f"/status/users/{user.pk}/reset/")
    assert f"Forgets the {links} link(s)" in confirm.content.decode()
    assert ItemMapping.objects.filter(sync_user=user).count() == links

    done = manager.post(f"/status/users/{user.pk}/reset/", follow=True)
    assert f"{links} link(s) forgotten" in done.content.decode()
    assert not ItemMapping.objects.filter(sync_user=user).exists()
    assert not SyncCursor.objects.filter(sync_user=user).exists()
    user.refresh_from_db()
    assert user.contacts_status == KindStatus.NOT_STARTED

    manager.post(f"/status/users/{user.pk}/sync-now/")
    after = {
        kind: (labels(user, kind, 0), labels(user, kind, 1)) for kind in ("contacts", "events")
    }
    assert after == before
    assert ItemMapping.objects.filter(sync_user=user).count() == links
    last = SyncRun.objects.filter(sync_user=user, kind="contacts").first()
    assert last is not None and last.counts.get("linked") == 4
    assert not any(k.startswith("created") and v for k, v in last.counts.items())


def test_retry_marks_the_issue_and_makes_the_user_due(manager: Client, make_user: MakeUser) -> None:
    from django.utils import timezone

    user = make_user(next_due_at=timezone.now() + timezone.timedelta(hours=2))
    issue = SyncIssue.objects.create(
        sync_user=user, kind="contacts", code="rejected", message="Refused", retryable=True
    )
    response = manager.post(f"/status/issues/{issue.pk}/retry/", follow=True)
    assert "will be retried" in response.content.decode()
    issue.refresh_from_db()
    user.refresh_from_db()
    assert issue.retry_requested and issue.is_open
    assert user.next_due_at <= timezone.now()
    assert "Retry requested" in response.content.decode()


def test_ignore_takes_the_issue_off_the_open_list(manager: Client, make_user: MakeUser) -> None:
    user = make_user()
    issue = SyncIssue.objects.create(
        sync_user=user, kind="events", code="rejected", message="A validation rule said no"
    )
    assert "A validation rule said no" in manager.get(f"/status/users/{user.pk}/").content.decode()
    response = manager.post(f"/status/issues/{issue.pk}/ignore/", follow=True)
    issue.refresh_from_db()
    assert issue.ignored and not issue.is_open
    assert "A validation rule said no" not in response.content.decode()
    assert (
        '<td id="org-errors" data-tone="success"><span class="slds-badge slds-theme_success">0</span></td>'
        in (manager.get("/status/").content.decode())
    )


def test_a_tripped_guard_offers_a_one_time_pass(manager: Client, make_user: MakeUser) -> None:
    user = make_user(contacts_status=KindStatus.ERROR, contacts_message="Too many deletions")
    SyncIssue.objects.create(
        sync_user=user, kind="contacts", code="guard_mass_delete", message="Too many deletions"
    )
    body = manager.get(f"/status/users/{user.pk}/").content.decode()
    assert "Let the next run pass the guard" in body
    assert "restore the items first" in body
    manager.post(f"/status/users/{user.pk}/approve-guard/")
    user.refresh_from_db()
    assert user.contacts_guard_approved and user.events_guard_approved


def test_the_admin_reset_action_uses_the_same_operation(make_user: MakeUser) -> None:
    from django.contrib.auth.models import User

    user = make_user("ana@example.com")
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    admin.post(f"/status/users/{user.pk}/sync-now/")
    assert ItemMapping.objects.exists()
    admin.post(
        "/admin/syncengine/syncuser/",
        {"action": "reset_sync", "_selected_action": [user.pk]},
    )
    assert not ItemMapping.objects.exists() and not SyncCursor.objects.exists()


def test_reset_leaves_a_user_alone_while_a_run_holds_it(
    manager: Client, make_user: MakeUser
) -> None:
    from syncengine import dispatch

    user = make_user("ana@example.com")
    manager.post(f"/status/users/{user.pk}/sync-now/")
    links = ItemMapping.objects.count()
    assert dispatch.claim_lease(user.pk, "another-worker")
    response = manager.post(f"/status/users/{user.pk}/reset/", follow=True)
    assert "is syncing right now; nothing was reset" in response.content.decode()
    assert ItemMapping.objects.count() == links
    dispatch.release_lease(user.pk, "another-worker")
    manager.post(f"/status/users/{user.pk}/reset/")
    assert not ItemMapping.objects.exists()
    assert SyncUser.objects.get().lease_owner == ""


def test_sync_now_refuses_a_user_without_an_active_configuration(
    manager: Client, make_user: MakeUser
) -> None:
    user = make_user()
    SyncUser.objects.filter(pk=user.pk).update(configuration=None)
    response = manager.post(f"/status/users/{user.pk}/sync-now/", follow=True)
    assert "is not assigned to an active sync configuration" in response.content.decode()
    assert not Task.objects.exists() and not SyncRun.objects.exists()
