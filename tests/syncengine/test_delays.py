"""The delay from an edit to the other side (syncengine/delays.py), measured over memory stores
whose clock stands for the servers' clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncengine.delays import Watched, delays, percentile, spread
from syncengine.engine import run_sync
from syncengine.policy import SyncSettings
from syncengine.records import Contact
from syncengine.state import MemoryRepo
from syncengine.stores.memory import Clock, MemoryStore

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def contact(n: int, company: str = "Acme") -> Contact:
    return Contact.normalized(first_name=f"Ana{n}", last_name="Núñez", emails=[f"ana{n}@x.com"], company=company)  # fmt: skip


class Setup:
    def __init__(self) -> None:
        self.clock = Clock(NOON)
        self.sf = MemoryStore("salesforce", "contacts", clock=self.clock)
        self.mb = MemoryStore("mailbox", "contacts", clock=self.clock)
        self.repo = MemoryRepo()
        self.lsync_now = NOON

    def run(self, at_seconds: float) -> dict[str, list[int]]:
        """One run whose writes return `at_seconds` after noon (lsync's clock)."""
        now = NOON + timedelta(seconds=at_seconds)
        watched = {
            "salesforce": Watched(self.sf, clock=lambda: now),
            "mailbox": Watched(self.mb, clock=lambda: now),
        }
        result = run_sync(watched["salesforce"], watched["mailbox"], self.repo, SyncSettings())  # type: ignore[arg-type]
        assert result.status == "ok"
        return delays(result.plan, watched)  # type: ignore[arg-type]


def test_an_edit_is_timed_from_its_modification_to_lsyncs_write_on_the_other_side() -> None:
    s = Setup()
    ana = s.sf.put(contact(1))
    bo = s.mb.put(contact(2))
    assert s.run(600) == {}  # the first sync lists everything: old items say nothing of speed
    s.clock.now = NOON + timedelta(seconds=700)
    s.sf.edit(ana, contact(1, "Acme Ltd"))  # stamped 701 s after noon
    s.clock.now = NOON + timedelta(seconds=710)
    s.mb.edit(bo, contact(2, "Bo & Co"))  # 711 s
    assert s.run(745) == {"salesforce_to_mailbox": [44], "mailbox_to_salesforce": [34]}


def test_a_server_clock_ahead_of_lsyncs_reads_as_no_delay_and_deletions_are_not_timed() -> None:
    s = Setup()
    ana = s.sf.put(contact(1))
    bo = s.sf.put(contact(2))
    s.run(10)
    s.clock.now = NOON + timedelta(seconds=100)
    s.sf.edit(ana, contact(1, "Acme Ltd"))
    s.sf.remove(bo)
    assert s.run(90) == {"salesforce_to_mailbox": [0]}


def test_a_run_keeps_at_most_50_delays_per_direction_spread_over_their_range() -> None:
    kept = spread(list(range(1000)), 50)
    assert len(kept) == 50 and kept[0] == 0 and kept[-1] == 999
    assert spread([3, 1, 2], 50) == [1, 2, 3]


def test_percentiles_are_nearest_rank() -> None:
    values = list(range(1, 101))
    assert (percentile(values, 0.5), percentile(values, 0.95)) == (50, 95)
    assert percentile([7], 0.95) == 7
    assert percentile([], 0.5) is None
