"""Row U5d: a pending Salesforce create whose record was deleted before the next run is linked
to that record (read from the recycle bin), so the planner does not create it again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from syncengine.planning.actions import hashes_of
from syncengine.records import Contact
from syncengine.recovery import created_and_deleted
from syncengine.state import MappingState, build_mapping
from syncengine.stores.base import ChangePage, Item, Kind


@dataclass
class RecycleBin:
    """A Salesforce store reduced to what the recovery asks of it."""

    deleted: dict[str, Item]
    kind: Kind = "contacts"
    asked: list[list[str]] = field(default_factory=list)

    def deleted_items(self, ids: Sequence[str]) -> dict[str, Item]:
        self.asked.append(list(ids))
        return {i: self.deleted[i] for i in ids if i in self.deleted}


def _contact(first: str, title: str = "") -> Contact:
    return Contact.normalized(
        first_name=first, last_name="Lie", emails=[f"{first.lower()}@x.example"], title=title
    )


def _pending(mailbox_id: str, written: Contact) -> MappingState:
    hashes = hashes_of(written)
    return build_mapping(
        {"mailbox": mailbox_id},
        {"mailbox": "v1"},
        {"salesforce": hashes, "mailbox": hashes},
        status="pending",
    )


def test_a_pending_create_becomes_a_link_to_the_deleted_record_holding_what_was_written() -> None:
    ada = _contact("Ada")
    store = RecycleBin({"003B": Item("003B", "s1", _contact("Ada", title="edited"))})
    page = ChangePage([], ["003B", "003M"], "c", False)
    mapped = build_mapping({"salesforce": "003M", "mailbox": "m2"}, {}, {})

    out = created_and_deleted(store, page, [_pending("m1", ada), mapped])

    assert [(m.salesforce_id, m.mailbox_id, m.status) for m in out] == [
        ("003B", "m1", "synced"),
        ("003M", "m2", "synced"),
    ]
    assert store.asked == [["003B"]]  # a deleted record a mapping holds is not looked up


def test_a_pending_create_a_live_record_holds_is_left_to_the_planner() -> None:
    ada = _contact("Ada")
    store = RecycleBin({"003B": Item("003B", "s1", ada)})
    page = ChangePage([Item("003C", "s2", ada)], ["003B"], "c", False)

    (out,) = created_and_deleted(store, page, [_pending("m1", ada)])

    assert (out.salesforce_id, out.status) == ("", "pending")


def test_a_pending_create_matching_no_deleted_record_stays_pending() -> None:
    store = RecycleBin({"003B": Item("003B", "s1", _contact("Bea"))})
    page = ChangePage([], ["003B"], "c", False)

    (out,) = created_and_deleted(store, page, [_pending("m1", _contact("Ada"))])

    assert out.status == "pending"
