"""Google store behaviour beyond the shared contract: the contact group, scope, throttling,
invitations, series exceptions, the event window and build_store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from connections.models import MailConnection, Status
from connections.providers.google import convert, groups
from connections.providers.google import stores as adapters
from connections.providers.google.groups import GROUP_NAME
from connections.providers.google.stores.events import GoogleEventsStore
from syncengine.models import SyncConfiguration, SyncUser
from syncengine.records import Contact, Event, Recurrence
from syncengine.stores.base import (
    AuthFailed,
    Create,
    CursorExpired,
    Delete,
    RateLimited,
    Update,
    VersionMismatch,
)
from tests.providers.google.conftest import OTHER, USER, GoogleRig, soon


def _contact(n: int, **extra: object) -> Contact:
    return Contact.normalized(
        first_name=f"Ana{n}", last_name="Lie", emails=[f"a{n}@x.example"], **extra
    )


def _event(n: int, **extra: object) -> Event:
    start = soon(days=n)
    return Event.normalized(
        subject=f"Meeting {n}",
        start=start,
        end=start + timedelta(hours=1),
        time_zone="Europe/Oslo",
        **extra,
    )


def _groups(rig: GoogleRig, user: str = USER) -> list[str]:
    return [
        g.name for g in rig.emu.mailboxes[user].groups.values() if not g.system and not g.deleted
    ]


def test_the_contact_group_is_created_once_when_missing(google: GoogleRig) -> None:
    store = google.contacts()
    first = store.group()
    assert _groups(google) == [GROUP_NAME]
    assert google.contacts().group() == first
    assert _groups(google) == [GROUP_NAME]


def test_a_group_created_meanwhile_is_used_after_the_409(
    google: GoogleRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = google.contacts()
    existing = google.emu.add_group(USER, GROUP_NAME)
    answers = iter([None, existing])
    monkeypatch.setattr(groups, "find_group", lambda client, name: next(answers))
    assert store.group() == existing
    assert _groups(google) == [GROUP_NAME]


def test_only_members_of_the_group_are_in_scope_and_leaving_it_is_a_delete(
    google: GoogleRig,
) -> None:
    store = google.contacts()
    (mine,) = [r.id for r in store.apply([Create("r", _contact(1))])]
    outside = google.emu.add_contact(
        USER, convert.new_person(_contact(2), "contactGroups/myContacts", None)
    )
    page = store.changes(None)
    assert [it.id for it in page.changed] == [mine]
    assert store.get([mine, outside["resourceName"]]).keys() == {mine}
    mailbox = google.emu.mailboxes[USER]
    with google.emu.lock:
        contact = mailbox.contacts[mine or ""]
        contact.groups = ["contactGroups/myContacts"]
        google.emu.touch(mailbox, contact)
    later = store.changes(page.cursor)
    assert later.changed == [] and later.deleted == [mine]


def test_a_partial_contact_update_keeps_what_lsync_does_not_map(google: GoogleRig) -> None:
    store = google.contacts()
    group = store.group()
    person = convert.new_person(_contact(1, mobile_phone="1"), group, None)
    person["phoneNumbers"].append({"value": "555", "type": "pager"})
    created = google.emu.add_contact(USER, person)
    name = created["resourceName"]
    (result,) = store.apply(
        [Update(name, _contact(1, mobile_phone="2"), fields=frozenset({"mobile_phone"}))]
    )
    assert result.ok
    phones = google.emu.contacts(USER)[0]["phoneNumbers"]
    assert [(p["type"], p["value"]) for p in phones] == [("mobile", "2"), ("pager", "555")]


def test_a_delete_removes_what_lsync_made_and_only_unlabels_what_the_user_made(
    google: GoogleRig,
) -> None:
    store = google.contacts()
    (made,) = store.apply([Create("r", _contact(1), marker="003000000000001AAA")])
    users = google.emu.add_contact(USER, convert.new_person(_contact(2), store.group(), None))
    results = store.apply([Delete(made.id or ""), Delete(users["resourceName"])])
    assert [r.ok for r in results] == [True, True]
    assert store.changes(None).changed == []
    (kept,) = google.emu.contacts(USER)
    assert kept["resourceName"] == users["resourceName"]
    assert convert.group_names(kept) == {"contactGroups/myContacts"}


def test_a_race_on_one_etag_fails_only_that_update(
    google: GoogleRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = google.contacts()
    a, b = (r.id or "" for r in store.apply([Create("a", _contact(1)), Create("b", _contact(2))]))
    fetched = store._fetch([a, b])
    mailbox = google.emu.mailboxes[USER]
    with google.emu.lock:
        google.emu.touch(mailbox, mailbox.contacts[a])  # someone edits a after lsync read it
    monkeypatch.setattr(store, "_fetch", lambda ids: fetched)
    results = store.apply([Update(a, _contact(1, title="X")), Update(b, _contact(2, title="Y"))])
    assert isinstance(results[0].error, VersionMismatch) and results[1].ok
    titles = {c["resourceName"]: c.get("organizations") for c in google.emu.contacts(USER)}
    assert titles[a] is None and titles[b][0]["title"] == "Y"


def test_a_throttled_contact_write_stops_the_run(google: GoogleRig) -> None:
    store = google.contacts()
    store.group()
    google.emu.inject("429", route="google.people.batchCreate", retry_after=4)
    with pytest.raises(RateLimited):
        store.apply([Create("a", _contact(1)), Create("b", _contact(2))])


@pytest.mark.parametrize("kind", ["contacts", "events"])
def test_listings_follow_every_page_and_resume_from_the_last_pages_token(
    google: GoogleRig, kind: str
) -> None:
    store = google.contacts() if kind == "contacts" else google.events()
    store.page_size = 2
    make = _contact if kind == "contacts" else _event
    ids = [r.id for r in store.apply([Create(str(n), make(n)) for n in range(5)])]
    page = store.changes(None)
    assert sorted(it.id for it in page.changed) == sorted(ids)
    store.apply(
        [Update(ids[4] or "", make(4, **{"title" if kind == "contacts" else "location": "Z"}))]
    )
    assert [it.id for it in store.changes(page.cursor).changed] == [ids[4]]


def test_a_429_becomes_rate_limited_with_googles_retry_after(google: GoogleRig) -> None:
    store = google.contacts()
    store.group()
    google.emu.inject("429", route="google.people.connections.list", retry_after=7)
    with pytest.raises(RateLimited) as caught:
        store.changes(None)
    assert caught.value.retry_after == 7


def test_a_403_rate_limit_without_retry_after_gets_a_backoff_hint(google: GoogleRig) -> None:
    google.emu.inject("rateLimitExceeded", route="google.calendar.events.list")
    with pytest.raises(RateLimited) as caught:
        google.events().changes(None)
    assert caught.value.retry_after == 30


def test_a_throttled_batch_part_fails_only_that_op(google: GoogleRig) -> None:
    store = google.events()
    google.emu.inject("429", route="google.calendar.events.insert", retry_after=3)
    results = store.apply([Create("a", _event(1)), Create("b", _event(2))])
    assert isinstance(results[0].error, RateLimited) and results[1].ok


def test_writes_send_no_invitations_unless_the_configuration_says_so(google: GoogleRig) -> None:
    record = _event(1, attendees=["bo@partner.example"])
    quiet = google.events()
    (made,) = quiet.apply([Create("a", record)])
    loud = google.events(send_invitations=True)
    loud.apply([Update(made.id or "", record, fields=frozenset({"subject"}))])
    assert [(u["sendUpdates"], u["recipients"]) for u in google.emu.sent_updates] == [
        ("none", []),
        ("all", ["bo@partner.example"]),
    ]


def test_an_occurrence_cancelled_in_google_becomes_an_exception_date(google: GoogleRig) -> None:
    store = google.events()
    start = datetime(2030, 1, 7, 8, tzinfo=UTC)
    series = Event.normalized(subject="Weekly", start=start, end=start + timedelta(hours=1),
                              time_zone="Europe/Oslo", recurrence="FREQ=WEEKLY;COUNT=4")  # fmt: skip
    (made,) = store.apply([Create("s", series)])
    cursor = store.changes(None).cursor
    instance = f"{made.id}_20300114T080000Z"
    google.emu.add_event(USER, {"summary": "noise", "start": {"date": "2030-02-01"},
                                "end": {"date": "2030-02-02"}})  # fmt: skip
    client = google.client()
    client.calendar(
        "DELETE", f"calendars/primary/events/{instance}", params={"sendUpdates": "none"}
    )
    page = store.changes(cursor)
    (item,) = [it for it in page.changed if it.id == made.id]
    assert item.record.recurrence is not None
    assert item.record.recurrence.exdates == (start + timedelta(days=7),)
    full = {it.id: it.record for it in store.changes(None).changed}
    assert full[made.id] == item.record


def test_getting_many_events_takes_one_batch_call_and_one_for_their_series(
    google: GoogleRig,
) -> None:
    store = google.events()
    weekly = _event(9, recurrence="FREQ=WEEKLY;COUNT=3")
    ids = [r.id or "" for r in store.apply([Create(str(n), _event(n)) for n in range(5)])]
    (series,) = [r.id or "" for r in store.apply([Create("s", weekly)])]
    before = store.api_calls
    got = store.get([*ids, series, "nosuchevent00"])
    assert set(got) == {*ids, series} and got[series].record.recurrence is not None
    assert store.api_calls - before == 2


def test_a_full_listing_keeps_to_the_window(google: GoogleRig) -> None:
    now = datetime.now(UTC)
    store = google.events(window=adapters.event_window(30, 365, now))
    ids = [r.id for r in store.apply([Create("in", _event(5)), Create("old", _event(-60))])]
    assert [it.id for it in store.changes(None).changed] == [ids[0]]


def test_an_incremental_listing_keeps_to_the_window_too(google: GoogleRig) -> None:
    store = google.events(window=adapters.event_window(30, 365))
    cursor = store.changes(None).cursor
    start = datetime(2030, 1, 7, 8, tzinfo=UTC)
    old = Event.normalized(subject="Long ago", start=soon(days=-90), end=soon(days=-90, hour=10))
    past_series = replace(old, subject="Ended", recurrence=Recurrence("FREQ=DAILY;UNTIL=20200101"))
    endless = replace(old, subject="Weekly", recurrence=Recurrence("FREQ=WEEKLY"))
    far = Event.normalized(subject="Far", start=start, end=start + timedelta(hours=1))
    ids = [r.id for r in store.apply([Create(str(i), e) for i, e in enumerate(
        [old, past_series, endless, far, _event(2)])])]  # fmt: skip
    page = store.changes(cursor)
    assert {it.id for it in page.changed} == {ids[2], ids[4]}
    assert store.apply([Delete(ids[0])])[0].ok
    assert store.changes(page.cursor).deleted == [ids[0]]


def test_birthdays_and_working_locations_are_not_events(google: GoogleRig) -> None:
    store = google.events()
    day = {"start": {"date": "2026-12-01"}, "end": {"date": "2026-12-02"}}
    google.emu.add_event(USER, {**day, "summary": "Bo's birthday", "eventType": "birthday"})
    google.emu.add_event(USER, {**day, "summary": "Home", "eventType": "workingLocation"})
    meeting = google.emu.add_event(USER, {**day, "summary": "Offsite"})
    assert [it.id for it in store.changes(None).changed] == [meeting["id"]]


def test_an_event_that_aged_out_of_the_window_is_still_listed_after_the_cursor_expired(
    google: GoogleRig,
) -> None:
    now = datetime.now(UTC)
    then = google.events(window=adapters.event_window(30, 365, now))
    (old,) = [r.id for r in then.apply([Create("old", _event(-20))])]
    cursor = then.changes(None).cursor
    # Twenty days on, a window of 30 days back no longer holds the event (simulated by 10).
    later = google.events(window=adapters.event_window(10, 365, now))
    assert later.changes(None).changed == []
    google.emu.expire_cursors()
    with pytest.raises(CursorExpired):
        later.changes(cursor)
    assert [it.id for it in later.changes(None).changed] == [old]


def test_a_cursor_that_is_not_ours_is_expired(google: GoogleRig) -> None:
    with pytest.raises(CursorExpired):
        google.events().changes("CPDAlvWDx70CEPDAlvWDx70CGAU=")


def test_a_token_is_fetched_once_per_user(google: GoogleRig) -> None:
    google.contacts().changes(None)
    google.contacts().changes(None)
    google.contacts(OTHER).changes(None)
    assert google.emu.authority.token_requests == 2


@pytest.mark.django_db
def test_build_store_impersonates_the_users_mailbox_with_the_configurations_settings(
    google: GoogleRig,
) -> None:
    import json

    MailConnection.objects.create(
        method="google", enabled=True, status=Status.VERIFIED,
        service_account_key=json.dumps(google.info), client_email=google.info["client_email"],
    )  # fmt: skip
    config = SyncConfiguration.objects.create(
        name="Sales", events_send_invitations=True, events_days_past=10, events_days_future=20
    )
    user = SyncUser.objects.create(
        configuration=config, salesforce_user_id="005000000000001AAA", username="ana@sf",
        email="ana@corp.example", mailbox_address=USER,
    )  # fmt: skip
    store = adapters.build_store(user, "events")
    assert isinstance(store, GoogleEventsStore)
    assert store.send_updates == "all" and store.owner == USER and store.window is not None
    assert store.window[1] - store.window[0] == timedelta(days=31)
    contacts = adapters.build_store(user, "contacts")
    assert contacts.changes(None).changed == []


@pytest.mark.django_db
def test_build_store_with_a_broken_key_says_to_upload_it_again() -> None:
    MailConnection.objects.create(
        method="google", service_account_key='{"type": "service_account"}'
    )
    user = SyncUser.objects.create(
        salesforce_user_id="005000000000003AAA",
        username="c",
        email="c@x.example",
        mailbox_address="c@x.example",
    )
    with pytest.raises(AuthFailed, match="upload the JSON key again"):
        adapters.build_store(user, "contacts")


@pytest.mark.django_db
def test_build_store_without_a_key_says_what_to_do() -> None:
    user = SyncUser.objects.create(
        salesforce_user_id="005000000000002AAA",
        username="b",
        email="b@x.example",
        mailbox_address="b@x.example",
    )
    with pytest.raises(AuthFailed, match="upload the service account's JSON key"):
        adapters.build_store(user, "contacts")
