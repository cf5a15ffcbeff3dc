"""Events end to end: delete propagation, tombstones, modification beating deletion, scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from syncengine.engine import run_sync
from syncengine.policy import SyncSettings
from syncengine.records import Event
from syncengine.state import MemoryRepo
from syncengine.stores.memory import Clock, MemoryStore, SimulatedCrash

START = datetime(2026, 9, 1, 9, tzinfo=UTC)


def event(n: int, **kw: object) -> Event:
    fields: dict[str, object] = {"subject": f"Visit {n}", "start": START + timedelta(days=n)}
    fields["end"] = fields["start"] + timedelta(hours=1)  # type: ignore[operator]
    fields.update(kw)
    return Event.normalized(**fields)  # type: ignore[arg-type]


def synced(settings: SyncSettings) -> tuple[MemoryStore, MemoryStore, MemoryRepo, str, str]:
    clock = Clock()
    sf = MemoryStore("salesforce", "events", clock=clock)
    mb = MemoryStore("mailbox", "events", clock=clock)
    repo = MemoryRepo()
    sf_id = sf.put(event(1))
    run_sync(sf, mb, repo, settings)
    (mb_id,) = mb.records()
    return sf, mb, repo, sf_id, mb_id


def test_a_deleted_event_is_deleted_on_the_other_side_when_configured() -> None:
    settings = SyncSettings(propagate_deletes=True)
    sf, mb, repo, sf_id, mb_id = synced(settings)
    mb.remove(mb_id)
    result = run_sync(sf, mb, repo, settings)
    assert result.counts == {"deleted_salesforce": 1} and len(sf) == 0 and repo.load() == []


def test_without_propagation_the_other_copy_stays_and_is_never_pushed_back() -> None:
    settings = SyncSettings(propagate_deletes=False)
    sf, mb, repo, sf_id, mb_id = synced(settings)
    mb.remove(mb_id)
    assert run_sync(sf, mb, repo, settings).counts == {"unlinked": 1}
    sf.edit(sf_id, event(1, location="moved"))
    sf.expire_cursors()
    mb.expire_cursors()
    for _ in range(2):
        result = run_sync(sf, mb, repo, settings)
        assert result.status == "ok" and len(mb) == 0
    sf.remove(sf_id)
    run_sync(sf, mb, repo, settings)
    assert repo.load() == []  # the tombstone goes with its survivor


def test_an_edit_beats_a_deletion_on_the_other_side() -> None:
    settings = SyncSettings(propagate_deletes=True)
    sf, mb, repo, sf_id, mb_id = synced(settings)
    sf.edit(sf_id, event(1, location="Room 4"))
    mb.remove(mb_id)
    result = run_sync(sf, mb, repo, settings)
    assert result.counts == {"created_mailbox": 1}
    ((new_id, record),) = mb.records().items()
    assert record.location == "Room 4" and mb.item(new_id).marker == sf_id  # type: ignore[union-attr]
    assert [(m.salesforce_id, m.mailbox_id) for m in repo.load()] == [(sf_id, new_id)]


def test_series_and_private_events_stay_home_when_not_synced() -> None:
    settings = SyncSettings(sync_series=False, sync_private=False)
    clock = Clock()
    sf, mb, repo = (
        MemoryStore("salesforce", "events", clock=clock),
        MemoryStore("mailbox", "events", clock=clock),
        MemoryRepo(),
    )
    sf.put(event(1, recurrence="FREQ=WEEKLY;COUNT=5"))
    sf.put(event(2, private=True))
    sf.put(event(3))
    run_sync(sf, mb, repo, settings)
    assert [r.subject for r in mb.records().values()] == ["Visit 3"]  # type: ignore[union-attr]


def test_an_event_made_private_stops_flowing_but_still_receives_changes() -> None:
    settings = SyncSettings(sync_private=False)
    sf, mb, repo, sf_id, mb_id = synced(settings)
    sf.edit(sf_id, event(1, private=True, location="secret"))
    run_sync(sf, mb, repo, settings)
    assert mb.records()[mb_id].location == ""  # type: ignore[union-attr]
    mb.edit(mb_id, replace(mb.records()[mb_id], subject="Renamed"))  # type: ignore[type-var]
    run_sync(sf, mb, repo, settings)
    assert sf.records()[sf_id].subject == "Renamed"  # type: ignore[union-attr]
    assert sf.records()[sf_id].location == "secret"  # type: ignore[union-attr]


def test_a_recreated_event_whose_create_crashed_is_linked_once_not_deleted_by_its_old_marker() -> (
    None
):
    # Found by the state machine: the mailbox copy had both a pending row (the new Salesforce
    # event) and the marker of the deleted one, and got two decisions: link and delete.
    settings = SyncSettings(propagate_deletes=True)
    sf, mb, repo, sf_id, mb_id = synced(settings)
    mb.edit(mb_id, event(1, location="Room 7"))
    sf.remove(sf_id)
    sf.crash_after_write()
    with pytest.raises(SimulatedCrash):  # edited beats deleted: created again in Salesforce
        run_sync(sf, mb, repo, settings)
    sf.reset_faults()
    for _ in range(3):
        run_sync(sf, mb, repo, settings)
    ((new_sf, record),) = sf.records().items()
    assert new_sf != sf_id and record.location == "Room 7"  # type: ignore[union-attr]
    assert list(mb.records()) == [mb_id]
    assert [(m.salesforce_id, m.mailbox_id) for m in repo.load()] == [(new_sf, mb_id)]


def test_lsyncs_own_write_cut_short_by_a_crash_is_not_taken_for_a_user_edit() -> None:
    # Found by the state machine: the update reached the mailbox, the run died before recording
    # it, then the Salesforce user undid the change. The undo must reach the mailbox.
    settings = SyncSettings(propagate_deletes=True)
    sf, mb, repo, sf_id, mb_id = synced(settings)
    sf.edit(sf_id, event(1, location="Room 7"))
    mb.crash_after_write()
    with pytest.raises(SimulatedCrash):
        run_sync(sf, mb, repo, settings)
    mb.reset_faults()
    assert mb.records()[mb_id].location == "Room 7"  # type: ignore[union-attr]
    sf.edit(sf_id, event(1))  # back to no location
    for _ in range(3):
        run_sync(sf, mb, repo, settings)
    assert mb.records()[mb_id] == sf.records()[sf_id]
    assert mb.records()[mb_id].location == ""  # type: ignore[union-attr]
    assert not any(m.intents for m in repo.load())


def test_a_private_event_rewritten_by_the_server_still_receives_mailbox_changes() -> None:
    # Found by the state machine: refreshing the private side's version made its kept base
    # look synced, and a later update carried a stale expected version for ever.
    settings = SyncSettings(sync_private=False)
    sf, mb, repo, sf_id, mb_id = synced(settings)
    sf.edit(sf_id, event(1, private=True))
    mb.edit(mb_id, event(1, subject="v3"))
    run_sync(sf, mb, repo, settings)
    mb.edit(mb_id, event(1, subject="v4"))
    run_sync(sf, mb, repo, settings)
    sf.rewrite(sf_id)
    run_sync(sf, mb, repo, settings)
    mb.edit(mb_id, event(1, subject="v5"))
    result = run_sync(sf, mb, repo, settings)
    assert result.status == "ok" and sf.records()[sf_id].subject == "v5"  # type: ignore[union-attr]
    sf.edit(sf_id, replace(sf.records()[sf_id], private=False))  # type: ignore[type-var]
    run_sync(sf, mb, repo, settings)
    assert mb.records()[mb_id] == sf.records()[sf_id]
