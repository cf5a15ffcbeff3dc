"""The series scenarios of issue 11 item 2, whichever mailbox the series goes to: one user who
syncs events (`SeriesOffice`), the series made and edited in Salesforce, and what is checked
afterwards: in Salesforce one series row, its occurrence rows (one an exception at the moved
time, one start with no row), the series' title on every plain occurrence, and no other Event;
in the mailbox one series with its exception dates and the moved occurrence placed in it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from connections.providers.salesforce.stores import build_store as salesforce_store
from sandbox.salesforce.app import SalesforceEmulator
from syncengine.engine import RunResult, run_sync
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Event
from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Item, Kind, Occurrence, Store

WRITES = ("created", "updated", "deleted")


class SeriesOffice:
    """One user syncing events through one mailbox store; subclasses set up the mail side first."""

    salesforce: SalesforceEmulator
    config: SyncConfiguration
    user: SyncUser

    def __init__(self, mailbox_store: Callable[[SyncUser, Kind], Store]) -> None:
        self.mailbox_store = mailbox_store

    def enroll(self, make_sync_user: Callable[..., SyncUser], email: str) -> None:
        self.config = SyncConfiguration.objects.create(name="Sales")
        self.user = make_sync_user(email, configuration=self.config)

    def run(self) -> RunResult:
        """One run, whatever it ends with (`sync` expects it to succeed)."""
        settings = self.config.settings_for("events", self.user.email)
        sf, mb = salesforce_store(self.user, "events"), self.mailbox_store(self.user, "events")
        return run_sync(sf, mb, DbMappingRepo(self.user, "events"), settings)

    def sync(self) -> RunResult:
        result = self.run()
        assert result.status == "ok" and not result.issues, (result.status, result.issues)
        return result

    def settle(self) -> None:
        """Runs until nothing is left to write (at most four)."""
        for _ in range(4):
            counts = self.sync().counts
            if not any(k.startswith(WRITES) for k in counts):
                return
        raise AssertionError(f"still writing after four runs: {counts}")

    def quiet(self) -> bool:
        """Whether one more run writes nothing."""
        return not any(k.startswith(WRITES) for k in self.sync().counts)

    def mailbox(self) -> list[Item]:
        return self.mailbox_store(self.user, "events").changes(None).changed

    def assert_one_series(self, title: str, start: datetime, moved_to: datetime) -> Item:
        """After the scenarios (the third of 10 weekly occurrences moved to `moved_to`, the fifth
        cancelled, the series renamed `title`): one series on each side and nothing else.
        Returns the mailbox's series, for the provider's own checks of its occurrences."""
        week = timedelta(days=7)
        master = assert_one_mailbox_series(
            self.mailbox(),
            title,
            exdates=(start + 2 * week, start + 4 * week),
            original=start + 2 * week,
            moved_to=moved_to,
        )
        assert_one_salesforce_series(
            self.salesforce,
            self.user.salesforce_user_id,
            title,
            occurrences=9,
            moved_to=moved_to,
            cancelled=start + 4 * week,
        )
        return master

    def made_and_edited_in_salesforce_before_the_first_sync(
        self, start: datetime, moved_to: datetime
    ) -> None:
        """The series made and edited (`edit_salesforce_series`) before it is first synced (row
        R2, then R1), then synced until nothing is left to write."""
        owner = self.user.salesforce_user_id
        series = make_salesforce_series(self.salesforce, owner, start)
        edit_salesforce_series(self.salesforce, owner, series, moved_to, "Forecast call")
        self.settle()

    def made_in_salesforce_then_edited(
        self, start: datetime, moved_to: datetime, occurrences: Callable[[str], int]
    ) -> None:
        """A series of 10 made in Salesforce and synced (one item in the mailbox, 10
        occurrences there), then edited in Salesforce (`edit_salesforce_series`) and synced."""
        owner = self.user.salesforce_user_id
        series = make_salesforce_series(self.salesforce, owner, start)
        assert self.sync().counts.get("created_mailbox") == 1
        (master,) = self.mailbox()
        assert occurrences(master.id) == 10
        edit_salesforce_series(self.salesforce, owner, series, moved_to, "Forecast call")
        self.settle()


def assert_one_salesforce_series(
    emulator: SalesforceEmulator,
    owner: str,
    title: str,
    *,
    occurrences: int,
    moved_to: datetime,
    cancelled: datetime,
) -> None:
    rows = [r for r in emulator.store.live("Event") if r["OwnerId"] == owner]
    (head,) = [r for r in rows if r["IsRecurrence2"] and not r["RecurrenceActivityId"]]
    assert head["Subject"] == title
    mine = [r for r in rows if r["RecurrenceActivityId"] == head["Id"]]
    assert len(mine) == occurrences and len(rows) == occurrences + 1  # no Event outside it
    (exception,) = [r for r in mine if r["IsRecurrence2Exception"]]
    assert exception["StartDateTime"] == moved_to
    assert {r["Subject"] for r in mine if not r["IsRecurrence2Exception"]} == {title}
    assert cancelled not in {r["StartDateTime"] for r in mine}


def make_salesforce_series(emulator: SalesforceEmulator, owner: str, start: datetime) -> str:
    """A weekly series of 10 made in Salesforce (the series row and 10 occurrence rows)."""
    return emulator.add_record("Event", {
        "Subject": "Pipeline review", "StartDateTime": start.isoformat(),
        "EndDateTime": (start + timedelta(hours=1)).isoformat(), "IsRecurrence2": True,
        "Recurrence2PatternText": "RRULE:FREQ=WEEKLY;INTERVAL=1;COUNT=10",
        "Recurrence2PatternTimeZone": "UTC",
    }, as_user=owner)  # fmt: skip


def edit_salesforce_series(
    emulator: SalesforceEmulator, owner: str, series: str, moved_to: datetime, title: str
) -> None:
    """In Salesforce: the third occurrence moved to `moved_to`, the fifth deleted, the series
    renamed `title`."""
    rows = sorted(
        (r for r in emulator.store.live("Event") if r["RecurrenceActivityId"] == series),
        key=lambda r: r["StartDateTime"],
    )
    emulator.update_record(rows[2]["Id"], {
        "StartDateTime": moved_to.isoformat(),
        "EndDateTime": (moved_to + timedelta(hours=1)).isoformat(),
    }, as_user=owner)  # fmt: skip
    emulator.delete_record(rows[4]["Id"], as_user=owner)
    emulator.update_record(series, {"Subject": title}, as_user=owner)


def assert_one_mailbox_series(
    items: list[Item],
    title: str,
    *,
    exdates: tuple[datetime, ...],
    original: datetime,
    moved_to: datetime,
) -> Item:
    """The mailbox store lists the series (its exception dates) and the moved occurrence as an
    item placed in it, and nothing else. Returns the series."""
    (master,) = [it for it in items if isinstance(it.record, Event) and it.record.recurrence]
    assert isinstance(master.record, Event) and master.record.recurrence is not None
    assert master.record.subject == title and master.record.recurrence.exdates == exdates
    (moved,) = [it for it in items if it is not master]
    assert moved.occurrence == Occurrence(master.id, original)
    assert isinstance(moved.record, Event) and moved.record.start == moved_to
    return master
