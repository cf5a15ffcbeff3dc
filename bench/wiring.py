"""The in-process sandbox wired into the product, for the provider benchmark.

A small copy of what the provider tests' fixtures do (tests/conftest.py, tests/providers/*):
the emulators are mounted on every session `connections.http.build_session` hands out, the
endpoint settings point at them, and the connections are saved the way an admin saves them.
Any URL that is not an emulator's is refused by the session itself, so nothing leaves the
process. Only bench/ imports this; product code never imports the sandbox.
"""

from __future__ import annotations

import json
import os
import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter

from sandbox.google.app import GoogleEmulator
from sandbox.google.keys import generate_service_account_key
from sandbox.inprocess import BASE_URLS, WSGIAdapter
from sandbox.microsoft.app import MicrosoftEmulator
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import make_certificate
from syncengine.records import Contact, Event

TENANT = "5f2b8c1e-3d4a-4b6c-9e8f-0a1b2c3d4e5f"
MS_CLIENT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
MS_SECRET = "bench-only-client-secret"
SIDE_OF = {"salesforce": "salesforce", "microsoft": "mailbox", "google": "mailbox"}


def configure_django(directory: Path) -> None:
    """Django on a fresh SQLite file in `directory` (or the emptied LSYNC_BENCH_DATABASE_URL),
    migrated; for the command line only (the
    smoke test runs under pytest-django, which has configured Django already)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    # Overridden, not defaulted: the benchmark must never write into a configured database. A
    # throwaway database may be named on purpose (PostgreSQL figures): it is emptied first.
    scratch = os.environ.get("LSYNC_BENCH_DATABASE_URL", "")
    os.environ["DATABASE_URL"] = scratch or f"sqlite:///{directory / 'bench.sqlite3'}"
    os.environ["LSYNC_VAR_DIR"] = str(directory)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    if scratch:
        call_command("flush", verbosity=0, interactive=False)


class _Refused(BaseAdapter):
    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        raise requests.exceptions.ConnectionError(f"the benchmark may not reach {request.url}")

    def close(self) -> None:
        pass


class _Counting(WSGIAdapter):
    """Counts the HTTP requests each emulator receives (token requests included)."""

    def __init__(self, app: Any, name: str, counter: Counter[str]) -> None:
        super().__init__(app)
        self.name, self.counter = name, counter

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:
        self.counter[self.name] += 1
        return super().send(request, stream, **kwargs)


class Sandbox:
    """The three emulators, one mail service connected at a time."""

    def __init__(self, seed: int = 1) -> None:
        self.salesforce = SalesforceEmulator(seed=seed)
        self.microsoft = MicrosoftEmulator(seed=seed)
        self.google = GoogleEmulator(seed=seed)
        self.requests: Counter[str] = Counter()
        apps = {"salesforce": self.salesforce, "microsoft": self.microsoft, "google": self.google}
        self.adapters = {n: _Counting(app, n, self.requests) for n, app in apps.items()}
        self.google_key: dict[str, str] = {}

    def http_requests(self) -> dict[str, int]:
        """Requests so far per side ("salesforce", "mailbox")."""
        out = {"salesforce": 0, "mailbox": 0}
        for name, count in self.requests.items():
            out[SIDE_OF[name]] += count
        return out

    def env(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        values.update(SalesforceEmulator.product_env(BASE_URLS["salesforce"]))
        values.update(MicrosoftEmulator.product_env(BASE_URLS["microsoft"]))
        values.update(GoogleEmulator.product_env(BASE_URLS["google"]))
        values.update(
            LSYNC_STORE_BACKEND="providers",
            LSYNC_CA_BUNDLE="",
            LSYNC_MICROSOFT_CLIENT_ID=MS_CLIENT_ID,
            LSYNC_MICROSOFT_CLIENT_SECRET=MS_SECRET,
            LSYNC_MICROSOFT_CERT_PATH="",
            LSYNC_MICROSOFT_CERT_THUMBPRINT="",
        )
        return values

    def session(self) -> requests.Session:
        from connections import http

        session = requests.Session()
        session.trust_env = False
        session.headers["User-Agent"] = http.USER_AGENT
        session.mount("https://", _Refused())
        session.mount("http://", _Refused())
        for name, adapter in self.adapters.items():
            session.mount(BASE_URLS[name], adapter)
        return session

    @contextmanager
    def wired(self) -> Iterator[None]:
        """Settings and the HTTP seam pointed at the emulators; restored on exit."""
        from django.test import override_settings

        from connections import http
        from connections.providers.google.client import clear_credentials_cache
        from connections.providers.microsoft import client as graph
        from connections.providers.salesforce.client import clear_token_cache

        real = http.build_session
        with ExitStack() as stack:
            stack.enter_context(override_settings(**self.env()))
            http.build_session = self.session  # type: ignore[assignment]
            stack.callback(setattr, http, "build_session", real)
            for clear in (clear_token_cache, clear_credentials_cache, graph.forget_tokens):
                clear()
                stack.callback(clear)
            yield

    # --- connections, saved as an admin saves them ---------------------------------------------
    def connect_salesforce(self) -> None:
        from connections.models import SalesforceConnection, Status

        private_key, certificate = make_certificate("lsync-bench")
        consumer_key = "3MVG9bench" + secrets.token_hex(12)
        self.salesforce.register_connected_app(consumer_key, certificate)
        SalesforceConnection.objects.update_or_create(
            pk=1,
            defaults={
                "login_url": BASE_URLS["salesforce"],
                "consumer_key": consumer_key,
                "private_key": private_key,
                "api_version": "62.0",
                "status": Status.SAVED,
            },
        )

    def connect_mail(self, method: str, email: str, name: tuple[str, str]) -> None:
        """Connects `method` ("microsoft365" or "google") with a mailbox for `email`."""
        from connections.models import MailConnection, Status

        MailConnection.objects.all().delete()
        if method == "microsoft365":
            self.microsoft.register_app(MS_CLIENT_ID, client_secret=MS_SECRET)
            self.microsoft.add_tenant(TENANT, [email.split("@", 1)[1]])
            self.microsoft.grant_consent(TENANT, MS_CLIENT_ID)
            self.microsoft.add_mailbox(TENANT, email, " ".join(name))
            MailConnection.objects.create(
                method=method, tenant_id=TENANT, enabled=True, chosen=True, status=Status.SAVED
            )
            return
        from connections.providers.google.client import SCOPES

        info, public = generate_service_account_key(BASE_URLS["google"] + "/token")
        self.google_key = info
        client_id = self.google.register_service_account(
            info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
        )
        self.google.grant_delegation(client_id, SCOPES)
        self.google.add_user(email, name[0], name[1], "Europe/Paris")
        MailConnection.objects.create(
            method=method,
            enabled=True,
            chosen=True,
            status=Status.SAVED,
            service_account_key=json.dumps(info),
            client_email=info["client_email"],
        )

    def make_sync_user(self, email: str, name: tuple[str, str], time_zone: str) -> int:
        """A Salesforce user and its SyncUser (its own configuration, invitations off)."""
        from connections.models import MailConnection
        from syncengine.models import LinkStatus, SyncConfiguration, SyncUser

        user_id = self.salesforce.add_user(email, email, name[0], name[1], time_zone=time_zone)
        config, _ = SyncConfiguration.objects.get_or_create(
            name="Benchmark", defaults={"events_send_invitations": False}
        )
        user = SyncUser.objects.create(
            configuration=config,
            salesforce_user_id=user_id,
            username=email,
            email=email,
            mailbox_address=email,
            # Linked as enrollment would link it: lsync syncs only linked users.
            link_status=LinkStatus.LINKED,
            mail_connection=MailConnection.objects.first(),
        )
        return int(user.pk)

    # --- seeding, through the emulators' Python APIs -------------------------------------------
    def salesforce_account(self, owner: str, name: str) -> str:
        return self.salesforce.add_record("Account", {"Name": name}, as_user=owner)

    def salesforce_put(
        self, owner: str, record: Contact | Event, account: str | None, invitees: list[str]
    ) -> str:
        """The record as a Salesforce row owned by `owner`; `invitees`: contact ids."""
        from connections.providers.salesforce import convert

        if isinstance(record, Contact):
            fields = convert.contact_to_fields(record)
            if account:
                fields["AccountId"] = account
            return self.salesforce.add_record("Contact", fields, as_user=owner)
        event_id = self.salesforce.add_record(
            "Event", convert.event_to_fields(record), as_user=owner
        )
        for contact in invitees:
            relation = {"EventId": event_id, "RelationId": contact, "IsInvitee": True}
            self.salesforce.add_record("EventRelation", relation, as_user=owner)
        return event_id

    def mailbox_folder(self, method: str, email: str) -> str:
        """The contact folder or group lsync syncs, made as the user would have made it."""
        if method == "google":
            from connections.providers.google.groups import GROUP_NAME

            return self.google.add_group(email, GROUP_NAME)
        from connections.providers.microsoft.client import GraphClient
        from connections.providers.microsoft.stores.contacts import GraphContactStore

        # The Graph emulator has no Python call for folders: made over its API, as Outlook would.
        folder = GraphContactStore(GraphClient(TENANT), email).folder_id()
        assert folder is not None
        return folder

    def mailbox_put(self, method: str, email: str, record: Contact | Event, folder: str) -> str:
        """The record as the user's own mailbox item (no lsync marker)."""
        if method == "google":
            from connections.providers.google import convert as google

            if isinstance(record, Contact):
                person = google.new_person(record, folder, None)
                return str(self.google.add_contact(email, person)["resourceName"])
            return str(self.google.add_event(email, google.event_to_api(record))["id"])
        from connections.providers.microsoft import convert as graph

        if isinstance(record, Contact):
            return self.microsoft.add_contact(email, graph.contact_to_graph(record), folder)
        return self.microsoft.add_event(email, graph.event_to_graph(record, invitations=False))
