from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase

from convenants.models import Convenant, DeadlineKind, EscalationPolicy
from partners.models import Organisation

from .texts import Text


class CaseStatus(models.TextChoices):
    OPEN = "open", _("New")
    CONTACTING = "contacting", _("In contact")
    ARRANGEMENT = "arrangement", _("Payment arrangement")
    HANDED_OVER = "handed_over", _("Handed over")
    WITH_PARTNER = "with_partner", _("With chain partner")
    EVICTION_PROPOSED = "eviction_proposed", _("Eviction proposed")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    EVICTED = "evicted", _("Evicted")


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
    RESOLVED = "resolved", _("Arrears resolved")
    ARRANGEMENT_COMPLETED = "arrangement_completed", _("Payment arrangement completed")
    MOVED = "moved", _("Moved")
    TENANCY_ENDED = "tenancy_ended", _("Tenancy ended")
    OTHER = "other", _("Other")
    EVICTED = "evicted", _("Evicted")


# Outcomes that count as the arrears being solved (status resolved); the rest close the case otherwise.
RESOLVING_OUTCOMES = {Outcome.RESOLVED, Outcome.ARRANGEMENT_COMPLETED}
# The outcomes a person closes a case with (eviction is decided by the parties' votes, never chosen).
CLOSING_OUTCOMES = [outcome for outcome in Outcome if outcome != Outcome.EVICTED]


# A case's active deadline, the one definition the pages, badges and filters use: overdue once `deadline_at` has
# passed, due soon within DUE_SOON of it, else on time.
DUE_SOON = timedelta(hours=48)


def overdue_q(now, prefix="") -> Q:
    """Overdue as a query condition (`prefix`: "case_" for the copy the permission rows carry)."""
    return Q(**{f"{prefix}deadline_at__lt": now})


