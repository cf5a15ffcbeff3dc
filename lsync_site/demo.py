"""Demo only: connect lsync to the running sandbox the way an admin would connect it to the
real services, then enroll the demo company.

The sandbox is reached only over HTTP (its ``/_control/`` surface), never imported: product
code stays free of the emulators. The credentials made here exist only in the sandbox.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connections import http
from connections.keys import public_key_fingerprint
from connections.models import MailConnection, SalesforceConnection, Status, SyncKinds
from syncengine import registry
from syncengine.enrollment import resolve_enrollment
from syncengine.models import ConfigurationAssignment, SyncConfiguration, SyncUser, TargetType
from syncengine.tasks import ensure_schedules

CONSUMER_KEY = "lsync-demo-connected-app"
GOOGLE_SCOPES = [
    "https://www.googleapis.com/auth/contacts",
    "https://www.googleapis.com/auth/calendar",
]
DEMO_PROFILES = ("Standard User", "Sales Manager")


class DemoError(Exception):
    pass


@dataclass
class DemoReport:
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)


def _key_and_certificate(common_name: str) -> tuple[rsa.RSAPrivateKey, str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key, key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def _control(base: str, path: str, payload: dict[str, Any] | None = None) -> Any:
    session = http.build_session()
    url = f"{base.rstrip('/')}/_control/{path}"
    response = session.post(url, json=payload) if payload is not None else session.get(url)
    if response.status_code >= 400:
        raise DemoError(f"The sandbox refused {url}: {response.status_code} {response.text[:200]}")
    return response.json() if response.content else None


def connect_salesforce(report: DemoReport) -> None:
    base = settings.LSYNC_SALESFORCE_LOGIN_URL
    key, key_pem, cert_pem = _key_and_certificate("lsync demo")
    _control(base, "seed", {"connected_app": {"consumer_key": CONSUMER_KEY, "certificate_pem": cert_pem}})  # fmt: skip
    connection = SalesforceConnection.load()
    connection.login_url = base
    connection.consumer_key = CONSUMER_KEY
    connection.private_key = key_pem
    connection.private_key_fingerprint = public_key_fingerprint(key)
    connection.status = Status.SAVED
    connection.save()
    report.add(f"Salesforce: connected app registered at {base}")


def connect_microsoft(report: DemoReport) -> None:
    base = settings.LSYNC_MICROSOFT_LOGIN_URL
    client_id = settings.LSYNC_MICROSOFT_CLIENT_ID
    secret = settings.LSYNC_MICROSOFT_CLIENT_SECRET
    if not (client_id and secret):
        raise DemoError("LSYNC_MICROSOFT_CLIENT_ID/SECRET are not set (scripts/demo.sh sets them).")
    redirect = "http://127.0.0.1:8000/setup/outlook/consent/"
    app = {"client_id": client_id, "client_secret": secret, "redirect_uris": [redirect]}
    _control(base, "seed", {"app": app, "consent": True})
    tenants = _control(base, "state")["tenants"]
    if not tenants:
        raise DemoError("The Microsoft sandbox has no tenant: start it with --users N.")
    connection = MailConnection.load(MailConnection.Method.MICROSOFT365)
    MailConnection.objects.exclude(pk=connection.pk).update(chosen=False, enabled=False)
    connection.enabled = True
    connection.chosen = True
    connection.sync_kinds = SyncKinds.BOTH
    connection.tenant_id = tenants[0]["id"]
    connection.consented_at = timezone.now()
    connection.status = Status.SAVED
    connection.save()
    report.add(f"Microsoft 365: app consented in tenant …{tenants[0]['id'][-4:]}")


def connect_google(report: DemoReport) -> None:
    token_uri = settings.LSYNC_GOOGLE_TOKEN_URI
    base = token_uri.rsplit("/token", 1)[0]
    key, key_pem, _cert = _key_and_certificate("lsync demo service account")
    client_email = "lsync-demo@lsync-demo.iam.gserviceaccount.com"
    key_id = public_key_fingerprint(key).replace(":", "")[:40].lower()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    account = {
        "client_email": client_email,
        "private_key_id": key_id,
        "client_id": "100000000000000000001",
        "public_key_pem": public_pem,
    }
    _control(base, "seed", {"service_account": account, "delegation": GOOGLE_SCOPES})
    info = {
        "type": "service_account",
        "project_id": "lsync-demo",
        "private_key_id": key_id,
        "private_key": key_pem,
        "client_email": client_email,
        "client_id": account["client_id"],
        "token_uri": token_uri,
    }
    connection = MailConnection.load(MailConnection.Method.GOOGLE)
    MailConnection.objects.exclude(pk=connection.pk).update(chosen=False, enabled=False)
    connection.enabled = True
    connection.sync_kinds = SyncKinds.BOTH
    connection.service_account_key = json.dumps(info)
    connection.client_email = client_email
    connection.private_key_id = key_id
    connection.status = Status.SAVED
    connection.save()
    report.add("Google Workspace: service account registered with domain-wide delegation")


def connect_exchange(report: DemoReport) -> None:
    """The Service Account method on the sandbox's Exchange Server: a fresh password for its
    service account (which holds ApplicationImpersonation), Basic, the EWS URL given."""
    ews_url = settings.LSYNC_EWS_URL
    if not ews_url:
        raise DemoError("LSYNC_EWS_URL is not set (scripts/demo.sh sets it from the sandbox).")
    base = ews_url.rsplit("/EWS/", 1)[0]
    password = secrets.token_urlsafe(18)
    summary = _control(base, "seed", {"service_account": {"password": password}})
    account = summary["service_account"]
    connection = MailConnection.load(MailConnection.Method.EXCHANGE)
    MailConnection.objects.exclude(pk=connection.pk).update(chosen=False, enabled=False)
    connection.enabled = True
    connection.chosen = True
    connection.sync_kinds = SyncKinds.BOTH
    connection.username = account["upn"]
    connection.password = password
    connection.ews_url = ews_url
    connection.auth_basic, connection.auth_ntlm = True, False
    connection.status = Status.SAVED
    connection.save()
    report.add(
        f"Exchange: service account {account['upn']} with ApplicationImpersonation at {ews_url}"
    )


def connect_caldav(report: DemoReport) -> None:
    """A CalDAV/CardDAV server (Radicale in the sandbox): a fresh password for its service
    account, which may act for every user, and the demo company's domain."""
    base = settings.LSYNC_DEMO_CALDAV_URL
    if not base:
        raise DemoError("LSYNC_DEMO_CALDAV_URL is not set (scripts/demo.sh sets it).")
    password = secrets.token_urlsafe(18)
    summary = _control(base, "seed", {"service_account": {"password": password}})
    user = summary["service_account"]["user"]
    connection = MailConnection.load(MailConnection.Method.CALDAV)
    MailConnection.objects.exclude(pk=connection.pk).update(chosen=False, enabled=False)
    connection.enabled = True
    connection.sync_kinds = SyncKinds.BOTH
    connection.dav_url_template = base + "/{email}/"
    connection.username = user
    connection.password = password
    connection.additional_domains = ["example.com"]
    connection.status = Status.SAVED
    connection.save()
    report.add(f"CalDAV/CardDAV: service account {user} acting for every user at {base}")


