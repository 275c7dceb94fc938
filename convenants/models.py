from django.db import models
from django.utils.translation import gettext_lazy as _

from partners.models import Organisation


class DeadlineKind(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("Eerste contactpoging")
    HANDOVER = "handover", _("Overdracht")
    PICKUP = "pickup", _("Oppakken door ketenpartner")
    PARTNER_CONTACT = "partner_contact", _("Contact door ketenpartner")
    INACTIVITY = "inactivity", _("Inactiviteit")


class EscalationPolicy(models.TextChoices):
    NOTIFY = "notify", _("Managers waarschuwen")
    HANDOVER_NEXT = "handover_next", _("Overdragen aan volgende ketenpartner")


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


class Convenant(models.Model):
    """The agreement of one municipality: who takes part, in which order cases go down the chain, how fast."""

    name = models.CharField(_("naam"), max_length=200)
    municipality = models.CharField(_("gemeente"), max_length=100, db_index=True)
    parties = models.ManyToManyField(Organisation, related_name="convenants", verbose_name=_("partijen"))
    working_days = models.BooleanField(
        _("termijnen in werkdagen"),
        default=True,
        help_text=_("Weekenden en feestdagen tellen niet mee."),
    )
    retention_months = models.PositiveIntegerField(_("bewaartermijn (maanden)"), default=24)
    valid_from = models.DateField(_("geldig vanaf"), null=True, blank=True)
    valid_until = models.DateField(_("geldig tot"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("convenant")
        verbose_name_plural = _("convenanten")
        ordering = ["municipality", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="convenant_validity_ordered",
            ),
            models.CheckConstraint(condition=models.Q(retention_months__gte=1), name="convenant_retention_positive"),
        ]

    def __str__(self):
        return f"{self.name} ({self.municipality})"


class ChainLink(models.Model):
    """One step of the convenant's handover chain: position 1 is offered a case first."""

    convenant = models.ForeignKey(Convenant, on_delete=models.CASCADE, related_name="chain_links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="chain_links")
    position = models.PositiveSmallIntegerField(_("volgorde"))

    class Meta:
        verbose_name = _("schakel in de keten")
        verbose_name_plural = _("keten")
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
    kind = models.CharField(_("soort termijn"), max_length=32, choices=DeadlineKind.choices)
    days = models.PositiveSmallIntegerField(_("dagen"))
    policy = models.CharField(_("bij overschrijding"), max_length=32, choices=EscalationPolicy.choices)

    class Meta:
        verbose_name = _("termijn")
        verbose_name_plural = _("termijnen")
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
