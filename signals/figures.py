"""The municipality's vroegsignalering figures per month, as the Divosa monitor counts them.

Per calendar month of the period: the signals received (by their reference date) per DDAS signal partner type and
those below the convenant's minimum; the vroegsignaal cases whose matching period starts in the month, the share
single / multiple / consecutive, the share contacted (at least one contact attempt), reached (at least one attempt
that reached the household) and accepting help (a result of further help, FURTHER_HELP_RESULTS); and the totals
of the period. Every share is over the month's (or period's) cases.

Two aggregate statements (signals by month and kind, cases by month), whatever the length of the period. Small
numbers are suppressed as on the dashboard (cases.dashboard.small_group_threshold): a count of 1 to threshold - 1
is blanked (None), and so is a share whose base or part is that small; where a month's cells add up to a total
that is shown, a single blanked cell would follow by subtraction, so the smallest other cell goes with it. The
blanked figures are listed by dotted path in "suppressed".
"""

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from cases.dashboard import SmallGroups, months_between, small_group_threshold

from .ddas import check_period, convenants_of, municipality_names, reporting_organisation
from .models import (
    DDAS_PARTNER_TYPE,
    FURTHER_HELP_RESULTS,
    ArrearsSignal,
    MatchState,
    SignalCase,
    SignalCaseType,
    SignalContactAttempt,
)

# The DDAS signal partner types in the order the page shows them (schema order of EnumSignaalpartner aside,
# the monitor's: rent and utilities first).
PARTNER_TYPES = list(dict.fromkeys(DDAS_PARTNER_TYPE.values()))
CASE_TYPES = [case_type.value for case_type in SignalCaseType]
COUNTS = ("cases", "single", "multiple", "consecutive", "contacted", "reached", "accepting_help")
SHARES = {
    "share_single": "single",
    "share_multiple": "multiple",
    "share_consecutive": "consecutive",
    "share_contacted": "contacted",
    "share_reached": "reached",
    "share_accepting_help": "accepting_help",
}

DEFINITIONS = {
    "signals": _("Signals received, by the reference date the creditor gave them, per kind of signal partner."),
    "below_minimum": _("Signals below the covenant's minimum amount: stored and counted, not matched."),
    "cases": _("Vroegsignaal cases whose matching period starts in the month."),
    "types": _("Single: one signal in the period; multiple: signals of several creditors; consecutive: the "
               "household had a signal in the six months before."),
    "contacted": _("Cases with at least one contact attempt."),
    "reached": _("Cases in which at least one attempt reached the household."),
    "accepting_help": _("Cases closed with further help or a referral."),
}


def _month_key(value) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def _share(part, whole):
    return round(part / whole, 4) if whole else None


def _empty():
    return {
        "signals": {"total": 0, "by_partner_type": dict.fromkeys(PARTNER_TYPES, 0)},
        "below_minimum": 0,
        **dict.fromkeys(COUNTS, 0),
    }


def _with_shares(row):
    for share, part in SHARES.items():
        row[share] = _share(row[part], row["cases"])
    return row


