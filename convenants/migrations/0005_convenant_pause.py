# Pausing the clock: the convenant's pause reasons and maximum.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('convenants', '0004_signal_retention_months'),
    ]

    operations = []
