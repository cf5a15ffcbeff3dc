"""What the series scenarios of issue 11 item 2 check in the Salesforce emulator, whichever
mailbox the series went to: one series row, its occurrence rows (one an exception at the moved
time, one start with no row), the series' title on every plain occurrence, and no other Event."""

from __future__ import annotations

from datetime import datetime

from sandbox.salesforce.app import SalesforceEmulator


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
