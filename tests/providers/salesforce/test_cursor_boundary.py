"""The Salesforce cursor remembers every row already reported at its second, even when a bulk load
stamped thousands in that second, so the next run does not report them again."""

from __future__ import annotations

from datetime import UTC, datetime

from connections.providers.salesforce.cursor import Cursor


def test_thousands_of_rows_stamped_in_one_second_stay_remembered() -> None:
    at = datetime(2026, 12, 7, 13, 0, 0, tzinfo=UTC)
    seen = {f"003{n:015d}": f"{n:016x}" for n in range(4_244)}

    decoded = Cursor.decode(Cursor(at, at, seen).encode())

    assert decoded.seen == seen
    assert decoded.at == at
