"""Issue 11 item 4 end to end, the same on every mail provider (tests/providers/*/
test_auto_relate_sync.py): a meeting the user organizes in the mailbox with customers reaches
Salesforce related to them, in an org with Shared Activities, and the relations follow the
attendees when the meeting changes in the mailbox. The provider gives three callables: create
the meeting, set its attendees, and run one sync of the user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.salesforce.app import SalesforceEmulator
from syncengine.engine import RunResult

CUSTOMERS = ("ali", "bea", "cid", "dag")
SUBJECT = "Pricing with Acme"


def email(name: str) -> str:
    return f"{name}@acme.test"


def seed_customers(sf: SalesforceEmulator, owner: str) -> dict[str, str]:
    """An account and four of its contacts, owned by the syncing user."""
    acme = sf.add_record("Account", {"Name": "Acme"}, as_user=owner)
    out = {"acme": acme}
    for name in CUSTOMERS:
        fields = {"LastName": name.title(), "Email": email(name), "AccountId": acme}
        out[name] = sf.add_record("Contact", fields, as_user=owner)
    return out


def salesforce_event(sf: SalesforceEmulator) -> dict[str, Any]:
    (row,) = [r for r in sf.store.live("Event") if r["Subject"] == SUBJECT and not r["IsChild"]]
    return row


def relations(sf: SalesforceEmulator, event_id: str) -> dict[str, tuple[bool, bool]]:
    """RelationId -> (IsInvitee, IsParent) of the event's rows."""
    return {
        r["RelationId"]: (r["IsInvitee"], r["IsParent"])
        for r in sf.store.live("EventRelation")
        if r["EventId"] == event_id
    }


def quiet(result: RunResult) -> bool:
    return not any(k.startswith(("created", "updated", "deleted")) for k in result.counts)


def run(
    sf: SalesforceEmulator,
    owner: str,
    create: Callable[[list[str]], None],
    set_attendees: Callable[[list[str]], None],
    sync: Callable[[], RunResult],
    auto_relate: bool,
) -> None:
    sf.shared_activities = True
    ids = seed_customers(sf, owner)
    create([email("ali"), email("bea")])
    assert sync().counts.get("created_salesforce") == 1
    event = salesforce_event(sf)
    if not auto_relate:
        assert not event["WhoId"] and not event["WhatId"] and event["WhoCount"] == 0
        assert relations(sf, event["Id"]) == {ids["ali"]: (True, False), ids["bea"]: (True, False)}
        return
    # Name: every customer, Ali (the first) as the primary; Related To: their account.
    assert (event["WhoId"], event["WhatId"], event["WhoCount"]) == (ids["ali"], ids["acme"], 2)
    assert relations(sf, event["Id"]) == {ids["ali"]: (True, True), ids["bea"]: (True, True)}

    # In Salesforce the user relates Dag by hand; in the mailbox Ali leaves and Cid joins.
    sf.add_record(
        "EventRelation",
        {"EventId": event["Id"], "RelationId": ids["dag"], "IsParent": True, "IsInvitee": False},
        as_user=owner,
    )
    set_attendees([email("bea"), email("cid")])
    assert sync().counts.get("updated_salesforce") == 1
    event = salesforce_event(sf)
    assert relations(sf, event["Id"]) == {
        ids["bea"]: (True, True), ids["cid"]: (True, True), ids["dag"]: (False, True),
    }  # fmt: skip
    # Salesforce promoted the next relation to the Name when Ali's went.
    assert (event["WhoId"], event["WhoCount"]) == (ids["bea"], 3)
    assert quiet(sync())
