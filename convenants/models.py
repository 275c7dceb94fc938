from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partners.models import Organisation


class DeadlineKind(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("First contact attempt")
    HANDOVER = "handover", _("Handover")
    PICKUP = "pickup", _("Pickup by chain partner")
    PARTNER_CONTACT = "partner_contact", _("Contact by chain partner")
    INACTIVITY = "inactivity", _("Inactivity")


class EscalationPolicy(models.TextChoices):
    NOTIFY = "notify", _("Notify managers")
    HANDOVER_NEXT = "handover_next", _("Hand over to next chain partner")


DEFAULT_DEADLINE_DAYS = {
    DeadlineKind.FIRST_CONTACT: 5,
    DeadlineKind.HANDOVER: 30,
    DeadlineKind.PICKUP: 5,
    DeadlineKind.PARTNER_CONTACT: 10,
    DeadlineKind.INACTIVITY: 30,
}
DEFAULT_POLICY = {
    DeadlineKind.FIRST_CONTACT: EscalationPolicy.NOTIFY,
    DeadlineKind.HANDOVER: EscalationPolicy.HANDOVER_NEXT,
    DeadlineKind.PICKUP: EscalationPolicy.HANDOVER_NEXT,
    DeadlineKind.PARTNER_CONTACT: EscalationPolicy.NOTIFY,
    DeadlineKind.INACTIVITY: EscalationPolicy.NOTIFY,
}


# Why the holder may pause the clock (DESIGN.md "Deadlines and escalation"): codes with their Dutch and English
# labels; a convenant keeps its own list (Convenant.pause_reasons). A reason is a code, never free text.
DEFAULT_PAUSE_REASONS = [
    {"code": "opname", "nl": "Opname", "en": "Hospital admission"},
    {"code": "wacht_op_intake", "nl": "Wacht op intake", "en": "Waiting for intake"},
    {"code": "wacht_op_stukken", "nl": "Wacht op stukken", "en": "Waiting for documents"},
]
DEFAULT_MAX_PAUSE_DAYS = 30

# Vroegsignalering: contact with a matched household within this many days (the convenant's working days or
# calendar days), and within the short term when a signal says eviction or disconnection threatens.
DEFAULT_OUTREACH_CONTACT_DAYS = 20
DEFAULT_OUTREACH_CRISIS_DAYS = 3
MATCHING_PERIOD_MONTHS = (1, 2, 3, 6, 12)


def default_pause_reasons():
    return [dict(reason) for reason in DEFAULT_PAUSE_REASONS]


class Convenant(models.Model):
    """The agreement of one municipality: who takes part, in which order cases go down the chain, how fast."""

    name = models.CharField(_("name"), max_length=200)
    municipality = models.CharField(_("municipality"), max_length=100, db_index=True)
    parties = models.ManyToManyField(Organisation, related_name="convenants", verbose_name=_("parties"))
    working_days = models.BooleanField(
        _("deadlines in working days"),
        default=True,
        help_text=_("Weekends and public holidays do not count."),
    )
    retention_months = models.PositiveIntegerField(_("retention period (months)"), default=24)
    signal_retention_months = models.PositiveIntegerField(
        _("signal retention period (months)"),
        default=6,
        help_text=_("A signal that led to no case is removed this many months after its reference date."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Pausing the clock: the reasons a holder may give ([{"code", "nl", "en"}]) and the longest pause in days.
    pause_reasons = models.JSONField(_("pause reasons"), default=default_pause_reasons, blank=True)
    max_pause_days = models.PositiveSmallIntegerField(_("longest pause (days)"), default=DEFAULT_MAX_PAUSE_DAYS)
    # Vroegsignalering (Wgs) and the DDAS report.
    cbs_municipality_code = models.CharField(
        _("CBS municipality code"), max_length=4, blank=True,
        help_text=_("Four digits, e.g. 0153 for Enschede: the municipality's code in the DDAS report."),
    )
    outreach_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="outreach_convenants",
        verbose_name=_("outreach by"),
        help_text=_("Who reaches out to households with matched signals; empty: the municipality itself."),
    )
    matching_period_months = models.PositiveSmallIntegerField(
        _("matching period (months)"), default=1,
        help_text=_("Signals of one household in one period become one vroegsignaal case."),
    )
    signal_minimums = models.JSONField(
        _("minimum amount per kind of signal"), default=dict, blank=True,
        help_text=_("Euros per kind, e.g. {\"energy\": 75}; a signal below it is stored and counted, not matched."),
    )
    postcode_areas = models.JSONField(
        _("postcode areas"), default=list, blank=True,
        help_text=_("The municipality's four-digit postcodes or ranges, e.g. [\"7511-7548\"]: a signal for a household "
                    "there belongs to this municipality, wherever its sender is based."),
    )
    outreach_contact_days = models.PositiveSmallIntegerField(
        _("contact term for a vroegsignaal (working days)"), default=DEFAULT_OUTREACH_CONTACT_DAYS
    )
    outreach_crisis_days = models.PositiveSmallIntegerField(
        _("contact term for a crisis signal (working days)"), default=DEFAULT_OUTREACH_CRISIS_DAYS
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("covenant")
        verbose_name_plural = _("covenants")
        ordering = ["municipality", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="convenant_validity_ordered",
            ),
            models.CheckConstraint(condition=models.Q(retention_months__gte=1), name="convenant_retention_positive"),
            models.CheckConstraint(
                condition=models.Q(signal_retention_months__gte=1), name="convenant_signal_retention_positive"
            ),
            models.CheckConstraint(condition=models.Q(max_pause_days__gte=1), name="convenant_max_pause_positive"),
            models.CheckConstraint(
                condition=models.Q(matching_period_months__in=MATCHING_PERIOD_MONTHS),
                name="convenant_matching_period_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(cbs_municipality_code="") | models.Q(cbs_municipality_code__regex=r"^[0-9]{4}$"),
                name="convenant_cbs_code_four_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(outreach_contact_days__gte=1, outreach_crisis_days__gte=1),
                name="convenant_outreach_terms_positive",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.municipality})"

    def pause_reason_choices(self) -> list[tuple[str, str]]:
        """(code, label in the active language) of the reasons a holder may pause the clock with."""
        dutch = (get_language() or "nl").startswith("nl")
        return [
            (reason["code"], reason.get("nl" if dutch else "en") or reason.get("en") or reason["code"])
            for reason in (self.pause_reasons or [])
            if isinstance(reason, dict) and reason.get("code")
        ]

    def pause_reason_label(self, code) -> str:
        return dict(self.pause_reason_choices()).get(code, code)

    def signal_minimum(self, kind):
        """The least amount (Decimal euros) a signal of `kind` needs to be matched; 0 when none is set."""
        value = (self.signal_minimums or {}).get(str(kind), 0) if isinstance(self.signal_minimums, dict) else 0
        try:
            return max(Decimal(str(value)), Decimal(0))
        except (InvalidOperation, ValueError):
            return Decimal(0)


class ChainLink(models.Model):
    """One step of the convenant's handover chain: position 1 is offered a case first."""

    convenant = models.ForeignKey(Convenant, on_delete=models.CASCADE, related_name="chain_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="chain_links")
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("chain link")
        verbose_name_plural = _("chain")
        ordering = ["convenant", "position"]
        constraints = [
            models.UniqueConstraint(fields=["convenant", "position"], name="chain_position_unique"),
            models.UniqueConstraint(fields=["convenant", "organisation"], name="chain_organisation_unique"),
            models.CheckConstraint(condition=models.Q(position__gte=1), name="chain_position_positive"),
        ]

    def __str__(self):
        return f"{self.position}. {self.organisation}"


class DeadlineRule(models.Model):
    """How long the chain has for one kind of deadline, and what happens when it passes."""

    convenant = models.ForeignKey(Convenant, on_delete=models.CASCADE, related_name="deadline_rules")
    kind = models.CharField(_("deadline kind"), max_length=32, choices=DeadlineKind.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    policy = models.CharField(_("when exceeded"), max_length=32, choices=EscalationPolicy.choices)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["convenant", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["convenant", "kind"], name="deadline_rule_unique"),
            models.CheckConstraint(condition=models.Q(days__gte=1), name="deadline_rule_days_positive"),
            models.CheckConstraint(condition=models.Q(kind__in=DeadlineKind.values), name="deadline_rule_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(policy__in=EscalationPolicy.values), name="deadline_rule_policy_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.days}"


def _rules(convenant):
    cached = getattr(convenant, "_rules_by_kind", None)
    if cached is None:
        cached = {rule.kind: rule for rule in convenant.deadline_rules.all()}
        convenant._rules_by_kind = cached
    return cached


def deadline_days(convenant, kind) -> int:
    rule = _rules(convenant).get(kind)
    return rule.days if rule else DEFAULT_DEADLINE_DAYS[kind]


def escalation_policy(convenant, kind) -> str:
    rule = _rules(convenant).get(kind)
    return rule.policy if rule else DEFAULT_POLICY[kind]
