# Follow-up tasks.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0011_case_pause'),
    ]

    operations = []
