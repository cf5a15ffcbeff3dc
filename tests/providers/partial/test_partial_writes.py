"""Writes that land only in part (issue 13, fixes 1, 3 and 4), in every provider x kind pair:
afterwards the versions and bases the engine keeps are what each side really holds, so later
edits, undos and deletes still arrive and nothing fails for good."""

from __future__ import annotations

from typing import Any

from syncengine.repo_db import DbMappingRepo
from syncengine.stores.base import Kind
from tests.providers.partial.conftest import FIELDS, Mailbox

NEW: dict[Kind, tuple[str, str]] = {
    "contacts": ("CFO", "+47 911 11 111"),
    "events": ("Room 7", "Bring the contract"),
}


def _linked_pair(mailbox: Mailbox) -> tuple[str, str]:
    sf_id = mailbox.create("salesforce", 1)
    assert mailbox.settle().status == "ok"
    return sf_id, mailbox.linked()[sf_id]


def _edit_both_then_fail_the_mailbox_half(mailbox: Mailbox, sf_id: str, mb_id: str) -> Any:
    """The user edits one field in Salesforce and another in the mailbox; the run that merges
    them writes the Salesforce half, and the mailbox refuses its half once."""
    sf_field, mb_field = FIELDS[mailbox.kind]
    sf_value, mb_value = NEW[mailbox.kind]
    mailbox.edit("mailbox", mb_id, **{mb_field: mb_value})
    mailbox.edit("salesforce", sf_id, **{sf_field: sf_value})
    mailbox.fail_mailbox_writes()
    return mailbox.run()


def test_a_mailbox_write_that_failed_once_is_retried_until_both_sides_agree(
    mailbox: Mailbox,
) -> None:
    sf_id, mb_id = _linked_pair(mailbox)
    failed = _edit_both_then_fail_the_mailbox_half(mailbox, sf_id, mb_id)
    # People updates go in one call: its failure stops the run; elsewhere one item fails.
    assert failed.status in ("partial", "failed") and failed.issues
    last = mailbox.settle()
    assert (last.status, last.issues) == ("ok", [])
    assert (
        mailbox.fields("salesforce", sf_id) == mailbox.fields("mailbox", mb_id) == NEW[mailbox.kind]
    )
    # Later edits from either side still arrive: no stale version is left to fail on.
    sf_field, mb_field = FIELDS[mailbox.kind]
    mailbox.edit("salesforce", sf_id, **{sf_field: "Later"})
    assert mailbox.settle().status == "ok"
    mailbox.edit("mailbox", mb_id, **{mb_field: "Later too"})
    assert (mailbox.settle().status, mailbox.fields("salesforce", sf_id)) == (
        "ok",
        ("Later", "Later too"),
    )
    assert mailbox.fields("mailbox", mb_id) == ("Later", "Later too")


def test_an_undo_after_a_half_applied_merge_reaches_the_other_side(mailbox: Mailbox) -> None:
    sf_id, mb_id = _linked_pair(mailbox)
    sf_field, mb_field = FIELDS[mailbox.kind]
    original = mailbox.fields("mailbox", mb_id)
    _edit_both_then_fail_the_mailbox_half(mailbox, sf_id, mb_id)
    # The Salesforce half landed (it holds the mailbox's edit); the user then undoes that edit.
    mailbox.edit("mailbox", mb_id, **{mb_field: original[1]})
    last = mailbox.settle()
    assert (last.status, last.issues) == ("ok", [])
    expected = (NEW[mailbox.kind][0], original[1])
    assert mailbox.fields("salesforce", sf_id) == mailbox.fields("mailbox", mb_id) == expected


def test_an_item_deleted_in_salesforce_after_a_half_applied_merge_does_not_come_back(
    mailbox: Mailbox,
) -> None:
    sf_id, mb_id = _linked_pair(mailbox)
    _edit_both_then_fail_the_mailbox_half(mailbox, sf_id, mb_id)
    mailbox.delete("salesforce", sf_id)
    last = mailbox.settle()
    assert (last.status, last.issues) == ("ok", [])
    # Contacts leave the mailbox folder and events are deleted: nothing is created again.
    assert mailbox.listing("salesforce") == {} and mailbox.listing("mailbox") == {}
    assert mailbox.settle().counts == {}


def test_a_mailbox_delete_of_an_item_lsync_created_in_the_previous_run_is_noticed(
    mailbox: Mailbox,
) -> None:
    sf_id = mailbox.create("salesforce", 1)
    assert mailbox.run().counts.get("created_mailbox") == 1  # the saved cursor predates it
    mb_id = mailbox.linked()[sf_id]
    mailbox.delete("mailbox", mb_id)
    last = mailbox.settle()
    assert (last.status, last.issues) == ("ok", [])
    if mailbox.kind == "events":
        assert mailbox.listing("salesforce") == {}  # the delete propagated
    else:
        # Contacts are never deleted in Salesforce: the pair is detached, not left dangling.
        (row,) = DbMappingRepo(mailbox.user, mailbox.kind).load()
        assert (row.status, row.gone) == ("detached", "mailbox")
    # A later edit in Salesforce finds nothing to fail on.
    if mailbox.kind == "contacts":
        mailbox.edit("salesforce", sf_id, title="Later")
        later = mailbox.settle()
        assert (later.status, later.issues, mailbox.listing("mailbox")) == ("ok", [], {})
