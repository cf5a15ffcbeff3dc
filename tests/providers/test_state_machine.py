"""The state machine over the real provider stores and the in-process emulators.

Random user edits on both sides (through the same stores, while nothing fails), and syncs through
`service.sync_user` with one of the emulators' faults armed: one item of a batch failing, a 401
inside a batch, a connection dropped after the server applied a write, a long Retry-After, an
expired cursor, a user's edit racing the sync (a version conflict), or the worker dying between
two writes. At the end the faults stop and the user syncs until quiet; then, against the ledger
of what the user did: no duplicates, nothing lost, no deletion undone, both sides equal on the
fields every provider holds, every edit kept by one side, no open issue (each item here is valid,
so an open issue names no real problem), and a final run that writes nothing.

CI runs a fixed profile (`engine_settings`, derandomized); `make thorough` runs thousands.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from bench.soak import check
from bench.soak.edits import ACTIONS, Editor
from bench.soak.model import FIELDS, Ledger
from connections.providers.google.client import clear_credentials_cache
from connections.providers.microsoft import client as graph
from sandbox.core import Emulator
from syncengine import registry, service
from syncengine.models import LinkStatus, SyncConfiguration, SyncUser
from syncengine.stores.base import Delete, Kind, Op, OpResult, Side, Store, Update
from tests.conftest import SandboxHandle
from tests.providers.conftest import SalesforceSetup
from tests.syncengine.conftest import engine_settings

pytestmark = pytest.mark.django_db

SIDES: tuple[Side, ...] = ("salesforce", "mailbox")
WRITE_ROUTES = {
    "salesforce": r"salesforce\.(collections\.(create|update|delete)|sobject\.(create|update|delete)|composite)",
    "microsoft": r"graph\.(contacts|events)\.(create|update|delete)",
    "caldav": r"caldav\.(put|delete)",
    "google": r"google\.(people\.(create|batchCreate|batchUpdate|batchDelete|update|delete)"
    r"|calendar\.events\.(insert|patch|update|delete))",
}
WRITE_KEYS = ("created_", "updated_", "deleted_", "linked", "conflicts", "unlinked")
# Faults that strike one write request (one item of a batch, where the provider batches).
WRITE_FAULTS = {
    "an item fails": ("500", {}),
    "a 401 inside the batch": ("revoke_token", {}),
    "the connection drops after the write": ("reset_after", {}),
}
serial = itertools.count(1)


class WorkerDied(BaseException):
    """The worker process died between two writes: nothing after that point runs (a
    BaseException, so that no `except Exception` in the product can record it)."""


@dataclass
class Company:
    """The emulators and connections, shared by the examples; each example gets its own user."""

    mail: str
    emulators: dict[Side, Emulator]
    config: SyncConfiguration
    new_mailbox: Callable[[str], None]
    salesforce: SalesforceSetup

    def new_user(self) -> SyncUser:
        email = f"user{next(serial)}@nordvik.example"
        self.new_mailbox(email)
        user_id = self.salesforce.emulator.add_user(email, email, "Åsa", "Ødegård")
        return SyncUser.objects.create(
            configuration=self.config, salesforce_user_id=user_id, username=email, email=email,
            mailbox_address=email, link_status=LinkStatus.LINKED,
        )  # fmt: skip

    def clear_faults(self) -> None:
        for emulator in self.emulators.values():
            emulator.clear_faults()


@pytest.fixture(params=["microsoft", "google", "caldav"])
def company(
    request: pytest.FixtureRequest,
    sandbox_product: SandboxHandle,
    salesforce_connection: SalesforceSetup,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[Company]:
    from tests.providers.google.conftest import service_account_key

    settings.LSYNC_STORE_BACKEND = "providers"
    mail = str(request.param)
    if mail == "caldav":
        from tests.providers.caldav.conftest import mount_radicale

        app, connection, new_mailbox = mount_radicale(tmp_path, monkeypatch)
    elif mail == "microsoft":
        from tests.providers.microsoft.conftest import CLIENT_ID, SECRET, TENANT

        app = sandbox_product.apps[mail]
        settings.LSYNC_MICROSOFT_CLIENT_ID = CLIENT_ID
        settings.LSYNC_MICROSOFT_CLIENT_SECRET = SECRET
        settings.LSYNC_MICROSOFT_CERT_PATH = ""
        app.register_app(CLIENT_ID, client_secret=SECRET)
        app.add_tenant(TENANT, ["nordvik.example"])
        app.grant_consent(TENANT, CLIENT_ID)
        connection = {"method": "microsoft365", "tenant_id": TENANT}

        def new_mailbox(email: str) -> None:
            app.add_mailbox(TENANT, email, "Åsa Ødegård")
    else:
        import json

        from connections.providers.google.client import SCOPES

        app = sandbox_product.apps[mail]
        info, public = service_account_key()
        client_id = app.register_service_account(
            info["client_email"], info["private_key_id"], public, client_id=info["client_id"]
        )
        app.grant_delegation(client_id, SCOPES)
        connection = {"method": "google", "service_account_key": json.dumps(info),
                      "client_email": info["client_email"]}  # fmt: skip

        def new_mailbox(email: str) -> None:
            app.add_user(email, "Åsa", "Ødegård", "Europe/Oslo")

    from connections.models import MailConnection, Status

    MailConnection.objects.create(enabled=True, chosen=True, status=Status.SAVED, **connection)
    # Guards off: the machine deletes freely; a tripped guard is not what it checks.
    config = SyncConfiguration.objects.create(
        name="Machine", events_send_invitations=False, mass_delete_percent=100,
        mass_delete_count=100000,
    )  # fmt: skip
    graph.forget_tokens()
    clear_credentials_cache()
    # The clients wait out short Retry-Afters; the machine has no time to lose.
    monkeypatch.setattr(graph, "sleep", lambda seconds: None, raising=False)
    emulators: dict[Side, Emulator] = {"salesforce": salesforce_connection.emulator, "mailbox": app}
    yield Company(mail, emulators, config, new_mailbox, salesforce_connection)
    graph.forget_tokens()
    clear_credentials_cache()


class Interposed:
    """A store that lets the machine act at its writes: a user's edit racing the write (a version
    conflict), or the worker dying after the n-th write call."""

    def __init__(
        self, store: Store, before: Callable[[Sequence[Op]], None] | None, die_after: int | None
    ):
        self.store, self.before, self.die_after = store, before, die_after

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        if self.before is not None:
            self.before(ops)
            self.before = None
        results = self.store.apply(ops)
        if self.die_after is not None:
            self.die_after -= 1
            if self.die_after <= 0:
                raise WorkerDied
        return results


class ProviderMachine(RuleBasedStateMachine):
    company: Company
    kind: Kind

    def __init__(self) -> None:
        super().__init__()
        self.user = self.company.new_user()
        self.ledger = Ledger()
        self.editor = Editor(self.ledger, random.Random(0))
        self.died = False

    # ------------------------------------------------------------------ user rules

    @initialize(seed=st.integers(0, 2**16), items=st.integers(1, 3))
    def items_on_both_sides_in_sync(self, seed: int, items: int) -> None:
        """Most faults need linked items to strike: start from a few, synced without faults."""
        self.reseed(seed)
        for _ in range(items):
            self.editor.one(self.user.pk, self.kind, "create")
        self.run()

    @rule(
        seed=st.integers(0, 2**16),
        actions=st.lists(st.sampled_from(sorted(ACTIONS)), min_size=1, max_size=3),
    )
    def users_edit(self, seed: int, actions: list[str]) -> None:
        self.reseed(seed)
        for action in actions:
            self.editor.one(self.user.pk, self.kind, action)

    def reseed(self, seed: int) -> None:
        self.editor.rng = self.editor.maker.rng = random.Random(seed)

    @rule(side=st.sampled_from(SIDES))
    def cursor_expires(self, side: Side) -> None:
        self.company.emulators[side].expire_cursors()

    # ------------------------------------------------------------------ sync rules

    @rule()
    def sync(self) -> None:
        self.run()

    @rule(side=st.sampled_from(SIDES), fault=st.sampled_from(sorted(WRITE_FAULTS)))
    def sync_with_a_write_fault(self, side: Side, fault: str) -> None:
        kind, options = WRITE_FAULTS[fault]
        self.arm(side, kind, WRITE_ROUTES[self.route_key(side)], **options)
        self.run()

    @rule(side=st.sampled_from(SIDES), times=st.integers(1, 2))
    def sync_with_a_long_retry_after(self, side: Side, times: int) -> None:
        self.arm(side, "429", ".*", times=times, retry_after=3600)
        self.run()

    @rule(side=st.sampled_from(SIDES), seed=st.integers(0, 2**16))
    def sync_while_the_user_edits_the_item_being_written(self, side: Side, seed: int) -> None:
        def race(ops: Sequence[Op]) -> None:
            target = next((op.id for op in ops if isinstance(op, Update | Delete)), None)
            if target is None:
                return
            store = self.editor.stores(self.user.pk, self.kind)[side]
            item = store.get([target]).get(target)
            truth = self.ledger.of(self.user.pk, self.kind)
            token = item and item.record.description.split()[0]
            if item is None or token not in truth or truth[token].deleted_on:
                return
            rng = random.Random(seed)
            self.editor.update(store, truth[token], side, item, rng.choice(FIELDS[self.kind]))

        self.run(before={side: race})

    @rule(side=st.sampled_from(SIDES), writes=st.integers(1, 3))
    def sync_and_die_between_two_writes(self, side: Side, writes: int) -> None:
        self.run(die_after={side: writes})

    # ------------------------------------------------------------------ running

    def route_key(self, side: Side) -> str:
        return "salesforce" if side == "salesforce" else self.company.mail

    def arm(self, side: Side, kind: str, route: str, **options: Any) -> None:
        options.setdefault("times", 1)
        self.company.emulators[side].inject(kind, route, **options)

    def run(
        self,
        before: dict[Side, Callable[[Sequence[Op]], None]] | None = None,
        die_after: dict[Side, int] | None = None,
        approve_guard: bool = False,
    ) -> service.RunOutcome | None:
        before, die_after = before or {}, die_after or {}
        with interposed(before, die_after):
            try:
                return service.sync_user(self.user.pk, self.kind, approve_guard=approve_guard)
            except WorkerDied:
                self.died = True
                return None
            finally:
                self.company.clear_faults()
                # Between two runs of the machine, time passes: the lease of a dead run expires
                # and a provider's Retry-After runs out.
                SyncUser.objects.filter(pk=self.user.pk).update(
                    lease_owner="", lease_expires_at=None, throttled_until=None
                )

    def teardown(self) -> None:
        self.company.clear_faults()
        approve = False
        for _ in range(6):
            # A guard stops a run the users' own deletions explain (the only linked item deleted
            # while the cursor expired empties a full listing): the admin approves it once, as
            # on the status page; the checks below still catch a deletion the users did not do.
            outcome = self.run(approve_guard=approve)
            assert outcome is not None
            approve = outcome.status == "guard"
            writes = any(v for k, v in outcome.counts.items() if k.startswith(WRITE_KEYS))
            if outcome.status == "ok" and not writes:
                break
        else:
            raise AssertionError(f"not quiet after 6 runs: {outcome.status} {outcome.message}")
        findings = check.Findings()
        stores = self.editor.stores(self.user.pk, self.kind)
        check.check_pair(findings, self.ledger, self.user.pk, self.kind, stores)
        broken = {c: findings.counts[c] for c in check.COLUMNS if findings.counts[c]}
        assert not broken, "\n".join(findings.examples)


@contextmanager
def interposed(
    before: dict[Side, Callable[[Sequence[Op]], None]], die_after: dict[Side, int]
) -> Iterator[None]:
    if not before and not die_after:
        yield
        return
    real = registry.build_stores

    def build(user: SyncUser, kind: Kind) -> tuple[Store, Store]:
        pair = real(user, kind)
        wrapped = [
            Interposed(store, before.get(side), die_after.get(side))
            for side, store in zip(SIDES, pair, strict=True)
        ]
        return wrapped[0], wrapped[1]  # type: ignore[return-value]

    registry.build_stores = build  # type: ignore[assignment]
    try:
        yield
    finally:
        registry.build_stores = real  # type: ignore[assignment]


@pytest.mark.parametrize("kind", ["contacts", "events"])
def test_random_edits_faults_and_crashes_over_the_real_stores_end_in_agreement(
    company: Company, kind: Kind
) -> None:
    machine = type("Machine", (ProviderMachine,), {"company": company, "kind": kind})
    # Each (mail provider, kind) pair gets a quarter of the profile's budget.
    budget = engine_settings().max_examples // 4
    # No shrinking: each step is a real sync, and the printed failing sequence is short anyway.
    phases = (Phase.explicit, Phase.reuse, Phase.generate)
    run_state_machine_as_test(
        machine,
        settings=engine_settings(max_examples=budget, stateful_step_count=4, phases=phases),
    )
