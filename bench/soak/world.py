"""The soak's world: the three emulators served over HTTPS on loopback (threads of this process),
a fresh SQLite database, the connections saved as an admin saves them, a company of users, and
sync workers as real `manage.py sync_now` processes.

Django is configured from the environment this module builds, and the worker processes get the
same environment, so both look at the same database and the same emulators.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.core import Emulator
from sandbox.exchange.app import ExchangeEmulator
from sandbox.google.app import GoogleEmulator
from sandbox.google.keys import generate_service_account_key
from sandbox.microsoft.app import MicrosoftEmulator
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import make_certificate
from sandbox.server import serve
from sandbox.tls import ensure_certificates

ROOT = Path(__file__).resolve().parents[2]
TENANT = "5f2b8c1e-3d4a-4b6c-9e8f-0a1b2c3d4e5f"
MS_CLIENT_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
MS_SECRET = "soak-only-client-secret"
DOMAIN = "nordvik.example"
MAIL_METHOD = {"microsoft": "microsoft365", "google": "google", "exchange": "exchange"}
EWS_ACCOUNT = f"svc-lsync@{DOMAIN}"
EWS_PASSWORD = "soak-only-exchange-password"
MAILS: dict[str, type[MicrosoftEmulator] | type[GoogleEmulator] | type[ExchangeEmulator]] = {
    "microsoft": MicrosoftEmulator, "google": GoogleEmulator, "exchange": ExchangeEmulator,
}  # fmt: skip
# Unicode on purpose: names travel through three JSON APIs and a SQLite database.
NAMES = [("Ana", "Núñez"), ("Björn", "Ødegård"), ("Zoë", "Łukasiewicz"), ("Jürgen", "Straße"),
         ("Chloé", "D'Arcy"), ("Sørina", "Ōtake"), ("Ilse", "Ğüneş"), ("Renée", "Čapek")]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class World:
    directory: Path
    mail: str  # "microsoft" | "google" | "exchange"
    seed: int
    emulators: dict[str, Emulator] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    users: list[int] = field(default_factory=list)
    servers: list[Any] = field(default_factory=list)

    # --- start -----------------------------------------------------------------------------
    def start(self) -> None:
        """Serves the emulators, then configures Django on a fresh database in `directory`."""
        ca, cert, key = ensure_certificates(self.directory / "tls")
        self.emulators = {
            "salesforce": SalesforceEmulator(seed=self.seed),
            self.mail: MAILS[self.mail](seed=self.seed),
        }
        env: dict[str, str] = {}
        for _name, app in self.emulators.items():
            port = _free_port()
            self.servers.append(serve(app, "127.0.0.1", port, cert, key))
            env.update(type(app).product_env(f"https://127.0.0.1:{port}"))
        env.update(
            DJANGO_SETTINGS_MODULE="lsync_site.settings",
            DATABASE_URL=f"sqlite:///{self.directory / 'soak.sqlite3'}",
            LSYNC_VAR_DIR=str(self.directory),
            LSYNC_SECRET_KEY="soak-only-secret-key-0123456789-abcdefghijklmnopqrs",
            LSYNC_ENCRYPTION_KEY="soak-only-encryption-key-0123456789-abcdefghijkl",
            LSYNC_STORE_BACKEND="providers",
            LSYNC_CA_BUNDLE=str(ca.resolve()),
            LSYNC_MICROSOFT_CLIENT_ID=MS_CLIENT_ID,
            LSYNC_MICROSOFT_CLIENT_SECRET=MS_SECRET,
            LSYNC_LOG_LEVEL="CRITICAL",
            # A stuck request must not outlive the cycle it belongs to.
            LSYNC_HTTP_TIMEOUT="10",
        )
        self.env = env
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)

    def stop(self) -> None:
        for server, _thread in self.servers:
            server.shutdown()
            server.server_close()

    @property
    def salesforce(self) -> SalesforceEmulator:
        app = self.emulators["salesforce"]
        assert isinstance(app, SalesforceEmulator)
        return app

    @property
    def mailbox(self) -> Emulator:
        return self.emulators[self.mail]

    # --- the company -----------------------------------------------------------------------
    def connect(self, users: int) -> None:
        from connections.models import MailConnection, SalesforceConnection, Status
        from syncengine.models import LinkStatus, SyncConfiguration, SyncUser

        private_key, certificate = make_certificate("lsync-soak")
        consumer_key = "3MVG9soak" + secrets.token_hex(12)
        self.salesforce.register_connected_app(consumer_key, certificate)
        SalesforceConnection.objects.update_or_create(
            pk=1,
            defaults={
                "login_url": self.env["LSYNC_SALESFORCE_LOGIN_URL"],
                "consumer_key": consumer_key,
                "private_key": private_key,
                "api_version": "62.0",
                "status": Status.SAVED,
            },
        )
        if self.mail == "microsoft":
            ms = self.mailbox
            assert isinstance(ms, MicrosoftEmulator)
            ms.register_app(MS_CLIENT_ID, client_secret=MS_SECRET)
            ms.add_tenant(TENANT, [DOMAIN])
            ms.grant_consent(TENANT, MS_CLIENT_ID)
            MailConnection.objects.create(
                method="microsoft365", tenant_id=TENANT, enabled=True, chosen=True,
                status=Status.SAVED,
            )  # fmt: skip
        elif self.mail == "exchange":
            ews = self.mailbox
            assert isinstance(ews, ExchangeEmulator)
            ews.add_account(EWS_ACCOUNT, EWS_PASSWORD, netbios_domain="NORDVIK")
            MailConnection.objects.create(
                method="exchange", username=EWS_ACCOUNT, password=EWS_PASSWORD,
                ews_url=self.env["LSYNC_EWS_URL"], enabled=True, chosen=True, status=Status.SAVED,
            )  # fmt: skip
        else:
            from connections.providers.google.client import SCOPES

            google = self.mailbox
            assert isinstance(google, GoogleEmulator)
            token_uri = self.env["LSYNC_GOOGLE_TOKEN_URI"]
            info, public = generate_service_account_key(token_uri)
            client_id = google.register_service_account(
                info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
            )
            google.grant_delegation(client_id, SCOPES)
            MailConnection.objects.create(
                method="google", enabled=True, chosen=True, status=Status.SAVED,
                service_account_key=json.dumps(info), client_email=info["client_email"],
            )  # fmt: skip
        # Guards off: the soak deletes freely, and a tripped guard is not what it measures.
        config = SyncConfiguration.objects.create(
            name="Soak", events_send_invitations=False, events_days_past=30,
            events_days_future=365, mass_delete_percent=100, mass_delete_count=100000,
        )  # fmt: skip
        for n in range(users):
            first, last = NAMES[n % len(NAMES)]
            email = f"{first.lower()[:3]}{n}@{DOMAIN}".encode("ascii", "ignore").decode()
            user_id = self.salesforce.add_user(email, email, first, last, time_zone="Europe/Paris")
            if self.mail == "microsoft":
                ms = self.mailbox
                assert isinstance(ms, MicrosoftEmulator)
                ms.add_mailbox(TENANT, email, f"{first} {last}")
            elif isinstance(self.mailbox, ExchangeEmulator):
                self.mailbox.add_mailbox(email, f"{first} {last}")
            else:
                google = self.mailbox
                assert isinstance(google, GoogleEmulator)
                google.add_user(email, first, last, "Europe/Paris")
            user = SyncUser.objects.create(
                configuration=config, salesforce_user_id=user_id, username=email, email=email,
                mailbox_address=email, link_status=LinkStatus.LINKED,
            )  # fmt: skip
            self.users.append(int(user.pk))

    # --- workers ---------------------------------------------------------------------------
    def worker(self) -> subprocess.Popen[bytes]:
        """A worker process against this world (bench/soak/worker.py): `sync_now` on demand."""
        return subprocess.Popen(
            [sys.executable, "-m", "bench.soak.worker"],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
