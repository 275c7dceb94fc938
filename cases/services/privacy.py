"""AVG: what is kept about a household ends with its retention period (DESIGN.md, Privacy; docs/privacy.md).

One run (`anonymise`: the daily beat task and `manage.py anonymise`) takes these steps, each in batches of one
transaction:

1. Signals that led to no case are removed `signal_retention_months` after their reference date (the setting of
   the convenant of the signal's municipality; the field's default where none is), except those of an open
   vroegsignaal case: they stay while it is open. Import reports that old lose the values their failed rows quoted.
   A vroegsignaal case loses the household's address (postcode, house number) `signal_retention_months` (of its
   convenant) after it closed or, one left open, after its matching period ended; its type, status, result,
   dates and contact attempts stay for the monitor. Its signals without case go with it.
2. A closed case past its convenant's `retention_months` loses every personal field and free text linked to it.
   Every row with a foreign-key path to the case is found from the models (a model added later included): codes,
   amounts, dates and links stay, texts are emptied or replaced by "[geanonimiseerd]", JSON emptied, the event
   details keep only their codes and amounts. Its signals lose name, address, contract and signal numbers. The
   case row stays, so the figures still count it; an ANONYMISED event marks it done.
3. A tenant whose cases are all anonymised and who has no signal waiting for its own retention is emptied (the row
   stays: the cases point at it). A tenant with neither case nor signal (a household known only from signals,
   or a tenancy whose signals never opened a case) is removed.

A repeated run finds nothing more to do. Tenants are changed under the signal intake's advisory locks, so that an
import running at the same time never links a signal to a row this removes.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Case as Switch
from django.db.models import CharField, Exists, OuterRef, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from convenants.models import Convenant
from signals.models import LOCK_HOUSEHOLDS, LOCK_SOURCE, ArrearsSignal, SignalCase, SignalImport

from ..models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    EventKind,
    FollowUp,
    Handover,
    Notification,
    Tenant,
)

ANONYMISED = "[geanonimiseerd]"
ANONYMISED_NAME = ANONYMISED
CHUNK = 500
SIGNAL_CHUNK = 5000

# What an event's details keep: numbers, booleans, ids, and these codes and amounts (never free text).
EVENT_DATA_KEPT = ("channel", "outcome", "how", "arrears_amount", "monthly_amount", "start_date", "deadline_kind",
                   "action", "status")
KEEP = object()


def months_before(moment: datetime, months: int) -> datetime:
    """The same local day and time `months` months earlier (the last day of a shorter month)."""
    local = timezone.localtime(moment)
    month_index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(local.day, 0, -1):
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("unreachable")


@dataclass
class Report:
    """What a run did (or, as a dry run, would do)."""

    cases: list = field(default_factory=list)  # (case id, closed_at) of the cases anonymised
    signals_removed: int = 0
    signals_anonymised: int = 0
    tenants_anonymised: int = 0
    tenants_removed: int = 0
    imports_cleared: int = 0
    signal_cases_anonymised: int = 0


class _DryRun(Exception):
    pass


def anonymise(*, now=None, dry_run=False) -> Report:
    """The whole run as of `now`. A dry run does the same work and rolls it back: what it reports is exactly what
    a run would do, and nothing changes."""
    now = now or timezone.now()
    report = Report()
    if not dry_run:
        _run(report, now)
        return report
    try:
        with transaction.atomic():
            _run(report, now)
            raise _DryRun
    except _DryRun:
        pass
    return report


def anonymise_expired_cases(*, now=None) -> int:
    """A run; the number of cases anonymised."""
    return len(anonymise(now=now).cases)


def _run(report: Report, now) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _remove_expired_signals(report, now)
        _clear_old_import_reports(report, now)
        _anonymise_expired_cases(report, now)
        _anonymise_expired_signal_cases(report, now)
        _settle_tenants(report, now)


# --- 1. signals without case -----------------------------------------------------------------------------------


def _signal_months() -> dict[str, int]:
    """municipality → months a signal without case is kept there (the longest of its convenants)."""
    months: dict[str, int] = {}
    for municipality, value in Convenant.objects.values_list("municipality", "signal_retention_months"):
        months[municipality] = max(months.get(municipality, 0), value)
    return months


def _default_signal_months() -> int:
    return Convenant._meta.get_field("signal_retention_months").default


def _before_signal_retention(now, date_field: str, municipality_field: str) -> Q:
    """Rows whose `date_field` lies before the signal retention of their municipality."""
    by_municipality = _signal_months()
    condition = ~Q(**{f"{municipality_field}__in": list(by_municipality)}) & Q(
        **{f"{date_field}__lt": _cutoff(now, _default_signal_months(), date_field)}
    )
    for municipality, months in by_municipality.items():
        condition |= Q(**{municipality_field: municipality, f"{date_field}__lt": _cutoff(now, months, date_field)})
    return condition


def _cutoff(now, months, date_field):
    moment = months_before(now, months)
    return moment.date() if date_field == "reference_date" else moment


def _remove_expired_signals(report: Report, now) -> None:
    # The signals of an open vroegsignaal case stay while it is worked (an EXISTS: no join to lock).
    open_signal_case = SignalCase.objects.filter(pk=OuterRef("signal_case_id"), closed_at__isnull=True)
    expired = (
        Q(case__isnull=True)
        & _before_signal_retention(now, "reference_date", "municipality")
        & ~Exists(open_signal_case)
    )
    while True:
        with transaction.atomic():
            ids = list(
                ArrearsSignal.objects.select_for_update(skip_locked=True)
                .filter(expired)
                .order_by("pk")
                .values_list("pk", flat=True)[:SIGNAL_CHUNK]
            )
            if not ids:
                return
            report.signals_removed += ArrearsSignal.objects.filter(pk__in=ids).delete()[0]


def _clear_old_import_reports(report: Report, now) -> None:
    """A failed row of an import report may quote what was sent (a postcode, a house number); after the signal
    retention only its row number, its status and which fields failed remain."""
    old = SignalImport.objects.filter(
        _before_signal_retention(now, "uploaded_at", "organisation__municipality")
    ).exclude(report=[])
    with transaction.atomic():
        for signal_import in old.select_for_update(skip_locked=True, of=("self",)).only("pk", "report"):
            cleared = [_cleared_entry(entry) for entry in signal_import.report]
            if cleared != signal_import.report:
                SignalImport.objects.filter(pk=signal_import.pk).update(report=cleared)
                report.imports_cleared += 1


def _cleared_entry(entry):
    if not isinstance(entry, dict):
        return {}
    kept = {key: entry[key] for key in ("row", "index", "status", "case") if key in entry}
    if isinstance(entry.get("errors"), dict):
        kept["errors"] = {name: [] for name in entry["errors"]}
    return kept


# --- 2. expired cases ------------------------------------------------------------------------------------------


def _expired_q(now) -> Q:
    """Closed cases past their convenant's retention (one condition per convenant; there are few)."""
    condition = Q(pk__in=[])
    for convenant_id, months in Convenant.objects.values_list("pk", "retention_months"):
        condition |= Q(convenant_id=convenant_id, closed_at__lt=months_before(now, months))
    return condition & Q(closed_at__isnull=False) & ~Q(status__in=OPEN_STATUSES)


