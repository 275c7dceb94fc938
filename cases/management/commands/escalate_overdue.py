from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cases.services.escalation import escalate_overdue


def _moment(value):
    """An ISO datetime (naive = Dutch local time) or a date (its start, local time)."""
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is not None:
                moment = timezone.datetime.combine(day, timezone.datetime.min.time())
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(
            f"--as-of: {value!r} is not an ISO 8601 date-time (for example 2026-03-09T10:00:00+01:00)."
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Run the escalation sweep once and print how many deadlines escalated. With --as-of it runs as if it were "
        "that moment: escalations are dated then and new deadlines count from then, so a repeated run with the "
        "same moment changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="ISO 8601 date-time, e.g. 2026-03-09T10:00:00+01:00")
        parser.add_argument("--batch-size", dest="batch_size", type=int, help="Due cases per transaction.")

    def handle(self, *args, as_of=None, batch_size=None, **options):
        moment = _moment(as_of) if as_of is not None else timezone.now()
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        escalated = escalate_overdue(as_of=moment, batch_size=batch_size)
        self.stdout.write(f"{escalated} escalated (as of {moment.isoformat()})")
        return None
