import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


def record_connection_of_linked_users(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Users linked before lsync recorded the connection: when one connection is in use, it is
    the one they were linked through; otherwise enrollment links them again."""
    mail_connection = apps.get_model("connections", "MailConnection")
    sync_user = apps.get_model("syncengine", "SyncUser")
    active = list(
        mail_connection.objects.filter(enabled=True)
        .filter(Q(method="google") | Q(chosen=True))
        .exclude(status="not_configured")
    )
    linked = sync_user.objects.filter(link_status="linked", mail_connection__isnull=True)
    if len(active) == 1:
        linked.update(mail_connection=active[0])
    else:
        linked.update(
            link_status="pending",
            link_error="Waiting to be linked again: lsync now records the mail connection each "
            "mailbox is linked through. The next enrollment run (every 15 minutes) does it.",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("connections", "0001_initial"),
        ("syncengine", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncuser",
            name="mail_connection",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="sync_users",
                to="connections.mailconnection",
            ),
        ),
        migrations.AddField(
            model_name="syncuser",
            name="throttled_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(record_connection_of_linked_users, migrations.RunPython.noop),
    ]
