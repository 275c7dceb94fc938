from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import Organisation

# Advisory lock namespaces (pg_advisory_xact_lock(namespace, key)) of the signal intake: the import takes
# (LOCK_SOURCE, source id), then (LOCK_HOUSEHOLDS, 0) when it links households; the removal of tenants after
# their retention (cases.services.privacy) takes the same, so neither links to a row the other removes.
LOCK_SOURCE = 7401
LOCK_HOUSEHOLDS = 7402


class SignalKind(models.TextChoices):
    RENT = "rent", _("Rent")
    ENERGY = "energy", _("Energy")
    WATER = "water", _("Water")
    HEALTH_INSURANCE = "health_insurance", _("Health insurance")
    MUNICIPAL_TAX = "municipal_tax", _("Municipal taxes")
    CAK_HEALTH_INSURANCE = "cak_health_insurance", _("CAK health insurance")
    CAK_OWN_CONTRIBUTION = "cak_own_contribution", _("CAK own contribution")
    MORTGAGE = "mortgage", _("Mortgage")
    DUO = "duo", _("DUO (student finance)")
    TAX_AUTHORITY = "tax_authority", _("Tax authority")
    BENEFITS_AGENCY = "benefits_agency", _("Benefits agency (Dienst Toeslagen)")
    OTHER = "other", _("Other")


# The DDAS signal partner type (VNG Realisatie ddas-vroegsignalering v1.2, EnumSignaalpartner) of each kind.
# Municipal taxes have no type of their own there.
DDAS_PARTNER_TYPE = {
    SignalKind.RENT: "Huur",
    SignalKind.ENERGY: "Energie",
    SignalKind.WATER: "Water",
    SignalKind.HEALTH_INSURANCE: "Zorg",
    SignalKind.MUNICIPAL_TAX: "Overige",
    SignalKind.CAK_HEALTH_INSURANCE: "CAK Zorgverzekeringen",
    SignalKind.CAK_OWN_CONTRIBUTION: "CAK Eigen bijdrage",
    SignalKind.MORTGAGE: "Hypotheek",
    SignalKind.DUO: "DUO",
    SignalKind.TAX_AUTHORITY: "Belastingdienst",
    SignalKind.BENEFITS_AGENCY: "Dienst Toeslagen",
    SignalKind.OTHER: "Overige",
}
# A DDAS partner type as sent (`kind` takes it too) → the kind it is stored as.
KIND_OF_PARTNER_TYPE = {
    **{partner_type: kind for kind, partner_type in DDAS_PARTNER_TYPE.items() if partner_type != "Overige"},
    "Overige": SignalKind.OTHER,
}


class MatchState(models.TextChoices):
    """Where a signal stands in the matching of its period (signals.matching)."""

    UNMATCHED = "", _("Not matched yet")
    MATCHED = "matched", _("Matched into a vroegsignaal case")
    BELOW_MINIMUM = "below_minimum", _("Below the covenant's minimum: stored and counted, not matched")


