# Pausing the clock: Case.paused_* fields.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_event_kinds_for_the_working_day'), ('convenants', '0005_convenant_pause'),
    ]

    operations = []