def _done():
    return Exists(CaseEvent.objects.filter(case_id=OuterRef("pk"), kind=EventKind.ANONYMISED))


def _anonymise_expired_cases(report: Report, now) -> None:
    expired = _expired_q(now)
    while True:
        with transaction.atomic():
            cases = list(
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(expired)
                .exclude(_done())
                .only("pk", "corporation_id", "closed_at")
                .order_by("pk")[:CHUNK]
            )
            if not cases:
                return
            _scrub_cases(cases, now, report)
            report.cases.extend((case.pk, case.closed_at) for case in cases)


def _linked_models(target) -> list[tuple[type[models.Model], str]]:
    """(model, lookup of the target's id) for every model with a foreign-key path to `target`, two steps at most,
    hidden relations (related_name="+") included: ("case_id") for a direct link, ("proposal__case_id") beyond."""
    found, seen = [], {target}
    frontier = [(target, None)]
    for _step in range(2):
        following = []
        for model in apps.get_models():
            if model in seen:
                continue
            for parent, lookup in frontier:
                links = [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is parent]
                if links:
                    path = f"{links[0].name}__{lookup}" if lookup else f"{links[0].name}_id"
                    following.append((model, path))
                    seen.add(model)
                    break
        found += following
        frontier = following
    return found


def _free_text(model) -> dict:
    """field name → its anonymised value, for every field that can hold text about a person: texts without fixed
    choices, e-mail and web addresses, JSON, IP addresses."""
    values = {}
    for model_field in model._meta.concrete_fields:
        if model_field.is_relation or model_field.primary_key:
            continue
        if isinstance(model_field, (models.CharField, models.TextField)) and not model_field.choices:
            fits = model_field.max_length is None or model_field.max_length >= len(ANONYMISED)
            values[model_field.name] = "" if model_field.blank or not fits else ANONYMISED
        elif isinstance(model_field, models.JSONField):
            values[model_field.name] = None if model_field.null else model_field.get_default()
        elif isinstance(model_field, models.GenericIPAddressField) and model_field.null:
            values[model_field.name] = None
    return values


