from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User

from mappings.models import SyncRun
from syncengine import memory_backend
from syncengine.models import LinkStatus, SyncConfiguration, SyncUser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("LSYNC_SCREENSHOT_DIR", "")


@pytest.fixture(autouse=True)
def memory_stores(settings: Any) -> Iterator[None]:
    settings.LSYNC_STORE_BACKEND = "memory"
    memory_backend.forget_all()
    yield
    memory_backend.forget_all()


def test_sync_now_on_the_user_page_shows_the_run_in_the_history(
    page: Any, live_server: Any
) -> None:
    admin = User.objects.create_user("ops1", "ops1@example.com", "pw-ops1-long")
    admin.user_permissions.add(Permission.objects.get(codename="manage_sync"))
    user = SyncUser.objects.create(
        configuration=SyncConfiguration.objects.create(name="Sales team"),
        salesforce_user_id="005000000000000001",
        username="ana@example.com",
        email="ana@example.com",
        mailbox_address="ana@example.com",
        link_status=LinkStatus.LINKED,
    )
    page.goto(f"{live_server.url}/status/")
    page.get_by_label("User name").fill("ops1")
    page.get_by_label("Password").fill("pw-ops1-long")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/status/")
    page.get_by_role("link", name="ana@example.com").click()
    page.wait_for_url(f"{live_server.url}/status/users/{user.pk}/")

    history = page.locator("#runs tbody")
    assert "No run yet." in history.inner_text()
    page.get_by_role("button", name="Sync now").click()
    page.wait_for_url(f"{live_server.url}/status/users/{user.pk}/")
    page.get_by_text("Sync of ana@example.com started").wait_for()
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/status-user.png", full_page=True)

    rows = history.locator("tr")
    assert rows.count() == 2 == SyncRun.objects.filter(sync_user=user).count()
    text = history.inner_text()
    assert "contacts" in text and "events" in text and "created mailbox 2" in text
    assert page.locator("#userContacts").get_by_text("In sync").is_visible()
