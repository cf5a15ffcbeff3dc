"""Issue 11 item 4: "automatically relate events to contacts and leads", against the emulator.

On: an event created in Salesforce from the mailbox gets Name (WhoId) = the first attendee found
as a contact (else as a lead) and Related To (WhatId) = that contact's account. Off: neither is
set. Invitees mirror the attendees either way. The lookups are batched: one query per object for
the whole batch, whatever the number of events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncengine.records import Event
from syncengine.stores.base import Create, Update
from tests.providers.salesforce.conftest import Org

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(microsecond=0, second=0, minute=0)


def meeting(subject: str, *attendees: str) -> Event:
    return Event.normalized(
        subject=subject, start=NOW, end=NOW + timedelta(hours=1), attendees=attendees
    )


def test_on_the_event_names_the_matching_contact_and_relates_to_its_account(org: Org) -> None:
    acme = org.add("Account", {"Name": "Acme"})
    bo = org.add("Contact", {"LastName": "Berg", "Email": "bo@acme.test", "AccountId": acme})
    org.make_user("cy@example.com")
    store = org.events(events_auto_relate=True)
    (result,) = store.apply([Create("m", meeting("Kick-off", "cy@example.com", "bo@acme.test"))])
    row = org.emulator.record(result.id or "")
    assert row is not None and row["WhoId"] == bo and row["WhatId"] == acme
    (item,) = store.get([result.id or ""]).values()
    assert [a.email for a in item.record.attendees] == ["bo@acme.test", "cy@example.com"]


def test_a_lead_is_named_when_no_attendee_is_a_contact_and_nothing_is_related_to(
    org: Org,
) -> None:
    lead = org.add("Lead", {"LastName": "Lund", "Company": "Prospect", "Email": "li@lead.test"})
    store = org.events(events_auto_relate=True)
    (result,) = store.apply([Create("m", meeting("Demo", "li@lead.test", "x@nowhere.test"))])
    row = org.emulator.record(result.id or "")
    assert row is not None and row["WhoId"] == lead and not row.get("WhatId")


def test_a_contact_is_preferred_to_a_lead_listed_before_it(org: Org) -> None:
    org.add("Lead", {"LastName": "Aa", "Company": "P", "Email": "aa@lead.test"})
    contact = org.add("Contact", {"LastName": "Zz", "Email": "zz@contact.test"})
    store = org.events(events_auto_relate=True)
    (result,) = store.apply([Create("m", meeting("Call", "aa@lead.test", "zz@contact.test"))])
    row = org.emulator.record(result.id or "")
    assert row is not None and row["WhoId"] == contact and not row.get("WhatId")


def test_off_the_event_is_related_to_nothing_but_invitees_still_mirror_attendees(
    org: Org,
) -> None:
    acme = org.add("Account", {"Name": "Acme"})
    org.add("Contact", {"LastName": "Berg", "Email": "bo@acme.test", "AccountId": acme})
    store = org.events(events_auto_relate=False)
    (result,) = store.apply([Create("m", meeting("Kick-off", "bo@acme.test"))])
    row = org.emulator.record(result.id or "")
    assert row is not None and not row.get("WhoId") and not row.get("WhatId")
    (item,) = store.get([result.id or ""]).values()
    assert [a.email for a in item.record.attendees] == ["bo@acme.test"]


def test_an_update_from_the_mailbox_leaves_name_and_related_to_as_the_user_set_them(
    org: Org,
) -> None:
    acme = org.add("Account", {"Name": "Acme"})
    bo = org.add("Contact", {"LastName": "Berg", "Email": "bo@acme.test", "AccountId": acme})
    org.add("Contact", {"LastName": "Dahl", "Email": "di@other.test"})
    store = org.events(events_auto_relate=True)
    (result,) = store.apply([Create("m", meeting("Kick-off", "bo@acme.test"))])
    changed = meeting("Kick-off", "di@other.test")
    store.apply([Update(result.id or "", changed, fields=frozenset({"attendees"}))])
    row = org.emulator.record(result.id or "")
    assert row is not None and row["WhoId"] == bo and row["WhatId"] == acme


def test_the_lookups_of_a_batch_are_one_query_per_object_not_one_per_event(org: Org) -> None:
    for n in range(12):
        org.add("Contact", {"LastName": f"C{n}", "Email": f"c{n}@acme.test"})
    store = org.events(events_auto_relate=True)
    store.load_zone()
    store.shared_activities()  # asked once per org and process (a describe), not per batch
    before = store.api_calls
    ops = [Create(f"m{n}", meeting(f"Meeting {n}", f"c{n}@acme.test")) for n in range(12)]
    results = store.apply(ops)
    assert all(r.ok for r in results)
    # Contact lookup (all found: no Lead or User query), the event create, the invitee create.
    assert store.api_calls - before == 3
    rows = [org.emulator.record(r.id or "") for r in results]
    assert [row["WhoId"] for row in rows if row] == [
        store.invitees[f"c{n}@acme.test"][0] for n in range(12)
    ]
