"""Mappings, cursors, runs and issues can be browsed in the admin with filters and search."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from mappings.models import ItemMapping, SyncIssue, UnresolvedItem
from tests.console.conftest import MakeUser

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(manager: Client, make_user: MakeUser) -> Client:
    for email in ("ana@example.com", "bob@example.com"):
        user = make_user(email)
        manager.post(f"/status/users/{user.pk}/sync-now/")
        SyncIssue.objects.create(
            sync_user=user, kind="events", code="rejected", message=f"Refused for {email}"
        )
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    return client


@pytest.mark.parametrize(
    ("model", "query", "rows"),
    [
        ("itemmapping", {"q": "ana@example.com", "kind": "contacts"}, 4),
        ("itemmapping", {"kind": "events", "state": "synced"}, 6),
        ("synccursor", {"q": "bob@example.com", "side": "mailbox"}, 2),
        ("syncrun", {"q": "ana@example.com", "status": "ok", "kind": "events"}, 1),
        ("syncissue", {"q": "rejected", "open": "open"}, 2),
        ("syncissue", {"open": "resolved"}, 0),
    ],
)
def test_each_list_filters_and_searches(
    root: Client, model: str, query: dict[str, str], rows: int
) -> None:
    response = root.get(f"/admin/mappings/{model}/", query)
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


def test_a_mapping_is_found_by_either_sides_id(root: Client) -> None:
    mapping = ItemMapping.objects.filter(kind="contacts").first()
    assert mapping is not None
    for key in (mapping.salesforce_id, mapping.mailbox_id):
        # The in-memory stores number every user's contacts and events alike, hence the filters.
        query = {"q": key, "sync_user__id__exact": str(mapping.sync_user_id), "kind": "contacts"}
        response = root.get("/admin/mappings/itemmapping/", query)
        assert response.context["cl"].result_count == 1


def test_unresolved_items_are_listed_read_only_and_searchable(root: Client) -> None:
    user = ItemMapping.objects.first().sync_user  # type: ignore[union-attr]
    UnresolvedItem.objects.create(
        sync_user=user, kind="contacts", salesforce_id="003000000000001AAA",
        reason="company_no_account", value="Globex",
    )  # fmt: skip
    response = root.get("/admin/mappings/unresolveditem/", {"q": "Globex"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert root.get("/admin/mappings/unresolveditem/add/").status_code == 403
