"""The Salesforce stores under the real engine (mailbox side: the reference MemoryStore): both
sides converge, our own writes are not read back as changes, and a quiet run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncengine.engine import run_sync
from syncengine.policy import SyncSettings
from syncengine.records import Attendee, Contact, Event
from syncengine.state import MemoryRepo
from syncengine.stores.base import Store
from syncengine.stores.memory import MemoryStore
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db

WRITES = ("created_salesforce", "updated_salesforce", "created_mailbox", "updated_mailbox",
          "deleted_salesforce", "deleted_mailbox", "conflicts")  # fmt: skip


def writes(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if k in WRITES and v}


def run(sf: Store, mailbox: MemoryStore, repo: MemoryRepo) -> dict[str, int]:
    result = run_sync(sf, mailbox, repo, SyncSettings())
    assert result.status == "ok", result.issues
    return writes(result.counts)


def test_contacts_converge_both_ways_and_a_second_run_is_quiet(org: Org) -> None:
    acme = org.add("Account", {"Name": "Acme"})
    org.add("Contact", {"FirstName": "Bo", "LastName": "Berg", "Email": "bo@example.com",
                        "AccountId": acme, "Title": "CFO"})  # fmt: skip
    mailbox = MemoryStore("mailbox", "contacts")
    in_mail = mailbox.put(
        Contact.normalized(
            first_name="Cy", last_name="Dahl", emails=["cy@example.com", "c2@x.no", "c3@x.no"]
        )
    )
    repo = MemoryRepo()
    sf = org.contacts()
    assert run(sf, mailbox, repo) == {"created_salesforce": 1, "created_mailbox": 1}
    assert run(org.contacts(), mailbox, repo) == {}
    # A user edits in the mailbox: one update in Salesforce, then quiet again (no echo).
    mailbox.edit(in_mail, Contact.normalized(first_name="Cy", last_name="Dahl",
                                             emails=["cy@example.com"], title="Buyer"))  # fmt: skip
    assert run(org.contacts(), mailbox, repo) == {"updated_salesforce": 1}
    assert run(org.contacts(), mailbox, repo) == {}
    # A user edits in Salesforce: one update in the mailbox.
    sf_id = next(m.salesforce_id for m in repo.load() if m.mailbox_id == in_mail)
    org.edit(sf_id, {"Department": "Purchasing"})
    assert run(org.contacts(), mailbox, repo) == {"updated_mailbox": 1}
    assert mailbox.records()[in_mail].department == "Purchasing"  # type: ignore[union-attr]
    assert run(org.contacts(), mailbox, repo) == {}


def test_events_with_invitees_and_series_converge_and_stay_quiet(org: Org) -> None:
    org.add("Contact", {"LastName": "Berg", "FirstName": "Bo", "Email": "bo@example.com"})
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=2)
    mailbox = MemoryStore("mailbox", "events")
    mailbox.put(
        Event.normalized(
            subject="Kick-off",
            start=start,
            end=start + timedelta(hours=1),
            time_zone="Europe/Oslo",
            attendees=[Attendee.normalized("bo@example.com", "Bo"), "stranger@example.org"],
        )
    )
    mailbox.put(
        Event.normalized(
            subject="Stand-up",
            start=start,
            end=start + timedelta(minutes=15),
            time_zone="Europe/Oslo",
            recurrence="FREQ=DAILY;COUNT=10",
        )
    )
    repo = MemoryRepo()
    assert run(org.events(), mailbox, repo) == {"created_salesforce": 2}
    assert run(org.events(), mailbox, repo) == {}
    assert run(org.events(), mailbox, repo) == {}


def test_an_unresolved_company_stays_in_the_mailbox_and_is_reported(org: Org) -> None:
    mailbox = MemoryStore("mailbox", "contacts")
    item = mailbox.put(Contact.normalized(last_name="Lie", company="Nowhere Inc"))
    repo = MemoryRepo()
    sf = org.contacts()
    assert run(sf, mailbox, repo) == {"created_salesforce": 1}
    assert [message for _, message in sf.unresolved] == [
        "Company 'Nowhere Inc' matches no Salesforce Account by its exact name"
    ]
    assert run(org.contacts(), mailbox, repo) == {}
    assert mailbox.records()[item].company == "Nowhere Inc"  # type: ignore[union-attr]
