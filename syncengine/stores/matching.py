from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from syncengine.stores.base import Item, MatchKey


def record_keys(item: Item) -> Iterable[MatchKey]:
    return item.record.match_keys()


def first_matches(
    items: Iterable[Item],
    keys: Sequence[MatchKey],
    key_of: Callable[[Item], Iterable[MatchKey]] = record_keys,
) -> dict[MatchKey, str]:
    """For each wanted key, the id of the first item (in id order) that carries it: the keys
    `key_of` gives, plus ("marker", <Salesforce id>) for an item tagged with one. Id order makes
    the choice between duplicates the same on every run."""
    wanted = set(keys)
    found: dict[MatchKey, str] = {}
    for item in sorted(items, key=lambda it: it.id):
        own = list(key_of(item))
        if item.marker:
            own.append(("marker", item.marker))
        for key in own:
            if key in wanted and key not in found:
                found[key] = item.id
    return found
