from django.db import migrations, models


class Migration(migrations.Migration):
    """The retention of vroegsignaal cases (cases.services.privacy): the indexes its daily run reads."""

    dependencies = [("arrears_signals", "0006_vroegsignalering")]

    operations = [
        migrations.AddIndex(
            model_name="signalcase",
            index=models.Index(
                condition=models.Q(("anonymised_at__isnull", True), ("closed_at__isnull", False)),
                fields=["closed_at"],
                name="signal_case_retention_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="signalcase",
            index=models.Index(
                condition=models.Q(("anonymised_at__isnull", True), ("closed_at__isnull", True)),
                fields=["period_end"],
                name="signal_case_open_retention_idx",
            ),
        ),
    ]
