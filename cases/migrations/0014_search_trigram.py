# Search: pg_trgm indexes.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0013_arrangement_instalments'),
    ]

    operations = []