def _overrides() -> dict:
    """Where the general rule of _free_text does not fit: constraints that want a text, texts the product writes
    itself that may stay, the event details' codes."""
    return {
        CaseEvent: {
            "description": "",
            "data": RawSQL(
                "CASE WHEN jsonb_typeof(data) = 'object' THEN COALESCE((SELECT jsonb_object_agg(e.key, e.value) "
                "FROM jsonb_each(data) e WHERE jsonb_typeof(e.value) IN ('number', 'boolean', 'null') "
                "OR (jsonb_typeof(e.value) = 'string' AND e.key = ANY(%s))), '{}'::jsonb) ELSE '{}'::jsonb END",
                [list(EVENT_DATA_KEPT)],
            ),
        },
        Notification: {
            "subject": Concat(Value(str(_("Anonymised case #"))), Cast("case_id", CharField())),
            "body": "",
        },
        Handover: {
            "summary": "",
            "reason": Switch(When(reason="", then=Value("")), default=Value(ANONYMISED)),
        },
        ArrearsSignal: _signal_values(),
        FollowUp: {"text": ""},  # a follow-up task's free text: emptied (the column has no constraint wanting one)
    }


def _signal_values() -> dict:
    return {
        "name": "",
        "postcode": "",
        "house_number": "",
        "contract_ref": Switch(When(contract_ref="", then=Value("")), default=Value(ANONYMISED)),
        # The creditor's own number for its customer's signal: replaced by one that only this table knows.
        "external_id": Concat(Value("anon-"), Cast("id", CharField())),
        "municipality": KEEP,
    }


def _scrub_cases(cases, now, report: Report) -> None:
    ids = [case.pk for case in cases]
    overrides = _overrides()
    for model, lookup in _linked_models(Case):
        if model is CaseGroupObjectPermission:
            continue  # the permission rows' copy of the case's state
        values = {**_free_text(model), **overrides.get(model, {})}
        values = {name: value for name, value in values.items() if value is not KEEP}
        if not values:
            continue
        updated = model._base_manager.filter(**{f"{lookup}__in": ids}).update(**values)
        if model is ArrearsSignal:
            report.signals_anonymised += updated
    _scrub_admin_log(Case, ids)
    # Pausing the clock: the reason is a code, but one such as "opname" is health data.
    Case.objects.filter(pk__in=ids).update(pause_reason="", paused_at=None, paused_until=None, pauses="")
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=case.pk,
            kind=EventKind.ANONYMISED,
            at=now,
            organisation_id=case.corporation_id,
            description=str(_("Personal data removed after the retention period")),
        )
        for case in cases
    )


def _scrub_admin_log(model, ids) -> None:
    """The admin's change history names the object it changed."""
    if not apps.is_installed("django.contrib.admin") or not ids:
        return
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in ids]
    ).update(object_repr=ANONYMISED, change_message="")


# --- vroegsignaal cases ----------------------------------------------------------------------------------------


