"""The Salesforce change feed's reader against the emulator: what changed since the cursor, once
each, in one API call while the org is quiet; invitees of events; the visibility check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connections.providers.salesforce import convert
from connections.providers.salesforce.feed import SalesforceFeed
from connections.providers.salesforce.stores import build_client
from syncengine.feed import FeedChange
from syncengine.stores.base import Kind
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)


def reader(org: Org, kind: Kind = "contacts") -> SalesforceFeed:
    fields = convert.contact_select(None) if kind == "contacts" else convert.EVENT_SELECT
    return SalesforceFeed(build_client(org.user.username), kind, fields, org.emulator.clock.now)


def ids(changes: list[FeedChange]) -> list[str]:
    return [c.record_id for c in changes]


def test_each_change_is_reported_once_with_its_owner(org: Org) -> None:
    feed = reader(org)
    cursor = feed.read(None).cursor
    contact = org.add("Contact", {"LastName": "Berg"})
    page = feed.read(cursor)
    assert page.changes == [FeedChange(contact, org.user_id)]
    assert feed.read(page.cursor).changes == []
    org.edit(contact, {"Title": "CFO"})
    again = feed.read(page.cursor)
    assert ids(again.changes) == [contact]


def test_a_read_that_was_never_stored_is_read_again_and_nothing_is_missed(org: Org) -> None:
    feed = reader(org)
    stored = feed.read(None).cursor
    first = org.add("Contact", {"LastName": "Berg"})
    feed.read(stored)  # the worker crashed before storing this read's cursor
    second = org.add("Contact", {"LastName": "Dahl"})
    page = feed.read(stored)
    assert sorted(ids(page.changes)) == sorted([first, second])
    assert feed.read(page.cursor).changes == []


def test_two_edits_in_the_same_second_are_two_changes(org: Org) -> None:
    feed = reader(org)
    contact = org.add("Contact", {"LastName": "Berg"})
    page = feed.read(feed.read(None).cursor)
    org.edit(contact, {"Title": "CFO"})  # the emulator stamps to the second, like Salesforce
    assert ids(feed.read(page.cursor).changes) == [contact]


def test_an_edit_long_after_the_cursor_is_still_read(org: Org) -> None:
    feed = reader(org)
    cursor = feed.read(None).cursor
    org.emulator.clock.advance(1800)
    contact = org.add("Contact", {"LastName": "Berg"})
    assert ids(feed.read(cursor).changes) == [contact]


def test_a_deletion_is_a_change_with_its_owner(org: Org) -> None:
    contact = org.add("Contact", {"LastName": "Berg"})
    feed = reader(org)
    cursor = feed.read(feed.read(None).cursor).cursor
    org.emulator.delete_record(contact, as_user=org.user_id)
    assert feed.read(cursor).changes == [FeedChange(contact, org.user_id, deleted=True)]


def test_a_quiet_read_is_one_api_call(org: Org) -> None:
    feed = reader(org)
    cursor = feed.read(None).cursor
    before = feed.api_calls
    for _ in range(3):
        cursor = feed.read(cursor).cursor
    assert feed.api_calls - before == 3


def test_a_purged_delete_log_expires_the_feed(org: Org) -> None:
    feed = reader(org)
    cursor = feed.read(None).cursor
    org.emulator.clock.advance(120)
    org.emulator.expire_cursors()
    page = feed.read(cursor)
    assert page.expired
    assert not feed.read(page.cursor).expired


def test_an_event_names_the_users_it_invites(org: Org) -> None:
    colleague = org.make_user("cy@example.com")
    contact = org.add("Contact", {"LastName": "Berg"})
    feed = reader(org, "events")
    cursor = feed.read(None).cursor
    start = NOW + timedelta(days=1)
    event = org.add(
        "Event",
        {
            "Subject": "Kick-off",
            "StartDateTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "EndDateTime": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )
    for relation in (colleague.salesforce_user_id, contact):
        org.add("EventRelation", {"EventId": event, "RelationId": relation, "IsInvitee": True})
    [change] = feed.read(cursor).changes
    assert change.related_user_ids == {colleague.salesforce_user_id}


def test_visibility_is_what_salesforce_sharing_allows(org: Org) -> None:
    org.emulator.store.private_objects.add("Contact")
    bo = org.make_user("bo@example.com").salesforce_user_id
    cy = org.make_user("cy@example.com").salesforce_user_id
    mine = org.add("Contact", {"LastName": "Berg"})
    shared = org.add("Contact", {"LastName": "Dahl"})
    org.emulator.store.shares.add((shared, cy))
    feed = reader(org)
    answer = feed.readable([bo, cy, org.user_id], [mine, shared])
    assert answer == {bo: set(), cy: {shared}, org.user_id: {mine, shared}}


def test_the_visibility_check_asks_25_users_in_one_call(org: Org) -> None:
    users = [org.make_user(f"u{i}@example.com").salesforce_user_id for i in range(30)]
    contact = org.add("Contact", {"LastName": "Berg"})
    feed = reader(org)
    before = feed.api_calls
    answer = feed.readable(users, [contact])
    assert feed.api_calls - before == 2
    assert all(answer[u] == {contact} for u in users)
