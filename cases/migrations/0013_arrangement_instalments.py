# Arrangements: instalments, versions, stop.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0012_followup'),
    ]

    operations = []
