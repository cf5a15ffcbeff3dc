from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from connections.permissions import view_sync_status_required
from tests.connections.conftest import make_user

GET_PAGES = ["/setup/", "/setup/salesforce/", "/setup/outlook/", "/setup/google/"]
POST_ONLY = [
    "/setup/outlook/consent/start/",
    "/setup/outlook/disconnect/",
    "/setup/google/remove/",
]
ALL_URLS = [*GET_PAGES, "/setup/outlook/consent/?state=x&tenant=y", *POST_ONLY]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ALL_URLS)
def test_anonymous_visitors_are_sent_to_the_login_page(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", ALL_URLS)
def test_anonymous_posts_are_sent_to_the_login_page_too(url: str) -> None:
    response = Client().post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", ALL_URLS)
def test_a_user_without_manage_sync_gets_the_403_page(url: str) -> None:
    client = Client()
    client.force_login(make_user("viewer", "view_sync_status"))
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 403
        assert b"have access to this page" in response.content
        assert b"Can manage sync" in response.content
        assert b"slds-page-header" in response.content


@pytest.mark.parametrize("url", GET_PAGES)
def test_a_user_with_manage_sync_sees_every_setup_page(manager_client: Client, url: str) -> None:
    response = manager_client.get(url)
    assert response.status_code == 200
    assert b"Outlook Integration and Sync" in response.content  # the Setup navigation


def test_the_login_page_renders_with_labelled_fields() -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert b'<label class="slds-form-element__label" for="id_username">' in response.content
    assert b'<label class="slds-form-element__label" for="id_password">' in response.content


def test_logging_in_leads_to_the_page_asked_for() -> None:
    make_user("manager", "manage_sync")
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": "manager", "password": "pw-manager", "next": "/setup/google/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/setup/google/"
    assert client.get("/setup/google/").status_code == 200


def _status_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("status")


@pytest.mark.parametrize(
    ("perms", "expected"),
    [(("view_sync_status",), 200), (("manage_sync",), 200)],
)
def test_status_pages_admit_viewers_and_managers(perms: tuple[str, ...], expected: int) -> None:
    request = RequestFactory().get("/status/")
    request.user = make_user("someone", *perms)
    assert view_sync_status_required(_status_view)(request).status_code == expected


def test_status_pages_refuse_a_user_with_neither_permission() -> None:
    from django.core.exceptions import PermissionDenied

    request = RequestFactory().get("/status/")
    request.user = make_user("nobody")
    with pytest.raises(PermissionDenied, match="Can view sync status"):
        view_sync_status_required(_status_view)(request)
