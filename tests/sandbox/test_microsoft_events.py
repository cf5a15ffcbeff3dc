from __future__ import annotations

from typing import Any

from tests.sandbox.test_microsoft_fixtures import ALICE, BASE, BOB, Graph, error_code, graph

__all__ = ["graph"]

WINDOW = {"startDateTime": "2026-05-01T00:00:00Z", "endDateTime": "2026-06-01T00:00:00Z"}


def _event(graph: Graph, **fields: Any) -> dict[str, Any]:
    body = {
        "subject": "Renewal call",
        "start": {"dateTime": "2026-05-04T09:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-05-04T10:00:00", "timeZone": "W. Europe Standard Time"},
        **fields,
    }
    created = graph.post(f"/users/{ALICE}/events", json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def _weekly(count: int = 4) -> dict[str, Any]:
    return {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
        "range": {"type": "numbered", "startDate": "2026-05-04", "numberOfOccurrences": count},
    }


def _view(graph: Graph, **headers: str) -> list[dict[str, Any]]:
    response = graph.get(
        f"/users/{ALICE}/calendarView", params={**WINDOW, "$top": "50"}, headers=headers
    )
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


def test_an_event_round_trips_with_windows_and_iana_zones(graph: Graph) -> None:
    event = _event(
        graph,
        body={"contentType": "text", "content": "Prices & terms"},
        isAllDay=False,
        showAs="tentative",
        sensitivity="private",
        location={"displayName": "Salle Lumière"},
    )
    assert event["type"] == "singleInstance"
    assert len(event["createdDateTime"]) == len("2026-05-04T07:00:00.0000000Z")
    assert event["start"] == {"dateTime": "2026-05-04T07:00:00.0000000", "timeZone": "UTC"}
    assert event["originalStartTimeZone"] == "W. Europe Standard Time"
    assert event["sensitivity"] == "private" and event["showAs"] == "tentative"
    assert (
        event["body"]["contentType"] == "html" and "Prices &amp; terms" in event["body"]["content"]
    )
    in_tokyo = graph.get(
        f"/users/{ALICE}/events/{event['id']}", headers={"Prefer": 'outlook.timezone="Asia/Tokyo"'}
    ).json()
    assert in_tokyo["start"] == {
        "dateTime": "2026-05-04T16:00:00.0000000",
        "timeZone": "Asia/Tokyo",
    }
    as_text = graph.get(
        f"/users/{ALICE}/events/{event['id']}",
        headers={"Prefer": 'outlook.body-content-type="text"'},
    ).json()
    assert as_text["body"] == {"contentType": "text", "content": "Prices & terms"}
    iana = _event(
        graph,
        start={"dateTime": "2026-05-05T09:00:00", "timeZone": "America/New_York"},
        end={"dateTime": "2026-05-05T09:30:00", "timeZone": "America/New_York"},
    )
    assert iana["start"]["dateTime"] == "2026-05-05T13:00:00.0000000"


def test_an_unknown_zone_is_refused(graph: Graph) -> None:
    refused = graph.post(
        f"/users/{ALICE}/events",
        json={
            "subject": "x",
            "start": {"dateTime": "2026-05-04T09:00:00", "timeZone": "Mars/Olympus"},
            "end": {"dateTime": "2026-05-04T10:00:00", "timeZone": "Mars/Olympus"},
        },
    )
    assert refused.status_code == 400
    assert error_code(refused) == "TimeZoneNotSupportedException"


def test_all_day_events_need_midnight_bounds(graph: Graph) -> None:
    day = _event(
        graph,
        isAllDay=True,
        start={"dateTime": "2026-05-06T00:00:00", "timeZone": "Pacific Standard Time"},
        end={"dateTime": "2026-05-08T00:00:00", "timeZone": "Pacific Standard Time"},
    )
    assert day["isAllDay"] is True
    assert day["start"]["dateTime"] == "2026-05-06T00:00:00.0000000"
    assert day["end"]["dateTime"] == "2026-05-08T00:00:00.0000000"
    bad = graph.post(
        f"/users/{ALICE}/events",
        json={
            "subject": "x",
            "isAllDay": True,
            "start": {"dateTime": "2026-05-06T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-05-07T09:00:00", "timeZone": "UTC"},
        },
    )
    assert bad.status_code == 400


def test_updates_and_deletes_honour_if_match(graph: Graph) -> None:
    event = _event(graph)
    path = f"/users/{ALICE}/events/{event['id']}"
    changed = graph.patch(
        path, json={"subject": "Moved"}, headers={"If-Match": event["@odata.etag"]}
    )
    assert changed.json()["subject"] == "Moved"
    stale = graph.patch(path, json={"subject": "Again"}, headers={"If-Match": event["@odata.etag"]})
    assert stale.status_code == 412
    assert graph.delete(path).status_code == 204
    assert error_code(graph.get(path)) == "ErrorItemNotFound"


def test_a_series_expands_into_occurrences_and_exceptions(graph: Graph) -> None:
    master = _event(graph, subject="Weekly sync", recurrence=_weekly())
    assert master["type"] == "seriesMaster"
    assert master["recurrence"]["pattern"]["daysOfWeek"] == ["monday"]
    listed = graph.get(f"/users/{ALICE}/events").json()["value"]
    assert [e["type"] for e in listed] == ["seriesMaster"]
    occurrences = _view(graph)
    assert [o["type"] for o in occurrences] == ["occurrence"] * 4
    assert {o["seriesMasterId"] for o in occurrences} == {master["id"]}
    assert [o["start"]["dateTime"][:10] for o in occurrences] == [
        "2026-05-04", "2026-05-11", "2026-05-18", "2026-05-25",
    ]  # fmt: skip
    second, third = occurrences[1], occurrences[2]
    moved = graph.patch(
        f"/users/{ALICE}/events/{second['id']}",
        json={
            "subject": "Weekly sync (moved)",
            "start": {"dateTime": "2026-05-12T15:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-05-12T15:30:00", "timeZone": "UTC"},
        },
    )
    assert moved.status_code == 200
    assert moved.json()["type"] == "exception"
    assert moved.json()["originalStart"] == "2026-05-11T07:00:00Z"
    assert graph.delete(f"/users/{ALICE}/events/{third['id']}").status_code == 204
    after = _view(graph)
    assert [(o["type"], o["start"]["dateTime"][:16]) for o in after] == [
        ("occurrence", "2026-05-04T07:00"),
        ("exception", "2026-05-12T15:00"),
        ("occurrence", "2026-05-25T07:00"),
    ]
    instances = graph.get(f"/users/{ALICE}/events/{master['id']}/instances", params=WINDOW).json()
    assert len(instances["value"]) == 3


def test_daylight_saving_keeps_the_wall_time_of_a_series(graph: Graph) -> None:
    _event(
        graph,
        start={"dateTime": "2026-03-23T09:00:00", "timeZone": "Europe/Paris"},
        end={"dateTime": "2026-03-23T09:30:00", "timeZone": "Europe/Paris"},
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
            "range": {"type": "endDate", "startDate": "2026-03-23", "endDate": "2026-04-06"},
        },
    )
    view = graph.get(
        f"/users/{ALICE}/calendarView",
        params={"startDateTime": "2026-03-20T00:00:00Z", "endDateTime": "2026-04-10T00:00:00Z"},
    ).json()["value"]
    assert [v["start"]["dateTime"][:16] for v in view] == [
        "2026-03-23T08:00", "2026-03-30T07:00", "2026-04-06T07:00",
    ]  # fmt: skip


