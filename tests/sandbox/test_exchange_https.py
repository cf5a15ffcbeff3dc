"""The EWS emulator served over HTTPS with the sandbox CA, driven by exchangelib with Basic and
NTLM, and its control surface over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from exchangelib import Contact, Folder, close_connections
from exchangelib.errors import ErrorServerBusy, TransportError, UnauthorizedError

from sandbox.exchange.app import ExchangeEmulator
from sandbox.exchange.transport import trusting
from sandbox.server import serve
from sandbox.tls import ensure_certificates
from tests.sandbox.conftest import SERVICE_DOWN_LEVEL, SERVICE_UPN, make_account


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ExchangeEmulator, str, str]]:
    ca, cert, key = ensure_certificates(tmp_path)
    app = ExchangeEmulator(seed=2)
    app.seed({"company": {"users": 2, "seed": 2, "contacts": 2}})
    server, _thread = serve(app, "127.0.0.1", 0, cert, key)
    close_connections()
    try:
        yield app, f"https://127.0.0.1:{server.server_address[1]}", str(ca)
    finally:
        close_connections()
        server.shutdown()


@pytest.mark.parametrize(
    ("auth", "username"), [("basic", SERVICE_UPN), ("ntlm", SERVICE_DOWN_LEVEL)]
)
def test_exchangelib_syncs_contacts_over_https_with_the_sandbox_ca(
    served: tuple[ExchangeEmulator, str, str], auth: str, username: str
) -> None:
    app, base, ca = served
    user = app.state()["mailboxes"][0]["smtp"]
    with trusting(ca):
        account = make_account(base + "/EWS/Exchange.asmx", user, auth=auth, username=username)
        folder = Folder(parent=account.contacts, name="Salesforce_Sync", folder_class="IPF.Contact")
        folder.save()
        account.bulk_create(
            folder,
            [Contact(account=account, folder=folder, display_name="Ana Núñez", surname="Núñez")],
        )
        changes = list(folder.sync_items())
    assert [(kind, item.surname) for kind, item in changes] == [("create", "Núñez")]
    assert (app.auth.handshakes > 0) is (auth == "ntlm")


def test_a_server_whose_certificate_is_not_trusted_is_refused(
    served: tuple[ExchangeEmulator, str, str],
) -> None:
    app, base, _ca = served
    user = app.state()["mailboxes"][0]["smtp"]
    account = make_account(base + "/EWS/Exchange.asmx", user)
    with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        account.contacts.refresh()


def test_a_connection_reset_over_https_reaches_exchangelib_as_a_transport_error(
    served: tuple[ExchangeEmulator, str, str],
) -> None:
    app, base, ca = served
    user = app.state()["mailboxes"][0]["smtp"]
    with trusting(ca):
        account = make_account(base + "/EWS/Exchange.asmx", user)
        account.contacts.refresh()
        app.inject("reset", route="ews.FindItem")
        with pytest.raises(TransportError):
            account.contacts.all().count()
        assert account.contacts.all().count() == 2


def test_the_control_surface_seeds_inspects_faults_and_moves_the_clock(
    served: tuple[ExchangeEmulator, str, str],
) -> None:
    app, base, ca = served
    http = requests.Session()
    http.trust_env = False
    http.verify = ca
    seeded = http.post(
        base + "/_control/seed",
        json={"company": {"users": 1, "seed": 5}, "server_version": "Exchange2013"},
    ).json()
    assert seeded["server_version"] == "Exchange2013"
    assert seeded["service_account"]["down_level"] == "EXAMPLE\\svc-lsync"
    state = http.get(base + "/_control/state").json()
    assert state["server_version"] == "Exchange2013" and len(state["mailboxes"]) == 1
    assert state["role_assignments"][0]["role"] == "ApplicationImpersonation"
    assert state["role_assignments"][0]["recipients"] is None
    answer = http.post(
        base + "/_control/faults",
        json={"faults": [{"kind": "server_busy", "route": "ews.GetFolder"}]},
    )
    assert answer.json() == {"faults": 1}
    assert http.delete(base + "/_control/faults").status_code == 204
    moved = http.post(base + "/_control/clock", json={"advance": 3600}).json()
    assert moved["now"] > state["now"]
    assert http.get(base + "/_control/records").json() == {"invitations": [], "deletes": []}
    assert http.get(base + "/EWS/Exchange.asmx").status_code == 401


@pytest.mark.parametrize("auth", ["basic", "ntlm"])
def test_a_wrong_password_over_https_is_a_sign_in_failure(
    served: tuple[ExchangeEmulator, str, str], auth: str
) -> None:
    app, base, ca = served
    user = app.state()["mailboxes"][0]["smtp"]
    with trusting(ca):
        account = make_account(base + "/EWS/Exchange.asmx", user, auth=auth, password="wrong")
        with pytest.raises(UnauthorizedError):
            account.contacts.refresh()


def test_server_busy_over_https_carries_its_back_off(
    served: tuple[ExchangeEmulator, str, str],
) -> None:
    app, base, ca = served
    user = app.state()["mailboxes"][0]["smtp"]
    with trusting(ca):
        account = make_account(
            base + "/EWS/Exchange.asmx", user, auth="ntlm", username=SERVICE_DOWN_LEVEL
        )
        app.inject("server_busy", route="ews.GetFolder", delay=1.5)
        with pytest.raises(ErrorServerBusy) as caught:
            account.contacts.refresh()
    assert caught.value.back_off == pytest.approx(1.5)
