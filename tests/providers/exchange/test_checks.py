"""Test Connection for Exchange: every step, and each failure stopping at its step with its
sentence (the Outlook page's bad input: tests/connections/test_outlook_exchange.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import certifi
import pytest

from connections.providers.exchange import client as exchange_client
from connections.providers.exchange.checks import run_checks
from connections.providers.exchange.client import EwsConfig
from connections.providers.exchange.errors import UNTRUSTED, WRONG_PASSWORD
from connections.providers.exchange.stores import ExchangeContactStore
from sandbox.exchange.app import ExchangeEmulator
from sandbox.server import serve
from sandbox.tls import ensure_certificates
from syncengine.provider import CheckStep
from syncengine.records import Contact
from syncengine.stores.base import Create
from tests.providers.exchange.conftest import PASSWORD, SERVICE, USER, Exchange

STEPS = ["Endpoint", "TLS", "Sign-in", "Impersonation", "Contacts folder", "Calendar",
         "Write access"]  # fmt: skip


def names(steps: list[CheckStep]) -> list[str]:
    return [s.name for s in steps]


def failed(steps: list[CheckStep]) -> CheckStep:
    (bad,) = [s for s in steps if not s.ok]
    assert steps[-1] is bad, "the test stops at the first failure"
    return bad


def test_every_step_passes_and_the_test_contact_is_gone(exchange: Exchange) -> None:
    steps = run_checks(USER, config=exchange.settings)
    assert names(steps) == STEPS and all(s.ok for s in steps), steps
    assert exchange.emulator.state()["mailboxes"]  # the emulator still answers
    store = ExchangeContactStore(exchange.client(), USER)
    assert store.changes(None).changed == []  # the test contact was deleted again


def test_without_a_user_the_mailbox_steps_are_skipped_with_a_hint(exchange: Exchange) -> None:
    steps = run_checks(None, config=exchange.settings)
    assert names(steps) == ["Endpoint", "TLS", "Sign-in", "Mailbox"]
    assert all(s.ok for s in steps) and "e-mail" in steps[-1].message


def test_an_exchange_online_url_fails_at_the_endpoint_pointing_to_oauth() -> None:
    config = EwsConfig(SERVICE, PASSWORD, "https://outlook.office365.com/EWS/Exchange.asmx")
    bad = failed(run_checks(USER, config=config))
    assert bad.name == "Endpoint" and "OAuth 2.0" in bad.message


def test_autodiscover_finding_nothing_fails_at_the_endpoint(exchange: Exchange) -> None:
    bad = failed(run_checks(USER, config=EwsConfig(SERVICE, PASSWORD)))
    assert bad.name == "Endpoint" and bad.message.startswith("EWS URL: Autodiscover found no")


def test_an_unreachable_host_fails_at_tls_naming_the_ews_url(exchange: Exchange) -> None:
    config = EwsConfig(SERVICE, PASSWORD, "https://nowhere.sandbox.test/EWS/Exchange.asmx")
    bad = failed(run_checks(USER, config=config))
    assert bad.name == "TLS" and bad.message.startswith("EWS URL:")


def test_a_wrong_password_fails_at_sign_in(exchange: Exchange) -> None:
    config = EwsConfig(SERVICE, "wrong", exchange.settings.ews_url)
    bad = failed(run_checks(USER, config=config))
    assert (bad.name, bad.message) == ("Sign-in", WRONG_PASSWORD)


def test_missing_impersonation_fails_with_the_role_assignment_command(exchange: Exchange) -> None:
    exchange.emulator.set_impersonation(SERVICE, False)
    bad = failed(run_checks(USER, config=exchange.settings))
    assert bad.name == "Impersonation"
    assert "New-ManagementRoleAssignment -Name lsync -Role ApplicationImpersonation" in bad.message


def test_a_user_without_a_mailbox_fails_at_impersonation(exchange: Exchange) -> None:
    bad = failed(run_checks("ghost@nordvik.example", config=exchange.settings))
    assert bad.name == "Impersonation" and "no mailbox for ghost@nordvik.example" in bad.message


@pytest.mark.parametrize(
    ("route", "step"),
    [("ews.FindFolder", "Contacts folder"), ("ews.FindItem", "Calendar"),
     ("ews.CreateItem", "Write access")],
)  # fmt: skip
def test_a_failing_mailbox_operation_stops_at_its_step(
    exchange: Exchange, route: str, step: str
) -> None:
    exchange.emulator.inject("server_busy", route=route, delay=5)
    bad = failed(run_checks(USER, config=exchange.settings))
    assert bad.name == step and "busy" in bad.message


# --------------------------------------------------------------------------- over HTTPS


@pytest.fixture
def https_exchange(tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    ca, cert, key = ensure_certificates(tmp_path / "server")
    emulator = ExchangeEmulator(seed=4)
    emulator.add_account(SERVICE, PASSWORD, netbios_domain="NORDVIK")
    emulator.add_mailbox(USER, "Ana Núñez")
    server, _thread = serve(emulator, "127.0.0.1", 0, cert, key)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    exchange_client.forget_endpoints()
    url = f"https://localhost:{server.server_address[1]}/EWS/Exchange.asmx"
    yield url, ca
    server.shutdown()
    exchange_client.forget_endpoints()


@pytest.mark.parametrize("ntlm", [False, True])
def test_over_https_the_private_ca_in_lsync_ca_bundle_is_trusted(
    https_exchange: Any, settings: Any, ntlm: bool
) -> None:
    url, ca = https_exchange
    settings.LSYNC_CA_BUNDLE = str(ca)
    config = EwsConfig(SERVICE, PASSWORD, url, basic=not ntlm, ntlm=ntlm)
    steps = run_checks(USER, config=config)
    assert all(s.ok for s in steps), steps
    store = ExchangeContactStore(exchange_client.ExchangeClient(config), USER)
    (made,) = store.apply([Create("a", Contact.normalized(last_name="Berg"), marker="003X")])
    assert made.ok
    (item,) = store.changes(None).changed
    assert (item.marker, item.record.last_name) == ("003X", "Berg")  # type: ignore[union-attr]


def test_over_https_an_untrusted_certificate_fails_at_tls(
    https_exchange: Any, settings: Any, tmp_path: Path
) -> None:
    url, _ = https_exchange
    other_ca, _, _ = ensure_certificates(tmp_path / "other")
    settings.LSYNC_CA_BUNDLE = str(other_ca)
    bad = failed(run_checks(USER, config=EwsConfig(SERVICE, PASSWORD, url)))
    assert (bad.name, bad.message) == ("TLS", UNTRUSTED)


@pytest.mark.django_db
def test_the_test_connection_command_shows_the_exchange_steps_one_by_one(
    exchange: Exchange,
) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from connections.models import MailConnection, Status

    MailConnection.objects.create(
        method="exchange", username=SERVICE, password=PASSWORD, ews_url=exchange.settings.ews_url,
        enabled=True, chosen=True, status=Status.SAVED,
    )  # fmt: skip
    out = StringIO()
    with pytest.raises(CommandError):  # Salesforce is not set up in this test
        call_command("test_connection", email=USER, stdout=out)
    text = out.getvalue()
    section = text.split("Exchange (service account)", 1)[1]
    assert [
        line.split("]")[1].split(":")[0].strip() for line in section.strip().splitlines()
    ] == STEPS
    assert "[FAIL]" not in section