def test_monthly_and_yearly_patterns_expand(graph: Graph) -> None:
    _event(
        graph,
        subject="Board",
        start={"dateTime": "2026-01-08T10:00:00", "timeZone": "UTC"},
        end={"dateTime": "2026-01-08T11:00:00", "timeZone": "UTC"},
        recurrence={
            "pattern": {
                "type": "relativeMonthly",
                "interval": 1,
                "daysOfWeek": ["thursday"],
                "index": "second",
            },
            "range": {"type": "noEnd", "startDate": "2026-01-08"},
        },
    )
    view = graph.get(
        f"/users/{ALICE}/calendarView",
        params={"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-05-01T00:00:00Z"},
    ).json()["value"]
    assert [v["start"]["dateTime"][:10] for v in view] == [
        "2026-01-08", "2026-02-12", "2026-03-12", "2026-04-09",
    ]  # fmt: skip


def _round(graph: Graph, url: str, **params: str) -> tuple[list[dict[str, Any]], str]:
    """Follows nextLinks to the deltaLink; returns (items, deltaLink)."""
    items: list[dict[str, Any]] = []
    while True:
        body = graph.get(url, params=params or None).json()
        params = {}
        items += body["value"]
        if "@odata.deltaLink" in body:
            return items, body["@odata.deltaLink"]
        url = body["@odata.nextLink"]


