# Pausing the clock: the convenant's pause reasons and maximum.

import convenants.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('convenants', '0004_signal_retention_months'),
    ]

    operations = [
        migrations.AddField(
            model_name='convenant',
            name='max_pause_days',
            field=models.PositiveSmallIntegerField(default=30, verbose_name='longest pause (days)'),
        ),
        migrations.AddField(
            model_name='convenant',
            name='pause_reasons',
            field=models.JSONField(blank=True, default=convenants.models.default_pause_reasons, verbose_name='pause reasons'),
        ),
        migrations.AddConstraint(
            model_name='convenant',
            constraint=models.CheckConstraint(condition=models.Q(('max_pause_days__gte', 1)), name='convenant_max_pause_positive'),
        ),
    ]
