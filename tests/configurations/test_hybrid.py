"""Hybrid companies: several mail connections at once, each user routed by the domain of its
address to one of them, against the in-process Salesforce, Microsoft 365, Google and Exchange
emulators (Exchange on premises and Microsoft 365 side by side: the Outlook page's hybrid mode)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client

from connections.models import MailConnection, Status
from connections.providers.exchange import client as exchange_client
from mappings.models import ItemMapping
from sandbox.exchange.app import ExchangeEmulator
from sandbox.google.app import GoogleEmulator
from sandbox.microsoft.app import MicrosoftEmulator
from syncengine import registry
from syncengine.enrollment import resolve_enrollment
from syncengine.models import LinkStatus, SyncConfiguration, SyncUser
from syncengine.records import Contact, Event
from syncengine.stores.base import Create, Store
from syncengine.tasks import dispatch_due
from tests.configurations.conftest import TENANT, Org, assign_user, configuration
from tests.conftest import SandboxHandle
from tests.providers.exchange.conftest import PASSWORD, SERVICE

pytestmark = pytest.mark.django_db

MICROSOFT_DOMAIN = "example.com"  # the tenant's domain in the microsoft365 fixture
GOOGLE_DOMAIN = "fjord.example"
EXCHANGE_DOMAIN = SERVICE.rpartition("@")[2]  # the service account's own domain


def google_claims(*domains: str) -> None:
    MailConnection.objects.filter(method="google").update(additional_domains=list(domains))


def contacts_only() -> SyncConfiguration:
    return configuration("Hybrid", events_direction="off")


def enroll(config: SyncConfiguration, *user_ids: str) -> dict[str, SyncUser]:
    for user_id in user_ids:
        assign_user(config, user_id)
    result = resolve_enrollment()
    assert result.problem == ""
    return {u.salesforce_user_id: u for u in SyncUser.objects.select_related("mail_connection")}


def person(first: str) -> Contact:
    return Contact.normalized(
        first_name=first, last_name="Lie", emails=[f"{first.lower()}@client.example"]
    )


def create(store: Store, record: Contact | Event, marker: str | None = None) -> None:
    (result,) = store.apply([Create(f"t:{record.label()}", record, marker)])
    assert result.ok, result.error


def names(store: Store) -> list[str]:
    return sorted(str(item.record.first_name) for item in store.changes(None).changed)


def method_of(user: SyncUser) -> str:
    user.refresh_from_db()
    assert user.mail_connection is not None
    return str(user.mail_connection.method)


def test_one_dispatcher_run_syncs_each_user_against_the_back_end_of_its_domain(
    org: Org,
    microsoft365: MicrosoftEmulator,
    google: GoogleEmulator,
    settings: Any,
    admin_client: Client,
) -> None:
    settings.LSYNC_STORE_BACKEND = "providers"
    google_claims(GOOGLE_DOMAIN)
    microsoft365.add_mailbox(TENANT, f"ana@{MICROSOFT_DOMAIN}", "Ana User")
    google.add_user(f"bo@{GOOGLE_DOMAIN}", "Bo", "Lie")
    ana_id, bo_id = org.user(f"ana@{MICROSOFT_DOMAIN}"), org.user(f"bo@{GOOGLE_DOMAIN}")
    rows = enroll(contacts_only(), ana_id, bo_id)
    ana, bo = rows[ana_id], rows[bo_id]
    assert (ana.link_status, bo.link_status) == (LinkStatus.LINKED, LinkStatus.LINKED)
    assert (method_of(ana), method_of(bo)) == ("microsoft365", "google")
    salesforce = registry.salesforce()
    create(salesforce.build_store(ana, "contacts"), person("Anne"))
    create(salesforce.build_store(bo, "contacts"), person("Bjorn"))

    assert dispatch_due() == 2  # Q_CLUSTER sync=True runs both users' tasks inline

    microsoft, google_provider = registry.provider("microsoft365"), registry.provider("google")
    assert names(microsoft.build_store(ana, "contacts")) == ["Anne"]
    assert names(google_provider.build_store(bo, "contacts")) == ["Bjorn"]
    for user in (ana, bo):
        user.refresh_from_db()
        assert user.contacts_status == "in_sync", user.contacts_message
    assert ItemMapping.objects.filter(sync_user=ana).count() == 1
    assert ItemMapping.objects.filter(sync_user=bo).count() == 1
    page = admin_client.get(f"/status/users/{bo.pk}/").content.decode()
    assert f"Google Workspace ({GOOGLE_DOMAIN})" in page


def test_a_user_whose_domain_moves_is_relinked_and_reconciled_without_duplicates(
    org: Org, microsoft365: MicrosoftEmulator, google: GoogleEmulator, settings: Any
) -> None:
    settings.LSYNC_STORE_BACKEND = "providers"
    address = f"carol@{GOOGLE_DOMAIN}"
    google_claims(GOOGLE_DOMAIN)
    google.add_user(address, "Carol", "Lie")
    carol_id = org.user(address)
    config = contacts_only()
    carol = enroll(config, carol_id)[carol_id]
    assert method_of(carol) == "google"
    salesforce = registry.salesforce().build_store(carol, "contacts")
    for first in ("Anne", "Bjorn", "Cecilie"):
        create(salesforce, person(first))
    assert dispatch_due() == 1
    in_google = registry.provider("google").build_store(carol, "contacts").changes(None).changed
    assert sorted(str(i.record.first_name) for i in in_google) == ["Anne", "Bjorn", "Cecilie"]

    # The mailbox moves to Microsoft 365, items and their Salesforce-id markers with it, and
    # the domain moves from the Google connection to the tenant.
    microsoft365.add_mailbox(TENANT, address, "Carol Lie")
    migrated = registry.provider("microsoft365").build_store(carol, "contacts")
    for item in in_google:
        assert item.marker
        create(migrated, item.record, item.marker)
    google_claims()
    MailConnection.objects.filter(method="microsoft365").update(
        additional_domains=[MICROSOFT_DOMAIN, GOOGLE_DOMAIN]
    )

    result = resolve_enrollment()
    assert result.moved == 1
    assert method_of(carol) == "microsoft365"
    carol.refresh_from_db()
    assert carol.link_status == LinkStatus.LINKED
    assert not ItemMapping.objects.filter(sync_user=carol).exists()  # links of the old mailbox

    assert dispatch_due() == 1
    carol.refresh_from_db()
    assert carol.contacts_status == "in_sync", carol.contacts_message
    assert names(migrated) == ["Anne", "Bjorn", "Cecilie"]  # found again, none created
    assert names(registry.salesforce().build_store(carol, "contacts")) == [
        "Anne",
        "Bjorn",
        "Cecilie",
    ]
    assert ItemMapping.objects.filter(sync_user=carol).count() == 3


def test_two_connections_claiming_one_domain_are_refused_with_the_domain_and_the_other_named(
    admin_client: Client, microsoft365: MicrosoftEmulator, google: GoogleEmulator
) -> None:
    MailConnection.objects.filter(method="microsoft365").update(
        additional_domains=[MICROSOFT_DOMAIN]
    )
    response = admin_client.post(
        "/setup/google/",
        {"enabled": "on", "sync_kinds": "both", "domains": f"{GOOGLE_DOMAIN}, {MICROSOFT_DOMAIN}"},
    )
    body = response.content.decode()
    assert "Nothing was saved" in body
    assert (
        f"E-mail domains: {MICROSOFT_DOMAIN} already belongs to the Microsoft 365 connection"
    ) in body
    assert MailConnection.objects.get(method="google").additional_domains == []

    accepted = admin_client.post(
        "/setup/google/", {"enabled": "on", "sync_kinds": "both", "domains": GOOGLE_DOMAIN}
    )
    assert accepted.status_code == 302
    assert MailConnection.objects.get(method="google").additional_domains == [GOOGLE_DOMAIN]
    home = admin_client.get("/setup/").content.decode()
    assert GOOGLE_DOMAIN in home and MICROSOFT_DOMAIN in home


def test_the_outlook_page_refuses_a_domain_the_google_connection_claims(
    admin_client: Client, microsoft365: MicrosoftEmulator, google: GoogleEmulator
) -> None:
    google_claims(GOOGLE_DOMAIN)
    response = admin_client.post(
        "/setup/outlook/",
        {
            "enabled": "on",
            "sync_kinds": "both",
            "method": "microsoft365",
            "auth_basic": "on",
            "m365_domains": f"{MICROSOFT_DOMAIN}, {GOOGLE_DOMAIN}",
        },
    )
    body = response.content.decode()
    assert (
        f"Microsoft 365 domains: {GOOGLE_DOMAIN} already belongs to the Google Workspace connection"
    ) in body
    assert MailConnection.objects.get(method="microsoft365").additional_domains == []


def ews_url(sandbox: SandboxHandle) -> str:
    return sandbox.bases["exchange"] + "/EWS/Exchange.asmx"


@pytest.fixture
def exchange_server(sandbox_product: SandboxHandle) -> ExchangeEmulator:
    """The on-premises half of a company mid-migration: the EWS emulator with the service
    account (its connection is made by each test, on the page or directly)."""
    emulator: ExchangeEmulator = sandbox_product.apps["exchange"]
    emulator.add_account(SERVICE, PASSWORD, netbios_domain="NORDVIK")
    exchange_client.forget_endpoints()
    return emulator


def hybrid_form(sandbox: SandboxHandle, **changes: str) -> dict[str, str]:
    form = {
        "enabled": "on",
        "sync_kinds": "both",
        "method": "microsoft365",
        "hybrid": "on",
        "username": SERVICE,
        "password": PASSWORD,
        "ews_url": ews_url(sandbox),
        "auth_basic": "on",
        "m365_domains": MICROSOFT_DOMAIN,
    }
    return {key: value for key, value in (form | changes).items() if value}


def connection(method: str) -> MailConnection:
    return MailConnection.objects.get(method=method)


def setup_rows(client: Client) -> dict[str, tuple[str, str]]:
    """/setup/'s connections table: each connection's domains and whether it syncs."""
    body = html.unescape(client.get("/setup/").content.decode())
    row = (
        r'<th scope="row"><a [^>]*>([^<]+)</a></th>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>\s*<td>(\w+)'
    )
    return {name: (domains, sync) for name, domains, sync in re.findall(row, body)}


def shows_both_outlook_connections(client: Client) -> bool:
    rows = setup_rows(client)
    return rows["Exchange (service account)"] == (EXCHANGE_DOMAIN, "On") and rows[
        "Microsoft 365"
    ] == (MICROSOFT_DOMAIN, "On")


def test_the_outlook_page_saves_hybrid_and_both_connections_are_enabled(
    admin_client: Client,
    microsoft365: MicrosoftEmulator,
    exchange_server: ExchangeEmulator,
    sandbox_product: SandboxHandle,
) -> None:
    response = admin_client.post("/setup/outlook/", hybrid_form(sandbox_product))
    assert response.status_code == 302, response.content.decode()

    exchange, m365 = connection("exchange"), connection("microsoft365")
    assert (exchange.enabled, m365.enabled) == (True, True)
    assert (exchange.chosen, m365.chosen) == (False, True)
    assert MailConnection.outlook_hybrid()
    assert set(MailConnection.active().values_list("method", flat=True)) == {
        "exchange",
        "microsoft365",
    }
    assert registry.provider("exchange").claimed_domains() == {EXCHANGE_DOMAIN}
    page = html.unescape(admin_client.get("/setup/outlook/").content.decode())
    assert 'id="id_hybrid" checked' in page
    assert shows_both_outlook_connections(admin_client)


def test_a_domain_in_both_outlook_methods_lists_is_refused_in_hybrid_mode(
    admin_client: Client,
    microsoft365: MicrosoftEmulator,
    exchange_server: ExchangeEmulator,
    sandbox_product: SandboxHandle,
) -> None:
    form = hybrid_form(sandbox_product, m365_domains=f"{MICROSOFT_DOMAIN}, {EXCHANGE_DOMAIN}")
    body = html.unescape(admin_client.post("/setup/outlook/", form).content.decode())

    assert "Nothing was saved" in body
    assert (
        f"Microsoft 365 domains: {EXCHANGE_DOMAIN} is also in the Exchange service account's "
        "domains (User name and Additional domains)"
    ) in body
    assert not MailConnection.objects.filter(method="exchange").exists()
    assert connection("microsoft365").additional_domains == []

    extra = hybrid_form(sandbox_product, additional_domains=MICROSOFT_DOMAIN)
    body = html.unescape(admin_client.post("/setup/outlook/", extra).content.decode())
    assert f"Microsoft 365 domains: {MICROSOFT_DOMAIN} is also in" in body
    assert not MailConnection.objects.filter(method="exchange").exists()


@pytest.fixture
def hybrid_company(
    org: Org,
    microsoft365: MicrosoftEmulator,
    exchange_server: ExchangeEmulator,
    sandbox_product: SandboxHandle,
    settings: Any,
) -> tuple[SyncUser, SyncUser]:
    """Ana already on Microsoft 365, Dag still on Exchange; both enrolled, contacts only."""
    settings.LSYNC_STORE_BACKEND = "providers"
    MailConnection.objects.filter(method="microsoft365").update(
        additional_domains=[MICROSOFT_DOMAIN]
    )
    MailConnection.objects.create(
        method="exchange", enabled=True, chosen=False, username=SERVICE, password=PASSWORD,
        ews_url=ews_url(sandbox_product), status=Status.VERIFIED,
    )  # fmt: skip
    microsoft365.add_mailbox(TENANT, f"ana@{MICROSOFT_DOMAIN}", "Ana User")
    exchange_server.add_mailbox(f"dag@{EXCHANGE_DOMAIN}", "Dag Lie")
    ana_id, dag_id = org.user(f"ana@{MICROSOFT_DOMAIN}"), org.user(f"dag@{EXCHANGE_DOMAIN}")
    rows = enroll(contacts_only(), ana_id, dag_id)
    return rows[ana_id], rows[dag_id]


def test_a_hybrid_outlook_company_syncs_each_user_against_its_own_back_end_in_one_run(
    hybrid_company: tuple[SyncUser, SyncUser], admin_client: Client
) -> None:
    ana, dag = hybrid_company
    assert (ana.link_status, dag.link_status) == (LinkStatus.LINKED, LinkStatus.LINKED)
    assert (method_of(ana), method_of(dag)) == ("microsoft365", "exchange")
    salesforce = registry.salesforce()
    create(salesforce.build_store(ana, "contacts"), person("Anne"))
    create(salesforce.build_store(dag, "contacts"), person("Dagny"))

    assert dispatch_due() == 2

    assert names(registry.provider("microsoft365").build_store(ana, "contacts")) == ["Anne"]
    assert names(registry.provider("exchange").build_store(dag, "contacts")) == ["Dagny"]
    for user in (ana, dag):
        user.refresh_from_db()
        assert user.contacts_status == "in_sync", user.contacts_message
    page = admin_client.get(f"/status/users/{dag.pk}/").content.decode()
    assert f"Exchange (service account) ({EXCHANGE_DOMAIN})" in page
    assert shows_both_outlook_connections(admin_client)


def test_turning_hybrid_off_unlinks_only_the_other_methods_users_with_the_switching_notice(
    hybrid_company: tuple[SyncUser, SyncUser],
    admin_client: Client,
    sandbox_product: SandboxHandle,
) -> None:
    ana, dag = hybrid_company
    before = html.unescape(admin_client.get("/setup/outlook/").content.decode())
    assert "Before you turn hybrid off:" in before
    assert "1 user(s) are linked through Service Account (Exchange)" in before

    # Switching the chosen method while hybrid stays on stops nobody.
    switched = hybrid_form(sandbox_product, method="exchange", password="")
    assert admin_client.post("/setup/outlook/", switched).status_code == 302
    for user in (ana, dag):
        user.refresh_from_db()
        assert user.link_status == LinkStatus.LINKED

    off = hybrid_form(sandbox_product, hybrid="", password="")
    body = html.unescape(admin_client.post("/setup/outlook/", off, follow=True).content.decode())
    assert "1 user(s) were linked through Service Account (Exchange)" in body
    assert "the switch to OAuth 2.0 (Microsoft 365) stopped their syncs" in body
    ana.refresh_from_db()
    dag.refresh_from_db()
    assert ana.link_status == LinkStatus.LINKED
    assert dag.link_status == LinkStatus.PENDING
    assert "switched from Service Account (Exchange)" in dag.link_error
    assert (connection("exchange").enabled, connection("microsoft365").enabled) == (False, True)


def test_microsoft_365_consent_in_hybrid_mode_keeps_exchange_and_its_users_on(
    hybrid_company: tuple[SyncUser, SyncUser], admin_client: Client
) -> None:
    ana, dag = hybrid_company
    MailConnection.objects.filter(method="microsoft365").update(chosen=False)
    MailConnection.objects.filter(method="exchange").update(chosen=True)
    start = admin_client.post("/setup/outlook/consent/start/")
    state = str(start["Location"].split("state=")[1])

    admin_client.get("/setup/outlook/consent/", {"state": state, "tenant": TENANT})

    exchange, m365 = connection("exchange"), connection("microsoft365")
    assert (exchange.enabled, exchange.chosen, m365.enabled) == (True, True, True)
    assert m365.tenant_id == TENANT and m365.consented_at is not None
    for user in (ana, dag):
        user.refresh_from_db()
        assert user.link_status == LinkStatus.LINKED
    assert shows_both_outlook_connections(admin_client)