def test_the_first_calendar_view_delta_page_is_empty_with_a_next_link(graph: Graph) -> None:
    _event(graph)
    first = graph.get(f"/users/{ALICE}/calendarView/delta", params=WINDOW).json()
    assert first["value"] == []
    assert "$skiptoken=" in first["@odata.nextLink"]
    assert "@odata.deltaLink" not in first


def test_calendar_view_delta_tracks_series_edits_and_removals(graph: Graph) -> None:
    master = _event(graph, subject="Weekly sync", recurrence=_weekly(3))
    single = _event(graph, subject="One-off")
    items, link = _round(graph, f"/users/{ALICE}/calendarView/delta", **WINDOW)
    assert sorted(v["type"] for v in items) == ["occurrence"] * 3 + ["singleInstance"]
    assert "startDateTime" not in link
    assert _round(graph, link)[0] == []
    graph.delete(f"/users/{ALICE}/events/{single['id']}")
    graph.patch(f"/users/{ALICE}/events/{master['id']}", json={"subject": "Weekly sync v2"})
    changes, link = _round(graph, link)
    removed = [v for v in changes if "@removed" in v]
    assert [v["id"] for v in removed] == [single["id"]]
    assert {v["subject"] for v in changes if "@removed" not in v} == {"Weekly sync v2"}
    refused = graph.get(
        f"/users/{ALICE}/calendarView/delta", params={**WINDOW, "$select": "subject"}
    )
    assert refused.status_code == 400
    assert graph.get(f"/users/{ALICE}/calendarView/delta").status_code == 400
    graph.app.expire_cursors()
    gone = graph.get(link)
    assert gone.status_code == 410
    assert error_code(gone) == "SyncStateNotFound"


def test_extended_property_finds_an_event(graph: Graph) -> None:
    prop = "String {66f5a359-4659-4830-9070-00040ec6ac6e} Name SalesforceId"
    tagged = _event(graph, singleValueExtendedProperties=[{"id": prop, "value": "00U000000001"}])
    _event(graph)
    found = graph.get(
        f"/users/{ALICE}/events",
        params={
            "$filter": f"singleValueExtendedProperties/Any(ep: ep/id eq '{prop}' and ep/value eq '00U000000001')",
            "$expand": f"singleValueExtendedProperties($filter=id eq '{prop}')",
        },
    ).json()["value"]
    assert [e["id"] for e in found] == [tagged["id"]]
    assert found[0]["singleValueExtendedProperties"][0]["value"] == "00U000000001"


def test_writes_with_attendees_record_invitations(graph: Graph) -> None:
    assert graph.app.invitations(ALICE) == []
    quiet = _event(graph)
    graph.patch(f"/users/{ALICE}/events/{quiet['id']}", json={"subject": "Still quiet"})
    assert graph.app.invitations(ALICE) == []
    guests = [
        {"emailAddress": {"address": BOB, "name": "Bob"}, "type": "required"},
        {"emailAddress": {"address": "ext@partner.example"}, "type": "optional"},
    ]
    meeting = _event(graph, attendees=guests)
    assert meeting["attendees"][0]["status"] == {"response": "none", "time": "0001-01-01T00:00:00Z"}
    sent = graph.app.invitations(ALICE)
    assert [(i.attendee, i.kind, i.event_id) for i in sent] == [
        (BOB, "request", meeting["id"]),
        ("ext@partner.example", "request", meeting["id"]),
    ]
    graph.patch(
        f"/users/{ALICE}/events/{meeting['id']}", json={"attendees": guests[:1], "subject": "New"}
    )
    kinds = [(i.attendee, i.kind) for i in graph.app.invitations(ALICE)[2:]]
    assert kinds == [("ext@partner.example", "cancel"), (BOB, "update")]
    graph.delete(f"/users/{ALICE}/events/{meeting['id']}")
    assert [(i.attendee, i.kind) for i in graph.app.invitations(ALICE)[4:]] == [(BOB, "cancel")]
    over_http = graph.session.get(f"{BASE}/_control/invitations", params={"mailbox": ALICE}).json()
    assert [i["kind"] for i in over_http["invitations"]] == [
        "request", "request", "cancel", "update", "cancel",
    ]  # fmt: skip
    assert (
        graph.session.get(f"{BASE}/_control/invitations?mailbox={BOB}").json()["invitations"] == []
    )