class DeadlineState(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due-soon"
    OK = "ok"


class SearchTerm(models.Func):
    """A search term normalised as the case search's text is (cases_search_norm, migration 0014): lowercased,
    unaccented, without spaces or punctuation. See CaseGroupObjectPermission.case_search."""

    function = "cases_search_norm"
    output_field = models.TextField()


class Tenant(models.Model):
    """A household. A corporation's tenant has a contract reference; a household known only from another
    creditor's signal has no corporation."""

    corporation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="tenants"
    )
    contract_ref = models.CharField(_("contract number"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street"), max_length=200, blank=True)
    house_number = models.CharField(_("house number"), max_length=16)
    postcode = models.CharField(_("postcode"), max_length=7)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
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
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="cases", verbose_name=_("tenant"))
    corporation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="corporation_cases", verbose_name=_("corporation")
    )
    holder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="held_cases", verbose_name=_("holder")
    )
    convenant = models.ForeignKey(
        Convenant, on_delete=models.PROTECT, related_name="cases", verbose_name=_("covenant")
    )
    status = models.CharField(_("status"), max_length=32, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    # The state to return to when an offer is declined/withdrawn or an eviction proposal is rejected.
    previous_status = models.CharField(max_length=32, choices=CaseStatus.choices, blank=True)
    arrears_amount = models.DecimalField(_("arrears (€)"), max_digits=10, decimal_places=2)
    months_in_arrears = models.PositiveSmallIntegerField(_("months in arrears"))
    monthly_rent = models.DecimalField(_("monthly rent (€)"), max_digits=8, decimal_places=2, null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    deadline_kind = models.CharField(_("deadline"), max_length=32, choices=DeadlineKind.choices, blank=True)
    deadline_at = models.DateTimeField(_("due at"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact attempt"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("last activity"))
    # Came back after a decline or a withdrawn offer, and the holder has not acted on it since.
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    # The tenant's consent to sharing the case file is in force (the case's current Consent record, kept here so
    # that the policy can read it without a query).
    consent_in_force = models.BooleanField(_("consent in force"), default=False)
    # The caseworker of the holder who works the case now (the opener, the accepting coach, or as assigned).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases",
        db_index=True, verbose_name=_("assigned caseworker"),
    )
    # Pausing the clock (cases.services.pausing): since when and until which date (the clock runs again from the
    # start of that day) the active deadline is paused, and why (a code of the convenant's pause_reasons). While
    # paused the case carries no deadline (it is not due). `pauses`: the pauses taken, as JSON text
    # [[from, to], …] (ISO datetimes; text, because the services' bulk update writes plain columns), so that every
    # recompute of the deadline moves it on by the paused time (deadlines.py).
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=32, blank=True)
    pauses = models.TextField(_("pauses taken"), blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
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
            # The beat task that resumes the pauses whose end date came (every 15 minutes): the paused few only.
            models.Index(fields=["paused_until"], condition=Q(paused_at__isnull=False), name="case_paused_until_idx"),
            models.Index(fields=["corporation", "status"], name="case_corporation_status_idx"),
            models.Index(fields=["status", "opened_at"], name="case_status_opened_idx"),
            models.Index(fields=["convenant", "opened_at"], name="case_convenant_opened_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.tenant}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def is_overdue(self, now=None) -> bool:
        return self.deadline_state(now) == DeadlineState.OVERDUE

    @property
    def returned(self) -> bool:
        return self.returned_at is not None

    @property
    def is_paused(self) -> bool:
        """The holder paused the clock (an open case only)."""
        return self.paused_at is not None and self.is_open

    @property
    def pause_reason_label(self) -> str:
        return self.convenant.pause_reason_label(self.pause_reason) if self.pause_reason else ""

    def deadline_state(self, now=None) -> DeadlineState | None:
        """How the active deadline stands at `now` (DeadlineState); None without one."""
        if self.deadline_at is None:
            return None
        now = now or timezone.now()
        if self.deadline_at < now:  # overdue_q in SQL
            return DeadlineState.OVERDUE
        if self.deadline_at - now <= DUE_SOON:
            return DeadlineState.DUE_SOON
        return DeadlineState.OK


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian's direct foreign-key permission rows: indexable, and gone with their case.

    Each row carries a copy of its case's status, deadline and opening time, so that a filtered case list narrows
    inside the user's permission rows (one index range) before it reads any case: without the copy, a list costs
    a probe of every case the organisation can see. Database triggers keep the copy (migration 0004): the copy is
    taken when a row is inserted and follows every change of the case, whichever code path writes it."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="group_permissions")
    case_status = models.CharField(max_length=32, blank=True, editable=False)
    case_deadline_at = models.DateTimeField(null=True, blank=True, editable=False)
    case_opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The case search (cases.selectors.search_condition): the case's tenant's name, street and house number,
    # postcode and house number, phone, e-mail and contract number, normalised (cases_search_doc, migration 0014:
    # lowercased, unaccented, without spaces or punctuation, "|" between the parts). Kept by the same triggers, and
    # by one on the tenant, so that a search narrows inside the user's permission rows through one trigram index.
    case_search = models.TextField(blank=True, default="", editable=False)

    class Meta(GroupObjectPermissionBase.Meta):
        abstract = False
        indexes = [
            models.Index(fields=["content_object", "group"], name="case_perm_case_group_idx"),
            models.Index(
                fields=["group", "permission", "case_status", "case_deadline_at"],
                include=["content_object", "case_opened_at"],
                name="case_perm_scope_filter_idx",
            ),
            # The case search inside a group's rows: btree_gin for the group, pg_trgm for LIKE '%term%'.
            GinIndex(
                fields=["group", "case_search"], opclasses=["int4_ops", "gin_trgm_ops"],
                name="case_perm_search_trgm_idx",
            ),
        ]


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    HOME_VISIT = "home_visit", _("Home visit")
    JOINT_HOME_VISIT = "joint_home_visit", _("Joint home visit")


class AttemptOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached")
    APPOINTMENT = "appointment", _("Appointment made")


class ContactAttempt(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contact_attempts")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("channel"), max_length=32, choices=Channel.choices)
    outcome = models.CharField(_("result"), max_length=32, choices=AttemptOutcome.choices)
    at = models.DateTimeField(_("time"))
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="attempt_channel_valid"),
            models.CheckConstraint(condition=Q(outcome__in=AttemptOutcome.values), name="attempt_outcome_valid"),
        ]
        indexes = [models.Index(fields=["case", "at"], name="attempt_case_at_idx")]

    def __str__(self):
        return _("%(channel)s, %(outcome)s (case #%(case)s)") % {
            "channel": self.get_channel_display(),
            "outcome": self.get_outcome_display(),
            "case": self.case_id,
        }


class ArrangementStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    BROKEN = "broken", _("Not kept")
    CHANGED = "changed", _("Changed (new version)")
    STOPPED = "stopped", _("Stopped")


class Arrangement(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="arrangements")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    monthly_amount = models.DecimalField(_("monthly amount (€)"), max_digits=8, decimal_places=2)
    start_date = models.DateField(_("first instalment"))
    months = models.PositiveSmallIntegerField(_("number of months"))
    status = models.CharField(max_length=16, choices=ArrangementStatus.choices, default=ArrangementStatus.ACTIVE)
    missed_installments = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Versions: changed terms make a new arrangement that replaces this one (status CHANGED, its paid instalments
    # stay here); a stop ends it with a reason (cases.services.arrangements).
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("end reason"), blank=True)

    class Meta:
        verbose_name = _("payment arrangement")
        verbose_name_plural = _("payment arrangements")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gt=0), name="arrangement_amount_positive"),
            models.CheckConstraint(condition=Q(months__gte=1), name="arrangement_months_positive"),
            models.CheckConstraint(condition=Q(status__in=ArrangementStatus.values), name="arrangement_status_valid"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="active"), name="arrangement_one_active_per_case"
            ),
        ]

    def __str__(self):
        return _("€ %(amount)s a month for %(months)s months (case #%(case)s)") % {
            "amount": self.monthly_amount,
            "months": self.months,
            "case": self.case_id,
        }

    @property
    def total_amount(self):
        return self.monthly_amount * self.months

    @property
    def is_active(self):
        return self.status == ArrangementStatus.ACTIVE


