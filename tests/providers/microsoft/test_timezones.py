"""Windows <-> IANA zone names come from CLDR as exchangelib ships it; our own entries are only
where that map is wrong for us, and each is shown here."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

from connections.providers.microsoft.timezones import CANONICAL, to_graph, to_iana


@pytest.mark.parametrize(
    ("windows", "alias", "canonical"),
    [
        ("US Eastern Standard Time", "America/Indianapolis", "America/Indiana/Indianapolis"),
        ("Argentina Standard Time", "America/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ],
)
def test_cldr_names_these_zones_by_an_old_alias_so_ours_uses_the_canonical_name(
    windows: str, alias: str, canonical: str
) -> None:
    # When exchangelib's map stops using the alias, this fails: drop the entry from CANONICAL.
    assert MS_TIMEZONE_TO_IANA_MAP[windows] == alias
    assert ZoneInfo(alias).utcoffset(None) == ZoneInfo(canonical).utcoffset(None)
    assert to_iana(windows) == canonical
    assert to_graph(canonical) == windows


def test_our_entries_are_only_the_ones_shown_above() -> None:
    assert set(CANONICAL) == {"US Eastern Standard Time", "Argentina Standard Time"}


def test_every_windows_zone_of_cldr_reads_as_a_zone_python_knows() -> None:
    for windows in MS_TIMEZONE_TO_IANA_MAP:
        name = to_iana(windows)
        assert ZoneInfo(name) is not None, windows


def test_zones_the_hand_kept_table_lacked_now_read_right() -> None:
    assert to_iana("Russia Time Zone 3") == "Europe/Samara"
    assert to_iana("Yukon Standard Time") == "America/Whitehorse"
    assert to_graph("Asia/Bishkek") == "Central Asia Standard Time"
    assert to_iana("tzone://Microsoft/Utc") == "UTC"
