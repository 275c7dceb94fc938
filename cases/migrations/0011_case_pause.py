# Pausing the clock: Case.paused_* fields.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_event_kinds_for_the_working_day'), ('convenants', '0005_convenant_pause'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='pause_reason',
            field=models.CharField(blank=True, max_length=32, verbose_name='pause reason'),
        ),
        migrations.AddField(
            model_name='case',
            name='paused_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='paused at'),
        ),
        migrations.AddField(
            model_name='case',
            name='paused_until',
            field=models.DateField(blank=True, null=True, verbose_name='paused until'),
        ),
        migrations.AddField(
            model_name='case',
            name='pauses',
            field=models.TextField(blank=True, default='', verbose_name='pauses taken'),
        ),
    ]