class InstalmentStatus(models.TextChoices):
    DUE = "due", _("Due")
    PAID = "paid", _("Paid")
    MISSED = "missed", _("Missed")


class Instalment(models.Model):
    """One monthly payment of an arrangement's schedule (cases.services.arrangements.schedule)."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount (€)"), max_digits=8, decimal_places=2)
    status = models.CharField(max_length=8, choices=InstalmentStatus.choices, default=InstalmentStatus.DUE)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["arrangement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["arrangement", "number"], name="instalment_number_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(condition=Q(number__gte=1), name="instalment_number_positive"),
            models.CheckConstraint(condition=Q(status__in=InstalmentStatus.values), name="instalment_status_valid"),
        ]

    def __str__(self):
        return _("Instalment %(number)s of arrangement #%(arrangement)s") % {
            "number": self.number, "arrangement": self.arrangement_id,
        }


class HandoverStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Handover(models.Model):
    """An offer of a case, with its dossier, to a chain partner. The dossier is frozen at offer time."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handovers")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="handovers_sent")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="handovers_received")
    status = models.CharField(max_length=16, choices=HandoverStatus.choices, default=HandoverStatus.OFFERED)
    summary = models.TextField(_("summary"))
    tenant_consent = models.BooleanField(_("tenant consent"), default=False)
    dossier = models.JSONField(_("dossier"), default=dict)
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    offered_at = models.DateTimeField(_("offered at"))
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    by_escalation = models.BooleanField(default=False)
    # The case's state before the offer, to go back to on decline or withdrawal.
    previous_status = models.CharField(max_length=32, choices=CaseStatus.choices)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
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

    def __str__(self):
        return _("Handover of case #%(case)s to %(org)s (%(status)s)") % {
            "case": self.case_id,
            "org": self.to_organisation,
            "status": self.get_status_display(),
        }

    @property
    def ended_by(self) -> str:
        """Who ended the offer: "partner" (it declined), "person" (someone of the offering organisation withdrew
        it), "sweep" (the escalation sweep withdrew it, past its pickup deadline); "" while open or accepted."""
        if self.status == HandoverStatus.DECLINED:
            return "partner"
        if self.status == HandoverStatus.WITHDRAWN:
            return "person" if self.responded_by_id else "sweep"
        return ""

    @property
    def outcome_label(self) -> str:
        """The status as a person reads it, naming who ended the offer."""
        person = (self.responded_by.get_full_name() or self.responded_by.get_username()) if self.responded_by else ""
        if self.ended_by == "partner":
            label = _("Declined by %(org)s") % {"org": self.to_organisation.name}
            return f"{label} ({person})" if person else label
        if self.ended_by == "person":
            return _("Withdrawn by %(person)s") % {"person": person}
        if self.ended_by == "sweep":
            return _("Withdrawn by the deadline sweep (not picked up in time)")
        return self.get_status_display()


