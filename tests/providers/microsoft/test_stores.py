"""Graph store behaviour beyond the shared contract: invitations, throttling, expired delta tokens,
series, the contact folder, token refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.stores.contacts import GraphContactStore
from connections.providers.microsoft.stores.events import GraphEventStore
from syncengine.records import Attendee, Contact, Event
from syncengine.stores.base import Create, CursorExpired, ProviderError, RateLimited, Update
from tests.providers.microsoft.conftest import TENANT, USER, Microsoft

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
START = datetime(2026, 6, 1, 9, tzinfo=UTC)
GUESTS = [
    Attendee.normalized("bo@partner.example", "Bo"),
    Attendee.normalized("cy@partner.example"),
]


def meeting(**changes: object) -> Event:
    fields: dict[str, object] = {"subject": "Pricing", "start": START, "end": START + timedelta(hours=1),
                                 "time_zone": "Europe/Paris", "attendees": GUESTS}  # fmt: skip
    fields.update(changes)
    return Event.normalized(**fields)  # type: ignore[arg-type]


def events(invitations: bool = False) -> GraphEventStore:
    return GraphEventStore(GraphClient(TENANT), USER, *WINDOW, invitations=invitations)


def contacts() -> GraphContactStore:
    return GraphContactStore(GraphClient(TENANT), USER)


# --------------------------------------------------------------------------- invitations


def test_without_invitations_no_attendee_is_e_mailed_and_attendees_round_trip(
    microsoft: Microsoft,
) -> None:
    store = events(invitations=False)
    (created,) = store.apply([Create("a", meeting(), marker="00U000000000001AAA")])
    (updated,) = store.apply(
        [Update(created.id or "", meeting(subject="Pricing v2", attendees=GUESTS[:1]))]
    )
    assert created.ok and updated.ok
    assert microsoft.invitations() == []
    (item,) = store.changes(None).changed
    assert item.record == store.canonical(meeting(subject="Pricing v2", attendees=GUESTS[:1]))
    assert item.record.attendees == (GUESTS[0],)
    assert item.marker == "00U000000000001AAA"


def test_with_invitations_graph_e_mails_the_attendees(microsoft: Microsoft) -> None:
    store = events(invitations=True)
    (created,) = store.apply([Create("a", meeting())])
    assert sorted(microsoft.invitations()) == [
        "request:bo@partner.example",
        "request:cy@partner.example",
    ]
    (item,) = store.changes(None).changed
    assert [a.email for a in item.record.attendees] == ["bo@partner.example", "cy@partner.example"]
    assert created.ok


# --------------------------------------------------------------------------- throttling


def test_a_short_throttle_is_waited_out_once_inside_the_call(microsoft: Microsoft) -> None:
    microsoft.emulator.inject("429", route="graph.contactFolders.list", retry_after=2)
    assert contacts().changes(None).full
    assert microsoft.waits == [2.0]


def test_a_long_throttle_surfaces_as_rate_limited_with_its_retry_after(
    microsoft: Microsoft,
) -> None:
    microsoft.emulator.inject("429", route="graph.contactFolders.list", retry_after=120)
    with pytest.raises(RateLimited) as raised:
        contacts().changes(None)
    assert raised.value.retry_after == 120
    assert microsoft.waits == []


def test_a_second_short_throttle_is_left_to_the_engine(microsoft: Microsoft) -> None:
    microsoft.emulator.inject("429", route="graph.contactFolders.list", retry_after=1, times=2)
    with pytest.raises(RateLimited):
        contacts().changes(None)
    assert microsoft.waits == [1.0]


def test_a_throttled_batch_item_is_sent_again_once_when_the_wait_is_short(
    microsoft: Microsoft,
) -> None:
    store = contacts()
    store.folder_id()
    microsoft.emulator.inject("429", route="graph.contacts.create", retry_after=1)
    results = store.apply(
        [Create(f"r{i}", Contact.normalized(last_name=f"L{i}")) for i in range(3)]
    )
    assert all(r.ok for r in results)
    assert microsoft.waits == [1.0]
    assert len(microsoft.emulator.mailbox(USER).contacts) == 3


def test_a_batch_item_throttled_for_long_fails_alone_with_rate_limited(
    microsoft: Microsoft,
) -> None:
    store = contacts()
    store.folder_id()
    microsoft.emulator.inject("429", route="graph.contacts.create", retry_after=90)
    results = store.apply(
        [Create(f"r{i}", Contact.normalized(last_name=f"L{i}")) for i in range(3)]
    )
    assert [r.ok for r in results] == [False, True, True]
    assert isinstance(results[0].error, RateLimited) and results[0].error.retry_after == 90


# --------------------------------------------------------------------------- cursors and tokens


@pytest.mark.parametrize("with_location", [False, True])
def test_an_expired_delta_token_raises_cursor_expired(
    microsoft: Microsoft, with_location: bool
) -> None:
    microsoft.emulator.directory.gone_with_location = with_location
    for store in (contacts(), events()):
        cursor = store.changes(None).cursor
        microsoft.emulator.expire_cursors()
        with pytest.raises(CursorExpired):
            store.changes(cursor)


def test_a_revoked_token_is_replaced_without_the_caller_noticing(microsoft: Microsoft) -> None:
    store = contacts()
    store.changes(None)
    microsoft.emulator.revoke_tokens()
    assert store.changes(None).full


def test_stores_of_one_tenant_share_one_token(microsoft: Microsoft) -> None:
    contacts().changes(None)
    events().changes(None)
    tokens = [r for r in microsoft.emulator.request_log if "/oauth2/" in r[1]]
    assert len(tokens) == 1


# --------------------------------------------------------------------------- the contact folder


def test_an_existing_sync_folder_is_used_and_never_duplicated(microsoft: Microsoft) -> None:
    first = contacts().folder_id()
    assert contacts().folder_id() == first
    names = [f.data["displayName"] for f in microsoft.emulator.mailbox(USER).folders.values()]
    assert names.count("Salesforce_Sync") == 1


def test_contacts_outside_the_sync_folder_are_not_synced(microsoft: Microsoft) -> None:
    store = contacts()
    microsoft.emulator.add_contact(USER, {"givenName": "Private", "surname": "Person"})
    (made,) = store.apply([Create("a", Contact.normalized(last_name="Synced"))])
    page = store.changes(None)
    assert [it.id for it in page.changed] == [made.id]


# --------------------------------------------------------------------------- series


def test_a_series_is_one_item_and_a_moved_occurrence_is_an_item_of_its_own(
    microsoft: Microsoft,
) -> None:
    store = events()
    series = meeting(attendees=(), recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=4")
    (made,) = store.apply([Create("s", series, marker="00U000000000002AAA")])
    page = store.changes(None)
    assert [(it.id, it.marker) for it in page.changed] == [(made.id, "00U000000000002AAA")]
    assert page.changed[0].record == store.canonical(series)

    occurrences = store.client.send(
        "GET", f"/users/{USER}/events/{made.id}/instances",
        params={"startDateTime": "2026-06-01T00:00:00Z", "endDateTime": "2026-07-01T00:00:00Z"},
    )["value"]  # fmt: skip
    second = occurrences[1]
    store.client.send(
        "PATCH", f"/users/{USER}/events/{second['id']}", body={"subject": "Moved one"}
    )
    later = store.changes(page.cursor)
    by_id = {it.id: it for it in later.changed}
    assert set(by_id) == {made.id, second["id"]}
    assert by_id[second["id"]].record.subject == "Moved one"
    assert by_id[second["id"]].record.recurrence is None
    master = by_id[made.id].record
    assert master.recurrence is not None
    assert master.recurrence.exdates == (START + timedelta(days=7),)
    assert by_id[made.id].version != page.changed[0].version


def test_deleting_a_series_reports_the_master_deleted(microsoft: Microsoft) -> None:
    store = events()
    (made,) = store.apply([Create("s", meeting(attendees=(), recurrence="FREQ=DAILY;COUNT=3"))])
    cursor = store.changes(None).cursor
    del microsoft.emulator.mailbox(USER).events[made.id or ""]
    page = store.changes(cursor)
    assert page.changed == [] and made.id in page.deleted


def test_an_event_moved_out_of_the_window_is_changed_not_deleted(microsoft: Microsoft) -> None:
    store = events()
    (made,) = store.apply([Create("a", meeting(attendees=()))])
    cursor = store.changes(None).cursor
    gone_to = Event.normalized(subject="Pricing", start=datetime(2027, 3, 1, 9, tzinfo=UTC),
                               end=datetime(2027, 3, 1, 10, tzinfo=UTC), time_zone="Europe/Paris")  # fmt: skip
    (moved,) = store.apply([Update(made.id or "", gone_to, fields=frozenset({"start", "end"}))])
    assert moved.ok
    page = store.changes(cursor)
    assert made.id not in page.deleted
    assert [it.record.start for it in page.changed] == [gone_to.start]


def test_a_rule_outlook_cannot_hold_is_rejected_without_stopping_the_batch(
    microsoft: Microsoft,
) -> None:
    store = events()
    results = store.apply(
        [Create("a", meeting(recurrence="FREQ=HOURLY")), Create("b", meeting(attendees=()))]
    )
    assert [r.ok for r in results] == [False, True]
    assert results[0].error is not None and results[0].error.permanent


def test_an_occurrence_cancelled_in_outlook_is_read_as_an_exdate(microsoft: Microsoft) -> None:
    store = events()
    (made,) = store.apply([Create("s", meeting(attendees=(), recurrence="FREQ=DAILY;COUNT=5"))])
    cursor = store.changes(None).cursor
    third = store.client.send(
        "GET", f"/users/{USER}/events/{made.id}/instances",
        params={"startDateTime": "2026-06-01T00:00:00Z", "endDateTime": "2026-06-10T00:00:00Z"},
    )["value"][2]  # fmt: skip
    store.client.send("DELETE", f"/users/{USER}/events/{third['id']}")
    (item,) = store.changes(cursor).changed
    assert item.id == made.id
    assert item.record.recurrence is not None
    assert item.record.recurrence.exdates == (START + timedelta(days=2),)


def test_exdates_written_from_salesforce_cancel_those_occurrences(microsoft: Microsoft) -> None:
    store = events()
    series = meeting(attendees=(), recurrence={"rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=6",
                     "exdates": [START + timedelta(days=7), START + timedelta(days=21)]})  # fmt: skip
    (made,) = store.apply([Create("s", series)])
    assert made.ok
    (item,) = store.changes(None).changed
    assert item.record == store.canonical(series) == series
    listed = store.client.send(
        "GET", f"/users/{USER}/calendarView",
        params={"startDateTime": "2026-05-01T00:00:00Z", "endDateTime": "2026-08-01T00:00:00Z"},
    )["value"]  # fmt: skip
    assert len(listed) == 4
    assert microsoft.invitations() == []


def test_every_graph_request_asks_for_immutable_ids(
    microsoft: Microsoft, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, dict[str, str], object]] = []
    real = microsoft.session.request

    def spy(method: str, url: str, **kwargs: object) -> object:
        seen.append((url, dict(kwargs.get("headers") or {}), kwargs.get("json")))  # type: ignore[call-overload]
        return real(method, url, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(microsoft.session, "request", spy)
    store = contacts()
    store.apply([Create("a", Contact.normalized(last_name="Berg"))])
    store.changes(None)
    graph = [(url, headers, body) for url, headers, body in seen if "/v1.0/" in url]
    assert graph and all('IdType="ImmutableId"' in h.get("Prefer", "") for _u, h, _b in graph)
    steps = [s for url, _h, body in graph if url.endswith("$batch") for s in body["requests"]]  # type: ignore[index]
    assert steps and all('IdType="ImmutableId"' in s["headers"]["Prefer"] for s in steps)


def test_a_deleted_sync_folder_expires_the_cursor_and_is_created_again(
    microsoft: Microsoft,
) -> None:
    store = contacts()
    store.apply([Create("a", Contact.normalized(last_name="Berg"))])
    cursor = store.changes(None).cursor
    box = microsoft.emulator.mailbox(USER)
    folder = store.folder_id() or ""
    del box.folders[folder]
    with pytest.raises(CursorExpired):
        store.changes(cursor)
    page = store.changes(None)
    assert page.full and page.changed == []
    assert store.folder_id() not in (None, folder)


@pytest.mark.parametrize("kind", ["contacts", "events"])
def test_markers_of_a_large_listing_come_from_one_listing_not_a_get_per_item(
    microsoft: Microsoft, kind: str
) -> None:
    store: GraphContactStore | GraphEventStore = contacts() if kind == "contacts" else events()
    records = [
        Contact.normalized(last_name=f"L{i}") if kind == "contacts"
        else meeting(attendees=(), subject=f"M{i}", start=START + timedelta(hours=i), end=START + timedelta(hours=i, minutes=30))
        for i in range(60)
    ]  # fmt: skip
    for part in range(0, 60, 20):
        store.apply(
            [
                Create(f"r{i}", r, marker=f"003{i:015d}")
                for i, r in enumerate(records[part : part + 20], part)
            ]
        )
    before = store.api_calls
    page = store.changes(None)
    assert sorted(it.marker or "" for it in page.changed) == sorted(
        f"003{i:015d}" for i in range(60)
    )
    assert store.api_calls - before <= 3


def test_the_invitee_section_leaves_out_people_the_user_really_invited(
    microsoft: Microsoft,
) -> None:
    store = events(invitations=False)
    event_id = microsoft.emulator.add_event(USER, {
        "subject": "Pricing", "start": {"dateTime": "2026-06-01T11:00:00", "timeZone": "Romance Standard Time"},
        "end": {"dateTime": "2026-06-01T12:00:00", "timeZone": "Romance Standard Time"},
        "attendees": [{"emailAddress": {"address": "bo@partner.example", "name": "Bo"}, "type": "required"}],
    })  # fmt: skip
    wanted = meeting(description="New agenda")
    (result,) = store.apply(
        [Update(event_id, wanted, fields=frozenset({"description", "attendees"}))]
    )
    assert result.ok
    body = microsoft.emulator.mailbox(USER).events[event_id].data["body"]["content"]
    assert body.endswith("not e-mailed by lsync):\n- cy@partner.example")
    assert not [i for i in microsoft.invitations() if i.startswith("request:")]
    (item,) = store.get([event_id]).values()
    assert item.record.attendees == store.canonical(wanted).attendees
    assert item.record.description == "New agenda"


def test_a_throttled_sign_in_surfaces_as_rate_limited(microsoft: Microsoft) -> None:
    microsoft.emulator.inject("429", route="identity.token", retry_after=30)
    with pytest.raises(RateLimited):
        contacts().changes(None)


@pytest.mark.parametrize("fault", ["reset", "500"])
def test_a_dropped_connection_or_server_error_is_an_error_a_retry_can_fix(
    microsoft: Microsoft, fault: str
) -> None:
    store = contacts()
    store.folder_id()
    microsoft.emulator.inject(fault, route="graph.contacts.delta")
    with pytest.raises(ProviderError) as raised:
        store.changes(None)
    assert not raised.value.permanent
    assert store.changes(None).full
