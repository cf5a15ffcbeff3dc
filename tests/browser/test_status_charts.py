"""Issue 15: the status page's charts with the demo's data, in a real browser: the org's API use
read by the change feed from the Salesforce emulator's Sforce-Limit-Info, and the delay of two
real edits (one per side) carried by a run, both drawn without a Content-Security-Policy
violation and without overflowing their cards."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest

from mappings.models import ApiUsageSample
from syncengine import changefeed, delays, tasks
from syncengine.models import LinkStatus, SyncUser
from tests.browser.demo_org import ADMIN_PASSWORD, build_demo
from tests.browser.test_pages_fit_the_window import Visits
from tests.conftest import SandboxHandle
from tests.providers.conftest import sandbox_product  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("LSYNC_SCREENSHOT_DIR", "")


def edit_both_sides(sandbox: SandboxHandle, user: SyncUser) -> None:
    """A contact of the user's edited in Salesforce, and a new one in their Salesforce_Sync folder."""
    salesforce, microsoft = sandbox.apps["salesforce"], sandbox.apps["microsoft"]
    owned = [
        (record_id, row)
        for record_id, row in salesforce.store.records["Contact"].items()
        if row.get("OwnerId") == user.salesforce_user_id and not row.get("IsDeleted")
    ]
    record_id, row = owned[0]
    salesforce.update_record(record_id, {"Title": "Buyer (edited)"}, as_user=row["OwnerId"])
    box = microsoft.mailbox(user.mailbox_address)
    folder = next(
        f.id for f in box.folders.values() if f.data.get("displayName") == "Salesforce_Sync"
    )
    microsoft.add_contact(user.mailbox_address, {"givenName": "Bo", "surname": "Berg",
                          "emailAddresses": [{"address": "bo.berg@example.net"}]}, folder)  # fmt: skip


def test_the_status_page_charts_the_api_budget_and_the_delay_of_real_edits(
    page: Any,
    live_server: Any,
    sandbox_product: SandboxHandle,  # noqa: F811
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build_demo(sandbox_product, settings)
    settings.LSYNC_CHANGE_FEED = True
    assert changefeed.read_feed("contacts").status == "ok"  # stores the org's Sforce-Limit-Info
    settings.LSYNC_CHANGE_FEED = False  # the runs below read Salesforce themselves
    assert ApiUsageSample.objects.exists()
    user = SyncUser.objects.filter(link_status=LinkStatus.LINKED).order_by("email").first()
    assert user is not None
    edit_both_sides(sandbox_product, user)
    # The run writes the edits 42 s after they were made, as a poll would some time later.
    later = delays.now() + timedelta(seconds=42)
    monkeypatch.setattr(delays, "now", lambda: later)
    tasks.sync_user_task(user.pk)

    visits = Visits(page, live_server.url)
    page.goto(f"{live_server.url}/status/")
    page.get_by_label("User name").fill("admin")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/status/")
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/status-charts.png", full_page=True)

    assert page.locator("#budget-chart").is_visible()
    assert page.locator("#budget-chart .budget-hour").count() == 24
    assert page.locator("#delay-chart").is_visible()
    for key in ("salesforce_to_mailbox", "mailbox_to_salesforce"):
        text = page.locator(f"#delay-{key}").inner_text()
        assert "(1 edit)" in text and "p95 4" in text  # 42 s and the run's own seconds
        bars = page.locator(f'#delay-chart [data-direction="{key}"] rect.delay-bar')
        assert bars.count() == 2
        assert all(bars.nth(i).get_attribute("data-seconds") != "" for i in range(2))
    # The two cards sit side by side at 1280 px.
    budget, delay = (
        page.locator("#api-budget").bounding_box(),
        page.locator("#sync-delay").bounding_box(),
    )
    assert budget["y"] == delay["y"] and budget["x"] < delay["x"]
    visits.check("/status/")
    assert visits.problems == []
