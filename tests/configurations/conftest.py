"""Enrollment against the in-process emulators: Salesforce (users, profiles), Microsoft 365 and
Google (mailboxes, consent, delegation), with lsync's settings and HTTP seam pointed at them."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from connections.models import MailConnection, Status
from connections.providers.google.client import SCOPES, clear_credentials_cache
from connections.providers.microsoft import client as graph_client
from sandbox.google.app import GoogleEmulator
from sandbox.google.keys import generate_service_account_key
from sandbox.microsoft.app import MicrosoftEmulator
from sandbox.salesforce.app import SalesforceEmulator
from syncengine.models import ConfigurationAssignment, SyncConfiguration, TargetType
from tests.conftest import SandboxHandle
from tests.providers.conftest import (  # noqa: F401  (fixtures used by this package)
    SalesforceSetup,
    salesforce_connection,
    sandbox_product,
)

DOMAIN = "example.com"
ADMIN = "admin@example.com.sf"
TENANT = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
CLIENT_ID = "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"
SECRET = "tests-only-client-secret"


@dataclass
class Org:
    """The Salesforce emulator as an admin sees it: profiles and users to arrange."""

    emulator: SalesforceEmulator

    def profile(self, name: str) -> str:
        return self.emulator.add_profile(name)

    def user(self, email: str, *, profile: str = "Standard User", active: bool = True, username: str | None = None, last: str = "User") -> str:  # fmt: skip
        first = email.split("@")[0].split(".")[0].title()
        return self.emulator.add_user(
            username or f"{email}.sf", email, first, last, profile=profile, active=active
        )


@pytest.fixture
def org(salesforce_connection: SalesforceSetup, settings: Any) -> Org:  # noqa: F811
    emulator = salesforce_connection.emulator
    emulator.add_profile("Standard User")  # creates the org's administrator too
    settings.LSYNC_SALESFORCE_DIRECTORY_USER = ADMIN
    return Org(emulator)


@pytest.fixture
def microsoft365(
    sandbox_product: SandboxHandle,  # noqa: F811
    settings: Any,
    db: None,
) -> Iterator[MicrosoftEmulator]:
    emulator: MicrosoftEmulator = sandbox_product.apps["microsoft"]
    settings.LSYNC_MICROSOFT_CLIENT_ID = CLIENT_ID
    settings.LSYNC_MICROSOFT_CLIENT_SECRET = SECRET
    settings.LSYNC_MICROSOFT_CERT_PATH = ""
    settings.LSYNC_MICROSOFT_CERT_THUMBPRINT = ""
    emulator.register_app(CLIENT_ID, client_secret=SECRET)
    emulator.add_tenant(TENANT, [DOMAIN])
    emulator.grant_consent(TENANT, CLIENT_ID)
    MailConnection.objects.create(
        method=MailConnection.Method.MICROSOFT365,
        enabled=True,
        chosen=True,
        tenant_id=TENANT,
        status=Status.VERIFIED,
    )
    graph_client.forget_tokens()
    yield emulator
    graph_client.forget_tokens()


@functools.cache
def google_key(token_uri: str) -> tuple[dict[str, str], str]:
    # One RSA key per run: generating one costs more than most tests.
    return generate_service_account_key(token_uri)


@pytest.fixture
def google(sandbox_product: SandboxHandle, db: None) -> Iterator[GoogleEmulator]:  # noqa: F811
    emulator: GoogleEmulator = sandbox_product.apps["google"]
    info, public = google_key(sandbox_product.bases["google"] + "/token")
    client_id = emulator.register_service_account(
        info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
    )
    emulator.grant_delegation(client_id, SCOPES)
    MailConnection.objects.create(
        method=MailConnection.Method.GOOGLE,
        enabled=True,
        service_account_key=json.dumps(info),
        client_email=info["client_email"],
        status=Status.VERIFIED,
    )
    clear_credentials_cache()
    yield emulator
    clear_credentials_cache()


def configuration(name: str, **fields: Any) -> SyncConfiguration:
    return SyncConfiguration.objects.create(name=name, **fields)


def assign_user(config: SyncConfiguration, user_id: str) -> ConfigurationAssignment:
    return ConfigurationAssignment.assign(config, TargetType.USER, user_id)


def assign_profile(config: SyncConfiguration, profile_id: str) -> ConfigurationAssignment:
    return ConfigurationAssignment.assign(config, TargetType.PROFILE, profile_id)


def make_user(username: str, *perms: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.org", "pw-" + username)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def admin_client(db: None) -> Client:
    client = Client()
    client.force_login(make_user("manager", "manage_sync"))
    return client
