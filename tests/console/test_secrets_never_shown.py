"""No fragment of any secret appears on any admin page or any status page."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import NoReverseMatch, reverse

from connections.models import MailConnection, SalesforceConnection, Status
from mappings.models import SyncIssue, UnresolvedItem
from syncengine.models import SyncConfiguration, SyncUser
from tests.connections.conftest import fragments
from tests.console.conftest import MakeUser

pytestmark = pytest.mark.django_db

PASSWORD = "Ex-9Qz-never-render-this-password"
TENANT = "0f1e2d3c-4b5a-6978-8a9b-acbdcedf0123"


def pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def body_of(pem_text: str) -> str:
    return "".join(line for line in pem_text.splitlines() if not line.startswith("-----"))


@pytest.fixture
def secrets(make_user: MakeUser, manager: Client) -> list[str]:
    salesforce_key, google_key = pem(), pem()
    SalesforceConnection(
        pk=1, login_url="https://login.salesforce.com", consumer_key="3MVG9-key",
        private_key=salesforce_key, status=Status.VERIFIED,
    ).save()  # fmt: skip
    MailConnection.objects.create(
        method="exchange", enabled=True, username="svc@example.com", password=PASSWORD,
        status=Status.SAVED,
    )  # fmt: skip
    MailConnection.objects.create(
        method="microsoft365", enabled=True, chosen=True, tenant_id=TENANT, status=Status.VERIFIED
    )
    info = {"type": "service_account", "private_key": google_key, "private_key_id": "k1",
            "client_email": "sync@p.iam.gserviceaccount.com"}  # fmt: skip
    MailConnection.objects.create(
        method="google", enabled=True, service_account_key=json.dumps(info),
        client_email=info["client_email"], status=Status.VERIFIED,
    )  # fmt: skip
    user = make_user("ana@example.com")
    manager.post(f"/status/users/{user.pk}/sync-now/")  # mappings, cursors, runs
    SyncIssue.objects.create(sync_user=user, kind="events", code="rejected", message="Refused")
    UnresolvedItem.objects.create(
        sync_user=user, kind="contacts", salesforce_id="003000000000001AAA",
        reason="company_no_account", value="Initech",
    )  # fmt: skip
    return [PASSWORD, TENANT, body_of(salesforce_key), body_of(google_key)]


def admin_pages() -> list[str]:
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        try:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        except NoReverseMatch:
            continue
        first = model_admin.get_queryset(_Request()).first()  # type: ignore[arg-type]
        if first is not None:
            urls.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
    return urls


class _Request:
    """Enough of a request for get_queryset (admins that filter by user would need more)."""

    user = None


def status_pages() -> list[tuple[str, str]]:
    user = SyncUser.objects.get()
    config = SyncConfiguration.objects.get()
    gets = [
        "/status/",
        f"/status/users/{user.pk}/",
        f"/status/users/{user.pk}/unresolved/",
        f"/status/users/{user.pk}/reset/",
        f"/status/users/{user.pk}/preview/",
        f"/status/configurations/{config.pk}/preview/",
    ]
    posts = [f"/status/users/{user.pk}/preview/", f"/status/configurations/{config.pk}/preview/"]
    return [("get", u) for u in gets] + [("post", u) for u in posts]


def test_no_fragment_of_any_secret_appears_on_any_admin_or_status_page(
    secrets: list[str], manager: Client
) -> None:
    root = Client()
    root.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    pages = [("get", url) for url in admin_pages()] + status_pages()
    changes = [url for _, url in pages if url.endswith("/change/")]
    for model in (
        "itemmapping",
        "synccursor",
        "syncrun",
        "syncissue",
        "syncuser",
        "mailconnection",
    ):
        assert any(f"/{model}/" in url for url in changes), model
    for method, url in pages:
        response = getattr(root, method)(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in secrets:
            for piece in fragments(secret):
                assert piece not in body, f"{url} shows part of a secret"
