from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase

from convenants.models import Convenant, DeadlineKind, EscalationPolicy
from partners.models import Organisation


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Nieuw")
    CONTACTING = "contacting", _("In contact")
    ARRANGEMENT = "arrangement", _("Betalingsregeling")
    HANDED_OVER = "handed_over", _("Overgedragen")
    WITH_PARTNER = "with_partner", _("Bij ketenpartner")
    EVICTION_PROPOSED = "eviction_proposed", _("Ontruiming voorgesteld")
    RESOLVED = "resolved", _("Opgelost")
    CLOSED = "closed", _("Afgesloten")
    EVICTED = "evicted", _("Ontruimd")


OPEN_STATUSES = [
    CaseStatus.OPEN,
    CaseStatus.CONTACTING,
    CaseStatus.ARRANGEMENT,
    CaseStatus.HANDED_OVER,
    CaseStatus.WITH_PARTNER,
    CaseStatus.EVICTION_PROPOSED,
]
CLOSED_STATUSES = [CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.EVICTED]


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Achterstand opgelost")
    ARRANGEMENT_COMPLETED = "arrangement_completed", _("Betalingsregeling afgerond")
    MOVED = "moved", _("Verhuisd")
    TENANCY_ENDED = "tenancy_ended", _("Huurcontract beëindigd")
    OTHER = "other", _("Anders")
    EVICTED = "evicted", _("Ontruimd")


# Outcomes that count as the arrears being solved (status resolved); the rest close the case otherwise.
RESOLVING_OUTCOMES = {Outcome.RESOLVED, Outcome.ARRANGEMENT_COMPLETED}