class ConsentHow(models.TextChoices):
    VERBAL = "verbal", _("Verbally")
    WRITTEN = "written", _("In writing")
    DIGITAL = "digital", _("Digitally")


class Consent(models.Model):
    """The tenant's answer to sharing the case file with chain partners (AVG): given or not, when, how, and who
    recorded it. Without a given consent in force a handover carries only what the Besluit gemeentelijke
    schuldhulpverlening lets a landlord share. A case has one current record; recording anew supersedes it (the
    old one stays, for the history); a withdrawal keeps the record current, marked withdrawn."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    given = models.BooleanField(_("consent given"))
    # Blank: not stated, when a version 1 API client sent `tenant_consent` alone.
    how = models.CharField(_("how"), max_length=16, choices=ConsentHow.choices, blank=True)
    at = models.DateTimeField(_("given at"))
    organisation = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("withdrawn by"),
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(superseded_at__isnull=True), name="consent_one_current_per_case"
            ),
            models.CheckConstraint(condition=Q(how__in=[*ConsentHow.values, ""]), name="consent_how_valid"),
            models.CheckConstraint(condition=Q(withdrawn_at__isnull=True) | Q(given=True),
                                   name="consent_withdrawn_only_when_given"),
        ]

    def __str__(self):
        return _("Consent for case #%(case)s") % {"case": self.case_id}

    @property
    def in_force(self) -> bool:
        return self.given and self.withdrawn_at is None


class JointVisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Carried out")
    CANCELLED = "cancelled", _("Cancelled")


class JointVisit(models.Model):
    """Vroeg Eropaf: a home visit planned together with a partner organisation."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="joint_visits")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="joint_visits")
    planned_at = models.DateTimeField(_("planned for"))
    address = models.CharField(_("address"), max_length=300)
    status = models.CharField(max_length=16, choices=JointVisitStatus.choices, default=JointVisitStatus.PLANNED)
    attempt = models.OneToOneField(ContactAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("joint home visit")
        verbose_name_plural = _("joint home visits")
        ordering = ["planned_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(organisation=models.F("partner")), name="joint_visit_parties_differ"),
        ]
        indexes = [models.Index(fields=["partner", "status", "planned_at"], name="joint_visit_partner_idx")]

    def __str__(self):
        return _("Joint home visit with %(org)s on %(when)s (case #%(case)s)") % {
            "org": self.partner,
            "when": date_format(localtime(self.planned_at), "SHORT_DATETIME_FORMAT") if self.planned_at else "",
            "case": self.case_id,
        }


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
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
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

    def __str__(self):
        return _("Escalation of case #%(case)s: %(kind)s, %(action)s") % {
            "case": self.case_id,
            "kind": self.get_deadline_kind_display(),
            "action": self.get_action_display(),
        }


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Up for vote")
    AGREED = "agreed", _("Jointly decided")
    REJECTED = "rejected", _("Rejected")


class EvictionProposal(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="eviction_proposals")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(_("reason"))
    status = models.CharField(max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    previous_status = models.CharField(max_length=32, choices=CaseStatus.choices)
    proposed_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    voters = models.ManyToManyField(Organisation, related_name="eviction_votes_due", blank=True)

    class Meta:
        verbose_name = _("eviction proposal")
        verbose_name_plural = _("eviction proposals")
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status="open"), name="eviction_one_open_proposal"),
            models.CheckConstraint(condition=~Q(reason=""), name="eviction_proposal_has_reason"),
        ]
        indexes = [models.Index(fields=["status", "proposed_at"], name="eviction_status_idx")]

    def __str__(self):
        return _("Eviction proposal for case #%(case)s (%(status)s)") % {
            "case": self.case_id,
            "status": self.get_status_display(),
        }


