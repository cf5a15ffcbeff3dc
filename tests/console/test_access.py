from __future__ import annotations

import pytest
from django.test import Client

from mappings.models import ItemMapping, SyncIssue, UnresolvedItem
from syncengine.models import SyncConfiguration, SyncUser
from tests.console.conftest import MakeUser

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user: MakeUser, configuration: SyncConfiguration) -> dict[str, int]:
    user = make_user("ana@example.com")
    issue = SyncIssue.objects.create(
        sync_user=user, kind="contacts", code="rejected", message="Refused", retryable=True
    )
    item = UnresolvedItem.objects.create(
        sync_user=user,
        kind="contacts",
        salesforce_id="003000000000001AAA",
        reason="company_no_account",
        value="Initech",
    )
    return {"user": user.pk, "issue": issue.pk, "item": item.pk, "config": configuration.pk}


def pages(w: dict[str, int]) -> list[str]:
    return ["/status/", f"/status/users/{w['user']}/", f"/status/users/{w['user']}/unresolved/"]


def buttons(w: dict[str, int]) -> list[str]:
    return [
        f"/status/users/{w['user']}/sync-now/",
        f"/status/users/{w['user']}/reset/",
        f"/status/users/{w['user']}/approve-guard/",
        f"/status/users/{w['user']}/preview/",
        f"/status/configurations/{w['config']}/preview/",
        f"/status/issues/{w['issue']}/retry/",
        f"/status/issues/{w['issue']}/ignore/",
        f"/status/unresolved/{w['item']}/link/",
        f"/status/unresolved/{w['item']}/create-account/",
        f"/status/unresolved/{w['item']}/ignore/",
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(world: dict[str, int]) -> None:
    anonymous = Client()
    for url in pages(world) + buttons(world):
        response = anonymous.post(url) if url in buttons(world) else anonymous.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_users_without_view_sync_status_get_403(stranger: Client, world: dict[str, int]) -> None:
    for url in pages(world):
        response = stranger.get(url)
        assert response.status_code == 403, url
        assert "Can view sync status" in response.content.decode()


def test_viewers_see_the_pages_but_no_buttons(viewer: Client, world: dict[str, int]) -> None:
    for url in pages(world):
        assert viewer.get(url).status_code == 200, url
    body = viewer.get(f"/status/users/{world['user']}/").content.decode()
    for button in [">Sync now</button>", "/reset/", ">Retry</button>", ">Ignore</button>"]:
        assert button not in body, button


def test_every_button_answers_403_without_manage_sync(
    viewer: Client, world: dict[str, int]
) -> None:
    for url in buttons(world):
        assert viewer.post(url, {"record_id": "001000000000001AAA"}).status_code == 403, url
    assert viewer.get(f"/status/users/{world['user']}/reset/").status_code == 403
    issue = SyncIssue.objects.get()
    assert issue.is_open and not issue.retry_requested
    assert UnresolvedItem.objects.get().is_open
    assert SyncUser.objects.get().runs.count() == 0


def test_buttons_refuse_get_so_a_link_cannot_trigger_them(
    manager: Client, world: dict[str, int]
) -> None:
    ItemMapping.objects.create(
        sync_user_id=world["user"], kind="contacts", salesforce_id="003x", mailbox_id="m1"
    )
    for url in [
        f"/status/users/{world['user']}/sync-now/",
        f"/status/issues/{world['issue']}/retry/",
    ]:
        assert manager.get(url).status_code == 405, url
    # The reset page's GET only asks for confirmation.
    assert manager.get(f"/status/users/{world['user']}/reset/").status_code == 200
    assert ItemMapping.objects.count() == 1


def test_posts_without_a_csrf_token_are_refused(world: dict[str, int]) -> None:
    from tests.console.conftest import client_with

    client = client_with("csrf-manager", "manage_sync")
    client.handler.enforce_csrf_checks = True
    response = client.post(f"/status/issues/{world['issue']}/ignore/")
    assert response.status_code == 403
    assert SyncIssue.objects.get().is_open