class SignalImport(models.Model):
    """One uploaded CSV file: who, when, which file, what came of it."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="signal_imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    file_hash = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    cases_opened = models.PositiveIntegerField(default=0)
    cases_updated = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("signal import")
        verbose_name_plural = _("signal imports")
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["organisation", "file_hash"], name="signal_import_hash_idx")]

    def __str__(self):
        return _("%(file)s (%(rows)s rows)") % {"file": self.file_name, "rows": self.rows}


class ArrearsSignal(models.Model):
    """An early arrears signal from a creditor, linked to the household it concerns."""

    # Indexes are few on purpose: every one costs on each imported row. source is served by the unique
    # (source, external_id), tenant by (tenant, kind), case by a partial index (most signals open no case).
    source = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="signals_sent", db_index=False)
    external_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=32, choices=SignalKind.choices)
    contract_ref = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=7)
    house_number = models.CharField(max_length=16)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    months_in_arrears = models.PositiveSmallIntegerField()
    reference_date = models.DateField()
    tenant = models.ForeignKey(
        "cases.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="signals", db_index=False
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="signals", db_index=False
    )
    municipality = models.CharField(max_length=100, blank=True, db_index=True)
    signal_import = models.ForeignKey(
        SignalImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="signals"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    # DDAS: eviction or disconnection threatens (a short contact term); there is contact with the household
    # already and the sender asks the municipality to take it on (warm handover); when the arrears arose.
    crisis = models.BooleanField(default=False, db_default=False)
    warm_handover = models.BooleanField(default=False, db_default=False)
    arrears_since = models.DateField(null=True, blank=True)
    # Matching (signals.matching): the vroegsignaal case of its household and period, or why it has none.
    signal_case = models.ForeignKey(
        "SignalCase", null=True, blank=True, on_delete=models.SET_NULL, related_name="signals",
        db_index=False,
    )
    match_state = models.CharField(max_length=16, choices=MatchState.choices, default=MatchState.UNMATCHED,
                                   db_default=MatchState.UNMATCHED, blank=True)

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="signal_unique_per_source"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="signal_amount_non_negative"),
            models.CheckConstraint(condition=Q(kind__in=SignalKind.values), name="signal_kind_valid"),
            models.CheckConstraint(condition=~Q(kind="rent") | ~Q(contract_ref=""), name="signal_rent_has_contract"),
            models.CheckConstraint(condition=Q(match_state__in=MatchState.values), name="signal_match_state_valid"),
        ]
        indexes = [
            models.Index(fields=["tenant", "kind"], name="signal_tenant_kind_idx"),
            models.Index(fields=["case"], condition=Q(case__isnull=False), name="signal_case_idx"),
            models.Index(fields=["signal_case"], condition=Q(signal_case__isnull=False), name="signal_signal_case_idx"),
            # What the matching looks for: few rows, since a matched signal leaves this index.
            models.Index(fields=["municipality", "reference_date"], condition=Q(match_state=""),
                         name="signal_unmatched_idx"),
        ]

    def __str__(self):
        return _("%(kind)s arrears signal %(id)s: € %(amount)s") % {
            "kind": self.get_kind_display(),
            "id": self.external_id,
            "amount": self.amount,
        }


# --- vroegsignalering: the municipality's outreach on matched signals (DDAS v1.2) ---------------------------
# Values are DDAS's own words (what the export writes); labels are translated like every other.


class SignalCaseType(models.TextChoices):
    """As the Divosa monitor counts: one signal in the period; signals of several creditors in the period;
    a household that had a vroegsignaal case in the six months before the period."""

    SINGLE = "single", _("Single")
    MULTIPLE = "multiple", _("Multiple")
    CONSECUTIVE = "consecutive", _("Consecutive")


class SignalStatus(models.TextChoices):
    """DDAS EnumSignaalstatus: where a vroegsignaal case (and each of its signals) stands."""

    NOT_PICKED_UP = "Nog niet opgepakt", _("Not picked up yet")
    PICKED_UP = "Opgepakt", _("Picked up")
    NOT_TAKEN_REPEATED = "Niet opgepakt: herhaalde melding", _("Not picked up: repeated signal")
    NOT_TAKEN_UNFOUNDED = "Niet opgepakt: onterecht signaal", _("Not picked up: unfounded signal")
    NOT_TAKEN_OTHER = "Niet opgepakt: andere reden", _("Not picked up: other reason")
    KNOWN_TO_DEBT_ASSISTANCE = "Inwoner al bekend bij schuldhulpverlening", _("Already known to debt assistance")
    DECEASED = "Inwoner is overleden", _("Resident has died")
    NOT_A_RESIDENT = "Persoon is geen inwoner (meer) in de gemeente", _("No longer a resident of the municipality")


class EndResult(models.TextChoices):
    """DDAS EnumEindresultaat: how a vroegsignaal case ended."""

    ADVICE = "(Budget)advies en/of quick fix", _("(Budget) advice and/or quick fix")
    NO_CONTACT = "Definitief geen contact kunnen krijgen", _("No contact could be made")
    NO_RESPONSE = "Geen reactie na eerder contact", _("No response after earlier contact")
    KNOWN_TO_DEBT_ASSISTANCE = "Inwoner al bekend bij schuldhulpverlening", _("Already known to debt assistance")
    OTHER_TRAJECTORY = "Inwoner heeft al een ander lopend traject", _("Already in another programme")
    PAID = "Inwoner heeft zelf al betaald/betalingsregeling getroffen", _(
        "Resident has paid or made a payment arrangement"
    )
    DECEASED = "Inwoner is overleden", _("Resident has died")
    SELF_REGULATES = "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering", _(
        "Resident manages alone / needs no help from early warning"
    )
    NOT_TAKEN_OTHER = "Niet opgepakt: andere reden", _("Not picked up: other reason")
    NOT_TAKEN_REPEATED = "Niet opgepakt: herhaalde melding", _("Not picked up: repeated signal")
    NOT_TAKEN_UNFOUNDED = "Niet opgepakt: onterecht signaal", _("Not picked up: unfounded signal")
    NOT_A_RESIDENT = "Persoon is geen inwoner (meer) in de gemeente", _("No longer a resident of the municipality")
    FURTHER_HELP = "Vervolghulp en/of verwijzing", _("Further help and/or referral")
    FURTHER_HELP_FINANCIAL = "Vervolghulp en/of verwijzing financieel", _("Further help and/or referral, financial")
    FURTHER_HELP_NON_FINANCIAL = "Vervolghulp en/of verwijzing niet financieel", _(
        "Further help and/or referral, non-financial"
    )
    REFERRAL_WITHOUT_RESIDENT = "Verwijzing zonder tussenkomst inwoner", _("Referral without the resident")


# Results that are a signal status of their own; any other result leaves the case (and its signals) Opgepakt.
STATUS_OF_RESULT = {
    result: SignalStatus(result.value) for result in EndResult if result.value in SignalStatus.values
}
# The results the Divosa monitor counts as accepting help.
FURTHER_HELP_RESULTS = frozenset(
    {EndResult.FURTHER_HELP, EndResult.FURTHER_HELP_FINANCIAL, EndResult.FURTHER_HELP_NON_FINANCIAL}
)


class ContactKind(models.TextChoices):
    """DDAS EnumContactsoort."""

    LETTER = "Brief", _("Letter")
    PHONE = "Telefoon", _("Phone")
    HOME_VISIT = "Huisbezoek", _("Home visit")
    TEXT_MESSAGE = "SMS/Whatsapp", _("Text message / WhatsApp")
    MAIL = "Mail", _("E-mail")
    CARD = "Kaartje", _("Card through the door")
    APPOINTMENT = "Afspraak op locatie", _("Appointment on location")
    ADMINISTRATIVE = "Administratief", _("Administrative")
    OTHER = "Overige", _("Other")
    UNKNOWN = "Onbekend", _("Unknown")


class PartOfDay(models.TextChoices):
    """DDAS EnumDagdeel."""

    MORNING = "Ochtend", _("Morning")
    AFTERNOON = "Middag", _("Afternoon")
    EVENING = "Avond", _("Evening")


class SignalCase(models.Model):
    """A vroegsignaal case (vroegsignaalzaak): the matched signals of one household (postcode, house number with
    addition) in one matching period, worked by the municipality or the organisation doing outreach for it."""

    municipality = models.CharField(_("municipality"), max_length=100)
    convenant = models.ForeignKey(
        "convenants.Convenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="signal_cases"
    )
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="signal_cases", verbose_name=_("outreach by")
    )
    postcode = models.CharField(_("postcode"), max_length=7)
    house_number = models.CharField(_("house number"), max_length=16)
    period_start = models.DateField(_("matching period from"))
    period_end = models.DateField(_("matching period until"))
    matched_on = models.DateField(_("matched on"))
    case_type = models.CharField(_("type"), max_length=16, choices=SignalCaseType.choices)
    crisis = models.BooleanField(_("crisis signal"), default=False)
    warm_handover = models.BooleanField(_("warm handover"), default=False)
    status = models.CharField(
        _("status"), max_length=64, choices=SignalStatus.choices, default=SignalStatus.NOT_PICKED_UP
    )
    picked_up_on = models.DateField(_("picked up on"), null=True, blank=True)
    picked_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.CharField(_("result"), max_length=80, choices=EndResult.choices, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A result of further financial help hands the household to the covenant's debt-assistance team.
    referred_to = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="referred_signal_cases"
    )
    # Contact within the covenant's term (a crisis signal: a short one); cleared by the first contact attempt.
    deadline_at = models.DateTimeField(_("contact deadline"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the household's address is cleared after retention (the case's figures stay for the monitor).
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("vroegsignaal case")
        verbose_name_plural = _("vroegsignaal cases")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "postcode", "house_number", "period_start"],
                condition=Q(anonymised_at__isnull=True),
                name="signal_case_one_per_household_period",
            ),
            models.CheckConstraint(condition=Q(case_type__in=SignalCaseType.values), name="signal_case_type_valid"),
            models.CheckConstraint(condition=Q(status__in=SignalStatus.values), name="signal_case_status_valid"),
            models.CheckConstraint(condition=Q(result="") | Q(result__in=EndResult.values),
                                   name="signal_case_result_valid"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="signal_case_period_ordered"),
            models.CheckConstraint(condition=Q(closed_at__isnull=True) | ~Q(result=""),
                                   name="signal_case_closed_has_result"),
        ]
        indexes = [
            # The worklist: an owner's cases, newest period first.
            models.Index(fields=["owner", "-period_start"], name="signal_case_owner_idx"),
            # Consecutive: the household's earlier cases.
            models.Index(fields=["postcode", "house_number", "period_start"], name="signal_case_household_idx"),
            # The DDAS export and the monitor's figures: a municipality's cases by period.
            models.Index(fields=["municipality", "period_start"], name="signal_case_period_idx"),
            # The sweep: open cases whose contact deadline passed.
            models.Index(fields=["deadline_at"], condition=Q(deadline_at__isnull=False, escalated_at__isnull=True,
                                                               closed_at__isnull=True),
                         name="signal_case_deadline_idx"),
            # The retention (cases.services.privacy): closed cases by their closing, open ones by their period's end,
            # of the cases that still hold an address.
            models.Index(fields=["closed_at"], condition=Q(anonymised_at__isnull=True, closed_at__isnull=False),
                         name="signal_case_retention_idx"),
            models.Index(fields=["period_end"], condition=Q(anonymised_at__isnull=True, closed_at__isnull=True),
                         name="signal_case_open_retention_idx"),
        ]

    def __str__(self):
        return _("Vroegsignaal case %(id)s") % {"id": self.pk}

    @property
    def is_closed(self):
        return self.closed_at is not None


class SignalContactAttempt(models.Model):
    """One attempt of the outreach team to reach the household (DDAS Contactpoging)."""

    signal_case = models.ForeignKey(SignalCase, on_delete=models.CASCADE, related_name="attempts")
    kind = models.CharField(_("kind"), max_length=32, choices=ContactKind.choices)
    reached = models.BooleanField(_("reached"))
    date = models.DateField(_("date"))
    part_of_day = models.CharField(_("part of day"), max_length=16, choices=PartOfDay.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ContactKind.values), name="signal_attempt_kind_valid"),
            models.CheckConstraint(condition=Q(part_of_day="") | Q(part_of_day__in=PartOfDay.values),
                                   name="signal_attempt_part_of_day_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date}"
