"""Speed and memory of a whole sync through the provider stores, against the in-process emulators.

    .venv/bin/python bench/providers.py [--contacts 500] [--events 300]
                                        [--mail microsoft365|google|both] [--json var/bench.json]
    .venv/bin/python bench/run.py --providers [same options]   (the same, from the engine bench)

One Salesforce user owns N contacts and M events (weekly series, all-day events, meetings with
contact invitees); a quarter of them are already in the user's mailbox and a few more exist only
there, so the initial sync matches, links and creates on both sides. Each scenario is one
`syncengine.service.sync_user` call (LSYNC_STORE_BACKEND=providers: SOQL, Graph or People and
Calendar over HTTP to the emulators, the mapping repo on a temporary SQLite database): initial
sync, a second run with no change, a run after 1% of the items were edited on each side.

Figures per scenario: wall time, tracemalloc peak (the emulators' memory included: they run in
this process), API calls per side as the engine's stores count them and HTTP requests per side
as the emulators receive them (token requests included), items per second. Timing under
tracemalloc is slower than without. Nothing is asserted about time; the run ends with checks
(every run ok, both sides hold the same items, a run after the edits writes nothing) and exits
non-zero when one fails.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import tracemalloc
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syncengine.records import Contact, Event  # noqa: E402

if TYPE_CHECKING:
    from bench.wiring import Sandbox

MAILS = ("microsoft365", "google")
WRITES = ("created", "updated", "deleted")
ACCOUNTS = ("Acme Ltd", "Globex Corporation", "Initech", "Société Générale de Café")
FIRST = ("Ana", "José", "Zoë", "Björn", "Chloé", "Øyvind", "Mária", "Kenji")
USERS = {"microsoft365": "ana.nunez@nordvik.example", "google": "ana@nordvik.example"}
NAME = ("Ana", "Núñez")
ZONE = "Europe/Paris"


@dataclass
class Figure:
    mail: str
    kind: str
    scenario: str
    items: int
    seconds: float
    peak_mib: float
    api_calls: dict[str, int]
    http_requests: dict[str, int]
    status: str
    counts: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def row(self) -> str:
        calls = self.api_calls
        http = self.http_requests
        return (
            f"{self.mail:<12} {self.kind:<8} {self.scenario:<22} {self.items:>6} "
            f"{self.seconds:>8.2f} s {self.peak_mib:>7.1f} MiB "
            f"sf {calls['salesforce']:>4}/{http['salesforce']:>4}  "
            f"mail {calls['mailbox']:>4}/{http['mailbox']:>4}  "
            f"{self.per_second:>7.0f} items/s  {self.status}"
        )


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        rows = [dict(asdict(f), items_per_second=round(f.per_second, 1)) for f in self.figures]
        return {"figures": rows, "problems": self.problems}


# --- the data set -------------------------------------------------------------------------------
def contact(rng: random.Random, i: int) -> Contact:
    return Contact.normalized(
        salutation=rng.choice(["Mr.", "Ms.", "Dr.", ""]),
        first_name=rng.choice(FIRST),
        last_name=f"Núñez-{i}",
        emails=[f"person{i}@client{i % 41}.example"],
        title=rng.choice(["Buyer", "CFO", "Directrice commerciale"]),
        business_phone=f"+33 1 42 00 {i % 10000:04d}",
        mobile_phone=f"+33 6 12 {i % 100:02d} {i % 10000:04d}",
        company=ACCOUNTS[i % len(ACCOUNTS)],
        mailing_address={"street": f"{i} rue de Rivoli", "city": "Paris", "country": "France"},
        description="Met at the salon.\nFollow up in Q3.",
    )


def event(rng: random.Random, i: int, today: datetime, guests: list[str]) -> Event:
    """Mostly meetings; every 10th a weekly series, every 7th an all-day event, every 5th
    with invitees (`guests`: e-mails of the owner's contacts)."""
    day = today + timedelta(days=1 + i % 300)
    start = day.replace(hour=7 + i % 9, minute=30 * (i % 2))
    if i % 7 == 3:
        days = 1 + i % 3
        return Event.normalized(
            subject=f"Salon {i}", start=day.date(), end=(day + timedelta(days=days)).date(),
            all_day=True, time_zone=ZONE, show_as="oof" if days > 1 else "free",
        )  # fmt: skip
    recurrence = None
    if i % 10 == 0:
        weekday = start.astimezone(ZoneInfo(ZONE)).strftime("%a")[:2].upper()
        recurrence = f"FREQ=WEEKLY;BYDAY={weekday};COUNT=8"
    attendees = rng.sample(guests, k=min(2, len(guests))) if i % 5 == 1 else []
    return Event.normalized(
        subject=f"Réunion {i}", start=start, end=start + timedelta(minutes=30 + 30 * (i % 3)),
        time_zone=ZONE, location=rng.choice(["Teams", "Salle Étoile", ""]),
        description="Agenda:\n- bilan\n- next steps", recurrence=recurrence, attendees=attendees,
    )  # fmt: skip


def extra(size: int) -> int:
    """Items that exist only in the mailbox (created in Salesforce by the initial sync)."""
    return max(1, size // 20)


# --- seeding ------------------------------------------------------------------------------------
@dataclass
class World:
    sandbox: Sandbox
    mail: str
    email: str
    user_pk: int
    owner: str  # the Salesforce user id
    sizes: dict[str, int]


def seed(world: World, seed_value: int) -> None:
    """Salesforce: every item. Mailbox: every 4th item (initial matching) and `extra` more."""
    rng = random.Random(seed_value)
    sandbox, owner = world.sandbox, world.owner
    accounts = {name: sandbox.salesforce_account(owner, name) for name in ACCOUNTS}
    folder = sandbox.mailbox_folder(world.mail, world.email)
    n, m = world.sizes["contacts"], world.sizes["events"]
    contact_ids: dict[str, str] = {}
    for i in range(n + extra(n)):
        record = contact(rng, i)
        if i < n:
            contact_ids[record.email] = sandbox.salesforce_put(
                owner, record, accounts[record.company], []
            )
        if i % 4 == 0 or i >= n:
            sandbox.mailbox_put(world.mail, world.email, record, folder)
    guests = sorted(contact_ids)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for i in range(m + extra(m)):
        meeting = event(rng, i, today, guests if i < m else [])
        if i < m:
            invitees = [contact_ids[a.email] for a in meeting.attendees]
            sandbox.salesforce_put(owner, meeting, None, invitees)
        if i % 4 == 0 or i >= m:
            sandbox.mailbox_put(world.mail, world.email, meeting, folder)


def edit_both_sides(world: World, kind: str, rng: random.Random) -> int:
    """Edits 1% of the synced items in Salesforce and another 1% in the mailbox (single items:
    a series edit is a different workload). Returns how many were edited on each side."""
    from mappings.models import ItemMapping, ItemState
    from syncengine.models import SyncUser
    from syncengine.stores.base import Update

    user = SyncUser.objects.get(pk=world.user_pk)
    count = max(1, world.sizes[kind] // 100)
    pairs = sorted(
        ItemMapping.objects.filter(sync_user=user, kind=kind, state=ItemState.SYNCED).values_list(
            "salesforce_id", "mailbox_id"
        )
    )
    sf = world.sandbox.salesforce
    single = [p for p in pairs if not (sf.record(p[0]) or {}).get("IsRecurrence2")]
    chosen = rng.sample(single, 2 * count)
    for n, (salesforce_id, _) in enumerate(chosen[:count]):
        change = {"Title": f"Edited {n}"} if kind == "contacts" else {"Location": f"Room {n}"}
        sf.update_record(salesforce_id, change, as_user=world.owner)
    store = mailbox_store(user, kind)
    items = store.get([mailbox_id for _, mailbox_id in chosen[count:]])
    name = "mobile_phone" if kind == "contacts" else "description"
    ops = []
    for n, item in enumerate(items.values()):
        value = f"+33 7 00 00 {n:04d}" if kind == "contacts" else f"Notes {n}"
        record = replace(item.record, **{name: value})
        ops.append(Update(item.id, record, item.version, frozenset({name})))
    failed = [r.error for r in store.apply(ops) if not r.ok]
    if failed or len(ops) != count:
        raise RuntimeError(f"could not edit the mailbox: {failed or len(ops)}")
    return count


def mailbox_store(user: Any, kind: str) -> Any:
    from syncengine import registry

    return registry.mail_provider_for(user).build_store(user, kind)


# --- running and measuring ----------------------------------------------------------------------
class Recorder:
    """Keeps the stores `sync_user` builds, to read their API call counters afterwards."""

    def __init__(self) -> None:
        self.built: list[tuple[Any, Any]] = []

    def __enter__(self) -> Recorder:
        import syncengine.registry as providers

        self.real = providers.build_provider_stores

        def build(user: Any, kind: Any) -> tuple[Any, Any]:
            pair = self.real(user, kind)
            self.built.append(pair)
            return pair

        providers.build_provider_stores = build  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        import syncengine.registry as providers

        providers.build_provider_stores = self.real  # type: ignore[assignment]


def measure(world: World, kind: str, scenario: str, recorder: Recorder) -> Figure:
    from syncengine import service

    recorder.built.clear()
    before = world.sandbox.http_requests()
    tracemalloc.start()
    started = time.perf_counter()
    outcome = service.sync_user(world.user_pk, kind)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = world.sandbox.http_requests()
    calls = {"salesforce": 0, "mailbox": 0}
    for sf_store, mail_store in recorder.built:
        calls["salesforce"] += sf_store.api_calls
        calls["mailbox"] += mail_store.api_calls
    size = world.sizes[kind]
    return Figure(
        world.mail, kind, scenario, size + extra(size), seconds, peak / 2**20, calls,
        {side: after[side] - before[side] for side in after}, outcome.status,
        {k: v for k, v in outcome.counts.items() if v},
    )  # fmt: skip


def writes(figure: Figure) -> int:
    return sum(v for k, v in figure.counts.items() if k.split("_")[0] in WRITES)


def listed(world: World, kind: str) -> tuple[int, int]:
    """How many items each side holds, by a full listing through the product's stores."""
    from connections.providers.salesforce.stores import build_store
    from syncengine.models import SyncUser

    user = SyncUser.objects.get(pk=world.user_pk)
    sf = build_store(user, kind)  # type: ignore[arg-type]
    return len(sf.changes(None).changed), len(mailbox_store(user, kind).changes(None).changed)


def bench_kind(world: World, kind: str, report: Report) -> None:
    rng = random.Random(7)
    with Recorder() as recorder:
        first = measure(world, kind, "initial sync", recorder)
        second = measure(world, kind, "second run (no changes)", recorder)
        edited = edit_both_sides(world, kind, rng)
        third = measure(world, kind, "1% edited on each side", recorder)
        check = measure(world, kind, "check run (no changes)", recorder)
    figures = [first, second, third, check]
    for figure in figures:
        print(figure.row(), flush=True)
    report.figures.extend(figures)
    where = f"{world.mail} {kind}"
    for figure in figures:
        if figure.status != "ok":
            report.problems.append(f"{where}: {figure.scenario} ended {figure.status}")
    for figure in (second, check):
        if writes(figure):
            report.problems.append(f"{where}: {figure.scenario} wrote {figure.counts}")
    carried = {k: third.counts.get(f"updated_{k}", 0) for k in ("salesforce", "mailbox")}
    if carried != {"salesforce": edited, "mailbox": edited}:
        report.problems.append(f"{where}: {edited} edits per side, carried {third.counts}")
    expected = first.items
    sf_count, mail_count = listed(world, kind)
    if not sf_count == mail_count == expected:
        report.problems.append(
            f"{where}: Salesforce holds {sf_count}, the mailbox {mail_count}, expected {expected}"
        )


def bench_mail(mail: str, contacts: int, events: int, report: Report, seed_value: int = 1) -> None:
    from bench.wiring import Sandbox
    from mappings.models import SyncIssue
    from syncengine.models import SyncConfiguration, SyncUser

    SyncUser.objects.all().delete()
    SyncConfiguration.objects.all().delete()
    sandbox = Sandbox(seed=seed_value)
    email = USERS[mail]
    with sandbox.wired():
        sandbox.connect_salesforce()
        sandbox.connect_mail(mail, email, NAME)
        user_pk = sandbox.make_sync_user(email, NAME, ZONE)
        owner = SyncUser.objects.get(pk=user_pk).salesforce_user_id
        world = World(
            sandbox, mail, email, user_pk, owner, {"contacts": contacts, "events": events}
        )
        seed(world, seed_value)
        for kind in ("contacts", "events"):
            bench_kind(world, kind, report)
    issues = SyncIssue.objects.filter(sync_user_id=user_pk, resolved_at__isnull=True)
    for issue in issues[:20]:
        report.problems.append(f"{mail}: open issue {issue.kind} {issue.code}: {issue.message}")


def run_benchmark(contacts: int, events: int, mails: tuple[str, ...] = MAILS) -> Report:
    """The benchmark's core, for an already configured Django with a migrated database."""
    report = Report()
    for mail in mails:
        bench_mail(mail, contacts, events, report)
    return report


def add_arguments(parser: argparse.ArgumentParser, *, with_json: bool = True) -> None:
    parser.add_argument("--contacts", type=int, default=500)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--mail", choices=[*MAILS, "both"], default="both")
    if with_json:
        parser.add_argument("--json", type=Path, default=None)


def main_with(args: argparse.Namespace) -> int:
    from bench.wiring import configure_django

    with tempfile.TemporaryDirectory(prefix="lsync-bench-") as directory:
        configure_django(Path(directory))
        print(
            f"{'mail':<12} {'kind':<8} {'scenario':<22} {'items':>6} {'time':>10} {'peak':>11} "
            "API calls/HTTP requests per side"
        )
        mails = MAILS if args.mail == "both" else (args.mail,)
        report = run_benchmark(args.contacts, args.events, mails)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report.as_json(), indent=2))
    for problem in report.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    print("checks: ok" if report.ok else f"checks: {len(report.problems)} problem(s)")
    return 0 if report.ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_arguments(parser)
    return main_with(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
