"""Seeding the Google emulator: the demo company, the demo service account, product settings."""

from __future__ import annotations

from typing import Any

import requests
from google.auth.transport.requests import Request as AuthRequest
from google.oauth2 import service_account

from sandbox.google.app import GoogleEmulator
from sandbox.google.keys import generate_service_account_key
from sandbox.inprocess import WSGIAdapter
from tests.conftest import SandboxHandle
from tests.sandbox.test_google_schema import BASE, SCOPES, Rig, validate


def test_the_registry_mounts_google_and_points_the_product_at_it(sandbox: SandboxHandle) -> None:
    assert "google" in sandbox.apps
    env = sandbox.env()
    assert env["LSYNC_GOOGLE_TOKEN_URI"] == BASE + "/token"
    assert env["LSYNC_GOOGLE_PEOPLE_URL"] == BASE
    assert env["LSYNC_GOOGLE_CALENDAR_URL"] == BASE + "/calendar/v3"
    assert env["LSYNC_GOOGLE_BATCH_URL"] == BASE + "/batch/calendar/v3"


def test_the_seed_payload_registers_the_demo_service_account() -> None:
    emu = GoogleEmulator()
    info, public = generate_service_account_key(BASE + "/token")
    summary = emu.seed({
        "company": {"users": 2, "seed": 4},
        "service_account": {"client_email": info["client_email"], "private_key_id": info["private_key_id"],
                            "client_id": info["client_id"], "public_key_pem": public},
        "delegation": SCOPES,
    })  # fmt: skip
    assert summary["client_id"] == info["client_id"]
    session = requests.Session()
    session.trust_env = False
    session.mount(BASE, WSGIAdapter(emu))
    credentials = service_account.Credentials.from_service_account_info(
        info, scopes=SCOPES, subject=summary["users"][1]
    )
    credentials.refresh(AuthRequest(session))
    assert credentials.valid
    assert emu.state()["delegations"] == {info["client_id"]: sorted(SCOPES)}


def test_seeded_contacts_are_realistic_and_valid_people() -> None:
    rig = Rig()
    contacts = rig.emu.contacts(rig.user)
    for person in contacts:
        validate("people.people.get", person)
    names = " ".join(p["names"][0]["displayName"] for p in contacts)
    assert any(ord(ch) > 127 for ch in names)
    assert any(len(p["emailAddresses"]) > 1 for p in contacts) or len(contacts) >= 8
    assert all(p["addresses"][0]["city"] for p in contacts)
    assert any(len(p["memberships"]) == 2 for p in contacts)


def _kinds(events: list[dict[str, Any]]) -> set[str]:
    found = set()
    for event in events:
        start, end = event["start"], event["end"]
        if "date" in start:
            days = int(end["date"].replace("-", "")) - int(start["date"].replace("-", ""))
            found.add("multi-day" if days > 1 else "all-day")
        if event.get("recurrence") and any(r.startswith("EXDATE") for r in event["recurrence"]):
            found.add("series-with-exdate")
        if event.get("recurringEventId"):
            found.add("exception")
        if event.get("visibility") == "private":
            found.add("private")
        if event.get("attendees") and start.get("timeZone") == "Asia/Tokyo":
            found.add("other-zone-with-attendees")
    return found


def test_seeded_calendars_cover_the_hard_cases() -> None:
    rig = Rig()
    events = rig.emu.events(rig.user)
    for event in events:
        validate("calendar.events.get", event)
    assert _kinds(events) >= {"all-day", "multi-day", "series-with-exdate", "exception", "private",
                              "other-zone-with-attendees"}  # fmt: skip


def _without_times(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    volatile = ("etag", "created", "updated", "metadata")
    return [{k: v for k, v in i.items() if k not in volatile} for i in items]


def test_the_same_seed_gives_the_same_company() -> None:
    first, second = Rig(), Rig()
    assert _without_times(first.emu.events(first.user)) == _without_times(
        second.emu.events(second.user)
    )
    assert _without_times(first.emu.contacts(first.user)) == _without_times(
        second.emu.contacts(second.user)
    )
    assert first.emu.state()["users"] == second.emu.state()["users"]


def test_the_control_surface_seeds_and_reports_state() -> None:
    rig = Rig(users=1)
    info, public = generate_service_account_key(
        BASE + "/token", client_email="demo@p.iam.gserviceaccount.com"
    )
    answer = rig.session.post(f"{BASE}/_control/seed", json={
        "service_account": {"client_email": info["client_email"], "private_key_id": info["private_key_id"],
                            "certificate": _certificate(info["private_key"])},
        "delegation": SCOPES,
    })  # fmt: skip
    client_id = answer.json()["client_id"]
    state = rig.session.get(f"{BASE}/_control/state").json()
    assert info["client_email"] in state["service_accounts"]
    assert state["delegations"][client_id] == sorted(SCOPES)
    credentials = service_account.Credentials.from_service_account_info(
        info, scopes=SCOPES, subject=rig.user
    )
    credentials.refresh(AuthRequest(rig.session))
    assert credentials.valid


def _certificate(private_pem: str) -> str:
    """The self-signed certificate Google publishes for a service-account key."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "demo.iam.gserviceaccount.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)  # type: ignore[arg-type]
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.PEM).decode()
