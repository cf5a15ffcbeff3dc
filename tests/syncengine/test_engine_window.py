"""Event listings cover a date window: an event that only aged out of it is not a deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from syncengine.engine import run_sync
from syncengine.policy import SyncSettings
from syncengine.records import Contact, Event
from syncengine.state import MemoryRepo
from syncengine.stores.base import ChangePage
from syncengine.stores.memory import Clock, MemoryStore


class WindowedStore(MemoryStore):
    """A store whose full listing leaves out the ids in `outside` (aged out of its window),
    while `get` still finds them, as Graph's calendarView and Salesforce's SOQL window do."""

    outside: set[str]

    def changes(self, cursor: str | None) -> ChangePage:
        page = super().changes(cursor)
        if not page.full:
            return page
        kept = [it for it in page.changed if it.id not in getattr(self, "outside", set())]
        return ChangePage(kept, page.deleted, page.cursor, page.full)


def _event(n: int) -> Event:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=n)
    return Event.normalized(subject=f"Review {n}", start=start, end=start + timedelta(hours=1))


def _synced_pair(kind: str) -> tuple[WindowedStore, MemoryStore, MemoryRepo]:
    clock = Clock()
    sf = WindowedStore("salesforce", kind, clock=clock)  # type: ignore[arg-type]
    mb = MemoryStore("mailbox", kind, clock=clock)  # type: ignore[arg-type]
    repo = MemoryRepo()
    return sf, mb, repo


def test_an_event_that_aged_out_of_the_window_survives_a_full_listing() -> None:
    sf, mb, repo = _synced_pair("events")
    ids = [sf.put(_event(n)) for n in range(4)]
    assert run_sync(sf, mb, repo, SyncSettings()).status == "ok"
    assert len(mb) == 4

    sf.outside = {ids[0], ids[1]}
    sf.expire_cursors()
    result = run_sync(sf, mb, repo, SyncSettings(mass_delete_percent=100))

    assert result.status == "ok"
    assert len(mb) == 4, "aged-out events were taken for deletions"
    assert len(repo.load()) == 4


def test_an_event_really_deleted_is_still_deleted_on_a_full_listing() -> None:
    sf, mb, repo = _synced_pair("events")
    ids = [sf.put(_event(n)) for n in range(4)]
    run_sync(sf, mb, repo, SyncSettings())
    sf.remove(ids[0])
    sf.expire_cursors()
    run_sync(sf, mb, repo, SyncSettings(mass_delete_percent=100))
    assert len(mb) == 3


def test_a_contact_missing_from_a_full_listing_still_leaves_the_mailbox() -> None:
    # For contacts, absence from the Salesforce listing is how "left the filter" is signalled.
    sf, mb, repo = _synced_pair("contacts")
    ids = [
        sf.put(Contact.normalized(first_name=f"Ana{n}", last_name="Núñez", emails=[f"a{n}@x.com"]))
        for n in range(4)
    ]
    run_sync(sf, mb, repo, SyncSettings())
    sf.outside = {ids[0]}
    sf.expire_cursors()
    run_sync(sf, mb, repo, SyncSettings(mass_delete_percent=100))
    assert len(mb) == 3