def test_a_retried_create_with_the_same_transaction_id_makes_one_event(graph: Graph) -> None:
    guests = [{"emailAddress": {"address": BOB}}]
    first = _event(graph, transactionId="7E163156-7762-4BEB-A1C6-729EA81755A7", attendees=guests)
    again = _event(graph, transactionId="7E163156-7762-4BEB-A1C6-729EA81755A7", attendees=guests)
    assert again["id"] == first["id"]
    assert len(graph.get(f"/users/{ALICE}/events").json()["value"]) == 1
    assert len(graph.app.invitations(ALICE)) == 1


def test_a_monthly_series_on_the_31st_falls_on_shorter_months_last_day(graph: Graph) -> None:
    _event(
        graph,
        start={"dateTime": "2026-01-31T10:00:00", "timeZone": "UTC"},
        end={"dateTime": "2026-01-31T11:00:00", "timeZone": "UTC"},
        recurrence={
            "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
            "range": {"type": "numbered", "startDate": "2026-01-31", "numberOfOccurrences": 4},
        },
    )
    view = graph.get(
        f"/users/{ALICE}/calendarView",
        params={"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-12-31T00:00:00Z"},
    ).json()["value"]
    assert [v["start"]["dateTime"][:10] for v in view] == [
        "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30",
    ]  # fmt: skip


def test_occurrences_keep_the_wall_time_of_the_recurrence_zone(graph: Graph) -> None:
    _event(
        graph,
        start={"dateTime": "2026-03-23T08:00:00", "timeZone": "UTC"},
        end={"dateTime": "2026-03-23T08:30:00", "timeZone": "UTC"},
        recurrence={
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
            "range": {
                "type": "numbered",
                "startDate": "2026-03-23",
                "numberOfOccurrences": 2,
                "recurrenceTimeZone": "Romance Standard Time",
            },
        },
    )
    view = graph.get(
        f"/users/{ALICE}/calendarView",
        params={"startDateTime": "2026-03-20T00:00:00Z", "endDateTime": "2026-04-10T00:00:00Z"},
    ).json()["value"]
    # 09:00 in Paris both weeks: 08:00 UTC before the switch to summer time, 07:00 after.
    assert [v["start"]["dateTime"][:16] for v in view] == ["2026-03-23T08:00", "2026-03-30T07:00"]


def test_an_exception_moved_into_the_window_from_a_later_week_is_listed(graph: Graph) -> None:
    _event(graph, subject="Weekly sync", recurrence=_weekly(8))
    later = graph.get(
        f"/users/{ALICE}/calendarView",
        params={"startDateTime": "2026-06-08T00:00:00Z", "endDateTime": "2026-06-09T00:00:00Z"},
    ).json()["value"][0]
    graph.patch(
        f"/users/{ALICE}/events/{later['id']}",
        json={
            "start": {"dateTime": "2026-05-06T15:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-05-06T15:30:00", "timeZone": "UTC"},
        },
    )
    early = graph.get(
        f"/users/{ALICE}/calendarView",
        params={"startDateTime": "2026-05-06T00:00:00Z", "endDateTime": "2026-05-07T00:00:00Z"},
    ).json()["value"]
    assert [(e["type"], e["id"]) for e in early] == [("exception", later["id"])]
