from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from cases.services.privacy import anonymise


class Command(BaseCommand):
    help = (
        "Anonymise what has passed its retention period (DESIGN.md, Privacy): closed cases past their convenant's "
        "retention, signals that led to no case past the signal retention, tenants and households no case or "
        "signal needs. The daily beat task runs the same. With --dry-run it lists what would go and changes "
        "nothing; --as-of runs it as of the start of that day (Dutch time)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="A date, YYYY-MM-DD.")
        parser.add_argument("--dry-run", action="store_true", help="List what would go; change nothing.")

    def handle(self, *args, as_of=None, dry_run=False, **options):
        now = timezone.now()
        if as_of is not None:
            try:
                day = parse_date(as_of)
            except ValueError:
                day = None
            if day is None:
                raise CommandError(f"--as-of: {as_of!r} is not a date (YYYY-MM-DD).")
            now = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
        report = anonymise(now=now, dry_run=dry_run)
        heading = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(f"{heading} as of {now.isoformat()}: {len(report.cases)} case(s)")
        for case_id, closed_at in report.cases:
            self.stdout.write(f"  case #{case_id}, closed {timezone.localtime(closed_at).date().isoformat()}")
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"Signals: {report.signals_removed} without case {verb} removed, {report.signals_anonymised} of "
            f"anonymised cases {verb} anonymised"
        )
        self.stdout.write(
            f"Tenants: {report.tenants_anonymised} {verb} anonymised, {report.tenants_removed} {verb} removed"
        )
        self.stdout.write(f"Import reports: {report.imports_cleared} {verb} cleared of row values")
        self.stdout.write(f"Vroegsignaal cases: {report.signal_cases_anonymised} {verb} cleared of the address")