def _expired_signal_cases_q(now) -> Q:
    """Vroegsignaal cases past the signal retention of their convenant (the field's default without one): closed
    ones counted from their closing, open ones from the end of their matching period (a case nobody closes does
    not keep the address, nor its signals, for ever)."""

    def past(months):
        cutoff = months_before(now, months)
        return Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, period_end__lt=cutoff.date())

    condition = Q(convenant__isnull=True) & past(_default_signal_months())
    for convenant_id, months in Convenant.objects.values_list("pk", "signal_retention_months"):
        condition |= Q(convenant_id=convenant_id) & past(months)
    return condition & Q(anonymised_at__isnull=True)


def _anonymise_expired_signal_cases(report: Report, now) -> None:
    expired = _expired_signal_cases_q(now)
    while True:
        with transaction.atomic():
            ids = list(
                SignalCase.objects.select_for_update(skip_locked=True)
                .filter(expired)
                .order_by("pk")
                .values_list("pk", flat=True)[:CHUNK]
            )
            if not ids:
                return
            report.signal_cases_anonymised += SignalCase.objects.filter(pk__in=ids).update(
                postcode="", house_number="", anonymised_at=now
            )
            # Its signals that led to no rent case go with it; those of a rent case follow that case and leave
            # this one, which would otherwise still show their name and address.
            report.signals_removed += ArrearsSignal.objects.filter(
                signal_case_id__in=ids, case__isnull=True
            ).delete()[0]
            ArrearsSignal.objects.filter(signal_case_id__in=ids).update(signal_case=None)
            _scrub_admin_log(SignalCase, ids)


# --- 3. tenants ------------------------------------------------------------------------------------------------


def _settle_tenants(report: Report, now) -> None:
    waiting_case = Case.objects.filter(tenant_id=OuterRef("pk")).exclude(_done())
    waiting_signal = ArrearsSignal.objects.filter(tenant_id=OuterRef("pk"), case__isnull=True)
    expired = (
        Tenant.objects.filter(anonymised_at__isnull=True)
        .filter(Exists(Case.objects.filter(tenant_id=OuterRef("pk"))))
        .exclude(Exists(waiting_case))
        .exclude(Exists(waiting_signal))
    )
    unneeded = Tenant.objects.all()
    for model, lookup in _linked_models(Tenant):
        if "__" not in lookup:  # a direct link: a case, a signal, a model added later
            unneeded = unneeded.exclude(Exists(model._base_manager.filter(**{lookup: OuterRef("pk")})))
    for queryset, settle in ((expired, _empty_tenants), (unneeded, _remove_tenants)):
        while True:
            with transaction.atomic():
                found = list(queryset.order_by("pk").values_list("pk", "corporation_id")[:CHUNK])
                if not found:
                    break
                _lock_intake({corporation for _pk, corporation in found if corporation is not None})
                tenants = list(
                    queryset.filter(pk__in=[pk for pk, _c in found]).select_for_update(skip_locked=True)
                    .values_list("pk", flat=True)
                )
                if not tenants:
                    break
                settle(tenants, now, report)


def _lock_intake(corporations) -> None:
    """The locks the signal import takes, in its order: the source's, then the households'."""
    with connection.cursor() as cursor:
        for corporation in sorted(corporations):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SOURCE, corporation])
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_HOUSEHOLDS, 0])


def _empty_tenants(ids, now, report: Report) -> None:
    values = {**_free_text(Tenant), "name": ANONYMISED_NAME, "house_number": ""}
    values["contract_ref"] = Switch(
        When(corporation__isnull=True, then=Value("")),
        default=Concat(Value("anon-"), Cast("id", CharField())),  # unique per corporation, as the constraint wants
    )
    report.tenants_anonymised += Tenant.objects.filter(pk__in=ids).update(**values, anonymised_at=now)
    # Signals of the tenant that no case anonymised (linked to the tenant alone) lose their personal fields too.
    signal_values = {name: value for name, value in _signal_values().items() if value is not KEEP}
    ArrearsSignal.objects.filter(tenant_id__in=ids).exclude(name="", postcode="", house_number="").update(
        **signal_values
    )
    _scrub_admin_log(Tenant, ids)


def _remove_tenants(ids, now, report: Report) -> None:
    _scrub_admin_log(Tenant, ids)
    report.tenants_removed += Tenant.objects.filter(pk__in=ids).delete()[0]
