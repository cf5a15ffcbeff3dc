"""Who a Salesforce change touches (syncengine/feed.py), with a fake reader for the visibility
check: owners, invitees and mapped users directly; "all I can see" users only through one
batched question about the changed records they are not already touched by."""

from __future__ import annotations

from collections.abc import Sequence

from syncengine.feed import FeedChange, FeedPage, Subscriber, fan_out, visibility_questions
from syncengine.feed import direct as direct_fan_out
from syncengine.stores.base import Kind

ANA, BO, CY, DI = "005A", "005B", "005C", "005D"


class FakeReader:
    kind: Kind = "contacts"

    def __init__(self, access: dict[str, set[str]]) -> None:
        self.access = access
        self.asked: list[tuple[list[str], list[str]]] = []
        self.api_calls = 0

    def read(self, cursor: str | None) -> FeedPage:
        return FeedPage([], cursor or "")

    def usage(self) -> tuple[int, int] | None:
        return None

    def readable(self, user_ids: Sequence[str], record_ids: Sequence[str]) -> dict[str, set[str]]:
        self.asked.append((list(user_ids), list(record_ids)))
        self.api_calls += 1
        return {u: self.access.get(u, set()) & set(record_ids) for u in user_ids}


SUBSCRIBERS = [
    Subscriber(1, ANA),
    Subscriber(2, BO),
    Subscriber(3, CY, visible=True),
    Subscriber(4, DI, visible=True),
]


def test_a_change_touches_its_owner_and_nobody_else_who_only_syncs_their_own() -> None:
    out = direct_fan_out([FeedChange("003x", ANA)], SUBSCRIBERS[:2], {})
    assert out.touched == {1: {"003x"}}


def test_an_event_touches_the_users_it_invites() -> None:
    change = FeedChange("00Ux", ANA, related_user_ids=frozenset({BO}))
    assert direct_fan_out([change], SUBSCRIBERS, {}).users == {1, 2}


def test_a_record_that_left_a_users_scope_touches_the_user_who_holds_its_mapping() -> None:
    # Owner moved from Ana to Bo: Bo is the owner now, Ana still has it in her mailbox.
    out = direct_fan_out([FeedChange("003x", BO)], SUBSCRIBERS, {"003x": {1}})
    assert out.users == {1, 2}


def test_all_i_can_see_users_are_touched_only_by_what_salesforce_says_they_can_read() -> None:
    reader = FakeReader({CY: {"003x"}, DI: set()})
    out = fan_out(reader, [FeedChange("003x", ANA)], SUBSCRIBERS, {})
    assert out.users == {1, 3}
    assert reader.asked == [([CY, DI], ["003x"])]


def test_one_question_covers_every_visible_user_and_every_changed_record() -> None:
    changes = [FeedChange(f"003{i}", ANA) for i in range(5)]
    reader = FakeReader({CY: {"0031"}, DI: {"0032", "0034"}})
    out = fan_out(reader, changes, SUBSCRIBERS, {})
    assert len(reader.asked) == 1
    assert out.touched[3] == {"0031"} and out.touched[4] == {"0032", "0034"}


def test_nothing_is_asked_when_no_user_syncs_all_they_can_see() -> None:
    reader = FakeReader({})
    fan_out(reader, [FeedChange("003x", ANA)], SUBSCRIBERS[:2], {})
    assert reader.asked == []


def test_deleted_records_and_records_already_touching_a_user_are_not_asked_about() -> None:
    changes = [FeedChange("003gone", "", deleted=True), FeedChange("003mine", CY)]
    already = direct_fan_out(changes, SUBSCRIBERS, {"003gone": {3}})
    assert visibility_questions(changes, SUBSCRIBERS, already) == {DI: ["003mine"]}


def test_a_quiet_feed_touches_nobody() -> None:
    reader = FakeReader({CY: {"003x"}})
    assert fan_out(reader, [], SUBSCRIBERS, {}).users == set()
    assert reader.asked == []
