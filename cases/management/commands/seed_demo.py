"""manage.py seed_demo: the demo region of Enschede with about two hundred cases (see cases/demo.py)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases import demo
from cases.models import Case, CaseStatus


class Command(BaseCommand):
    help = "Create demo organisations, users and about 200 cases over 14 months; does nothing when present."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo data although DEBUG is off (CI's production build; never on a real installation).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            # The demo has a superuser and users with a published password: never by itself where DEBUG is off.
            raise CommandError(
                "Refusing to load the demo data: DEBUG is off, so this looks like production. The demo creates "
                "a superuser and users whose password is published. Run it with DEBUG=1, or pass "
                "--allow-production when this really is a throw-away installation."
            )
        started = time.perf_counter()
        result = demo.seed_demo()
        if not result["created"]:
            self.stdout.write(_("Demo data is already present (organisation %(name)s); nothing changed.")
                              % {"name": demo.MARKER_ORGANISATION})
        else:
            counts = {status.label: Case.objects.filter(status=status).count() for status in CaseStatus}
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo data created in %(seconds).1f s: %(cases)s cases.")
                    % {"seconds": time.perf_counter() - started, "cases": Case.objects.count()}
                )
            )
            self.stdout.write(", ".join(f"{label}: {count}" for label, count in counts.items()))
            if options["verbosity"] > 1:
                for failure in result["failures"]:
                    self.stdout.write(f"  skipped step: {failure}")
                for label, pk in result["named"].items():
                    self.stdout.write(f"  {label}: #{pk}")
        self.stdout.write(_("Demo users (password for all: %(password)s):") % {"password": demo.DEMO_PASSWORD})
        for username, organisation, role in demo.credentials():
            self.stdout.write(f"  {username:<20} {organisation:<24} {role}")
