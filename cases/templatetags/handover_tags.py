"""Template helpers of the handover UI: the panel's data on the case page, deadline badges, the pickup clock,
links to a case, and the dates inside a frozen dossier (stored as ISO text)."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from convenants.models import DeadlineKind

register = template.Library()

DUE_SOON_DAYS = 2


@register.simple_tag(takes_context=True)
def handover_panel_data(context, case):
    """What `_handover_panel.html` shows. A view that already built it (with bound forms) passes
    `handover_data`; otherwise it is computed here for the signed-in user."""
    existing = context.get("handover_data")
    if existing is not None and existing.get("case") is not None and existing["case"].pk == case.pk:
        return existing
    from cases.views.handovers import panel_data

    return panel_data(context["request"].user, case)


@register.filter
def case_url(case_or_id):
    """The case page (`cases:detail`); the handover page while that page does not exist."""
    case_id = getattr(case_or_id, "pk", case_or_id)
    try:
        return reverse("cases:detail", args=[case_id])
    except NoReverseMatch:
        return reverse("cases:handover_panel", args=[case_id])


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
    if case.deadline_kind != DeadlineKind.PICKUP or case.deadline_at is None:
        return ""
    if case.deadline_at < now:
        return format_html('<span class="badge overdue" data-clock="overdue">{}</span>', _("Overdue"))
    days = days_left(case.deadline_at, now)
    if days <= 0:
        text, css = _("Due today"), "due-soon"
    else:
        text = ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}
        css = "due-soon" if days <= DUE_SOON_DAYS else "ok"
    return format_html('<span class="badge {}" data-clock="{}">{}</span>', css, days, text)


@register.simple_tag
def deadline_badge(case, now=None):
    """The case's active deadline as a badge: overdue, due soon (within two days) or on time."""
    now = now or timezone.now()
    if not case.deadline_at:
        return ""
    local = timezone.localtime(case.deadline_at)
    label = case.get_deadline_kind_display()
    if case.deadline_at < now:
        css, text = "overdue", _("%(deadline)s: overdue since %(date)s")
    elif days_left(case.deadline_at, now) <= DUE_SOON_DAYS:
        css, text = "due-soon", _("%(deadline)s: due %(date)s")
    else:
        css, text = "ok", _("%(deadline)s: due %(date)s")
    return format_html(
        '<span class="badge {}" data-deadline="{}">{}</span>',
        css,
        css,
        text % {"deadline": label, "date": local.strftime("%d-%m-%Y")},
    )
