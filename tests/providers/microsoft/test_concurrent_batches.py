"""A write batch of the engine goes to Graph as up to 4 $batch requests at once (Graph's limit per
mailbox and app). A request that fails as a whole fails only its own items: the items of the
others landed and are reported written."""

from __future__ import annotations

from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.stores.base import CONCURRENT_REQUESTS
from connections.providers.microsoft.stores.contacts import GraphContactStore
from syncengine.records import Contact
from syncengine.stores.base import Create, ProviderError
from tests.providers.microsoft.conftest import TENANT, USER, Microsoft


def _creates(count: int) -> list[Create]:
    return [
        Create(f"r{n}", Contact.normalized(first_name="Rep", last_name=f"N{n:03d}"))
        for n in range(count)
    ]


def test_a_full_write_batch_goes_out_as_four_batch_requests(microsoft: Microsoft) -> None:
    store = GraphContactStore(GraphClient(TENANT), USER)
    store.folder_id()
    before = store.api_calls

    results = store.apply(_creates(store.max_batch))

    assert store.max_batch == 20 * CONCURRENT_REQUESTS
    assert all(r.ok for r in results)
    assert store.api_calls - before == CONCURRENT_REQUESTS
    assert len(microsoft.emulator.mailbox(USER).contacts) == store.max_batch


def test_a_batch_request_that_fails_as_a_whole_fails_only_its_own_items(
    microsoft: Microsoft,
) -> None:
    store = GraphContactStore(GraphClient(TENANT), USER)
    store.folder_id()
    microsoft.emulator.inject("500", route="graph.batch", times=1)

    results = store.apply(_creates(45))

    failed = [r for r in results if not r.ok]
    assert len(failed) in (5, 20)  # whichever request the fault met
    assert all(isinstance(r.error, ProviderError) for r in failed)
    landed = [r for r in results if r.ok]
    assert len(microsoft.emulator.mailbox(USER).contacts) == len(landed) == 45 - len(failed)