def monitor_figures(user, date_from: date, date_to: date) -> dict:
    """The figures of `user`'s municipality for [date_from, date_to] (both inclusive): ForbiddenAction (403)
    unless `user` is its manager, SignalError (400, with the field) for a bad period."""
    organisation = reporting_organisation(user)
    check_period(date_from, date_to)
    names = municipality_names(organisation, convenants_of(organisation))
    month_keys = [_month_key(month) for month in months_between(date_from, date_to)]
    by_month = {key: _empty() for key in month_keys}

    signal_rows = (
        ArrearsSignal.objects.filter(municipality__in=names, reference_date__range=(date_from, date_to))
        .annotate(month=TruncMonth("reference_date"))
        .values("month", "kind")
        .annotate(n=Count("pk"), below=Count("pk", filter=Q(match_state=MatchState.BELOW_MINIMUM)))
        .order_by()
    )
    for row in signal_rows:
        month = by_month[_month_key(row["month"])]
        partner_type = DDAS_PARTNER_TYPE.get(row["kind"], "Overige")
        month["signals"]["by_partner_type"][partner_type] += row["n"]
        month["signals"]["total"] += row["n"]
        month["below_minimum"] += row["below"]

    attempts = SignalContactAttempt.objects.filter(signal_case=OuterRef("pk"))
    case_rows = (
        SignalCase.objects.filter(municipality__in=names, period_start__range=(date_from, date_to))
        .annotate(
            month=TruncMonth("period_start"),
            was_contacted=Exists(attempts),
            was_reached=Exists(attempts.filter(reached=True)),
        )
        .values("month")
        .annotate(
            cases=Count("pk"),
            **{case_type: Count("pk", filter=Q(case_type=case_type)) for case_type in CASE_TYPES},
            contacted=Count("pk", filter=Q(was_contacted=True)),
            reached=Count("pk", filter=Q(was_reached=True)),
            accepting_help=Count("pk", filter=Q(result__in=[result.value for result in FURTHER_HELP_RESULTS])),
        )
        .order_by()
    )
    for row in case_rows:
        month = by_month[_month_key(row["month"])]
        for key in COUNTS:
            month[key] = row[key]

    totals = _empty()
    for month in by_month.values():
        totals["signals"]["total"] += month["signals"]["total"]
        for partner_type, n in month["signals"]["by_partner_type"].items():
            totals["signals"]["by_partner_type"][partner_type] += n
        totals["below_minimum"] += month["below_minimum"]
        for key in COUNTS:
            totals[key] += month[key]

    threshold = small_group_threshold()
    figures = {
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "municipality": organisation.municipality,
        "partner_types": PARTNER_TYPES,
        "months": [{"month": key, **_with_shares(by_month[key])} for key in month_keys],
        "totals": _with_shares(totals),
        "definitions": {key: str(text) for key, text in DEFINITIONS.items()},
        "small_groups": {"threshold": threshold, "applied": True},
        "suppressed": [],
    }
    figures["suppressed"] = suppress_small_numbers(figures, threshold)
    return figures


def suppress_small_numbers(figures: dict, threshold: int) -> list[str]:
    """Blank (None), in place, every count of 1 to threshold - 1 and every share over such a base or part; and,
    until nothing more follows, the smallest other cell of a row whose single blanked cell would follow from its
    shown total, and of the months whose single blanked figure would follow from the period's total. Returns the
    dotted paths of the blanked figures (`months.0.signals.by_partner_type.Huur`)."""
    groups = SmallGroups(threshold)
    hide, hidden = groups.hide, groups.hidden

    def complete(cells, total_path):
        groups.complete([(size, [path]) for size, path in cells], total_path)

    def value(row, key):
        for part in key.split("."):
            row = row[part]
        return row

    rows = [(f"months.{i}", row) for i, row in enumerate(figures["months"])] + [("totals", figures["totals"])]
    partner_keys = [f"signals.by_partner_type.{partner_type}" for partner_type in figures["totals"]["signals"]
                    ["by_partner_type"]]
    summed = ["signals.total", *partner_keys, "below_minimum", *COUNTS]  # each month's adds up to the period's
    for prefix, row in rows:
        for key in summed:
            hide(f"{prefix}.{key}", value(row, key))
    while True:
        before = len(hidden)
        for prefix, row in rows:
            complete([(value(row, key), f"{prefix}.{key}") for key in partner_keys], f"{prefix}.signals.total")
            complete([(row[key], f"{prefix}.{key}") for key in ("single", "multiple", "consecutive")],
                     f"{prefix}.cases")
        for key in summed:
            complete([(value(row, key), f"months.{i}.{key}") for i, row in enumerate(figures["months"])],
                     f"totals.{key}")
        if len(hidden) == before:
            break
    for prefix, row in rows:
        for share, part in SHARES.items():
            hide(f"{prefix}.{share}", row["cases"], row[part])
            # The share would give a blanked count back (or its base: the share's part over it).
            if {f"{prefix}.{part}", f"{prefix}.cases"} & set(hidden) and f"{prefix}.{share}" not in hidden:
                hidden.append(f"{prefix}.{share}")
    return groups.blank(figures)
