"""Issue 15 item 5: the Outlook and Google setup pages say how mailbox changes reach lsync: by
polling every N minutes when there is no public https address (push off), by push when there is."""

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
    assert "Exchange on-premises has no push" in outlook
    google = notice(admin_client, "google")
    assert "<code>https://lsync.example.com/hooks/google/</code>" in google
    assert "People API has no push: contacts are picked up by polling every 5 minutes" in google
