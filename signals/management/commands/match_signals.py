from datetime import date

from django.core.management.base import BaseCommand, CommandError

from signals.matching import match_signals


class Command(BaseCommand):
    help = "Match the signals not matched yet into vroegsignaal cases (per household and matching period)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM: only the matching period that holds this month.")
        parser.add_argument("--municipality", help="Only this municipality.")

    def handle(self, *args, period=None, municipality=None, **options):
        day = None
        if period:
            try:
                year, month = (int(part) for part in period.split("-"))
                day = date(year, month, 1)
            except ValueError:
                raise CommandError(f"--period is YYYY-MM, e.g. 2026-07; got {period!r}.") from None
        result = match_signals(period=day, municipality=municipality)
        for name, value in result.as_dict().items():
            self.stdout.write(f"{name}: {value}")
