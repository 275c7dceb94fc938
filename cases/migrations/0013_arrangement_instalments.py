# Arrangements: instalments, versions, stop.

import calendar
from datetime import date

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _due(start, index):
    month_index = start.year * 12 + (start.month - 1) + index
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def schedules_for_existing(apps, schema_editor):
    """Every arrangement made before instalments existed gets its schedule: a completed one all paid (the day is
    not known), a broken one its first `missed_installments` missed, the rest due."""
    Arrangement = apps.get_model("cases", "Arrangement")
    Instalment = apps.get_model("cases", "Instalment")
    rows = []
    for arrangement in Arrangement.objects.filter(instalments__isnull=True).iterator():
        missed = arrangement.missed_installments if arrangement.status == "broken" else 0
        for index in range(arrangement.months):
            status = "paid" if arrangement.status == "completed" else ("missed" if index < missed else "due")
            rows.append(Instalment(arrangement_id=arrangement.pk, number=index + 1,
                                   due_date=_due(arrangement.start_date, index),
                                   amount=arrangement.monthly_amount, status=status))
        if len(rows) >= 5000:
            Instalment.objects.bulk_create(rows)
            rows = []
    Instalment.objects.bulk_create(rows)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0012_followup'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='arrangement',
            name='arrangement_status_valid',
        ),
        migrations.AddField(
            model_name='arrangement',
            name='end_reason',
            field=models.TextField(blank=True, verbose_name='end reason'),
        ),
        migrations.AddField(
            model_name='arrangement',
            name='ended_on',
            field=models.DateField(blank=True, null=True, verbose_name='ended on'),
        ),
        migrations.AddField(
            model_name='arrangement',
            name='replaces',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='replaced_by', to='cases.arrangement', verbose_name='replaces'),
        ),
        migrations.AddField(
            model_name='arrangement',
            name='version',
            field=models.PositiveSmallIntegerField(default=1, verbose_name='version'),
        ),
        migrations.AlterField(
            model_name='arrangement',
            name='status',
            field=models.CharField(choices=[('active', 'Active'), ('completed', 'Completed'), ('broken', 'Not kept'), ('changed', 'Changed (new version)'), ('stopped', 'Stopped')], default='active', max_length=16),
        ),
        migrations.AddConstraint(
            model_name='arrangement',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['active', 'completed', 'broken', 'changed', 'stopped'])), name='arrangement_status_valid'),
        ),
        migrations.CreateModel(
            name='Instalment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(verbose_name='number')),
                ('due_date', models.DateField(verbose_name='due date')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=8, verbose_name='amount (€)')),
                ('status', models.CharField(choices=[('due', 'Due'), ('paid', 'Paid'), ('missed', 'Missed')], default='due', max_length=8)),
                ('paid_on', models.DateField(blank=True, null=True, verbose_name='paid on')),
                ('recorded_at', models.DateTimeField(blank=True, null=True)),
                ('arrangement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='instalments', to='cases.arrangement')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'instalment',
                'verbose_name_plural': 'instalments',
                'ordering': ['arrangement', 'number'],
                'constraints': [
                    models.UniqueConstraint(fields=('arrangement', 'number'), name='instalment_number_unique'),
                    models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='instalment_amount_positive'),
                    models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='instalment_number_positive'),
                    models.CheckConstraint(condition=models.Q(('status__in', ['due', 'paid', 'missed'])), name='instalment_status_valid'),
                ],
            },
        ),
        migrations.RunPython(schedules_for_existing, migrations.RunPython.noop, elidable=True),
    ]
