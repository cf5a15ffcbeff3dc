"""After a write that failed or landed in part, the next plan compares against what each side
really holds (issue 13, fixes 1, 3, 4 and 5 and the second point of 10), over the memory stores."""

from __future__ import annotations

from collections.abc import Sequence

from syncengine.engine import run_sync
from syncengine.partial import Failed, Landed, settle
from syncengine.planning.actions import Action, Write
from syncengine.policy import SyncSettings
from syncengine.records import Contact
from syncengine.state import MappingState, MemoryRepo
from syncengine.stores.base import (
    NotFound,
    Op,
    OpResult,
    ProviderError,
    Rejected,
    Update,
    VersionMismatch,
)
from syncengine.stores.memory import Clock, MemoryStore
from tests.syncengine.test_engine import contact, converge

S = SyncSettings()


def linked() -> tuple[MemoryStore, MemoryStore, MemoryRepo, str, str]:
    clock = Clock()
    sf = MemoryStore("salesforce", "contacts", clock=clock)
    mb = MemoryStore("mailbox", "contacts", clock=clock)
    repo = MemoryRepo()
    sf_id = sf.put(contact(1))
    converge(sf, mb, repo)
    (mb_id,) = mb.records()
    return sf, mb, repo, sf_id, mb_id


def fail_updates_once(store: MemoryStore, error: ProviderError) -> None:
    real = store.apply

    def apply(ops: Sequence[Op]) -> list[OpResult]:
        store.apply = real  # type: ignore[method-assign]
        return [
            OpResult(False, op.id, error=error) if isinstance(op, Update) else real([op])[0]
            for op in ops
        ]

    store.apply = apply  # type: ignore[method-assign]


def title_and_department(store: MemoryStore, item_id: str) -> tuple[str, str]:
    record = store.records()[item_id]
    assert isinstance(record, Contact)
    return record.title, record.department


def test_an_undo_after_a_half_applied_merge_reaches_the_other_side() -> None:
    sf, mb, repo, sf_id, mb_id = linked()
    sf.edit(sf_id, contact(1, title="CEO"))
    mb.edit(mb_id, contact(1, department="Ops"))
    fail_updates_once(mb, ProviderError("busy", permanent=False))
    assert run_sync(sf, mb, repo, S).status == "partial"
    assert title_and_department(sf, sf_id) == ("CEO", "Ops")  # the Salesforce half landed
    mb.edit(mb_id, contact(1))  # the user undoes the department
    converge(sf, mb, repo)
    assert title_and_department(sf, sf_id) == title_and_department(mb, mb_id) == ("CEO", "")


def test_a_version_conflict_is_planned_again_from_both_items_read_by_id() -> None:
    sf, mb, repo, sf_id, mb_id = linked()
    sf.edit(sf_id, contact(1, title="CEO"))
    fail_updates_once(mb, VersionMismatch("changed meanwhile"))
    first = run_sync(sf, mb, repo, S)
    assert (first.status, first.issues, first.counts) == ("ok", [], {"deferred": 1})
    # Both cursors moved on; the pair is read by id and the title still arrives.
    second = run_sync(sf, mb, repo, S)
    assert second.counts == {"updated_mailbox": 1}
    assert title_and_department(mb, mb_id) == ("CEO", "")


def test_after_a_permanent_refusal_later_edits_from_the_other_side_still_land() -> None:
    sf, mb, repo, sf_id, mb_id = linked()
    sf.edit(sf_id, contact(1, title="CEO"))
    fail_updates_once(mb, Rejected("the mailbox refuses this title"))
    refused = run_sync(sf, mb, repo, S)
    assert refused.status == "partial" and not refused.issues[0].retryable
    mb.edit(mb_id, contact(1, department="Ops"))
    later = run_sync(sf, mb, repo, S)
    # Not "changed in Salesforce meanwhile": the recorded Salesforce version is the one read.
    assert (later.status, later.issues) == ("ok", [])
    assert title_and_department(sf, sf_id) == ("CEO", "Ops")


