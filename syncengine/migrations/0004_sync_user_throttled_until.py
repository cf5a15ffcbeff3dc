from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("syncengine", "0003_configuration_name_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncuser",
            name="throttled_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
