"""A joint home visit as an iCalendar file (RFC 5545), to add it to a calendar.

One VEVENT with a stable UID (the visit's), so that importing the file again after a move updates the entry
rather than adding one; SEQUENCE grows with each move, STATUS:CANCELLED once the visit is cancelled."""

from datetime import UTC, timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors
from .models import AccessLog, JointVisitStatus
from .services import record_access

VISIT_LENGTH = timedelta(hours=1)


def _escape(text) -> str:
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (RFC 5545 3.1), never splitting a character."""
    parts, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def visit_ics(visit, *, host, sequence=0, now=None) -> str:
    """The iCalendar text of `visit` (with its case's tenant), for an organiser on `host`."""
    tenant = visit.case.tenant
    summary = _("Joint home visit: %(tenant)s") % {"tenant": tenant.name}
    description = _("Joint home visit of %(planner)s with %(partner)s, case #%(case)s.") % {
        "planner": visit.organisation.name, "partner": visit.partner.name, "case": visit.case_id,
    }
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Huurachterstand//Gezamenlijk huisbezoek//NL",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:joint-visit-{visit.pk}@{host}",
        f"DTSTAMP:{_utc(now or timezone.now())}",
        f"DTSTART:{_utc(visit.planned_at)}",
        f"DTEND:{_utc(visit.planned_at + VISIT_LENGTH)}",
        f"SEQUENCE:{sequence}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(visit.address)}",
        f"DESCRIPTION:{_escape(description)}",
        "STATUS:" + ("CANCELLED" if visit.status == JointVisitStatus.CANCELLED else "CONFIRMED"),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def calendar_response(request, visit) -> HttpResponse:
    """The .ics download of `visit`, for the API and the joint-visits page: a read of the tenant's name and
    address, logged."""
    record_access(request.user, visit.case_id, AccessLog.What.DETAIL)
    body = visit_ics(visit, host=request.get_host().split(":")[0], sequence=selectors.visit_sequence(visit))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="huisbezoek-{visit.pk}.ics"'
    return response
