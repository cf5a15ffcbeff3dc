"""Writes that land only in part (issue 13, fixes 1, 3 and 4), in every provider x kind pair:
afterwards the versions and bases the engine keeps are what each side really holds, so later
edits, undos and deletes still arrive and nothing fails for good."""

from __future__ import annotations

from typing import Any

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
