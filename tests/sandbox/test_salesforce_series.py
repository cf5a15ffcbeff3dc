"""The Salesforce emulator stores a Lightning event series (Recurrence2) as an org does: the
series row and one Event row per occurrence; an edited occurrence is an exception, a deleted one
has no row, and the series' edits reach the occurrences that are no exceptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox.inprocess import mount
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import connect, make_certificate

KEY = "3MVG9lsync.series"
MONDAY = (datetime.now(UTC) + timedelta(days=7 - datetime.now(UTC).weekday())).replace(
    hour=9, minute=0, second=0, microsecond=0
)
FIELDS = (
    "Id, Subject, StartDateTime, EndDateTime, IsRecurrence2, RecurrenceActivityId, "
    "IsRecurrence2Exception, IsRecurrence2Exclusion, IsDeleted"
)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class Org:
    def __init__(self) -> None:
        private, certificate = make_certificate()
        self.app = SalesforceEmulator(seed=3)
        self.app.seed({"company": {"users": 1, "seed": 1}})
        self.app.register_connected_app(KEY, certificate)
        session = requests.Session()
        session.trust_env = False
        base = mount(session, {"salesforce": self.app})["salesforce"]
        user = next(
            u for u in self.app.store.live("User")
            if u["IsActive"] and not u["Username"].startswith(("admin@", "duplicate."))
        )  # fmt: skip
        self.sf = connect(session, base, private, KEY, user["Username"])

    def series(self, rule: str = "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=10") -> str:
        made = self.sf.Event.create({
            "Subject": "Pipeline review", "StartDateTime": stamp(MONDAY),
            "EndDateTime": stamp(MONDAY + timedelta(hours=1)), "IsRecurrence2": True,
            "Recurrence2PatternText": f"RRULE:{rule}", "Recurrence2PatternTimeZone": "Europe/Oslo",
        })  # fmt: skip
        return str(made["id"])

    def occurrences(self, series: str, deleted: bool = False) -> list[dict[str, Any]]:
        soql = (
            f"SELECT {FIELDS} FROM Event WHERE RecurrenceActivityId = '{series}' "
            "ORDER BY StartDateTime"
        )
        return list(self.sf.query_all(soql, include_deleted=deleted)["records"])


@pytest.fixture
def org() -> Org:
    return Org()


def test_a_series_of_ten_is_the_series_row_and_ten_occurrence_rows(org: Org) -> None:
    series = org.series()
    rows = org.occurrences(series)
    assert len(rows) == 10
    assert [r["StartDateTime"][:19] for r in rows[:2]] == [
        MONDAY.strftime("%Y-%m-%dT%H:%M:%S"),
        (MONDAY + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S"),
    ]
    assert all(r["IsRecurrence2"] and r["Subject"] == "Pipeline review" for r in rows)
    assert not any(r["IsRecurrence2Exception"] or r["IsRecurrence2Exclusion"] for r in rows)
    everything = org.sf.query("SELECT Id FROM Event WHERE Subject = 'Pipeline review'")
    assert everything["totalSize"] == 11


def test_occurrences_keep_the_wall_time_of_the_series_zone_across_daylight_saving(org: Org) -> None:
    series = org.series("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=30")
    hours = {
        datetime.fromisoformat(r["StartDateTime"].replace("+0000", "+00:00"))
        .astimezone(ZoneInfo("Europe/Oslo"))
        .hour
        for r in org.occurrences(series)
    }
    assert hours == {MONDAY.astimezone(ZoneInfo("Europe/Oslo")).hour}


def test_a_rule_without_an_end_is_expanded_to_a_horizon(org: Org) -> None:
    series = org.series("FREQ=MONTHLY;INTERVAL=1")
    assert 20 <= len(org.occurrences(series)) <= 26


def test_editing_one_occurrence_makes_it_an_exception_that_keeps_its_series(org: Org) -> None:
    series = org.series()
    third = org.occurrences(series)[2]
    moved = MONDAY + timedelta(days=15, hours=2)
    org.sf.Event.update(third["Id"], {"StartDateTime": stamp(moved),
                                      "EndDateTime": stamp(moved + timedelta(hours=1))})  # fmt: skip
    rows = {r["Id"]: r for r in org.occurrences(series)}
    assert rows[third["Id"]]["IsRecurrence2Exception"] is True
    assert rows[third["Id"]]["RecurrenceActivityId"] == series
    assert sum(r["IsRecurrence2Exception"] for r in rows.values()) == 1


def test_an_occurrence_cannot_change_the_pattern(org: Org) -> None:
    series = org.series()
    first = org.occurrences(series)[0]
    with pytest.raises(SalesforceMalformedRequest):
        org.sf.Event.update(first["Id"], {"Recurrence2PatternText": "RRULE:FREQ=DAILY;COUNT=2"})


def test_deleting_one_occurrence_deletes_that_row_only(org: Org) -> None:
    series = org.series()
    fifth = org.occurrences(series)[4]
    org.sf.Event.delete(fifth["Id"])
    assert len(org.occurrences(series)) == 9
    gone = [r for r in org.occurrences(series, deleted=True) if r["IsDeleted"]]
    assert [r["Id"] for r in gone] == [fifth["Id"]]
    assert org.sf.Event.get(series)["IsRecurrence2"] is True


def test_retitling_the_series_reaches_every_occurrence_but_the_exceptions(org: Org) -> None:
    series = org.series()
    rows = org.occurrences(series)
    org.sf.Event.update(rows[1]["Id"], {"Subject": "Pipeline review (with finance)"})
    org.sf.Event.update(series, {"Subject": "Forecast call"})
    subjects = [r["Subject"] for r in org.occurrences(series)]
    assert subjects[1] == "Pipeline review (with finance)"
    assert subjects[:1] + subjects[2:] == ["Forecast call"] * 9


def test_changing_the_pattern_makes_the_occurrences_again(org: Org) -> None:
    series = org.series()
    old = {r["Id"] for r in org.occurrences(series)}
    org.sf.Event.update(
        series, {"Recurrence2PatternText": "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;COUNT=4"}
    )
    rows = org.occurrences(series)
    assert len(rows) == 4 and not old & {r["Id"] for r in rows}
    starts = [r["StartDateTime"][:10] for r in rows]
    assert starts[1] == (MONDAY + timedelta(days=14)).strftime("%Y-%m-%d")


def test_deleting_the_series_deletes_its_occurrences(org: Org) -> None:
    series = org.series()
    org.sf.Event.delete(series)
    assert org.occurrences(series) == []
    assert len(org.occurrences(series, deleted=True)) == 10
