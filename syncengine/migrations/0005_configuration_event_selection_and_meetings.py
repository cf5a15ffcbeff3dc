from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("syncengine", "0004_sync_user_throttled_until"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncconfiguration",
            name="events_outside_meetings",
            field=models.BooleanField(
                default=True, verbose_name="sync meetings organized by people who do not sync"
            ),
        ),
        migrations.AddField(
            model_name="syncconfiguration",
            name="events_select_category",
            field=models.CharField(
                blank=True, default="Salesforce", max_length=255, verbose_name="Outlook category"
            ),
        ),
        migrations.AddField(
            model_name="syncconfiguration",
            name="events_select_color",
            field=models.CharField(
                choices=[
                    ("1", "Lavender"),
                    ("2", "Sage"),
                    ("3", "Grape"),
                    ("4", "Flamingo"),
                    ("5", "Banana"),
                    ("6", "Tangerine"),
                    ("7", "Peacock"),
                    ("8", "Graphite"),
                    ("9", "Blueberry"),
                    ("10", "Basil"),
                    ("11", "Tomato"),
                ],
                default="3",
                max_length=2,
                verbose_name="Google Calendar colour",
            ),
        ),
    ]
