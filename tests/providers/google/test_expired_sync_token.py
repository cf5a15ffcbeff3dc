"""An expired People sync token is recognised whatever shape Google's error body takes: People
sync tokens expire after seven days, and taking one for a permanent rejection would stop
contacts for every user every week."""

from __future__ import annotations

import pytest

from connections.providers.google.client import error_from
from connections.providers.google.errors import store_error
from syncengine.stores.base import CursorExpired
from tests.providers.google.conftest import GoogleRig

MESSAGE = "Sync token is expired. Clear local cache and retry call without the sync token."
DETAILS = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "EXPIRED_SYNC_TOKEN"}]


@pytest.mark.parametrize("error_lists", [False, True], ids=["details", "errors-and-details"])
def test_an_expired_people_sync_token_means_a_full_listing(
    google: GoogleRig, error_lists: bool
) -> None:
    google.emu.error_lists = error_lists
    store = google.contacts()
    cursor = store.changes(None).cursor
    google.emu.expire_cursors()
    with pytest.raises(CursorExpired):
        store.changes(cursor)


@pytest.mark.parametrize(
    "error",
    [
        {"status": "FAILED_PRECONDITION", "message": MESSAGE, "details": DETAILS},
        {"errors": [{"reason": "failedPrecondition"}], "details": DETAILS, "message": MESSAGE},
        {"errors": [{"reason": "badRequest"}, {"reason": "EXPIRED_SYNC_TOKEN"}]},
        {"code": 400, "message": MESSAGE, "status": "FAILED_PRECONDITION"},
    ],
    ids=["details", "errors-first", "second-of-errors", "message-only"],
)
def test_every_shape_of_the_expiry_error_is_an_expired_cursor(error: dict[str, object]) -> None:
    assert isinstance(store_error(error_from(400, {"error": error}, None)), CursorExpired)


def test_a_stale_etag_is_still_a_version_mismatch_not_an_expired_cursor() -> None:
    error = {"status": "FAILED_PRECONDITION", "message": "Request person.etag is different."}
    assert type(store_error(error_from(400, {"error": error}, None))).__name__ == "VersionMismatch"
