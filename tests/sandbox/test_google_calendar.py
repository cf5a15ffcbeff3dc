"""Calendar API v3 events through google-auth's AuthorizedSession (and google-api-python-client
over HTTPS for the batch endpoint); responses are checked against calendar.v3's discovery
document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.auth.transport.requests import AuthorizedSession

from tests.sandbox.test_google_schema import BASE, Rig, validate

EVENTS = f"{BASE}/calendar/v3/calendars/primary/events"


@pytest.fixture
def rig() -> Rig:
    return Rig()


@pytest.fixture
def api(rig: Rig) -> AuthorizedSession:
    return rig.authed()


def _insert(
    api: AuthorizedSession, params: dict[str, str] | None = None, **body: Any
) -> dict[str, Any]:
    event = {"summary": "Démo", "start": {"dateTime": "2026-12-01T10:00:00+01:00"},
             "end": {"dateTime": "2026-12-01T11:00:00+01:00"}, **body}  # fmt: skip
    response = api.post(EVENTS, params=params or {}, json=event)
    assert response.status_code == 200, response.text
    return dict(validate("calendar.events.insert", response.json()))


def _list(api: AuthorizedSession, **params: Any) -> dict[str, Any]:
    response = api.get(EVENTS, params=params)
    assert response.status_code == 200, response.text
    return dict(validate("calendar.events.list", response.json()))


def _full_sync(api: AuthorizedSession, **params: Any) -> tuple[list[dict[str, Any]], str]:
    items: list[dict[str, Any]] = []
    params = {"maxResults": 5, **params}
    while True:
        page = _list(api, **params)
        items += page["items"]
        if "nextPageToken" not in page:
            return items, page["nextSyncToken"]
        params["pageToken"] = page["nextPageToken"]


def test_the_seeded_calendar_lists_and_validates(rig: Rig, api: AuthorizedSession) -> None:
    items, token = _full_sync(api)
    assert len(items) == len(rig.emu.events(rig.user)) and token
    kinds = {("date" in i["start"], bool(i.get("recurrence"))) for i in items}
    assert (True, False) in kinds and (False, True) in kinds
    assert any(i.get("visibility") == "private" for i in items)
    zones = {a["start"].get("timeZone") for a in items}
    assert "Asia/Tokyo" in zones


def test_insert_get_patch_update_and_delete(api: AuthorizedSession) -> None:
    event = _insert(api, extendedProperties={"private": {"sfId": "00U5g00000XyZ"}})
    url = f"{EVENTS}/{event['id']}"
    assert validate("calendar.events.get", api.get(url).json())["summary"] == "Démo"
    patched = api.patch(
        url, json={"location": "Zürich", "extendedProperties": {"private": {"extra": "1"}}}
    )
    body = validate("calendar.events.patch", patched.json())
    assert body["location"] == "Zürich" and body["summary"] == "Démo"
    assert body["extendedProperties"]["private"] == {"sfId": "00U5g00000XyZ", "extra": "1"}
    assert body["etag"] != event["etag"]
    replaced = api.put(
        url,
        json={"summary": "Nouveau", "start": {"date": "2026-12-02"}, "end": {"date": "2026-12-03"}},
    )
    body = validate("calendar.events.update", replaced.json())
    assert "location" not in body and "extendedProperties" not in body and body["sequence"] == 1
    assert api.delete(url).status_code == 204
    assert validate("calendar.events.get", api.get(url).json())["status"] == "cancelled"
    again = api.delete(url)
    assert again.status_code == 410 and again.json()["error"]["errors"][0]["reason"] == "deleted"


def test_if_match_with_a_stale_etag_is_412(api: AuthorizedSession) -> None:
    event = _insert(api)
    url = f"{EVENTS}/{event['id']}"
    api.patch(url, json={"summary": "v2"})
    stale = api.patch(url, json={"summary": "v3"}, headers={"If-Match": event["etag"]})
    assert stale.status_code == 412
    assert stale.json()["error"]["errors"][0]["reason"] == "conditionNotMet"


@pytest.mark.parametrize("event_id", ["abc", "UPPERCASE123", "has-dash-123", "wxyz12345"])
def test_client_ids_must_be_base32hex(api: AuthorizedSession, event_id: str) -> None:
    answer = api.post(
        EVENTS,
        json={"id": event_id, "start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"}},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["errors"][0] == {"domain": "global", "reason": "invalid",
                                                   "message": "Invalid resource id value."}  # fmt: skip


def test_a_client_id_can_be_used_once(api: AuthorizedSession) -> None:
    event = _insert(api, id="00u5g00000abc0123456789abc")
    assert event["id"] == "00u5g00000abc0123456789abc"
    duplicate = api.post(
        EVENTS,
        json={"id": event["id"], "start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"}},
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["errors"][0]["reason"] == "duplicate"


def test_bad_times_are_rejected_as_google_does(api: AuthorizedSession) -> None:
    empty = api.post(EVENTS, json={"start": {"date": "2026-12-02"}, "end": {"date": "2026-12-01"}})
    assert empty.json()["error"]["errors"][0]["reason"] == "timeRangeEmpty"
    no_zone = api.post(EVENTS, json={"start": {"dateTime": "2026-12-02T10:00:00+01:00"},
                                     "end": {"dateTime": "2026-12-02T11:00:00+01:00"},
                                     "recurrence": ["RRULE:FREQ=DAILY;COUNT=2"]})  # fmt: skip
    assert no_zone.json()["error"]["message"] == "Missing time zone definition for start time."
    bad_rule = api.post(EVENTS, json={"start": {"date": "2026-12-02"}, "end": {"date": "2026-12-03"},
                                      "recurrence": ["RRULE:FREQ=SOMETIMES"]})  # fmt: skip
    assert bad_rule.status_code == 400
    bad_guest = api.post(EVENTS, json={"start": {"date": "2026-12-02"}, "end": {"date": "2026-12-03"},
                                       "attendees": [{"email": "not-an-address"}]})  # fmt: skip
    assert bad_guest.json()["error"]["message"] == "Invalid attendee email."


def test_incremental_sync_returns_changes_and_cancelled_events(api: AuthorizedSession) -> None:
    items, token = _full_sync(api)
    created = _insert(api)
    gone = next(i for i in items if not i.get("recurrence"))
    api.delete(f"{EVENTS}/{gone['id']}")
    changes = _list(api, syncToken=token)
    by_id = {i["id"]: i for i in changes["items"]}
    assert set(by_id) == {created["id"], gone["id"]}
    assert by_id[gone["id"]]["status"] == "cancelled"
    assert _list(api, syncToken=changes["nextSyncToken"])["items"] == []


def test_deleted_events_show_only_with_show_deleted(api: AuthorizedSession) -> None:
    event = _insert(api)
    api.delete(f"{EVENTS}/{event['id']}")
    assert event["id"] not in {i["id"] for i in _list(api, maxResults=2500)["items"]}
    shown = {i["id"]: i for i in _list(api, showDeleted="true", maxResults=2500)["items"]}
    assert shown[event["id"]]["status"] == "cancelled"


def test_a_stale_sync_token_is_410_full_sync_required(rig: Rig, api: AuthorizedSession) -> None:
    _items, token = _full_sync(api)
    rig.emu.expire_cursors()
    gone = api.get(EVENTS, params={"syncToken": token})
    assert gone.status_code == 410
    assert gone.json()["error"]["errors"][0] == {
        "domain": "calendar",
        "reason": "fullSyncRequired",
        "message": "Sync token is no longer valid, a full sync is required.",
        "locationType": "parameter",
        "location": "syncToken",
    }


def test_sync_tokens_do_not_combine_with_filters(api: AuthorizedSession) -> None:
    _items, token = _full_sync(api)
    answer = api.get(EVENTS, params={"syncToken": token, "timeMin": "2026-01-01T00:00:00Z"})
    assert answer.status_code == 400


def test_the_private_extended_property_filter(api: AuthorizedSession) -> None:
    mine = _insert(api, extendedProperties={"private": {"sfId": "00UA"}})
    _insert(api, extendedProperties={"private": {"sfId": "00UB"}, "shared": {"sfId": "00UA"}})
    found = _list(api, privateExtendedProperty="sfId=00UA")["items"]
    assert [i["id"] for i in found] == [mine["id"]]


def test_weekly_series_expand_into_instances_with_exdate_and_exceptions(
    api: AuthorizedSession,
) -> None:
    series = _insert(
        api,
        summary="Jour fixe",
        start={"dateTime": "2026-03-02T09:00:00", "timeZone": "Europe/Paris"},
        end={"dateTime": "2026-03-02T09:30:00", "timeZone": "Europe/Paris"},
        recurrence=[
            "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6",
            "EXDATE;TZID=Europe/Paris:20260316T090000",
        ],
    )
    moved_id = f"{series['id']}_20260323T080000Z"
    moved = api.patch(f"{EVENTS}/{moved_id}", json={"summary": "Jour fixe (moved)",
                      "start": {"dateTime": "2026-03-23T11:00:00+01:00"},
                      "end": {"dateTime": "2026-03-23T11:30:00+01:00"}})  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert validate("calendar.events.patch", moved.json())["recurringEventId"] == series["id"]
    cancelled_id = f"{series['id']}_20260406T070000Z"
    assert api.delete(f"{EVENTS}/{cancelled_id}").status_code == 204
    window = {"timeMin": "2026-03-01T00:00:00Z", "timeMax": "2026-04-30T00:00:00Z"}
    expanded = _list(api, singleEvents="true", orderBy="startTime", **window)["items"]
    mine = [i for i in expanded if i.get("recurringEventId") == series["id"]]
    assert [i["start"]["dateTime"] for i in mine] == [
        "2026-03-02T09:00:00+01:00",
        "2026-03-09T09:00:00+01:00",
        "2026-03-23T11:00:00+01:00",
        "2026-03-30T09:00:00+02:00",
    ]
    assert mine[0]["originalStartTime"] == {
        "dateTime": "2026-03-02T09:00:00+01:00",
        "timeZone": "Europe/Paris",
    }
    assert mine[2]["summary"] == "Jour fixe (moved)"
    masters = _list(api, **window)["items"]
    assert series["id"] in {i["id"] for i in masters}
    assert moved_id in {i["id"] for i in masters}
    instances = api.get(f"{EVENTS}/{series['id']}/instances").json()
    assert len(validate("calendar.events.instances", instances)["items"]) == 4


def test_deleting_a_series_cancels_its_exceptions(api: AuthorizedSession) -> None:
    series = _insert(api, start={"date": "2026-05-01"}, end={"date": "2026-05-02"},
                     recurrence=["RRULE:FREQ=DAILY;COUNT=3"])  # fmt: skip
    api.patch(f"{EVENTS}/{series['id']}_20260502", json={"summary": "changed"})
    api.delete(f"{EVENTS}/{series['id']}")
    items = _list(
        api, singleEvents="true", timeMin="2026-05-01T00:00:00Z", timeMax="2026-05-05T00:00:00Z"
    )
    assert not [i for i in items["items"] if series["id"] in i["id"]]


def test_send_updates_is_recorded_per_write(rig: Rig, api: AuthorizedSession) -> None:
    guests = [{"email": "client@acme.example"}, {"email": rig.other}]
    quiet = _insert(api, attendees=guests)
    _insert(api, params={"sendUpdates": "all"}, attendees=guests)
    _insert(api, params={"sendUpdates": "externalOnly"}, attendees=guests)
    api.delete(f"{EVENTS}/{quiet['id']}", params={"sendUpdates": "none"})
    log = rig.emu.sent_updates[-4:]
    assert [(e["action"], e["sendUpdates"], e["recipients"]) for e in log] == [
        ("insert", "none", []),
        ("insert", "all", ["client@acme.example", rig.other]),
        ("insert", "externalOnly", ["client@acme.example"]),
        ("delete", "none", []),
    ]
    bad = api.post(
        EVENTS,
        params={"sendUpdates": "everyone"},
        json={"start": {"date": "2026-01-01"}, "end": {"date": "2026-01-02"}},
    )
    assert bad.json()["error"]["errors"][0]["reason"] == "invalidParameter"


def test_another_users_calendar_is_not_found(rig: Rig, api: AuthorizedSession) -> None:
    answer = api.get(f"{BASE}/calendar/v3/calendars/{rig.other}/events")
    assert answer.status_code == 404
    assert api.get(f"{BASE}/calendar/v3/calendars/{rig.user}/events").status_code == 200


def test_time_windows_filter_single_events(api: AuthorizedSession) -> None:
    start = datetime(2027, 2, 1, 9, tzinfo=UTC)
    event = _insert(
        api,
        start={"dateTime": start.isoformat()},
        end={"dateTime": (start + timedelta(hours=1)).isoformat()},
    )
    inside = _list(api, timeMin="2027-02-01T09:30:00Z", timeMax="2027-02-01T12:00:00Z")["items"]
    assert [i["id"] for i in inside] == [event["id"]]
    assert _list(api, timeMin="2027-02-01T10:00:00Z", timeMax="2027-02-02T00:00:00Z")["items"] == []
