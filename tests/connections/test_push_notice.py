"""Issue 15 item 5: the Outlook and Google setup pages say how mailbox changes reach lsync: by
polling every N minutes when there is no public https address (push off), by push when there is;
Exchange on-premises by its pull notifications (every N s) or by polling when they are off."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def notice(client: Client, page: str) -> str:
    body = client.get(f"/setup/{page}/").content.decode()
    return body.split('id="push-state"')[1].split("</div>")[0]


@pytest.mark.parametrize("page", ["outlook", "google"])
@pytest.mark.parametrize("public_url", ["", "http://lsync.internal:8000"])
def test_without_a_public_https_address_the_page_says_mailboxes_are_polled_and_push_is_off(
    admin_client: Client, settings: Any, page: str, public_url: str
) -> None:
    settings.LSYNC_PUBLIC_URL = public_url
    settings.LSYNC_SYNC_INTERVAL_SECONDS = 300
    text = notice(admin_client, page)
    assert 'data-push="off"' in text
    assert "picked up by polling every 5 minutes; push is off." in text
    assert (
        "LSYNC_PUBLIC_URL</code> "
        + ("is not set" if not public_url else f"is {public_url}, not an https address")
        in text
    )


def test_with_a_public_https_address_push_is_on_and_google_contacts_are_still_polled(
    admin_client: Client, settings: Any
) -> None:
    settings.LSYNC_PUBLIC_URL = "https://lsync.example.com/"
    outlook = notice(admin_client, "outlook")
    assert (
        'data-push="on"' in outlook
        and "<code>https://lsync.example.com/hooks/microsoft/</code>" in outlook
    )
    assert "Exchange on-premises: notifications (pull) every 60 s" in outlook
    google = notice(admin_client, "google")
    assert "<code>https://lsync.example.com/hooks/google/</code>" in google
    assert "People API has no push: contacts are picked up by polling every 5 minutes" in google


def exchange_line(client: Client) -> str:
    body = client.get("/setup/outlook/").content.decode()
    return body.split('id="exchange-events"')[1].split("</p>")[0]


def test_the_outlook_page_says_exchange_is_asked_for_events_without_a_public_address(
    admin_client: Client, settings: Any
) -> None:
    settings.LSYNC_PUBLIC_URL = ""
    line = exchange_line(admin_client)
    assert 'data-exchange="pull"' in line
    assert "notifications (pull) every 60 s" in line and "needs no public address" in line
    assert "0 mailboxes subscribed." in line


def test_the_outlook_page_names_failing_exchange_subscriptions_and_says_they_are_polled(
    admin_client: Client, settings: Any
) -> None:
    from django.utils import timezone

    from connections.models import ExchangeSubscription
    from syncengine.models import SyncUser

    settings.LSYNC_SYNC_INTERVAL_SECONDS = 300
    for n, failure in enumerate(["", "Exchange is busy and asked lsync to wait 30 s"]):
        user = SyncUser.objects.create(salesforce_user_id=f"005{n}", username=f"u{n}@sf")
        ExchangeSubscription.objects.create(
            sync_user=user, subscription_id=f"S{n}", watermark="W", kinds="events",
            checked_at=timezone.now(), failure=failure,
        )  # fmt: skip
    line = exchange_line(admin_client)
    assert (
        "1 mailbox subscribed; 1 failing, and polled every 5 minutes until it works again" in line
    )
    assert "asked lsync to wait 30 s" in line


def test_with_pull_turned_off_the_outlook_page_says_exchange_is_polled(
    admin_client: Client, settings: Any
) -> None:
    settings.LSYNC_EXCHANGE_PULL_SECONDS = 0
    settings.LSYNC_SYNC_INTERVAL_SECONDS = 300
    line = exchange_line(admin_client)
    assert 'data-exchange="polling"' in line
    assert "Exchange on-premises: polling every 5 minutes" in line
