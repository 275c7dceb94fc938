from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0014_search_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="subject_text",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
