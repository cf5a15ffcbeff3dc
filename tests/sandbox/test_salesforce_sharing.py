"""The emulator's UserRecordAccess (sandbox/salesforce/sharing.py): who can read a record under
a Private org-wide default, and the query shape Salesforce insists on."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox.inprocess import mount
from sandbox.salesforce.app import SalesforceEmulator
from sandbox.salesforce.testkit import connect, make_certificate

KEY = "3MVG9lsync.sharing"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return make_certificate()


@pytest.fixture
def org(keys: tuple[str, str]) -> tuple[SalesforceEmulator, Any]:
    app = SalesforceEmulator(seed=7)
    app.add_user("sync@acme.sf", "sync@acme.example", "Sync", "User")
    app.register_connected_app(KEY, keys[1])
    session = requests.Session()
    session.trust_env = False
    base = mount(session, {"salesforce": app})["salesforce"]
    return app, connect(session, base, keys[0], KEY, "sync@acme.sf")


def access(sf: Any, user: str, *records: str) -> dict[str, bool]:
    ids = ", ".join(f"'{r}'" for r in records)
    soql = f"SELECT RecordId, HasReadAccess FROM UserRecordAccess WHERE UserId = '{user}' AND RecordId IN ({ids})"
    return {row["RecordId"]: row["HasReadAccess"] for row in sf.query(soql)["records"]}


def test_a_public_object_is_readable_by_every_active_user(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    owner = app.user_id("sync@acme.sf")
    other = app.add_user("bo@acme.sf")
    contact = app.add_record("Contact", {"LastName": "Berg"}, as_user=owner)
    assert access(sf, other, contact) == {contact: True}
    app.set_user_active(other, False)
    assert access(sf, other, contact) == {contact: False}


def test_a_private_object_is_readable_by_its_owner_and_those_it_is_shared_with(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    app, sf = org
    app.store.private_objects.add("Contact")
    owner = app.user_id("sync@acme.sf")
    bo, cy = app.add_user("bo@acme.sf"), app.add_user("cy@acme.sf")
    contact = app.add_record("Contact", {"LastName": "Berg"}, as_user=owner)
    app.store.shares.add((contact, cy))
    assert [access(sf, u, contact)[contact] for u in (owner, bo, cy)] == [True, False, True]


def test_a_deleted_record_is_readable_by_nobody(org: tuple[SalesforceEmulator, Any]) -> None:
    app, sf = org
    owner = app.user_id("sync@acme.sf")
    contact = app.add_record("Contact", {"LastName": "Berg"}, as_user=owner)
    app.delete_record(contact, as_user=owner)
    assert access(sf, owner, contact) == {contact: False}


def test_a_query_without_one_user_and_its_records_is_refused(
    org: tuple[SalesforceEmulator, Any],
) -> None:
    _app, sf = org
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.query("SELECT RecordId, HasReadAccess FROM UserRecordAccess")
    assert error.value.content[0]["errorCode"] == "MALFORMED_QUERY"
