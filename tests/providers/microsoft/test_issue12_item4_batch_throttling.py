"""Issue 12 item 4: a Retry-After on one item of a Graph $batch stops every later write of the
run; the run ends "throttled" with that Retry-After, and opens one issue, not one per item."""

from __future__ import annotations

from connections.providers.microsoft.client import GraphClient
from connections.providers.microsoft.stores.contacts import GraphContactStore
from syncengine.engine import run_sync
from syncengine.policy import SyncSettings
from syncengine.records import Contact
from syncengine.state import MemoryRepo
from syncengine.stores.memory import MemoryStore
from tests.providers.microsoft.conftest import TENANT, USER, Microsoft


def test_item4_a_long_retry_after_on_a_batch_item_holds_back_the_next_batches(
    microsoft: Microsoft,
) -> None:
    salesforce = MemoryStore("salesforce", "contacts", max_batch=200)
    mailbox = GraphContactStore(GraphClient(TENANT), USER)
    for n in range(mailbox.max_batch + 25):
        salesforce.put(Contact.normalized(first_name="Rep", last_name=f"N{n:03d}"))
    mailbox.folder_id()
    microsoft.emulator.inject("429", route="graph.contacts.create", retry_after=90)

    result = run_sync(salesforce, mailbox, MemoryRepo(), SyncSettings())

    assert (result.status, result.retry_after) == ("throttled", 90)
    assert [i.code for i in result.issues] == ["rate_limited"]
    # The first batch (its $batch requests sent at once) went out with one item refused; no
    # later batch was sent.
    assert len(microsoft.emulator.mailbox(USER).contacts) == mailbox.max_batch - 1
    assert microsoft.waits == []
