"""The migration that moved sync state out of `field_hashes` keeps every row's meaning: an engine
run after it does what it would have done before (no resync)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from syncengine.models import SyncUser
from syncengine.repo_db import DbMappingRepo

BEFORE = ("mappings", "0002_unresolved_item")
AFTER = ("mappings", "0003_mapping_state_columns")

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(target: tuple[str, str]) -> Any:
    """Migrates the mappings app to `target`; returns the apps registry as of that migration."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.fixture
def old_schema() -> Iterator[Any]:
    apps = _migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _old_pending_id(mailbox_id: str) -> str:
    return "~" + hashlib.sha256(mailbox_id.encode()).hexdigest()[:17]


OLD_ROWS: list[dict[str, Any]] = [
    # synced, with a side-specific hash
    {
        "salesforce_id": "003A",
        "mailbox_id": "AAA",
        "field_hashes": {"emails": "e", "mailbox:emails": "f"},
    },
    # synced, flagged by the admin's "last change failed"
    {
        "salesforce_id": "003E",
        "mailbox_id": "EEE",
        "field_hashes": {"emails": "e"},
        "state": "error",
    },
    # pending create in Salesforce, with a made-up id
    {
        "salesforce_id": _old_pending_id("PPP"),
        "mailbox_id": "PPP",
        "field_hashes": {"emails": "p", "_pending": "1"},
    },
    # a second pending row: both must survive the unique constraint once their ids are NULL
    {
        "salesforce_id": _old_pending_id("QQQ"),
        "mailbox_id": "QQQ",
        "field_hashes": {"emails": "q", "_pending": "1"},
        "state": "error",
    },
    # tombstones of each side
    {
        "salesforce_id": "003D",
        "mailbox_id": "DDD",
        "field_hashes": {"emails": "d", "_detached": "mailbox"},
    },
    {
        "salesforce_id": "003S",
        "mailbox_id": "SSS",
        "field_hashes": {"emails": "s", "_detached": "salesforce"},
    },
    # a write under way to each side
    {
        "salesforce_id": "003W",
        "mailbox_id": "WWW",
        "field_hashes": {"title": "t", "~mailbox:title": "u", "~salesforce:phone": "p"},
    },
]


def test_rows_of_every_state_move_from_the_old_encoding_and_back(old_schema: Any) -> None:
    user = SyncUser.objects.create(
        salesforce_user_id="005X", username="ana@x.com", email="ana@x.com"
    )
    old_mapping = old_schema.get_model("mappings", "ItemMapping")
    for row in OLD_ROWS:
        old_mapping.objects.create(sync_user_id=user.pk, kind="contacts", **row)

    _migrate(AFTER)
    rows = {m.mailbox_id: m for m in DbMappingRepo(user, "contacts").load()}
    summary = {
        mb: (m.salesforce_id, m.status, m.gone, m.hashes, m.intents) for mb, m in rows.items()
    }
    assert summary == {
        "AAA": ("003A", "synced", None, {"emails": "e", "mailbox:emails": "f"}, {}),
        "EEE": ("003E", "error", None, {"emails": "e"}, {}),
        "PPP": ("", "pending", None, {"emails": "p"}, {}),
        "QQQ": ("", "pending", None, {"emails": "q"}, {}),
        "DDD": ("003D", "detached", "mailbox", {"emails": "d"}, {}),
        "SSS": ("003S", "detached", "salesforce", {"emails": "s"}, {}),
        "WWW": (
            "003W",
            "synced",
            None,
            {"title": "t"},
            {"mailbox": {"title": "u"}, "salesforce": {"phone": "p"}},
        ),
    }

    apps = _migrate(BEFORE)
    back = {
        r.mailbox_id: (r.salesforce_id, r.field_hashes)
        for r in apps.get_model("mappings", "ItemMapping").objects.all()
    }
    assert back == {r["mailbox_id"]: (r["salesforce_id"], r["field_hashes"]) for r in OLD_ROWS}
