"""End to end: the Salesforce store and the Google store (each against its emulator) through the
engine, for each kind and direction.

The scenario: items born in Salesforce (A1, A2) and in Google (B1, B2), plus two shared items (C,
D) born on a side that flows. After the first sync, a user edits both sides: updates (A1, B1),
deletes (A2, B2), creates (A3, B3), different fields of C on each side, the same field of D on
each side. `expected()` says what the configuration makes of that, rule by rule; the test then
checks both sides against it, the markers, the absence of duplicates, that a second run changes
nothing and writes nothing, and that expired cursors (at any point) only cause full listings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from connections.models import MailConnection, Status
from connections.providers.google import convert
from connections.providers.google import stores as google_adapters
from connections.providers.google.client import (
    SCOPES,
    GoogleApiError,
    GoogleClient,
    clear_credentials_cache,
)
from connections.providers.salesforce import stores as salesforce_adapters
from mappings.models import SyncRun
from syncengine import service
from syncengine.engine import RunResult, run_sync
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Contact, Event
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Kind, Store
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.providers.google.conftest import service_account_key, soon

EMAIL = "ana@example.com"
FIELDS: dict[str, tuple[str, str]] = {
    "contacts": ("title", "mobile_phone"),
    "events": ("location", "description"),
}
LABELS = ["A1", "A2", "A3", "B1", "B2", "B3", "C", "D"]
State = dict[str, tuple[str, str]]
Record = Contact | Event


def flows(direction: str, side: str) -> bool:
    return direction == "both" or direction.startswith(side)


def expected(kind: str, direction: str) -> tuple[tuple[State, State], tuple[State, State]]:
    """((Salesforce, Google) after the first run, (Salesforce, Google) after the second)."""
    sf_flows, g_flows = flows(direction, "salesforce"), flows(direction, "mailbox")
    home_sf = sf_flows
    base = ("v0", "w0")
    sf: State = {"A1": base, "A2": base}
    g: State = {"B1": base, "B2": base}
    (sf if home_sf else g).update({"C": base, "D": base})
    if sf_flows:
        g.update(sf)
    if g_flows:
        sf.update(g)
    first = (dict(sf), dict(g))
    # The users' edits.
    sf["A1"] = ("sf1", "w0")
    del sf["A2"]
    sf["A3"] = base
    sf["C"] = ("sf-c", "w0")
    sf["D"] = ("sf-d", "w0")
    g["B1"] = ("g1", "w0")
    del g["B2"]
    g["B3"] = base
    g["C"] = ("v0", "g-c")
    g["D"] = ("g-d", "w0")
    # What flows.
    if sf_flows:
        g["A1"], g["A3"] = sf["A1"], sf["A3"]
        g.pop("A2", None)  # contacts: left Salesforce -> out of the group; events: delete
        g["C"] = ("sf-c", g["C"][1])
    if g_flows:
        sf["B1"], sf["B3"] = g["B1"], g["B3"]
        if kind == "events":
            sf.pop("B2", None)  # contacts are never deleted in Salesforce: B2 stays, unsynced
        sf["C"] = (sf["C"][0], "g-c")
    winner = "g-d" if direction == "mailbox_to_salesforce" else "sf-d"
    sf["D"] = g["D"] = (winner, "w0")
    return first, (sf, g)


class World:
    def __init__(
        self,
        sandbox: SandboxHandle,
        salesforce: SalesforceSetup,
        make_sync_user: Callable[..., SyncUser],
        kind: Kind,
        direction: str,
    ) -> None:
        self.kind, self.direction = kind, direction
        self.sf_emu = salesforce.emulator
        self.g_emu = sandbox.apps["google"]
        info, public = service_account_key()
        client_id = self.g_emu.register_service_account(
            info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
        )
        self.g_emu.grant_delegation(client_id, SCOPES)
        self.g_emu.add_user(EMAIL, "Ana", "Lie", "Europe/Oslo")
        MailConnection.objects.create(
            method="google", enabled=True, status=Status.VERIFIED,
            service_account_key=json.dumps(info), client_email=info["client_email"],
        )  # fmt: skip
        self.config = SyncConfiguration.objects.create(
            name="E2E", contacts_direction=direction, events_direction=direction
        )
        self.user = make_sync_user(EMAIL, configuration=self.config)
        self.repo = DbMappingRepo(self.user, kind)
        self.ids: dict[str, dict[str, str]] = {"salesforce": {}, "mailbox": {}}

    # --- the stores, built the way the service builds them ----------------------------------
    def stores(self) -> tuple[Store, Store]:
        return (
            salesforce_adapters.build_store(self.user, self.kind),
            google_adapters.build_store(self.user, self.kind),
        )

    def sync(self) -> RunResult:
        sf, mail = self.stores()
        result = run_sync(sf, mail, self.repo, self.config.settings_for(self.kind))
        assert result.status == "ok" and not result.issues, (result.status, result.issues)
        return result

    # --- records ----------------------------------------------------------------------------
    def record(self, label: str, f1: str = "v0", f2: str = "w0") -> Record:
        one, two = FIELDS[self.kind]
        if self.kind == "contacts":
            return Contact.normalized(
                first_name=label, last_name="Lie", emails=[f"{label.lower()}@client.example"],
                **{one: f1, two: f2},
            )  # fmt: skip
        start = soon(days=1 + LABELS.index(label))
        return Event.normalized(
            subject=label, start=start, end=start + timedelta(hours=1),
            time_zone="Europe/Oslo", **{one: f1, two: f2},
        )  # fmt: skip

    def label(self, record: Record) -> str:
        return record.first_name if isinstance(record, Contact) else record.subject

    # --- a user at work on each side ----------------------------------------------------------
    def put(self, side: str, label: str) -> None:
        record = self.record(label)
        sf, mail = self.stores()
        if side == "salesforce":
            body = sf.body(record, None)  # type: ignore[attr-defined]
            new = self.sf_emu.add_record(sf.sobject, body, as_user=self.user.salesforce_user_id)  # type: ignore[attr-defined]
        elif isinstance(record, Contact):
            group = mail.group()  # type: ignore[attr-defined]
            new = self.g_emu.add_contact(EMAIL, convert.new_person(record, group, None))[
                "resourceName"
            ]
        else:
            new = self.g_emu.add_event(EMAIL, convert.event_to_api(record))["id"]
        self.ids[side][label] = str(new)

    def edit(self, side: str, label: str, **changes: str) -> None:
        sf, mail = self.stores()
        store = sf if side == "salesforce" else mail
        item_id = self.item_ids(side)[label]
        record = replace(store.get([item_id])[item_id].record, **changes)  # type: ignore[arg-type]
        if side == "salesforce":
            body = sf.body(record, frozenset(changes))  # type: ignore[attr-defined]
            self.sf_emu.update_record(item_id, body, as_user=self.user.salesforce_user_id)
            return
        mailbox = self.g_emu.mailboxes[EMAIL]
        with self.g_emu.lock:
            if isinstance(record, Contact):
                contact = mailbox.contacts[item_id]
                for name, value in convert.person_from_contact(record, fields=changes).items():
                    contact.fields[name] = value
                self.g_emu.touch(mailbox, contact)
            else:
                assert isinstance(record, Event)
                data = dict(mailbox.events[item_id].data)
                data.update(convert.event_to_api(record, changes))
                self.g_emu.save_event(mailbox, data)

    def delete(self, side: str, label: str) -> None:
        item_id = self.item_ids(side)[label]
        if side == "salesforce":
            self.sf_emu.delete_record(item_id, as_user=self.user.salesforce_user_id)
        elif self.kind == "contacts":
            self.g_emu.mailboxes[EMAIL].contacts[item_id].deleted = True
            self.g_emu.touch(
                self.g_emu.mailboxes[EMAIL], self.g_emu.mailboxes[EMAIL].contacts[item_id]
            )
        else:
            data = self.g_emu.mailboxes[EMAIL].events[item_id].data
            self.g_emu.save_event(self.g_emu.mailboxes[EMAIL], dict(data, status="cancelled"))

    # --- what each side holds ------------------------------------------------------------------
    def items(self, side: str) -> list[Any]:
        sf, mail = self.stores()
        return (sf if side == "salesforce" else mail).changes(None).changed

    def item_ids(self, side: str) -> dict[str, str]:
        return {self.label(it.record): it.id for it in self.items(side)}

    def state(self, side: str) -> State:
        one, two = FIELDS[self.kind]
        labels = [self.label(it.record) for it in self.items(side)]
        assert len(labels) == len(set(labels)), f"duplicates in {side}: {sorted(labels)}"
        return {
            self.label(it.record): (getattr(it.record, one), getattr(it.record, two))
            for it in self.items(side)
        }

    def writes(self) -> int:
        logs = self.sf_emu.request_log + self.g_emu.request_log
        # A composite request of GETs is how a Salesforce store reads its changes.
        return sum(
            1
            for method, path, _ in logs
            if method != "GET"
            and "token" not in path
            and not path.rstrip("/").endswith("/composite")
        )


CASES = [
    (kind, direction, expire)
    for kind in ("contacts", "events")
    for direction in ("both", "salesforce_to_mailbox", "mailbox_to_salesforce")
    for expire in ("", "salesforce", "mailbox")
]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "direction", "expire"), CASES)
def test_both_sides_end_as_the_configuration_says(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
    kind: Kind,
    direction: str,
    expire: str,
) -> None:
    clear_credentials_cache()
    world = World(sandbox_product, salesforce_connection, make_sync_user, kind, direction)
    home = "salesforce" if flows(direction, "salesforce") else "mailbox"
    for side, labels in (
        ("salesforce", ["A1", "A2"]),
        ("mailbox", ["B1", "B2"]),
        (home, ["C", "D"]),
    ):
        for label in labels:
            world.put(side, label)
    (first_sf, first_g), (second_sf, second_g) = expected(kind, direction)

    world.sync()
    assert (world.state("salesforce"), world.state("mailbox")) == (first_sf, first_g)

    one = FIELDS[kind][0]
    two = FIELDS[kind][1]
    world.edit("salesforce", "A1", **{one: "sf1"})
    world.delete("salesforce", "A2")
    world.put("salesforce", "A3")
    world.edit("salesforce", "C", **{one: "sf-c"})
    world.edit("salesforce", "D", **{one: "sf-d"})
    world.edit("mailbox", "B1", **{one: "g1"})
    world.delete("mailbox", "B2")
    world.put("mailbox", "B3")
    world.edit("mailbox", "C", **{two: "g-c"})
    world.edit("mailbox", "D", **{one: "g-d"})
    if expire:
        (world.sf_emu if expire == "salesforce" else world.g_emu).expire_cursors()

    world.sync()
    assert (world.state("salesforce"), world.state("mailbox")) == (second_sf, second_g)

    # Every Google item made from a Salesforce item carries that item's id.
    sf_ids = world.item_ids("salesforce")
    made_here = {"A1", "A3", "C", "D"} if flows(direction, "salesforce") else set()
    markers = {world.label(it.record): it.marker for it in world.items("mailbox")}
    assert {label: markers[label] for label in made_here} == {
        label: sf_ids[label] for label in made_here
    }
    assert all(markers[label] is None for label in ("B1", "B3"))

    writes = world.writes()
    quiet = world.sync()
    assert not any(
        v for k, v in quiet.counts.items() if k.split("_")[0] in ("created", "updated", "deleted")
    )
    assert world.writes() == writes

    world.sf_emu.expire_cursors()
    world.g_emu.expire_cursors()
    again = world.sync()
    assert not any(
        v for k, v in again.counts.items() if k.split("_")[0] in ("created", "updated", "deleted")
    )
    assert world.writes() == writes
    assert (world.state("salesforce"), world.state("mailbox")) == (second_sf, second_g)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["contacts", "events"])
def test_a_write_whose_answer_is_lost_is_found_by_its_marker_not_made_twice(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
    kind: Kind,
) -> None:
    clear_credentials_cache()
    world = World(sandbox_product, salesforce_connection, make_sync_user, kind, "both")
    for label in ("A1", "A2", "A3"):
        world.put("salesforce", label)
    lost = GoogleApiError(0, "transport", "Connection reset by peer")
    write = "calendar_batch" if kind == "events" else "people"
    original = getattr(GoogleClient, write)

    def answer_lost(self: GoogleClient, *args: Any, **kwargs: Any) -> Any:
        answer = original(self, *args, **kwargs)
        if write == "calendar_batch" or args[1] == "people:batchCreateContacts":
            raise lost  # Google wrote everything; the answer never arrived
        return answer

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(GoogleClient, write, answer_lost)
        sf, mail = world.stores()
        failed = run_sync(sf, mail, world.repo, world.config.settings_for(kind))
    assert failed.status == "failed"
    assert set(world.state("mailbox")) == {"A1", "A2", "A3"}  # written, but not recorded
    # Before the next run the user changes every match key of A1 in Google: only the marker
    # still ties it to its Salesforce original.
    if kind == "contacts":
        world.edit("mailbox", "A1", last_name="Renamed", emails=("new@client.example",))
    else:
        later = soon(days=1 + LABELS.index("A1"), hour=13)
        world.edit("mailbox", "A1", start=later, end=later + timedelta(hours=1))

    world.sync()
    expected = dict.fromkeys(("A1", "A2", "A3"), ("v0", "w0"))
    assert world.state("mailbox") == world.state("salesforce") == expected
    sf_ids = world.item_ids("salesforce")
    assert {world.label(it.record): it.marker for it in world.items("mailbox")} == sf_ids
    assert len(world.repo.load()) == 3


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["contacts", "events"])
def test_the_service_syncs_a_user_through_the_google_store(
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    make_sync_user: Callable[..., SyncUser],
    settings: Any,
    kind: Kind,
) -> None:
    clear_credentials_cache()
    settings.LSYNC_STORE_BACKEND = "providers"
    world = World(sandbox_product, salesforce_connection, make_sync_user, kind, "both")
    world.put("salesforce", "A1")
    world.put("mailbox", "B1")
    outcome = service.sync_user(world.user.pk, kind)
    assert outcome.status == "ok", outcome.message
    assert outcome.counts["created_mailbox"] == outcome.counts["created_salesforce"] == 1
    both = {"A1": ("v0", "w0"), "B1": ("v0", "w0")}
    assert world.state("salesforce") == world.state("mailbox") == both
    run = SyncRun.objects.get(pk=outcome.run_id)
    assert run.api_calls > 0
    assert service.sync_user(world.user.pk, kind).counts.get("created_mailbox", 0) == 0