class Tenant(models.Model):
    """A household. A corporation's tenant has a contract reference; a household known only from another
    creditor's signal has no corporation."""

    corporation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="tenants"
    )
    contract_ref = models.CharField(_("contractnummer"), max_length=64, blank=True)
    name = models.CharField(_("naam"), max_length=200)
    street = models.CharField(_("straat"), max_length=200, blank=True)
    house_number = models.CharField(_("huisnummer"), max_length=16)
    postcode = models.CharField(_("postcode"), max_length=7)
    city = models.CharField(_("plaats"), max_length=100, blank=True)
    phone = models.CharField(_("telefoon"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("huurder")
        verbose_name_plural = _("huurders")
        constraints = [
            models.UniqueConstraint(
                fields=["corporation", "contract_ref"],
                condition=Q(corporation__isnull=False),
                name="tenant_contract_unique_per_corporation",
            ),
            models.CheckConstraint(
                condition=Q(corporation__isnull=True) | ~Q(contract_ref=""),
                name="tenant_corporation_needs_contract",
            ),
        ]
        indexes = [
            models.Index(fields=["postcode", "house_number"], name="tenant_address_idx"),
            models.Index(fields=["contract_ref"], name="tenant_contract_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def address(self):
        return f"{self.street} {self.house_number}, {self.postcode} {self.city}".strip()


class Case(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="cases", verbose_name=_("huurder"))
    corporation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="corporation_cases", verbose_name=_("corporatie")
    )
    holder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="held_cases", verbose_name=_("behandelaar")
    )
    convenant = models.ForeignKey(
        Convenant, on_delete=models.PROTECT, related_name="cases", verbose_name=_("convenant")
    )
    status = models.CharField(_("status"), max_length=32, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    # The state to return to when an offer is declined/withdrawn or an eviction proposal is rejected.
    previous_status = models.CharField(max_length=32, choices=CaseStatus.choices, blank=True)
    arrears_amount = models.DecimalField(_("achterstand (€)"), max_digits=10, decimal_places=2)
    months_in_arrears = models.PositiveSmallIntegerField(_("maanden achterstand"))
    monthly_rent = models.DecimalField(_("huur per maand (€)"), max_digits=8, decimal_places=2, null=True, blank=True)
    opened_at = models.DateTimeField(_("geopend op"), db_index=True)
    closed_at = models.DateTimeField(_("gesloten op"), null=True, blank=True)
    outcome = models.CharField(_("uitkomst"), max_length=32, choices=Outcome.choices, blank=True)
    deadline_kind = models.CharField(_("termijn"), max_length=32, choices=DeadlineKind.choices, blank=True)
    deadline_at = models.DateTimeField(_("uiterlijk"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("eerste contactpoging"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("laatste activiteit"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("casus")
        verbose_name_plural = _("casussen")
        default_permissions = ("view", "change")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(arrears_amount__gte=0), name="case_arrears_non_negative"),
            models.CheckConstraint(
                condition=Q(monthly_rent__isnull=True) | Q(monthly_rent__gte=0), name="case_rent_non_negative"
            ),
            models.UniqueConstraint(
                fields=["tenant"], condition=Q(status__in=OPEN_STATUSES), name="case_one_open_per_tenancy"
            ),
            models.CheckConstraint(
                condition=(Q(status__in=CLOSED_STATUSES) & Q(closed_at__isnull=False) & ~Q(outcome=""))
                | (Q(status__in=OPEN_STATUSES) & Q(closed_at__isnull=True) & Q(outcome="")),
                name="case_closed_iff_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OPEN_STATUSES) | (Q(deadline_at__isnull=True) & Q(deadline_kind="")),
                name="case_closed_has_no_deadline",
            ),
            models.CheckConstraint(
                condition=Q(deadline_at__isnull=True, deadline_kind="")
                | Q(deadline_at__isnull=False, deadline_kind__in=DeadlineKind.values),
                name="case_deadline_kind_with_date",
            ),
        ]
        indexes = [
            # The escalation sweep: due deadlines of open cases, one range scan.
            models.Index(
                fields=["deadline_at"], condition=Q(deadline_at__isnull=False), name="case_deadline_due_idx"
            ),
            models.Index(fields=["holder", "status"], name="case_holder_status_idx"),
            models.Index(fields=["corporation", "status"], name="case_corporation_status_idx"),
            models.Index(fields=["status", "opened_at"], name="case_status_opened_idx"),
            models.Index(fields=["convenant", "opened_at"], name="case_convenant_opened_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.tenant}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian's direct foreign-key permission rows: indexable, and gone with their case."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="group_permissions")

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        indexes = [models.Index(fields=["content_object", "group"], name="case_perm_case_group_idx")]


class Channel(models.TextChoices):
    PHONE = "phone", _("Telefoon")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Brief")
    HOME_VISIT = "home_visit", _("Huisbezoek")
    JOINT_HOME_VISIT = "joint_home_visit", _("Gezamenlijk huisbezoek")


class AttemptOutcome(models.TextChoices):
    REACHED = "reached", _("Bereikt")
    NOT_REACHED = "not_reached", _("Niet bereikt")
    APPOINTMENT = "appointment", _("Afspraak gemaakt")


class ContactAttempt(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contact_attempts")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("kanaal"), max_length=32, choices=Channel.choices)
    outcome = models.CharField(_("resultaat"), max_length=32, choices=AttemptOutcome.choices)
    at = models.DateTimeField(_("tijdstip"))
    notes = models.TextField(_("notities"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contactpoging")
        verbose_name_plural = _("contactpogingen")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="attempt_channel_valid"),
            models.CheckConstraint(condition=Q(outcome__in=AttemptOutcome.values), name="attempt_outcome_valid"),
        ]
        indexes = [models.Index(fields=["case", "at"], name="attempt_case_at_idx")]


class ArrangementStatus(models.TextChoices):
    ACTIVE = "active", _("Lopend")
    COMPLETED = "completed", _("Afgerond")
    BROKEN = "broken", _("Niet nagekomen")


class Arrangement(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="arrangements")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    monthly_amount = models.DecimalField(_("bedrag per maand (€)"), max_digits=8, decimal_places=2)
    start_date = models.DateField(_("eerste termijn"))
    months = models.PositiveSmallIntegerField(_("aantal maanden"))
    status = models.CharField(max_length=16, choices=ArrangementStatus.choices, default=ArrangementStatus.ACTIVE)
    missed_installments = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("betalingsregeling")
        verbose_name_plural = _("betalingsregelingen")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gt=0), name="arrangement_amount_positive"),
            models.CheckConstraint(condition=Q(months__gte=1), name="arrangement_months_positive"),
            models.CheckConstraint(condition=Q(status__in=ArrangementStatus.values), name="arrangement_status_valid"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="active"), name="arrangement_one_active_per_case"
            ),
        ]

    @property
    def total_amount(self):
        return self.monthly_amount * self.months


class HandoverStatus(models.TextChoices):
    OFFERED = "offered", _("Aangeboden")
    ACCEPTED = "accepted", _("Geaccepteerd")
    DECLINED = "declined", _("Afgewezen")
    WITHDRAWN = "withdrawn", _("Ingetrokken")


class Handover(models.Model):
    """An offer of a case, with its dossier, to a chain partner. The dossier is frozen at offer time."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handovers")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="handovers_sent")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="handovers_received")
    status = models.CharField(max_length=16, choices=HandoverStatus.choices, default=HandoverStatus.OFFERED)
    summary = models.TextField(_("samenvatting"))
    tenant_consent = models.BooleanField(_("toestemming huurder"), default=False)
    dossier = models.JSONField(_("dossier"), default=dict)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    offered_at = models.DateTimeField(_("aangeboden op"))
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(_("gereageerd op"), null=True, blank=True)
    reason = models.TextField(_("reden"), blank=True)
    by_escalation = models.BooleanField(default=False)
    # The case's state before the offer, to go back to on decline or withdrawal.
    previous_status = models.CharField(max_length=32, choices=CaseStatus.choices)

    class Meta:
        verbose_name = _("overdracht")
        verbose_name_plural = _("overdrachten")
        ordering = ["-offered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_organisation=models.F("to_organisation")), name="handover_parties_differ"
            ),
            models.CheckConstraint(condition=Q(status__in=HandoverStatus.values), name="handover_status_valid"),
            models.UniqueConstraint(fields=["case"], condition=Q(status="offered"), name="handover_one_open_offer"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(reason=""), name="handover_decline_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["to_organisation", "status", "offered_at"], name="handover_inbox_idx")]


class JointVisitStatus(models.TextChoices):
    PLANNED = "planned", _("Gepland")
    DONE = "done", _("Afgelegd")
    CANCELLED = "cancelled", _("Geannuleerd")


class JointVisit(models.Model):
    """Vroeg Eropaf: a home visit planned together with a partner organisation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="joint_visits")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="joint_visits")
    planned_at = models.DateTimeField(_("gepland op"))
    address = models.CharField(_("adres"), max_length=300)
    status = models.CharField(max_length=16, choices=JointVisitStatus.choices, default=JointVisitStatus.PLANNED)
    attempt = models.OneToOneField(ContactAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gezamenlijk huisbezoek")
        verbose_name_plural = _("gezamenlijke huisbezoeken")
        ordering = ["planned_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(organisation=models.F("partner")), name="joint_visit_parties_differ"),
        ]
        indexes = [models.Index(fields=["partner", "status", "planned_at"], name="joint_visit_partner_idx")]


class Escalation(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    deadline_kind = models.CharField(max_length=32, choices=DeadlineKind.choices)
    deadline_at = models.DateTimeField()
    action = models.CharField(max_length=32, choices=EscalationPolicy.choices)
    escalated_at = models.DateTimeField()
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    to_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("escalatie")
        verbose_name_plural = _("escalaties")
        ordering = ["-escalated_at", "-id"]
        constraints = [
            # One escalation per deadline instance: a repeated or concurrent sweep cannot escalate it twice.
            models.UniqueConstraint(fields=["case", "deadline_kind", "deadline_at"], name="escalation_once"),
        ]
        indexes = [
            models.Index(fields=["from_organisation", "escalated_at"], name="escalation_from_idx"),
            models.Index(fields=["to_organisation", "escalated_at"], name="escalation_to_idx"),
            models.Index(fields=["escalated_at"], name="escalation_at_idx"),
        ]


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Ter stemming")
    AGREED = "agreed", _("Gezamenlijk besloten")
    REJECTED = "rejected", _("Afgewezen")


class EvictionProposal(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="eviction_proposals")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reden"))
    status = models.CharField(max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    previous_status = models.CharField(max_length=32, choices=CaseStatus.choices)
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    voters = models.ManyToManyField(Organisation, related_name="eviction_votes_due", blank=True)

    class Meta:
        verbose_name = _("ontruimingsvoorstel")
        verbose_name_plural = _("ontruimingsvoorstellen")
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="open"), name="eviction_one_open_proposal"),
            models.CheckConstraint(condition=~Q(reason=""), name="eviction_proposal_has_reason"),
        ]
        indexes = [models.Index(fields=["status", "proposed_at"], name="eviction_status_idx")]


class EvictionVote(models.Model):
    proposal = models.ForeignKey(EvictionProposal, on_delete=models.CASCADE, related_name="votes")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    agree = models.BooleanField()
    reason = models.TextField(_("reden"))
    voted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stem")
        verbose_name_plural = _("stemmen")
        ordering = ["voted_at"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "organisation"], name="eviction_one_vote_per_party"),
            models.CheckConstraint(condition=~Q(reason=""), name="eviction_vote_has_reason"),
        ]