def test_not_found_on_an_update_means_deleted_there() -> None:
    sf, mb, repo, sf_id, mb_id = linked()
    sf.edit(sf_id, contact(1, title="CEO"))
    fail_updates_once(mb, NotFound("no such item"))
    first = run_sync(sf, mb, repo, S)
    assert (first.status, first.issues) == ("ok", [])
    mb.remove(mb_id)
    # Whatever the change feed says: here a cursor taken after the deletion, which never reports it.
    repo.save_cursors({"mailbox": mb.changes(None).cursor})
    assert run_sync(sf, mb, repo, S).counts == {"unlinked": 1}
    # Contacts are not deleted in Salesforce: the pair is detached, not left to fail again.
    (row,) = repo.load()
    assert (row.status, row.gone) == ("detached", "mailbox")


# ---------------------------------------------------------------------------- partial.settle

BEFORE = MappingState("003A", "AAA", "s1", "m1", {"title": "t0", "department": "d0"})
READ = {"salesforce": "s2", "mailbox": "m2"}


def merge() -> Action:
    """Salesforce changed the title, the mailbox the department: each is written to the other."""
    held = {
        "salesforce": {"title": "t1", "department": "d0"},
        "mailbox": {"title": "t0", "department": "d1"},
    }
    return Action(
        "update", "c", "M5", "merge", {"salesforce": "003A", "mailbox": "AAA"},
        writes=(
            Write("salesforce", Update("003A", contact(1), "s2", frozenset({"department"}))),
            Write("mailbox", Update("AAA", contact(1), "m2", frozenset({"title"}))),
        ),
        before=BEFORE, versions=dict(READ), held=held,
        bases={s: {"title": "t1", "department": "d1"} for s in ("salesforce", "mailbox")},
    )  # fmt: skip


IDS = {"salesforce": "003A", "mailbox": "AAA"}


def test_a_half_landed_merge_records_what_each_side_holds_and_what_is_still_to_send() -> None:
    landed = Landed("s3", {"department": "d1"})
    row = settle(
        merge(), dict(IDS), {"salesforce": landed, "mailbox": Failed(ProviderError("busy"))}
    )
    assert row is not None
    # Salesforce holds the mailbox's department; its title has not reached the mailbox yet.
    assert (row.salesforce_version, row.mailbox_version) == ("", "m2")
    assert row.hashes == {"title": "t0", "department": "d1"}


def test_a_write_still_to_go_out_leaves_its_source_to_be_read_again() -> None:
    row = settle(merge(), dict(IDS), {"salesforce": Landed("s3", {"department": "d1"})})
    assert row is not None and row.salesforce_version == ""
    assert row.hashes == {"title": "t0", "department": "d1"}


def test_a_version_conflict_leaves_both_versions_unknown() -> None:
    failed = Failed(VersionMismatch("moved"))
    row = settle(
        merge(), dict(IDS), {"salesforce": Landed("s3", {"department": "d1"}), "mailbox": failed}
    )
    assert row is not None and (row.salesforce_version, row.mailbox_version) == ("", "")


def test_a_permanent_refusal_keeps_the_versions_as_read() -> None:
    rejected = Failed(Rejected("no"))
    row = settle(
        merge(), dict(IDS), {"salesforce": Landed("s3", {"department": "d1"}), "mailbox": rejected}
    )
    assert row is not None and (row.salesforce_version, row.mailbox_version) == ("s3", "m2")
    assert row.hashes == {"title": "t0", "department": "d1"}  # the title goes with the next change


def test_everything_landed_records_the_new_versions_and_a_created_item_as_unknown() -> None:
    both = {
        "salesforce": Landed("s3", {"department": "d1"}),
        "mailbox": Landed("m3", {"title": "t1"}),
    }
    row = settle(merge(), dict(IDS), both)  # type: ignore[arg-type]
    assert row is not None and (row.salesforce_version, row.mailbox_version) == ("s3", "m3")
    assert row.hashes == {"title": "t1", "department": "d1"}
    created = settle(
        merge(),
        dict(IDS),
        {"salesforce": Landed("s3", {}), "mailbox": Landed("m3", {}, created=True)},
    )
    assert created is not None and created.mailbox_version == ""
