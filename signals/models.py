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

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="signal_unique_per_source"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="signal_amount_non_negative"),
            models.CheckConstraint(condition=Q(kind__in=SignalKind.values), name="signal_kind_valid"),
            models.CheckConstraint(condition=~Q(kind="rent") | ~Q(contract_ref=""), name="signal_rent_has_contract"),
        ]
        indexes = [
            models.Index(fields=["tenant", "kind"], name="signal_tenant_kind_idx"),
            models.Index(fields=["case"], condition=Q(case__isnull=False), name="signal_case_idx"),
        ]

    def __str__(self):
        return _("%(kind)s arrears signal %(id)s: € %(amount)s") % {
            "kind": self.get_kind_display(),
            "id": self.external_id,
            "amount": self.amount,
        }