class EvictionVote(models.Model):
    proposal = models.ForeignKey(EvictionProposal, on_delete=models.CASCADE, related_name="votes")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    agree = models.BooleanField()
    reason = models.TextField(_("reason"))
    voted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["voted_at"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "organisation"], name="eviction_one_vote_per_party"),
            models.CheckConstraint(condition=~Q(reason=""), name="eviction_vote_has_reason"),
        ]

    def __str__(self):
        message = _("%(org)s votes for eviction") if self.agree else _("%(org)s votes against eviction")
        return message % {"org": self.organisation}


class EventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    CONTACT_ATTEMPT = "contact_attempt", _("Contact attempt")
    ARRANGEMENT = "arrangement", _("Payment arrangement")
    INSTALLMENT_MISSED = "installment_missed", _("Instalment missed")
    NOTE = "note", _("Note")
    ARREARS_UPDATED = "arrears_updated", _("Arrears updated")
    HANDOVER_OFFERED = "handover_offered", _("Handover offered")
    HANDOVER_ACCEPTED = "handover_accepted", _("Handover accepted")
    HANDOVER_DECLINED = "handover_declined", _("Handover declined")
    HANDOVER_WITHDRAWN = "handover_withdrawn", _("Handover withdrawn")
    CONSENT_RECORDED = "consent_recorded", _("Consent recorded")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
    JOINT_VISIT_PLANNED = "joint_visit_planned", _("Joint home visit planned")
    ESCALATED = "escalated", _("Escalated")
    EVICTION_PROPOSED = "eviction_proposed", _("Eviction proposed")
    EVICTION_VOTE = "eviction_vote", _("Eviction vote")
    EVICTION_REJECTED = "eviction_rejected", _("Eviction rejected")
    EVICTION_DECIDED = "eviction_decided", _("Eviction decided jointly")
    CLOSED = "closed", _("Case closed")
    SIGNAL = "signal", _("Signal received")
    ANONYMISED = "anonymised", _("Anonymised")
    ASSIGNED = "assigned", _("Caseworker assigned")
    PAUSED = "paused", _("Clock paused")
    RESUMED = "resumed", _("Clock resumed")
    TASK_ADDED = "task_added", _("Follow-up task added")
    TASK_DONE = "task_done", _("Follow-up task done")
    TASK_REOPENED = "task_reopened", _("Follow-up task reopened")
    INSTALMENT_PAID = "instalment_paid", _("Instalment paid")
    ARRANGEMENT_CHANGED = "arrangement_changed", _("Payment arrangement changed")
    ARRANGEMENT_STOPPED = "arrangement_stopped", _("Payment arrangement stopped")
    JOINT_VISIT_MOVED = "joint_visit_moved", _("Joint home visit moved")
    JOINT_VISIT_CANCELLED = "joint_visit_cancelled", _("Joint home visit cancelled")


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
        verbose_name = _("event")
        verbose_name_plural = _("timeline")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at", "id"], name="event_case_at_idx")]

    def __str__(self):
        return _("%(kind)s (case #%(case)s)") % {"kind": self.get_kind_display(), "case": self.case_id}

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Case events are append-only.")
        super().save(*args, **kwargs)

    @property
    def text(self) -> str:
        """The description in the reader's language (cases.texts), or as stored for older events."""
        text = Text.from_data((self.data or {}).get("text")) if isinstance(self.data, dict) else None
        return text.render() if text is not None else self.description


