"""Template helpers of the handover UI: deadline badges, the pickup clock, links to a case, and the dates inside a
frozen dossier (stored as ISO text). Template tags never import views: the pages pass the data they show."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import policy
from cases.models import (
    ArrangementStatus,
    AttemptOutcome,
    Channel,
    ConsentHow,
    DeadlineState,
    HandoverStatus,
)
from convenants.models import DeadlineKind
from signals.models import SignalKind

register = template.Library()

# The codes a frozen dossier keeps, by what they are: shown as their label in the reader's language.
CHOICES = {
    "channel": Channel, "outcome": AttemptOutcome, "arrangement": ArrangementStatus, "handover": HandoverStatus,
    "how": ConsentHow, "signal": SignalKind, "deadline": DeadlineKind,
}


@register.filter
def label(value, kind):
    """A stored code as its label in the reader's language; the value itself when it is not a code of `kind`."""
    try:
        return CHOICES[kind](value).label
    except (KeyError, ValueError, TypeError):
        return value


@register.filter
def case_url(case_or_id):
    """The case page (`cases:detail`) of a case or a case id."""
    return reverse("cases:detail", args=[getattr(case_or_id, "pk", case_or_id)])


@register.filter
def iso_datetime(value):
    """A dossier's ISO timestamp as an aware local datetime (for the `date` filter)."""
    if not value:
        return None
    parsed = parse_datetime(str(value))
    if parsed is None:
        return parse_date(str(value))
    return timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed


@register.filter
def iso_date(value):
    return parse_date(str(value)) if value else None


def days_left(deadline_at, now=None):
    """Whole calendar days from today to the deadline's day (local time); negative once it has passed."""
    now = now or timezone.now()
    return (timezone.localtime(deadline_at).date() - timezone.localtime(now).date()).days


@register.simple_tag
def pickup_clock(case, now=None):
    """How long the partner still has to pick up an offer: 'nog 2 dagen', 'vandaag', 'te laat'."""
    now = now or timezone.now()
    if case.deadline_kind != DeadlineKind.PICKUP:
        return ""
    state = case.deadline_state(now)
    if state is None:
        return ""
    if state == DeadlineState.OVERDUE:
        return format_html('<span class="badge overdue" data-clock="overdue">{}</span>', _("Overdue"))
    days = days_left(case.deadline_at, now)
    if days <= 0:
        text = _("Due today")
    else:
        text = ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}
    return format_html('<span class="badge {}" data-clock="{}">{}</span>', state, days, text)


@register.simple_tag
def deadline_badge(case, now=None):
    """The case's active deadline as a badge: overdue, due soon or on time (Case.deadline_state)."""
    state = case.deadline_state(now or timezone.now())
    if state is None:
        return ""
    if state == DeadlineState.OVERDUE:
        text = _("%(deadline)s: overdue since %(date)s")
    else:
        text = _("%(deadline)s: due %(date)s")
    local = timezone.localtime(case.deadline_at)
    return format_html(
        '<span class="badge {}" data-deadline="{}">{}</span>',
        state,
        state,
        text % {"deadline": case.get_deadline_kind_display(), "date": local.strftime("%d-%m-%Y")},
    )


@register.filter
def summary_for(handover, user):
    """The handover's summary as `user` may read it (cases.policy.reads_handover_summary), else blank."""
    return handover.summary if policy.reads_handover_summary(user, handover) else ""
