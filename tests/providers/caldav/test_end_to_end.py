"""Salesforce (emulator) <-> a real Radicale server through the real engine and the product's
stores built from the stored connection: per kind, both ways, a one-way run, an expired sync
token on the server, and a 412 when the user edits between read and write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connections.providers.caldav.stores import build_store as mailbox_store
from connections.providers.salesforce.stores import build_store as salesforce_store
from syncengine.engine import RunResult, run_sync
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Contact, Event
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Create, Item, Kind, Store, Update, VersionMismatch
from tests.providers.caldav.conftest import USER, Dav
from tests.providers.conftest import SalesforceSetup

pytestmark = pytest.mark.django_db
SHARED = {
    "contacts": ("first_name", "last_name", "emails", "mobile_phone", "title"),
    "events": ("subject", "start", "end", "location", "description"),
}


class World:
    def __init__(self, user: SyncUser, config: SyncConfiguration, dav: Dav) -> None:
        self.user, self.config, self.dav = user, config, dav

    def stores(self, kind: Kind) -> tuple[Store, Store]:
        return salesforce_store(self.user, kind), mailbox_store(self.user, kind)

    def sync(self, kind: Kind) -> RunResult:
        self.config.refresh_from_db()
        sf, mb = self.stores(kind)
        result = run_sync(sf, mb, DbMappingRepo(self.user, kind), self.config.settings_for(kind))
        assert result.status == "ok", (result.status, result.issues)
        return result

    def listing(self, kind: Kind) -> tuple[dict[str, Item], dict[str, Item]]:
        sf, mb = self.stores(kind)
        return (
            {it.id: it for it in sf.changes(None).changed},
            {it.id: it for it in mb.changes(None).changed},
        )


@pytest.fixture
def world(
    caldav_product: Dav,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> World:
    config = SyncConfiguration.objects.create(
        name="E2E", events_days_past=30, events_days_future=365, events_send_invitations=False
    )
    return World(make_sync_user(USER, configuration=config), config, caldav_product)


def sample(kind: Kind, n: int, **changes: Any) -> Contact | Event:
    if kind == "contacts":
        fields: dict[str, Any] = {"first_name": f"Ana{n}", "last_name": f"Núñez{n}",
                                  "emails": [f"ana{n}@example.com"], "mobile_phone": f"+47 900 {n:05d}",
                                  "title": "Buyer"}  # fmt: skip
        fields.update(changes)
        return Contact.normalized(**fields)
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=n)
    fields = {"subject": f"Review {n}", "start": start, "end": start + timedelta(hours=1),
              "time_zone": "Europe/Oslo", "location": "Room 1", "description": "Agenda"}  # fmt: skip
    fields.update(changes)
    return Event.normalized(**fields)


def shared(kind: Kind, record: Contact | Event) -> tuple[Any, ...]:
    return tuple(getattr(record, f) for f in SHARED[kind])


def one(store: Store, op: Create | Update) -> str:
    (result,) = store.apply([op])
    assert result.ok, result.error
    return result.id or ""


def assert_in_sync(world: World, kind: Kind, pairs: int) -> None:
    sf_items, mb_items = world.listing(kind)
    assert len(sf_items) == len(mb_items) == pairs
    assert sorted(shared(kind, i.record) for i in sf_items.values()) == sorted(
        shared(kind, i.record) for i in mb_items.values()
    )
    assert all(i.marker in sf_items for i in mb_items.values() if i.marker)


@pytest.mark.parametrize("kind", ["contacts", "events"])
def test_both_ways_creates_and_edits_converge_and_a_second_run_writes_nothing(
    world: World, kind: Kind
) -> None:
    sf_user, mb_user = world.stores(kind)
    a = one(sf_user, Create("a", sample(kind, 1)))
    one(mb_user, Create("b", sample(kind, 2)))
    first = world.sync(kind)
    assert first.counts.get("created_mailbox") == 1 and first.counts.get("created_salesforce") == 1
    assert_in_sync(world, kind, 2)
    again = world.sync(kind)
    assert not any(v for k, v in again.counts.items() if k.startswith(("created", "updated")))

    mapping = {m.salesforce_id: m for m in DbMappingRepo(world.user, kind).load()}
    field = "title" if kind == "contacts" else "location"
    one(mb_user, Update(mapping[a].mailbox_id, sample(kind, 1, **{field: "Edited in Radicale"}),
                        fields=frozenset({field})))  # fmt: skip
    world.sync(kind)
    sf_items, _ = world.listing(kind)
    assert getattr(sf_items[a].record, field) == "Edited in Radicale"
    assert_in_sync(world, kind, 2)


@pytest.mark.parametrize("kind", ["contacts", "events"])
def test_an_expired_sync_token_lists_everything_and_duplicates_nothing(
    world: World, kind: Kind
) -> None:
    sf_user, mb_user = world.stores(kind)
    one(sf_user, Create("a", sample(kind, 1)))
    world.sync(kind)
    one(mb_user, Create("b", sample(kind, 2)))
    world.dav.server.expire_sync_tokens()
    result = world.sync(kind)
    assert result.full_listing["mailbox"]
    assert_in_sync(world, kind, 2)


def test_a_write_over_an_edit_made_meanwhile_is_refused_with_412(world: World) -> None:
    _, store = world.stores("contacts")
    item_id = one(store, Create("a", sample("contacts", 1)))
    version = store.get([item_id])[item_id].version
    client = world.dav.as_user()
    text, etag = client.get(item_id)
    client.put(item_id, text.replace("TITLE:Buyer", "TITLE:Chief"), "text/vcard", if_match=etag)
    (result,) = store.apply([Update(item_id, sample("contacts", 1), expected_version=version)])
    assert not result.ok and isinstance(result.error, VersionMismatch)
    assert store.get([item_id])[item_id].record.title == "Chief"  # type: ignore[union-attr]


def test_an_edit_between_the_stores_read_and_its_write_gets_a_412_from_the_server(
    world: World,
) -> None:
    _, store = world.stores("contacts")
    item_id = one(store, Create("a", sample("contacts", 1)))
    user = world.dav.as_user()
    client = store.client  # type: ignore[attr-defined]
    read = client.get

    def read_then_user_edits(path: str) -> tuple[str, str]:
        text, etag = read(path)
        user.put(path, text.replace("TITLE:Buyer", "TITLE:Chief"), "text/vcard", if_match=etag)
        return text, etag

    client.get = read_then_user_edits
    (result,) = store.apply([Update(item_id, sample("contacts", 1, title="Lost"))])
    assert not result.ok and isinstance(result.error, VersionMismatch)
    client.get = read
    assert store.get([item_id])[item_id].record.title == "Chief"  # type: ignore[union-attr]


def test_the_stored_url_template_is_where_the_store_connects(world: World) -> None:
    from connections.models import MailConnection

    _, store = world.stores("contacts")
    assert store.collection.startswith(f"/{USER}/")  # type: ignore[attr-defined]
    MailConnection.objects.filter(method="caldav").update(
        dav_url_template="https://dav.sandbox.test/nobody-{user}/"
    )
    with pytest.raises(Exception, match="no principal|404"):
        world.stores("contacts")


@pytest.mark.parametrize("kind", ["contacts", "events"])
@pytest.mark.parametrize("direction", ["salesforce_to_mailbox", "mailbox_to_salesforce"])
def test_one_way_sync_carries_changes_one_way_only(
    world: World, kind: Kind, direction: str
) -> None:
    setattr(world.config, f"{kind}_direction", direction)
    world.config.save()
    sf_user, mb_user = world.stores(kind)
    a = one(sf_user, Create("a", sample(kind, 1)))
    b = one(mb_user, Create("b", sample(kind, 2)))
    world.sync(kind)
    sf_items, mb_items = world.listing(kind)
    if direction == "salesforce_to_mailbox":
        assert [i.marker for i in mb_items.values()].count(a) == 1 and len(sf_items) == 1
    else:
        assert len(mb_items) == 1 and b in mb_items and len(sf_items) == 2
    assert world.sync(kind).counts.get("created_mailbox", 0) == 0


def per_user_row(template: str) -> None:
    from connections.models import MailConnection
    from connections.providers.caldav.models import PER_USER, write_user_passwords
    from tests.providers.caldav.conftest import USER_PASSWORD

    MailConnection.objects.filter(method="caldav").update(
        dav_auth=PER_USER, username="", password="", dav_url_template=template,
        dav_user_passwords=write_user_passwords({USER: (USER, USER_PASSWORD)}),
    )  # fmt: skip


def test_with_app_passwords_per_user_the_store_signs_in_as_the_user_and_finds_her_principal(
    world: World,
) -> None:
    from tests.providers.caldav.conftest import BASE

    per_user_row(BASE + "/")  # no template: .well-known and current-user-principal
    world.sync("contacts")
    sf_user, mb_user = world.stores("contacts")
    assert mb_user.client.session.auth == (USER, world.dav.as_user().session.auth[1])  # type: ignore[attr-defined, index]
    one(sf_user, Create("a", sample("contacts", 1)))
    world.sync("contacts")
    assert_in_sync(world, "contacts", 1)


def test_a_user_without_an_app_password_is_refused_with_a_sentence_naming_them(
    world: World,
) -> None:
    from syncengine.stores.base import AuthFailed
    from tests.providers.caldav.conftest import TEMPLATE

    per_user_row(TEMPLATE)
    world.user.mailbox_address = "kari@nordvik.example"
    world.user.save()
    with pytest.raises(AuthFailed, match="No app password is stored for kari@nordvik.example"):
        world.stores("contacts")


def test_a_vcard_3_written_by_another_client_syncs_and_keeps_what_salesforce_has_no_field_for(
    world: World,
) -> None:
    from tests.providers.caldav.test_convert import OTHER_CLIENT

    _, mb_user = world.stores("contacts")
    book = mb_user.collection  # type: ignore[attr-defined]
    user = world.dav.as_user()
    user.put(f"{book}kari.vcf", OTHER_CLIENT, "text/vcard", if_match=None)
    world.sync("contacts")
    sf_items, _ = world.listing("contacts")
    ((sf_id, kari),) = sf_items.items()
    assert (kari.record.first_name, kari.record.mobile_phone) == ("Kari", "+47 400 00 000")
    sf_user, _ = world.stores("contacts")
    edited = Contact.normalized(**{**kari.record.__dict__, "title": "Head of buying"})
    one(sf_user, Update(sf_id, edited, fields=frozenset({"title"})))
    world.sync("contacts")
    text, _ = user.get(f"{book}kari.vcf")
    assert "TITLE:Head of buying" in text
    for kept in ("NICKNAME:KH", "PHOTO", "+47 999 99 999", "TEL;TYPE=PAGER:+47 1", "UID:abc"):
        assert kept in text, kept
