# Follow-up tasks.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0011_case_pause'),
    ]

    operations = [
        migrations.CreateModel(
            name='FollowUp',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField(verbose_name='task')),
                ('due_at', models.DateTimeField(verbose_name='due at')),
                ('created_at', models.DateTimeField()),
                ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='done at')),
                ('assigned_to', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='follow_ups', to=settings.AUTH_USER_MODEL, verbose_name='assigned to')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='follow_ups', to='cases.case', verbose_name='case')),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='partners.organisation')),
            ],
            options={
                'verbose_name': 'follow-up task',
                'verbose_name_plural': 'follow-up tasks',
                'ordering': ['due_at', 'id'],
                'indexes': [
                    models.Index(condition=models.Q(('done_at__isnull', True)), fields=['assigned_to', 'due_at'], name='followup_open_assignee_idx'),
                    models.Index(fields=['case', 'due_at'], name='followup_case_due_idx'),
                ],
                'constraints': [
                    models.CheckConstraint(condition=models.Q(('done_at__isnull', False), ('done_by__isnull', True), _connector='OR'), name='followup_done_by_only_when_done'),
                ],
            },
        ),
        migrations.CreateModel(
            name='TaskDigest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('sent_at', models.DateTimeField()),
                ('tasks', models.PositiveIntegerField(default=0)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'task digest',
                'verbose_name_plural': 'task digests',
                'constraints': [models.UniqueConstraint(fields=('user', 'day'), name='task_digest_once_per_day')],
            },
        ),
    ]
