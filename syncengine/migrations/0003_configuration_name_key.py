"""SyncConfiguration.name_key: the case-folded, normalized name that makes configuration names
unique without regard to case (non-ASCII letters too). Existing names that collide keep their
name; the later one's key gets a numeric suffix, so the migration never fails."""

from __future__ import annotations

import unicodedata

from django.db import migrations, models


def name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", " ".join(name.split())).casefold()


def fill_keys(apps, schema_editor):  # type: ignore[no-untyped-def]
    SyncConfiguration = apps.get_model("syncengine", "SyncConfiguration")
    taken: set[str] = set()
    for configuration in SyncConfiguration.objects.order_by("pk"):
        key = base = name_key(configuration.name)
        n = 1
        while key in taken:
            n += 1
            key = f"{base} ({n})"
        taken.add(key)
        configuration.name_key = key
        configuration.save(update_fields=["name_key"])


class Migration(migrations.Migration):
    dependencies = [("syncengine", "0002_sync_user_mail_connection")]

    operations = [
        migrations.AddField(
            model_name="syncconfiguration",
            name="name_key",
            field=models.CharField(editable=False, max_length=400, null=True),
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="syncconfiguration",
            name="name_key",
            field=models.CharField(editable=False, max_length=400, unique=True),
        ),
    ]
