"""What the Exchange stores do beyond the shared contract, against the EWS emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from exchangelib.folders import Contacts, FolderCollection, Root

from connections.providers.exchange import client as exchange_client
from connections.providers.exchange.stores import ExchangeContactStore, ExchangeEventStore
from connections.providers.exchange.stores.contacts import find_folder
from sandbox.core import ConnectionReset
from syncengine.records import Attendee, Contact, Event
from syncengine.stores.base import AuthFailed, Create, CursorExpired, RateLimited, Rejected
from tests.providers.exchange.conftest import HOST, USER, Exchange, routed_session_factory

WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))
START = datetime(2026, 12, 3, 8, tzinfo=UTC)


def contact(n: int) -> Contact:
    return Contact.normalized(first_name=f"Per{n}", last_name="Lie", emails=[f"per{n}@x.example"])


def operations(ex: Exchange, name: str) -> int:
    return sum(1 for op in ex.emulator.operations if op[0] == name)


def test_the_salesforce_sync_folder_is_created_once_under_contacts(exchange: Exchange) -> None:
    first = ExchangeContactStore(exchange.client(), USER)
    second = ExchangeContactStore(exchange.client(), USER)
    assert first.folder_id() == second.folder_id()
    assert operations(exchange, "CreateFolder") == 1
    account = exchange.as_user()
    (parent,) = FolderCollection(
        account=account, folders=[Contacts(root=Root(account=account))]
    ).get_folders()
    assert find_folder(account, parent, "Salesforce_Sync") is not None


def test_a_resumed_run_needs_no_folder_look_up(exchange: Exchange) -> None:
    store = ExchangeContactStore(exchange.client(), USER)
    cursor = store.changes(None).cursor
    before = len(exchange.emulator.operations)
    ExchangeContactStore(exchange.client(), USER).changes(cursor)
    ops = [op[0] for op in exchange.emulator.operations[before:]]
    assert "FindFolder" not in ops and "GetFolder" not in ops


def test_a_deleted_sync_folder_expires_the_cursor_and_is_created_again(exchange: Exchange) -> None:
    store = ExchangeContactStore(exchange.client(), USER)
    store.apply([Create("a", contact(1))])
    cursor = store.changes(None).cursor
    account = exchange.as_user()
    (parent,) = FolderCollection(
        account=account, folders=[Contacts(root=Root(account=account))]
    ).get_folders()
    folder = find_folder(account, parent, "Salesforce_Sync")
    assert folder is not None
    folder.delete()
    fresh = ExchangeContactStore(exchange.client(), USER)
    with pytest.raises(CursorExpired):
        fresh.changes(cursor)
    page = fresh.changes(None)
    assert page.full and page.changed == []
    assert operations(exchange, "CreateFolder") == 2


def test_an_initial_write_of_250_contacts_takes_three_create_requests(exchange: Exchange) -> None:
    store = ExchangeContactStore(exchange.client(), USER)
    store.folder_id()
    before = operations(exchange, "CreateItem")
    for start in range(0, 250, store.max_batch):
        ops = [Create(f"r{n}", contact(n)) for n in range(start, min(250, start + store.max_batch))]
        assert all(r.ok for r in store.apply(ops))
    assert operations(exchange, "CreateItem") - before == 3
    assert len(store.changes(None).changed) == 250


def test_server_busy_backs_off_for_the_time_exchange_asks(exchange: Exchange) -> None:
    store = ExchangeContactStore(exchange.client(), USER)
    store.folder_id()
    exchange.emulator.inject("server_busy", route="ews.SyncFolderItems", delay=7.5)
    with pytest.raises(RateLimited) as caught:
        store.changes(None)
    assert caught.value.retry_after == 7.5
    assert store.changes(None).full  # the next run goes through


def test_impersonation_denied_tells_the_admin_the_role_and_command(exchange: Exchange) -> None:
    exchange.emulator.set_impersonation("svc-lsync@nordvik.example", False)
    with pytest.raises(AuthFailed, match="New-ManagementRoleAssignment -Name lsync"):
        ExchangeContactStore(exchange.client(), USER).changes(None)


def test_a_user_without_a_mailbox_is_named(exchange: Exchange) -> None:
    with pytest.raises(AuthFailed, match="Exchange has no mailbox for ghost@nordvik.example"):
        ExchangeContactStore(exchange.client(), "ghost@nordvik.example").changes(None)


def test_a_wrong_password_is_a_wrong_user_name_or_password(exchange: Exchange) -> None:
    with pytest.raises(AuthFailed, match="user name or password is wrong"):
        ExchangeContactStore(exchange.client(password="nope"), USER).changes(None)


def test_ntlm_signs_in_when_basic_is_off(exchange: Exchange) -> None:
    store = ExchangeContactStore(exchange.client(basic=False, ntlm=True), USER)
    (made,) = store.apply([Create("a", contact(1))])
    assert made.ok
    assert [it.id for it in store.changes(None).changed] == [made.id]


def test_ntlm_with_a_down_level_user_name(exchange: Exchange) -> None:
    client = exchange.client(username="NORDVIK\\svc-lsync", basic=False, ntlm=True)
    assert ExchangeContactStore(client, USER).changes(None).full


def series(exdates: list[datetime] = ()) -> Event:  # type: ignore[assignment]
    return Event.normalized(
        subject="Weekly", start=START, end=START + timedelta(hours=1), time_zone="Europe/Berlin",
        recurrence={"rrule": "FREQ=WEEKLY;BYDAY=TH;COUNT=4", "exdates": exdates},
    )  # fmt: skip


def test_exdates_written_to_a_series_delete_those_occurrences(exchange: Exchange) -> None:
    store = ExchangeEventStore(exchange.client(), USER, *WINDOW)
    gone = START + timedelta(days=7)
    (made,) = store.apply([Create("s", series([gone]))])
    assert made.ok and made.id
    record = store.get([made.id])[made.id].record
    assert isinstance(record, Event) and record.recurrence is not None
    assert record.recurrence.exdates == (gone,)
    assert record == store.canonical(series([gone]))


def test_an_occurrence_the_user_deleted_is_an_exdate_in_the_next_listing(
    exchange: Exchange,
) -> None:
    store = ExchangeEventStore(exchange.client(), USER, *WINDOW)
    (made,) = store.apply([Create("s", series())])
    cursor = store.changes(None).cursor
    account = exchange.as_user()
    (master,) = account.fetch(ids=[(made.id, None)])
    master.occurrence(2).delete(send_meeting_cancellations="SendToNone")
    (item,) = store.changes(cursor).changed
    assert isinstance(item.record, Event) and item.record.recurrence is not None
    assert item.record.recurrence.exdates == (START + timedelta(days=7),)


@pytest.mark.parametrize("invitations", [False, True])
def test_attendees_are_written_and_mailed_only_when_asked(
    exchange: Exchange, invitations: bool
) -> None:
    store = ExchangeEventStore(exchange.client(), USER, *WINDOW, invitations=invitations)
    guests = [Attendee.normalized("bo@partner.example", "Bo Berg")]
    event = Event.normalized(subject="Meet", start=START, end=START, attendees=guests)
    (made,) = store.apply([Create("e", event)])
    assert made.ok
    (item,) = store.changes(None).changed
    assert [(a.email, a.name) for a in item.record.attendees] == [("bo@partner.example", "Bo Berg")]  # type: ignore[union-attr]
    sent = [r for i in exchange.emulator.org.invitations for r in i.recipients]
    assert sent == (["bo@partner.example"] if invitations else [])


def test_events_outside_the_window_are_not_listed(exchange: Exchange) -> None:
    store = ExchangeEventStore(exchange.client(), USER, *WINDOW)
    early = datetime(2025, 6, 1, 9, tzinfo=UTC)
    store.apply(
        [
            Create("old", Event.normalized(subject="Old", start=early, end=early)),
            Create("new", Event.normalized(subject="New", start=START, end=START)),
        ]
    )
    assert [it.record.subject for it in store.changes(None).changed] == ["New"]  # type: ignore[union-attr]


def test_autodiscover_finds_the_endpoint_per_domain_and_caches_it(
    exchange: Exchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connections import http

    apps = {HOST: exchange.emulator, "nordvik.example": exchange.emulator}
    monkeypatch.setattr(http, "build_session", routed_session_factory(apps))
    client = exchange.client(ews_url="")
    assert client.endpoint(USER) == ("https://nordvik.example/EWS/Exchange.asmx", True)
    assert ExchangeContactStore(client, USER).changes(None).full
    ExchangeContactStore(exchange.client(ews_url=""), USER).changes(None)
    assert operations(exchange, "GetUserSettings") == 1  # the second run used the cache


def test_an_additional_domain_is_discovered_on_its_autodiscover_host(
    exchange: Exchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connections import http

    exchange.emulator.add_mailbox("bo@nordvik-sub.example", "Bo")
    apps = {"autodiscover.nordvik-sub.example": exchange.emulator}
    monkeypatch.setattr(http, "build_session", routed_session_factory(apps))
    client = exchange.client(ews_url="", additional_domains=("nordvik-sub.example",))
    url, discovered = client.endpoint("bo@nordvik-sub.example")
    assert discovered and url == "https://autodiscover.nordvik-sub.example/EWS/Exchange.asmx"


def test_a_discovered_endpoint_that_stops_answering_is_discovered_again(
    exchange: Exchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    from connections import http

    def gone(environ: object, start_response: object) -> list[bytes]:
        raise ConnectionReset("the old Client Access server is switched off")

    apps = {"nordvik.example": exchange.emulator, "old-cas.nordvik.example": gone}
    monkeypatch.setattr(http, "build_session", routed_session_factory(apps))
    with exchange_client._lock:
        exchange_client._endpoints["nordvik.example"] = (
            "https://old-cas.nordvik.example/EWS/Exchange.asmx"
        )
    store = ExchangeContactStore(exchange.client(ews_url=""), USER)
    assert store.changes(None).full
    assert (
        exchange_client._endpoints["nordvik.example"] == "https://nordvik.example/EWS/Exchange.asmx"
    )


def test_a_value_too_long_for_its_field_rejects_that_item_only(exchange: Exchange) -> None:
    store = ExchangeContactStore(exchange.client(), USER)
    store.folder_id()
    too_long = Contact.normalized(first_name="A" * 300, last_name="Lie")
    results = store.apply([Create("a", contact(1)), Create("b", too_long), Create("c", contact(3))])
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, Rejected) and "exceeds length" in results[1].error.message