def enroll_demo_company(report: DemoReport) -> None:
    configuration, _ = SyncConfiguration.objects.get_or_create(
        name="Demo: contacts and events both ways", defaults={"active": True}
    )
    _users, profiles = registry.salesforce().user_directory().search("a", limit=50)
    wanted = [p for p in profiles if p.name in DEMO_PROFILES]
    if not wanted:
        raise DemoError(f"None of the profiles {DEMO_PROFILES} exist in the Salesforce sandbox.")
    with transaction.atomic():
        for profile in wanted:
            ConfigurationAssignment.objects.update_or_create(
                target_type=TargetType.PROFILE,
                salesforce_id=profile.id,
                defaults={"configuration": configuration, "label": profile.name},
            )
    result = resolve_enrollment()
    if result.problem:
        raise DemoError(f"Enrollment failed: {result.problem}")
    SyncUser.objects.update(next_due_at=timezone.now())
    linked = SyncUser.objects.filter(link_status="linked").count()
    report.add(f"Enrollment: {result.summary()} ({linked} linked)")


def clear_earlier_demo(report: DemoReport) -> None:
    """The sandbox starts from its seed every time, so sync state kept from an earlier demo
    points at items that no longer exist: every linked user would trip the mass-delete guard,
    and passing it would delete Salesforce data. The demo starts clean instead; the guards stay
    as they are for everyone else."""
    from django_q.models import OrmQ

    users = SyncUser.objects.count()
    if not (users or ConfigurationAssignment.objects.exists()):
        return
    with transaction.atomic():
        # Mappings, cursors, runs, issues and unresolved items go with their user.
        SyncUser.objects.all().delete()
        ConfigurationAssignment.objects.all().delete()
        SyncConfiguration.objects.all().delete()
        OrmQ.objects.all().delete()  # queued syncs of users that no longer exist
    report.add(f"Earlier demo state cleared ({users} sync users): the sandbox started afresh")


def wire(mail: str) -> DemoReport:
    report = DemoReport()
    clear_earlier_demo(report)
    connect_salesforce(report)
    if mail == "google":
        connect_google(report)
    elif mail == "exchange":
        connect_exchange(report)
    elif mail == "caldav":
        connect_caldav(report)
    else:
        connect_microsoft(report)
    enroll_demo_company(report)
    ensure_schedules()
    report.add("Schedules: dispatcher every minute")
    return report
