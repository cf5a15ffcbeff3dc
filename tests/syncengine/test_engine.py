"""run_sync end to end over MemoryStores: batching, errors, faults, crash recovery, dry runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from syncengine.engine import run_sync
from syncengine.policy import SyncSettings
from syncengine.records import Contact, Event
from syncengine.state import MemoryRepo, is_pending
from syncengine.stores.base import AuthFailed, Op, OpResult, ProviderError
from syncengine.stores.memory import Clock, MemoryStore, SimulatedCrash

S = SyncSettings()


def contact(n: int, **kw: object) -> Contact:
    fields: dict[str, object] = {
        "first_name": f"Ana{n}",
        "last_name": "Núñez",
        "emails": [f"ana{n}@x.com"],
    }
    fields.update(kw)
    return Contact.normalized(**fields)  # type: ignore[arg-type]


def pair(
    kind: str = "contacts", sf_batch: int = 200, mb_batch: int = 20
) -> tuple[MemoryStore, MemoryStore, MemoryRepo]:
    clock = Clock()
    return (
        MemoryStore("salesforce", kind, max_batch=sf_batch, clock=clock),  # type: ignore[arg-type]
        MemoryStore("mailbox", kind, max_batch=mb_batch, clock=clock),  # type: ignore[arg-type]
        MemoryRepo(),
    )


def emails(store: MemoryStore) -> list[str]:
    return sorted(r.emails[0] for r in store.records().values() if isinstance(r, Contact))


def converge(
    sf: MemoryStore, mb: MemoryStore, repo: MemoryRepo, settings: SyncSettings = S
) -> None:
    for _ in range(5):
        result = run_sync(sf, mb, repo, settings)
        if result.status == "ok" and not result.plan.describe():  # type: ignore[union-attr]
            return
    raise AssertionError("did not converge")


def test_writes_go_in_each_stores_largest_batch() -> None:
    sf, mb, repo = pair(mb_batch=3)
    for n in range(7):
        sf.put(contact(n))
    result = run_sync(sf, mb, repo, S)
    assert result.status == "ok" and result.counts["created_mailbox"] == 7
    assert mb.calls["apply"] == 3  # 3 + 3 + 1
    assert result.api_calls == {"salesforce": 1, "mailbox": 4}  # listings + batches
    assert len(repo.mappings) == 7 and result.cursors_saved


def test_the_plan_reads_as_sentences_for_a_dry_run() -> None:
    sf, mb, repo = pair()
    sf.put(Contact.normalized(first_name="Ana", last_name="Núñez", emails=["Ana@X.com"]))
    result = run_sync(sf, mb, repo, S, dry_run=True)
    assert result.status == "dry-run" and result.plan is not None
    assert result.plan.describe() == ["create in mailbox: Contact 'Ana Núñez' <ana@x.com>"]
    assert result.counts == {"created_mailbox": 1}  # the same keys a real run reports
    assert len(mb) == 0 and repo.mappings == {} and repo.cursors == {}
    assert mb.calls.get("apply", 0) == 0


def test_a_second_run_after_a_sync_writes_nothing() -> None:
    sf, mb, repo = pair()
    sf.put(contact(1))
    mb.put(contact(2))
    run_sync(sf, mb, repo, S)
    result = run_sync(sf, mb, repo, S)
    assert result.plan is not None and result.plan.describe() == []
    assert "apply" not in sf.calls or sf.calls["apply"] == 1
    assert emails(sf) == emails(mb) == ["ana1@x.com", "ana2@x.com"]


def test_a_server_rewrite_causes_no_write_back() -> None:
    sf, mb, repo = pair()
    sf.put(contact(1))
    converge(sf, mb, repo)
    mb.rewrite(next(iter(mb.records())))
    applies = sf.calls.get("apply", 0), mb.calls.get("apply", 0)
    result = run_sync(sf, mb, repo, S)
    assert (sf.calls.get("apply", 0), mb.calls.get("apply", 0)) == applies
    assert result.status == "ok"


def test_progress_is_reported_per_batch() -> None:
    sf, mb, repo = pair(mb_batch=2)
    for n in range(5):
        sf.put(contact(n))
    seen: list[tuple[int, int]] = []
    run_sync(sf, mb, repo, S, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_per_item_errors_become_issues_and_the_rest_goes_through() -> None:
    sf, mb, repo = pair()
    sf.validator = lambda r: (
        "Last Name is required" if isinstance(r, Contact) and not r.last_name else None
    )
    mb.put(contact(1))
    mb.put(contact(2, last_name=""))
    result = run_sync(sf, mb, repo, S)
    assert result.status == "partial"
    assert result.counts["created_salesforce"] == 1 and result.counts["errors_salesforce"] == 1
    (issue,) = result.issues
    # The issue names the mailbox contact that could not be created in Salesforce.
    assert issue.side == "mailbox" and issue.code == "rejected" and not issue.retryable
    assert issue.item_id in mb.records() and "in the salesforce" in issue.message
    assert "Last Name is required" in issue.message and "ana2" not in issue.message
    assert result.cursors_saved  # a permanent error: reading the item again cannot help


def test_a_version_conflict_has_both_items_read_again_by_id_and_planned_again() -> None:
    sf, mb, repo = pair()
    sf.put(contact(1))
    converge(sf, mb, repo)
    cursors = dict(repo.cursors)
    sf_id = next(iter(sf.records()))
    mb_id = next(iter(mb.records()))
    sf.edit(sf_id, contact(1, title="CEO"))

    real_apply = mb.apply

    def apply_after_user_edit(ops: Sequence[Op]) -> list[OpResult]:
        mb.edit(mb_id, contact(1, department="Ops"))  # the user edits between our read and write
        return real_apply(ops)

    mb.apply = apply_after_user_edit  # type: ignore[method-assign]
    result = run_sync(sf, mb, repo, S)
    # Not an administrator's problem: the pair is planned again from what each side holds,
    # whatever the cursors say (they moved on).
    assert (result.status, result.issues, result.counts.get("deferred")) == ("ok", [], 1)
    assert repo.cursors != cursors
    (row,) = repo.load()
    assert (row.salesforce_version, row.mailbox_version) == ("", "")
    mb.apply = real_apply  # type: ignore[method-assign]
    converge(sf, mb, repo)
    (record,) = mb.records().values()
    assert isinstance(record, Contact) and (record.title, record.department) == ("CEO", "Ops")
    assert sf.records()[sf_id] == record


def test_throttling_stops_the_run_keeping_what_was_applied() -> None:
    sf, mb, repo = pair(mb_batch=2)
    for n in range(6):
        sf.put(contact(n))
    real_apply = mb.apply
    calls = {"n": 0}

    def throttle_second_batch(ops: Sequence[Op]) -> list[OpResult]:
        calls["n"] += 1
        if calls["n"] == 2:
            mb.throttle(1, retry_after=42)
        return real_apply(ops)

    mb.apply = throttle_second_batch  # type: ignore[method-assign]
    result = run_sync(sf, mb, repo, S)
    assert result.status == "throttled" and result.retry_after == 42
    assert len(mb) == 2 and repo.cursors == {}
    # The first batch linked; the refused one left its write-ahead (pending) rows.
    states = sorted(m.status for m in repo.mappings.values())
    assert states == ["pending", "pending", "synced", "synced"]
    assert result.issues[-1].code == "rate_limited" and result.issues[-1].retryable
    mb.apply = real_apply  # type: ignore[method-assign]
    converge(sf, mb, repo)
    assert emails(mb) == emails(sf) and len(mb) == 6


def test_throttling_while_reading_backs_off() -> None:
    sf, mb, repo = pair()
    sf.throttle(1, retry_after=7)
    result = run_sync(sf, mb, repo, S)
    assert (result.status, result.retry_after, result.plan) == ("throttled", 7, None)


def test_an_authentication_failure_fails_the_run() -> None:
    sf, mb, repo = pair()
    sf.put(contact(1))

    def refuse(ops: Sequence[Op]) -> list[OpResult]:
        raise AuthFailed("impersonation refused")

    mb.apply = refuse  # type: ignore[method-assign]
    result = run_sync(sf, mb, repo, S)
    assert result.status == "failed" and not result.cursors_saved
    assert "impersonation refused" in result.issues[-1].message and not result.issues[-1].retryable


@pytest.mark.parametrize("crash_batch", [1, 2, 3])
def test_a_crash_after_a_mailbox_batch_creates_no_duplicates(crash_batch: int) -> None:
    sf, mb, repo = pair(mb_batch=2)
    for n in range(5):
        sf.put(contact(n))
    real_apply = mb.apply
    calls = {"n": 0}

    def crash_on(ops: Sequence[Op]) -> list[OpResult]:
        calls["n"] += 1
        if calls["n"] == crash_batch:
            mb.crash_after_write(1)
        return real_apply(ops)

    mb.apply = crash_on  # type: ignore[method-assign]
    with pytest.raises(SimulatedCrash):
        run_sync(sf, mb, repo, S)
    linked = [m for m in repo.load() if not is_pending(m)]
    assert len(linked) == 2 * (crash_batch - 1)
    # The crashed batch's creates left write-ahead rows, the later batches none.
    assert sum(is_pending(m) for m in repo.load()) == min(2, 5 - len(linked))
    mb.apply = real_apply  # type: ignore[method-assign]
    converge(sf, mb, repo)
    assert emails(mb) == emails(sf) and len(mb) == 5 and len(repo.mappings) == 5


def test_a_crash_after_a_salesforce_batch_creates_no_duplicates() -> None:
    sf, mb, repo = pair(sf_batch=2)
    for n in range(3):
        mb.put(contact(n))
    sf.crash_after_write(1)
    with pytest.raises(SimulatedCrash):
        run_sync(sf, mb, repo, S)
    assert len(sf) == 2 and sum(is_pending(m) for m in repo.load()) == 2
    mb.edit(next(iter(mb.records())), contact(0, title="edited meanwhile"))
    converge(sf, mb, repo)
    assert emails(sf) == emails(mb) and len(sf) == 3
    assert not any(is_pending(m) for m in repo.load())
    assert any(
        isinstance(r, Contact) and r.title == "edited meanwhile" for r in sf.records().values()
    )


def test_an_edit_of_a_mailbox_copy_made_by_a_run_that_crashed_is_kept() -> None:
    sf, mb, repo = pair()
    sf.put(contact(0, title="Buyer"))
    mb.crash_after_write(1)
    with pytest.raises(SimulatedCrash):
        run_sync(sf, mb, repo, S)
    ((copy_id, copy),) = mb.records().items()
    assert isinstance(copy, Contact) and [m.status for m in repo.load()] == ["pending"]
    mb.edit(copy_id, replace(copy, title="Edited in Outlook"))
    converge(sf, mb, repo)
    titles = [r.title for r in [*sf.records().values(), *mb.records().values()]]  # type: ignore[union-attr]
    assert titles == ["Edited in Outlook", "Edited in Outlook"]
    assert [m.status for m in repo.load()] == ["synced"]


def test_a_salesforce_copy_whose_identifying_fields_were_edited_after_a_crash_is_still_linked() -> (
    None
):
    sf, mb, repo = pair()
    mb_id = mb.put(contact(0, title="Buyer", mobile_phone="+47 900 00 001"))
    sf.crash_after_write(1)
    with pytest.raises(SimulatedCrash):
        run_sync(sf, mb, repo, S)
    ((sf_id, copy),) = sf.records().items()
    assert isinstance(copy, Contact)
    # Edited on both sides before the next run: the copy's name and e-mail, the original's title.
    sf.edit(sf_id, replace(copy, first_name="Anna", emails=("anna@x.com",)))
    original = mb.records()[mb_id]
    assert isinstance(original, Contact)
    mb.edit(mb_id, replace(original, title="Head of buying"))
    converge(sf, mb, repo)
    assert len(sf) == len(mb) == 1
    for record in [*sf.records().values(), *mb.records().values()]:
        assert isinstance(record, Contact)
        assert (record.first_name, record.emails, record.title) == (
            "Anna",
            ("anna@x.com",),
            "Head of buying",
        )


def test_an_expired_cursor_lists_everything_and_matches_instead_of_duplicating() -> None:
    sf, mb, repo = pair()
    for n in range(3):
        sf.put(contact(n))
    converge(sf, mb, repo)
    sf.expire_cursors()
    mb.expire_cursors()
    repo = MemoryRepo()  # even with the links forgotten
    result = run_sync(sf, mb, repo, S)
    assert result.full_listing == {"salesforce": True, "mailbox": True}
    assert result.counts.get("linked") == 3 and "created_mailbox" not in result.counts
    assert len(mb) == 3 and len(repo.mappings) == 3


def test_an_incremental_run_matches_through_find_before_creating() -> None:
    sf, mb, repo = pair()
    one_way = SyncSettings(direction="salesforce_to_mailbox")
    mb_id = mb.put(contact(5, title="already in Outlook"))
    converge(sf, mb, repo, one_way)  # the mailbox contact is listed once, and not pushed
    sf_id = sf.put(contact(5))  # later the same person is added in Salesforce
    result = run_sync(sf, mb, repo, one_way)
    assert mb.calls["find"] == 1 and mb.calls["get"] == 1
    assert result.counts.get("linked") == 1 and "created_mailbox" not in result.counts
    assert list(mb.records()) == [mb_id] and mb.records()[mb_id] == sf.records()[sf_id]


def test_a_contact_leaving_salesforce_leaves_only_the_mailbox() -> None:
    sf, mb, repo = pair()
    sf_id = sf.put(contact(1))
    mb.put(contact(2))
    converge(sf, mb, repo)
    sf.remove(sf_id)
    converge(sf, mb, repo)
    assert emails(mb) == ["ana2@x.com"]
    mb.remove(next(iter(mb.records())))
    converge(sf, mb, repo)
    assert emails(sf) == ["ana2@x.com"] and len(mb) == 0


def test_direction_off_does_nothing() -> None:
    sf, mb, repo = pair()
    sf.put(contact(1))
    result = run_sync(sf, mb, repo, SyncSettings(direction="off"))
    assert result.status == "ok" and len(mb) == 0 and result.total_api_calls == 0


class OneEmailStore(MemoryStore):
    """A Salesforce-like side that keeps one e-mail per contact."""

    def canonical(self, record: Contact | Event) -> Contact | Event:
        return replace(record, emails=record.emails[:1]) if isinstance(record, Contact) else record

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        return super().apply(
            [
                replace(op, record=self.canonical(op.record)) if hasattr(op, "record") else op
                for op in ops
            ]
        )  # type: ignore[call-arg, arg-type]


def test_a_side_that_keeps_less_is_not_seen_as_changed() -> None:
    clock = Clock()
    sf = OneEmailStore("salesforce", "contacts", clock=clock)
    mb, repo = MemoryStore("mailbox", "contacts", clock=clock), MemoryRepo()
    mb_id = mb.put(contact(1, emails=["a@x.com", "b@x.com"]))
    converge(sf, mb, repo)
    (sf_id,) = sf.records()
    sf.edit(sf_id, replace(sf.records()[sf_id], title="CEO"))  # type: ignore[type-var]
    converge(sf, mb, repo)
    record = mb.records()[mb_id]
    assert (
        isinstance(record, Contact)
        and record.emails == ("a@x.com", "b@x.com")
        and record.title == "CEO"
    )


def test_events_sync_both_ways_with_private_ones_left_out() -> None:
    sf, mb, repo = pair("events")
    start = datetime(2026, 4, 1, 9, tzinfo=UTC)
    sf.put(Event.normalized(subject="Demo", start=start, end=start + timedelta(hours=1)))
    mb.put(
        Event.normalized(
            subject="Dentist", start=start, end=start + timedelta(hours=1), private=True
        )
    )
    mb.put(
        Event.normalized(
            subject="Standup",
            start=start,
            end=start + timedelta(minutes=15),
            recurrence="FREQ=DAILY",
        )
    )
    settings = SyncSettings(sync_private=False, sync_series=True)
    converge(sf, mb, repo, settings)
    assert sorted(e.subject for e in sf.records().values()) == ["Demo", "Standup"]  # type: ignore[union-attr]
    assert len(mb) == 3


@pytest.mark.parametrize("edit", ["title", "private"])
def test_a_crashed_salesforce_create_edited_before_the_next_run_is_still_found(edit: str) -> None:
    # Found by the state machine: the pending row must match on identifying fields too, and
    # regardless of scope, or the edited copy is created a second time.
    kind = "contacts" if edit == "title" else "events"
    sf, mb, repo = pair(kind)
    start = datetime(2026, 4, 1, 9, tzinfo=UTC)
    record = contact(1) if kind == "contacts" else Event.normalized(subject="Call", start=start)
    mb.put(record)
    sf.crash_after_write()
    settings = SyncSettings(sync_private=False)
    with pytest.raises(SimulatedCrash):
        run_sync(sf, mb, repo, settings)
    (sf_id,) = sf.records()
    sf.edit(sf_id, replace(sf.records()[sf_id], **{edit: "CEO" if edit == "title" else True}))  # type: ignore[type-var]
    converge(sf, mb, repo, settings)
    assert len(sf) == 1 and len(mb) == 1 and not any(is_pending(m) for m in repo.load())
    if kind == "contacts":
        assert next(iter(mb.records().values())).title == "CEO"  # type: ignore[union-attr]


def test_a_retryable_failure_holds_back_only_the_cursor_of_the_side_the_change_came_from() -> None:
    sf, mb, repo = pair()
    sf.put(contact(1))
    converge(sf, mb, repo)
    (sf_id,) = sf.records()
    sf.edit(sf_id, contact(1, title="CEO"))
    mb.put(contact(2))  # a new mailbox contact, created in Salesforce in the same run
    real_apply = mb.apply

    def refuse_updates(ops: Sequence[Op]) -> list[OpResult]:
        return [
            OpResult(False, getattr(op, "id", None), error=ProviderError("busy", permanent=False))
            for op in ops
        ]

    mb.apply = refuse_updates  # type: ignore[method-assign]
    saved: list[dict[str, str | None]] = []
    real_save = repo.save_cursors
    repo.save_cursors = lambda cursors: (saved.append(dict(cursors)), real_save(cursors))[1]  # type: ignore[method-assign, func-returns-value]
    result = run_sync(sf, mb, repo, S)
    assert result.counts.get("created_salesforce") == 1 and result.counts.get("errors_mailbox") == 1
    assert [set(c) for c in saved] == [{"mailbox"}]
    mb.apply = real_apply  # type: ignore[method-assign]
    converge(sf, mb, repo)
    assert len(sf) == 2 and all(isinstance(r, Contact) for r in mb.records().values())
    assert {r.title for r in mb.records().values()} == {"CEO", ""}  # type: ignore[union-attr]


def test_a_crash_between_the_two_halves_of_a_merge_loses_no_edit() -> None:
    # Found by the state machine: once the Salesforce half of a merge was recorded, a crash
    # before the mailbox half left Salesforce's own edit marked as synced.
    sf, mb, repo = pair(mb_batch=1)
    a_sf = sf.put(contact(1))
    b_sf = sf.put(contact(2))
    converge(sf, mb, repo)
    b_mb = next(i for i, r in mb.records().items() if r.emails == ("ana2@x.com",))  # type: ignore[union-attr]
    sf.edit(a_sf, contact(1, title="A's new title"))  # written to the mailbox first
    sf.edit(b_sf, contact(2, first_name="Bea"))  # B: merged both ways
    mb.edit(b_mb, contact(2, emails=["bea@x.com"]))
    mb.crash_after_write()
    with pytest.raises(SimulatedCrash):
        run_sync(sf, mb, repo, S)
    assert sf.records()[b_sf].emails == ("bea@x.com",)  # type: ignore[union-attr]
    assert mb.records()[b_mb].first_name == "Ana2"  # type: ignore[union-attr]
    converge(sf, mb, repo)
    assert mb.records()[b_mb] == sf.records()[b_sf]
    assert mb.records()[b_mb].first_name == "Bea"  # type: ignore[union-attr]