class EventKind(models.TextChoices):
    OPENED = "opened", _("Casus geopend")
    CONTACT_ATTEMPT = "contact_attempt", _("Contactpoging")
    ARRANGEMENT = "arrangement", _("Betalingsregeling")
    INSTALLMENT_MISSED = "installment_missed", _("Termijn gemist")
    NOTE = "note", _("Notitie")
    ARREARS_UPDATED = "arrears_updated", _("Achterstand bijgewerkt")
    HANDOVER_OFFERED = "handover_offered", _("Overdracht aangeboden")
    HANDOVER_ACCEPTED = "handover_accepted", _("Overdracht geaccepteerd")
    HANDOVER_DECLINED = "handover_declined", _("Overdracht afgewezen")
    HANDOVER_WITHDRAWN = "handover_withdrawn", _("Overdracht ingetrokken")
    JOINT_VISIT_PLANNED = "joint_visit_planned", _("Gezamenlijk huisbezoek gepland")
    ESCALATED = "escalated", _("Geëscaleerd")
    EVICTION_PROPOSED = "eviction_proposed", _("Ontruiming voorgesteld")
    EVICTION_VOTE = "eviction_vote", _("Stem over ontruiming")
    EVICTION_REJECTED = "eviction_rejected", _("Ontruiming afgewezen")
    EVICTION_DECIDED = "eviction_decided", _("Ontruiming gezamenlijk besloten")
    CLOSED = "closed", _("Casus gesloten")
    SIGNAL = "signal", _("Signaal ontvangen")
    ANONYMISED = "anonymised", _("Geanonimiseerd")


class CaseEvent(models.Model):
    """The append-only timeline of a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("gebeurtenis")
        verbose_name_plural = _("tijdlijn")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at", "id"], name="event_case_at_idx")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Case events are append-only.")
        super().save(*args, **kwargs)


class AccessLog(models.Model):
    """Who read which case's personal data, when, and what (AVG). Append-only."""

    class What(models.TextChoices):
        DETAIL = "detail", _("Casusgegevens")
        TIMELINE = "timeline", _("Tijdlijn")
        DOSSIER = "dossier", _("Dossier")
        EXPORT = "export", _("Export")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_logs")
    what = models.CharField(max_length=16, choices=What.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inzage")
        verbose_name_plural = _("inzagelog")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["organisation", "at"], name="access_org_at_idx"),
            models.Index(fields=["case", "at"], name="access_case_at_idx"),
        ]


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="notification_user_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]
