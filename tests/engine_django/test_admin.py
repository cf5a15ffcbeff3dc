from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mappings.models import ItemMapping, SyncCursor, SyncIssue, SyncRun
from syncengine.models import KindStatus, SyncUser
from syncengine.repo_db import DbMappingRepo
from syncengine.state import MappingState
from tests.engine_django.conftest import MakeUser

pytestmark = pytest.mark.django_db


def _seed(user: SyncUser) -> None:
    for kind in ("contacts", "events"):
        repo = DbMappingRepo(user, kind)
        repo.upsert(MappingState(f"{kind[:3]}-sf-{user.pk}", f"mb-{user.pk}", "1", "1", {}))
        repo.save_cursors({"salesforce": "2026-01-01T00:00:00Z", "mailbox": "delta"})
    run = SyncRun.objects.create(
        sync_user=user, kind="contacts", status="partial", counts={"created": 2}
    )
    SyncIssue.objects.create(
        sync_user=user,
        kind="contacts",
        run=run,
        side="mailbox",
        item_id=f"mb-{user.pk}",
        code="rejected",
        message="The mailbox refused this contact.",
        retryable=True,
    )


def _act(client: Client, model: str, action: str, pks: list[int]) -> None:
    response = client.post(
        reverse(f"admin:{model}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
        follow=True,
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "model",
    [
        "syncengine_syncconfiguration",
        "syncengine_configurationassignment",
        "syncengine_syncuser",
        "mappings_itemmapping",
        "mappings_synccursor",
        "mappings_syncrun",
        "mappings_syncissue",
    ],
)
def test_every_changelist_loads_and_searches(
    admin_client: Client, make_user: MakeUser, model: str
) -> None:
    _seed(make_user("ana@example.com"))
    url = reverse(f"admin:{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "ana@example.com"}).status_code == 200


def test_sync_state_pages_are_read_only(admin_client: Client, make_user: MakeUser) -> None:
    _seed(make_user())
    for model in ["itemmapping", "synccursor", "syncrun", "syncissue"]:
        assert admin_client.get(reverse(f"admin:mappings_{model}_add")).status_code == 403
        pk = {
            "itemmapping": ItemMapping,
            "synccursor": SyncCursor,
            "syncrun": SyncRun,
            "syncissue": SyncIssue,
        }[model].objects.values_list("pk", flat=True)[0]
        page = admin_client.get(reverse(f"admin:mappings_{model}_change", args=[pk]))
        assert page.status_code == 200
        assert b'name="_save"' not in page.content


def test_configuration_and_user_pages_are_editable(
    admin_client: Client, make_user: MakeUser
) -> None:
    user = make_user()
    assert user.configuration is not None
    for url in [
        reverse("admin:syncengine_syncuser_change", args=[user.pk]),
        reverse("admin:syncengine_syncconfiguration_change", args=[user.configuration.pk]),
        reverse("admin:syncengine_syncconfiguration_add"),
    ]:
        page = admin_client.get(url)
        assert page.status_code == 200 and b'name="_save"' in page.content


def test_reset_sync_drops_the_users_mappings_and_cursors_only(
    admin_client: Client, make_user: MakeUser
) -> None:
    ana, bob = make_user(), make_user()
    _seed(ana)
    _seed(bob)
    SyncUser.objects.filter(pk=ana.pk).update(contacts_status=KindStatus.IN_SYNC)

    _act(admin_client, "syncengine_syncuser", "reset_sync", [ana.pk])

    assert not ItemMapping.objects.filter(sync_user=ana).exists()
    assert not SyncCursor.objects.filter(sync_user=ana).exists()
    assert ItemMapping.objects.filter(sync_user=bob).count() == 2
    assert SyncCursor.objects.filter(sync_user=bob).count() == 4
    ana.refresh_from_db()
    assert ana.contacts_status == KindStatus.NOT_STARTED
    # History stays: runs and issues explain what happened before the reset.
    assert SyncRun.objects.filter(sync_user=ana).exists()


def test_unlink_forgets_only_the_selected_mappings(
    admin_client: Client, make_user: MakeUser
) -> None:
    user = make_user()
    _seed(user)
    chosen = ItemMapping.objects.filter(kind="contacts").get()
    _act(admin_client, "mappings_itemmapping", "unlink", [chosen.pk])
    assert list(ItemMapping.objects.values_list("kind", flat=True)) == ["events"]


def test_retry_marks_the_issue_and_makes_the_user_due_now(
    admin_client: Client, make_user: MakeUser
) -> None:
    user = make_user(next_due_at=timezone.now() + timedelta(hours=1))
    _seed(user)
    issue = SyncIssue.objects.get()
    _act(admin_client, "mappings_syncissue", "retry", [issue.pk])
    issue.refresh_from_db()
    user.refresh_from_db()
    assert issue.retry_requested and not issue.ignored
    assert user.next_due_at <= timezone.now()


def test_ignore_hides_the_issue_from_the_open_list(
    admin_client: Client, make_user: MakeUser
) -> None:
    _seed(make_user())
    issue = SyncIssue.objects.get()
    _act(admin_client, "mappings_syncissue", "ignore", [issue.pk])
    issue.refresh_from_db()
    assert issue.ignored and not issue.is_open
    page = admin_client.get(reverse("admin:mappings_syncissue_changelist"), {"open": "open"})
    assert issue.message.encode() not in page.content


def test_actions_need_the_matching_permission(client: Client, make_user: MakeUser) -> None:
    from django.contrib.auth.models import Permission, User

    viewer = User.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_syncissue", "view_syncuser"])
    )
    client.force_login(viewer)
    user = make_user()
    _seed(user)
    issue = SyncIssue.objects.get()
    _act(client, "mappings_syncissue", "ignore", [issue.pk])
    _act(client, "syncengine_syncuser", "reset_sync", [user.pk])
    issue.refresh_from_db()
    assert not issue.ignored
    assert ItemMapping.objects.filter(sync_user=user).count() == 2


def test_mappings_are_listed_filtered_and_counted_by_state(
    admin_client: Client, make_user: MakeUser
) -> None:
    repo = DbMappingRepo(make_user(), "contacts")
    repo.upsert(MappingState("003A", "AAA", "1", "1"))
    repo.upsert(MappingState("003B", "BBB", "1", "1"))
    repo.upsert(MappingState("", "PPP", "", "1", status="pending"))
    repo.upsert(MappingState("003D", "DDD", "1", "1", status="detached", gone="mailbox"))
    repo.mark_failed(["BBB"])
    url = reverse("admin:mappings_itemmapping_changelist")

    def listed(**query: str) -> set[str]:
        page = admin_client.get(url, query)
        assert page.status_code == 200
        return {str(m.mailbox_id) for m in page.context["cl"].result_list}

    assert listed(state="pending") == {"PPP"}
    assert listed(state="detached") == {"DDD"}
    assert listed(state="error") == {"BBB"}
    assert listed(state="synced") == {"AAA"}
    assert listed(detached_side="mailbox") == {"DDD"}
    page = admin_client.get(url).content.decode()
    # The filter shows each state's count next to its name, and a pending row says why it has no id.
    for label, count in [
        ("Waiting for its copy", 1),
        ("In sync", 1),
        ("Last change failed", 1),
        ("Detached (one copy gone, the other kept unsynced)", 1),
    ]:
        assert f"{label} ({count})" in page
    assert "(not created yet)" in page
