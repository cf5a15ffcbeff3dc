"""A 401 on a part of a Calendar batch (the token was revoked while Google worked through the
batch) is a sign-in problem, never the event's own failure."""

from __future__ import annotations

from datetime import timedelta

from syncengine.records import Event
from syncengine.stores.base import AuthFailed, Create
from tests.providers.google.conftest import GoogleRig, soon


def _event(n: int) -> Event:
    start = soon(days=n)
    return Event.normalized(
        subject=f"Meeting {n}", start=start, end=start + timedelta(hours=1), time_zone="UTC"
    )


def test_parts_refused_with_401_are_sent_again_with_a_new_token(google: GoogleRig) -> None:
    store = google.events()
    google.emu.inject("revoke_token", route="google.calendar.events.insert", times=1)
    results = store.apply([Create(str(n), _event(n)) for n in range(3)])
    assert [r.ok for r in results] == [True, True, True]
    assert sorted(it.record.subject for it in store.changes(None).changed) == [
        "Meeting 0",
        "Meeting 1",
        "Meeting 2",
    ]


def test_a_401_that_stays_is_reported_as_a_sign_in_failure(google: GoogleRig) -> None:
    store = google.events()
    google.emu.inject("revoke_token", route="google.calendar.events.insert", times=None)
    results = store.apply([Create(str(n), _event(n)) for n in range(2)])
    assert all(isinstance(r.error, AuthFailed) for r in results)
    google.emu.clear_faults()
    assert store.changes(None).changed == []
