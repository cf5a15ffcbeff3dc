"""Salesforce <-> Exchange on-premises through the real engine, both stores against the emulators.

Per kind and direction: creates, updates and deletes on each side, edits of one item on both
sides, then syncs; both sides then agree (on the fields both hold), mailbox copies carry their
Salesforce id, nothing is duplicated, a second run writes nothing, and an expired sync state on
either side leads to a full listing that links instead of duplicating.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connections.providers.exchange.stores import ExchangeEventStore, event_window
from connections.providers.exchange.stores import build_store as mailbox_store
from connections.providers.salesforce.stores import build_store as salesforce_store
from sandbox.exchange.app import ExchangeEmulator
from sandbox.salesforce.app import SalesforceEmulator
from syncengine.engine import RunResult, run_sync
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Attendee, Contact, Event
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Create, Delete, Item, Kind, Store, Update
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.exchange.conftest import setup_exchange

pytestmark = pytest.mark.django_db

EMAIL = "ana.nunez@nordvik.example"
WRITES = ("CreateItem", "UpdateItem", "DeleteItem", "CreateFolder")
SHARED = {
    "contacts": ("first_name", "last_name", "email", "mobile_phone", "title"),
    "events": ("subject", "start", "end", "location", "description"),
}


@dataclass
class World:
    user: SyncUser
    config: SyncConfiguration
    exchange: ExchangeEmulator
    salesforce: SalesforceEmulator

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

    def mailbox_writes(self) -> list[tuple[str, str | None, int]]:
        return [op for op in self.exchange.operations if op[0] in WRITES]


@pytest.fixture
def world(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
) -> World:
    exchange = setup_exchange(sandbox_product)
    config = SyncConfiguration.objects.create(
        name="E2E", events_days_past=30, events_days_future=365, events_send_invitations=False
    )
    user = make_sync_user(EMAIL, configuration=config)
    return World(user, config, exchange, salesforce_connection.emulator)


def shared(kind: Kind, record: Contact | Event) -> tuple[Any, ...]:
    return tuple(getattr(record, f) for f in SHARED[kind])


def sample(kind: Kind, n: int, **changes: Any) -> Contact | Event:
    if kind == "contacts":
        fields: dict[str, Any] = {"first_name": f"Ana{n}", "last_name": f"Núñez{n}",
                                  "emails": [f"ana{n}@example.com"], "mobile_phone": f"+47 900 {n:05d}",
                                  "title": "Buyer"}  # fmt: skip
        fields.update(changes)
        return Contact.normalized(**fields)
    start = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=n)
    fields = {"subject": f"Review {n}", "start": start, "end": start + timedelta(hours=1),
              "time_zone": "Europe/Paris", "location": "Room 1", "description": "Agenda"}  # fmt: skip
    fields.update(changes)
    return Event.normalized(**fields)


def edit(kind: Kind, n: int, which: str) -> dict[str, Any]:
    if kind == "contacts":
        return (
            {"title": f"Title by {which}"} if which == "sf" else {"mobile_phone": "+47 911 11 111"}
        )
    return (
        {"location": f"Room of {which}"} if which == "sf" else {"description": f"Notes by {which}"}
    )


def apply_one(store: Store, op: Create | Update | Delete) -> str:
    (result,) = store.apply([op])
    assert result.ok, result.error
    return result.id or ""


def assert_in_sync(world: World, kind: Kind, expected_pairs: int) -> None:
    sf_items, mb_items = world.listing(kind)
    repo = DbMappingRepo(world.user, kind)
    live = [m for m in repo.load() if m.salesforce_id in sf_items and m.mailbox_id in mb_items]
    assert len(live) == expected_pairs
    assert len(sf_items) == len(mb_items) == expected_pairs, (sf_items.keys(), mb_items.keys())
    for m in live:
        assert shared(kind, sf_items[m.salesforce_id].record) == shared(
            kind, mb_items[m.mailbox_id].record
        )
    for item in mb_items.values():
        assert item.marker is None or item.marker in sf_items
    keys = [shared(kind, it.record) for it in mb_items.values()]
    assert len(keys) == len(set(keys)), "a duplicate in the mailbox"


@pytest.mark.parametrize("kind", ["contacts", "events"])
def test_both_ways_creates_updates_deletes_and_merges_converge(world: World, kind: Kind) -> None:
    sf_user, mb_user = world.stores(kind)  # the users' own edits, through the same APIs
    a = apply_one(sf_user, Create("a", sample(kind, 1)))
    b = apply_one(mb_user, Create("b", sample(kind, 2)))
    c = apply_one(sf_user, Create("c", sample(kind, 3)))
    first = world.sync(kind)
    assert first.counts.get("created_mailbox") == 2 and first.counts.get("created_salesforce") == 1
    assert_in_sync(world, kind, 3)
    sf_items, mb_items = world.listing(kind)
    assert sorted(it.marker for it in mb_items.values() if it.marker) == sorted([a, c])

    before = len(world.mailbox_writes())
    again = world.sync(kind)
    assert not any(
        v for k, v in again.counts.items() if k.split("_")[0] in ("created", "updated", "deleted")
    )
    assert len(world.mailbox_writes()) == before

    repo = {m.salesforce_id: m for m in DbMappingRepo(world.user, kind).load()}
    a_mb, c_mb = repo[a].mailbox_id, repo[c].mailbox_id
    b_sf = next(m.salesforce_id for m in repo.values() if m.mailbox_id == b)
    apply_one(
        sf_user,
        Update(a, sample(kind, 1, **edit(kind, 1, "sf")), fields=frozenset(edit(kind, 1, "sf"))),
    )
    apply_one(
        mb_user,
        Update(b, sample(kind, 2, **edit(kind, 2, "mb")), fields=frozenset(edit(kind, 2, "mb"))),
    )
    # The same item edited on both sides, in different fields: both edits survive.
    apply_one(
        sf_user,
        Update(c, sample(kind, 3, **edit(kind, 3, "sf")), fields=frozenset(edit(kind, 3, "sf"))),
    )
    apply_one(
        mb_user,
        Update(c_mb, sample(kind, 3, **edit(kind, 3, "mb")), fields=frozenset(edit(kind, 3, "mb"))),
    )
    world.sync(kind)
    assert_in_sync(world, kind, 3)
    sf_items, mb_items = world.listing(kind)
    merged = sample(kind, 3, **edit(kind, 3, "sf"), **edit(kind, 3, "mb"))
    assert shared(kind, sf_items[c].record) == shared(kind, merged)
    assert shared(kind, mb_items[a_mb].record) == shared(
        kind, sample(kind, 1, **edit(kind, 1, "sf"))
    )
    assert shared(kind, sf_items[b_sf].record) == shared(
        kind, sample(kind, 2, **edit(kind, 2, "mb"))
    )

    apply_one(sf_user, Delete(a))
    world.sync(kind)
    sf_items, mb_items = world.listing(kind)
    assert a_mb not in mb_items  # gone from the mailbox (contacts: out of the sync folder)
    assert world.sync(kind).counts.get("created_salesforce", 0) == 0
    if kind == "events":
        apply_one(mb_user, Delete(b))
        world.sync(kind)
        assert b_sf not in world.listing(kind)[0]
        assert_in_sync(world, kind, 1)
    else:
        assert_in_sync(world, kind, 2)


@pytest.mark.parametrize("kind", ["contacts", "events"])
@pytest.mark.parametrize("direction", ["salesforce_to_mailbox", "mailbox_to_salesforce"])
def test_one_way_sync_carries_changes_one_way_only(
    world: World, kind: Kind, direction: str
) -> None:
    setattr(world.config, f"{kind}_direction", direction)
    world.config.save()
    sf_user, mb_user = world.stores(kind)
    a = apply_one(sf_user, Create("a", sample(kind, 1)))
    b = apply_one(mb_user, Create("b", sample(kind, 2)))
    world.sync(kind)
    sf_items, mb_items = world.listing(kind)
    if direction == "salesforce_to_mailbox":
        assert [it.marker for it in mb_items.values()].count(a) == 1
        assert len(sf_items) == 1
    else:
        assert len(mb_items) == 1 and b in mb_items
        assert len(sf_items) == 2
    before = len(world.mailbox_writes())
    assert world.sync(kind).counts.get("created_mailbox", 0) == 0
    assert len(world.mailbox_writes()) == before


@pytest.mark.parametrize("kind", ["contacts", "events"])
@pytest.mark.parametrize("expire", ["salesforce", "mailbox", "both"])
def test_an_expired_cursor_lists_everything_and_duplicates_nothing(
    world: World, kind: Kind, expire: str
) -> None:
    sf_user, mb_user = world.stores(kind)
    apply_one(sf_user, Create("a", sample(kind, 1)))
    apply_one(mb_user, Create("b", sample(kind, 2)))
    world.sync(kind)
    apply_one(sf_user, Create("c", sample(kind, 3)))
    apply_one(mb_user, Create("d", sample(kind, 4)))
    if expire in ("salesforce", "both"):
        world.salesforce.expire_cursors()
    if expire in ("mailbox", "both"):
        world.exchange.expire_cursors()
    result = world.sync(kind)
    assert result.full_listing == {
        "salesforce": expire != "mailbox",
        "mailbox": expire != "salesforce",
    }
    assert_in_sync(world, kind, 4)
    assert world.sync(kind).counts.get("created_mailbox", 0) == 0
    assert_in_sync(world, kind, 4)


@pytest.mark.parametrize("invitations", [False, True])
def test_salesforce_invitees_are_e_mailed_only_when_the_configuration_says_so(
    world: World, invitations: bool
) -> None:
    world.config.events_send_invitations = invitations
    world.config.save()
    owner = world.user.salesforce_user_id
    for n, email in enumerate(["bo@partner.example", "cy@partner.example"]):
        world.salesforce.add_record(
            "Contact", {"LastName": f"Guest{n}", "Email": email}, as_user=owner
        )
    sf_user, _ = world.stores("events")
    guests = [Attendee.normalized("bo@partner.example"), Attendee.normalized("cy@partner.example")]
    apply_one(sf_user, Create("a", sample("events", 1, attendees=guests)))
    world.sync("events")
    sent = sorted(r for i in world.exchange.org.invitations for r in i.recipients)
    assert sent == (["bo@partner.example", "cy@partner.example"] if invitations else [])
    _, mb_items = world.listing("events")
    (item,) = mb_items.values()
    assert [a.email for a in item.record.attendees] == ["bo@partner.example", "cy@partner.example"]
    assert world.sync("events").counts.get("updated_salesforce", 0) == 0


def test_deleting_an_event_in_salesforce_cancels_nothing_by_mail(world: World) -> None:
    owner = world.user.salesforce_user_id
    world.salesforce.add_record(
        "Contact", {"LastName": "Guest", "Email": "bo@partner.example"}, as_user=owner
    )
    sf_user, _ = world.stores("events")
    guests = [Attendee.normalized("bo@partner.example")]
    made = apply_one(sf_user, Create("a", sample("events", 1, attendees=guests)))
    world.sync("events")
    apply_one(sf_user, Delete(made))
    world.sync("events")
    assert world.listing("events")[1] == {}
    assert [r for i in world.exchange.org.invitations for r in i.recipients] == []


def test_an_event_that_aged_out_of_the_mailbox_window_survives_a_sync_state_expiry(
    world: World,
) -> None:
    sf_user, _ = world.stores("events")
    old = apply_one(sf_user, Create("a", sample("events", -20)))
    for n in range(1, 4):
        apply_one(sf_user, Create(f"n{n}", sample("events", n)))
    world.sync("events")
    # Twenty days later the configured window no longer holds the event (simulated by a
    # narrower mailbox window). The full listing after the expiry must still list it, or the
    # planner would take it for deleted in the mailbox and delete it in Salesforce.
    world.exchange.expire_cursors()
    sf, mb = world.stores("events")
    assert isinstance(mb, ExchangeEventStore)
    later = ExchangeEventStore(mb.client, EMAIL, *event_window(10, 365), invitations=False)
    run_sync(sf, later, DbMappingRepo(world.user, "events"), world.config.settings_for("events"))
    assert old in world.stores("events")[0].get([old])


def test_an_event_that_left_the_window_is_not_deleted_after_the_mailbox_sync_state_expires(
    world: World,
) -> None:
    sf_user, _ = world.stores("events")
    old = apply_one(sf_user, Create("a", sample("events", -20)))
    for n in range(1, 4):
        apply_one(sf_user, Create(f"n{n}", sample("events", n)))
    world.sync("events")
    # Time passes: the event is now older than the window (here: the window shrinks instead).
    world.config.events_days_past = 10
    world.config.save()
    world.exchange.expire_cursors()
    assert world.sync("events").counts.get("deleted_salesforce", 0) == 0
    assert old in world.stores("events")[0].get([old])


def test_a_series_reaches_exchange_and_a_second_run_writes_nothing(world: World) -> None:
    sf_user, _ = world.stores("events")
    first = sample("events", 1)
    assert isinstance(first, Event)
    apply_one(sf_user, Create("s", sample("events", 1, recurrence="FREQ=WEEKLY;COUNT=4")))
    world.sync("events")
    _, mb_items = world.listing("events")
    (item,) = mb_items.values()
    assert isinstance(item.record, Event) and item.record.recurrence is not None
    # Exchange names the weekday a weekly rule falls on (what canonical() says it keeps).
    day = "MOTUWETHFRSASU"[2 * first.start.astimezone(ZoneInfo("Europe/Paris")).weekday() :][:2]
    assert item.record.recurrence.rrule == f"FREQ=WEEKLY;BYDAY={day};COUNT=4"
    before = len(world.mailbox_writes())
    again = world.sync("events")
    assert again.counts.get("updated_salesforce", 0) == again.counts.get("updated_mailbox", 0) == 0
    assert len(world.mailbox_writes()) == before
