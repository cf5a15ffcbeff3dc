from __future__ import annotations

import html

import pytest
from django.test import Client

from lsync_site.console import preview
from mappings.models import ItemMapping, SyncRun
from syncengine import memory_backend
from syncengine.models import KindStatus, SyncConfiguration, SyncUser
from tests.console.conftest import MakeUser

pytestmark = pytest.mark.django_db


def body(response: object) -> str:
    return html.unescape(" ".join(response.content.decode().split()))  # type: ignore[attr-defined]


def test_a_users_preview_shows_counts_and_described_lines_and_writes_nothing(
    manager: Client, make_user: MakeUser
) -> None:
    user = make_user("ana@example.com")
    assert "Run the preview" in body(manager.get(f"/status/users/{user.pk}/preview/"))
    assert not SyncRun.objects.exists()  # the GET only explains

    page = body(manager.post(f"/status/users/{user.pk}/preview/"))
    sf_contacts, mb_contacts = memory_backend.seed_contacts("ana@example.com")
    assert (
        "<tr><td>create in mailbox</td><td>2</td></tr>"
        "<tr><td>create in salesforce</td><td>1</td></tr>"
        "<tr><td>link</td><td>1</td></tr>"
    ) in page
    assert f"create in mailbox: {sf_contacts[1].label()}" in page
    assert f"create in salesforce: {mb_contacts[1].label()}" in page
    assert f"link: {sf_contacts[0].label()}" in page
    assert not ItemMapping.objects.exists()
    assert set(SyncRun.objects.values_list("status", flat=True)) == {"dry-run"}
    user.refresh_from_db()
    assert user.contacts_status == KindStatus.NOT_STARTED


def test_a_configuration_can_be_previewed_before_it_is_turned_on(
    manager: Client, make_user: MakeUser, configuration: SyncConfiguration
) -> None:
    configuration.active = False
    configuration.save()
    make_user("ana@example.com")
    make_user("bob@example.com")
    url = f"/status/configurations/{configuration.pk}/preview/"
    assert f'href="{url}"' in body(manager.get("/status/"))
    assert "It covers the configuration's 2 user(s)" in body(manager.get(url))
    page = body(manager.post(url))
    assert "ana@example.com: contacts" in page and "bob@example.com: events" in page
    assert page.count("Planned changes:") == 4
    assert not ItemMapping.objects.exists()


def test_a_configuration_without_users_says_so(manager: Client) -> None:
    config = SyncConfiguration.objects.create(name="Empty")
    page = body(manager.post(f"/status/configurations/{config.pk}/preview/"))
    assert "No user is enrolled with this configuration yet." in page


def test_the_sample_stops_at_twenty_lines_and_says_how_many_there_are(
    make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from syncengine.records import Contact

    user = make_user("ana@example.com")
    sf, _ = memory_backend.build_stores(user, "contacts")
    for n in range(30):
        sf.put(
            Contact.normalized(first_name=f"P{n}", last_name="Extra", emails=[f"p{n}@x.example"])
        )  # type: ignore[attr-defined]
    contacts = preview.preview_user(user)[0]
    assert len(contacts.lines) == preview.SAMPLE
    assert contacts.total_lines == 34
    assert contacts.counts == [("create in mailbox", 32), ("create in salesforce", 1), ("link", 1)]


def test_a_kind_turned_off_is_reported_not_previewed(manager: Client, make_user: MakeUser) -> None:
    user = make_user()
    config = user.configuration
    assert config is not None
    config.events_direction = "off"
    config.save()
    page = body(manager.post(f"/status/users/{user.pk}/preview/"))
    assert "<strong>Not previewed</strong>: Events are off in 'Sales team'." in page
    assert SyncUser.objects.get().runs.filter(kind="events").count() == 0
