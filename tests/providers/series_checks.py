"""What the series scenarios of issue 11 item 2 check in the Salesforce emulator, whichever
mailbox the series went to: one series row, its occurrence rows (one an exception at the moved
time, one start with no row), the series' title on every plain occurrence, and no other Event."""

from __future__ import annotations

from datetime import datetime, timedelta

from sandbox.salesforce.app import SalesforceEmulator
from syncengine.records import Event
from syncengine.stores.base import Item, Occurrence


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
