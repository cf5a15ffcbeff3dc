"""Sync state moves out of `ItemMapping.field_hashes` into columns of its own.

Before: a pending Salesforce create was flagged `"_pending": "1"` in the hashes and held a made-up
Salesforce id ("~" + 17 hex digits of the mailbox id's SHA-256); a tombstone was `"_detached":
"<side>"`; a write under way was `"~<side>:<field>": "<hash>"`. After: `state` says pending,
synced, detached or error, `detached_side` names the side that is gone, `intents` holds the writes
under way, and a pending row's Salesforce id is NULL. The rows keep their meaning, so nothing is
synced again. Reversible.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import migrations, models

SIDES = ("salesforce", "mailbox")
BATCH = 500


def _old_pending_id(mailbox_id: str) -> str:
    # The placeholder the previous code wrote (syncengine.state.pending_id, now gone).
    return "~" + hashlib.sha256(mailbox_id.encode()).hexdigest()[:17]


def to_columns(apps: Any, schema_editor: Any) -> None:
    item_mapping = apps.get_model("mappings", "ItemMapping")
    fields = ["salesforce_id", "field_hashes", "state", "detached_side", "intents"]
    changed = []
    for row in item_mapping.objects.order_by("pk").iterator(chunk_size=BATCH):
        hashes = dict(row.field_hashes or {})
        if not any(k.startswith(("_", "~")) for k in hashes):
            continue
        intents: dict[str, dict[str, str]] = {}
        for key in [k for k in hashes if k.startswith("~")]:
            side, _, name = key[1:].partition(":")
            value = hashes.pop(key)
            if side in SIDES and name:
                intents.setdefault(side, {})[name] = value
        pending = hashes.pop("_pending", None) == "1"
        gone = hashes.pop("_detached", None)
        for key in [k for k in hashes if k.startswith("_")]:
            del hashes[key]  # no other bookkeeping key was ever written; none is a field
        if pending:
            row.state, row.salesforce_id = "pending", None
        elif gone in SIDES:
            row.state, row.detached_side = "detached", gone
        row.field_hashes, row.intents = hashes, intents
        changed.append(row)
        if len(changed) >= BATCH:
            item_mapping.objects.bulk_update(changed, fields)
            changed = []
    item_mapping.objects.bulk_update(changed, fields)


def to_hashes(apps: Any, schema_editor: Any) -> None:
    item_mapping = apps.get_model("mappings", "ItemMapping")
    fields = ["salesforce_id", "field_hashes", "state", "detached_side", "intents"]
    changed = []
    for row in item_mapping.objects.order_by("pk").iterator(chunk_size=BATCH):
        if row.state == "synced" and not row.intents:
            continue
        hashes = dict(row.field_hashes or {})
        for side, notes in (row.intents or {}).items():
            hashes.update({f"~{side}:{name}": value for name, value in notes.items()})
        if row.state == "pending":
            hashes["_pending"] = "1"
            row.salesforce_id, row.state = _old_pending_id(row.mailbox_id), "synced"
        elif row.state == "detached":
            hashes["_detached"] = row.detached_side
            row.state = "synced"
        row.field_hashes, row.intents, row.detached_side = hashes, {}, ""
        changed.append(row)
        if len(changed) >= BATCH:
            item_mapping.objects.bulk_update(changed, fields)
            changed = []
    item_mapping.objects.bulk_update(changed, fields)


class Migration(migrations.Migration):
    dependencies = [
        ("mappings", "0002_unresolved_item"),
        ("syncengine", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="itemmapping", name="mapping_unique_salesforce"),
        migrations.RemoveConstraint(model_name="itemmapping", name="mapping_unique_mailbox"),
        migrations.AddField(
            model_name="itemmapping",
            name="detached_side",
            field=models.CharField(
                blank=True,
                choices=[("salesforce", "Salesforce"), ("mailbox", "Mailbox")],
                help_text="Detached: the side whose item is gone.",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="itemmapping",
            name="intents",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="itemmapping",
            name="salesforce_id",
            field=models.CharField(blank=True, max_length=18, null=True),
        ),
        migrations.AlterField(
            model_name="itemmapping",
            name="mailbox_id",
            field=models.CharField(blank=True, max_length=512, null=True),
        ),
        migrations.AlterField(
            model_name="itemmapping",
            name="state",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting for its Salesforce copy"),
                    ("synced", "In sync"),
                    ("detached", "Detached (one copy gone, the other kept unsynced)"),
                    ("error", "Last change failed"),
                ],
                default="synced",
                max_length=8,
            ),
        ),
        migrations.RunPython(to_columns, to_hashes),
        migrations.AddConstraint(
            model_name="itemmapping",
            constraint=models.UniqueConstraint(
                condition=models.Q(salesforce_id__isnull=False),
                fields=("sync_user", "kind", "salesforce_id"),
                name="mapping_unique_salesforce",
            ),
        ),
        migrations.AddConstraint(
            model_name="itemmapping",
            constraint=models.UniqueConstraint(
                condition=models.Q(mailbox_id__isnull=False),
                fields=("sync_user", "kind", "mailbox_id"),
                name="mapping_unique_mailbox",
            ),
        ),
        migrations.AddConstraint(
            model_name="itemmapping",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        models.Q(("salesforce_id__isnull", True), ("state", "pending")),
                        models.Q(
                            models.Q(("state", "pending"), _negated=True),
                            ("salesforce_id__isnull", False),
                        ),
                        _connector="OR",
                    ),
                    ("mailbox_id__isnull", False),
                ),
                name="mapping_ids_by_state",
            ),
        ),
        migrations.AddConstraint(
            model_name="itemmapping",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("detached_side__in", ["salesforce", "mailbox"]), ("state", "detached")
                    ),
                    models.Q(models.Q(("state", "detached"), _negated=True), ("detached_side", "")),
                    _connector="OR",
                ),
                name="mapping_detached_side",
            ),
        ),
    ]