class AccessLog(models.Model):
    """Who read which case's personal data, when, and what (AVG). Append-only, one row per user, case, kind of
    read and hour (`hour`: the first read's moment truncated to the hour; later reads in that hour add nothing).
    No free text: nothing in a row needs anonymising beyond the case it points to."""

    class What(models.TextChoices):
        DETAIL = "detail", _("Case details")
        TIMELINE = "timeline", _("Timeline")
        DOSSIER = "dossier", _("Dossier")
        EXPORT = "export", _("Export")
        LIST = "list", _("Case list")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_logs")
    what = models.CharField(max_length=16, choices=What.choices)
    at = models.DateTimeField(auto_now_add=True)
    # Set by cases.services.access; rows from before the deduplication (and test fixtures) have none and are
    # never merged, since NULLs do not collide in the unique constraint.
    hour = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("access")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["organisation", "at"], name="access_org_at_idx"),
            models.Index(fields=["case", "at"], name="access_case_at_idx"),
            models.Index(fields=["user", "at"], name="access_user_at_idx"),
            models.Index(fields=["at"], name="access_at_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "case", "what", "hour"], name="access_once_per_hour"),
        ]

    def __str__(self):
        return _("%(user)s read %(what)s of case #%(case)s") % {
            "user": self.user,
            "what": self.get_what_display(),
            "case": self.case_id,
        }


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=200)
    # The subject's message and parameters (cases.texts), so that it reads in the reader's language.
    subject_text = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="notification_user_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread_idx"),
        ]

    def __str__(self):
        return self.subject

    @property
    def text(self) -> str:
        """The subject in the reader's language, or as stored for older notifications."""
        text = Text.from_data(self.subject_text)
        return text.render()[:200] if text is not None else self.subject


class FollowUp(models.Model):
    """A follow-up task on a case (terugbellen, stukken opvragen): what, when, for whom of the organisation that
    held the case when it was set. Casework: who reads it is cases.policy's (`reads_task`, `task_scope`)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("case"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("task"))
    due_at = models.DateTimeField(_("due at"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="follow_ups",
        verbose_name=_("assigned to"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(done_at__isnull=False) | Q(done_by__isnull=True),
                                   name="followup_done_by_only_when_done"),
        ]
        indexes = [
            # "My open tasks by due time": the worklist's top section and the morning digest.
            models.Index(fields=["assigned_to", "due_at"], condition=Q(done_at__isnull=True),
                         name="followup_open_assignee_idx"),
            models.Index(fields=["case", "due_at"], name="followup_case_due_idx"),
        ]

    def __str__(self):
        return _("Follow-up task on case #%(case)s") % {"case": self.case_id}

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def state(self, now=None) -> str:
        """done, overdue (its time has passed), today (due later today, Dutch time) or upcoming."""
        if self.done_at is not None:
            return "done"
        now = now or timezone.now()
        if self.due_at < now:
            return "overdue"
        if timezone.localdate(self.due_at) == timezone.localdate(now):
            return "today"
        return "upcoming"


class TaskDigest(models.Model):
    """The morning digest of follow-up tasks sent to a person on a day: one per person and day, so that a second
    run of the beat task sends nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField()
    tasks = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("task digest")
        verbose_name_plural = _("task digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="task_digest_once_per_day")]

    def __str__(self):
        return _("Task digest of %(day)s") % {"day": self.day}
