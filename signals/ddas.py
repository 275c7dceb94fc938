"""The national DDAS report: the municipality's vroegsignalen and vroegsignaalzaken of a period as an
"Uitwisselmodel" of VNG Realisatie's ddas-vroegsignalering, version 1.2 (`v1.2/json_schema_Uitwisselmodel.json`;
the project's copy with its source: tests/data/ddas/).

Who: a municipality's managers (cases.policy.reports_vroegsignalering), for their own municipality only. What:
one delivery (levering) for the municipality, with its CBS code from the convenant, the delivering organisation
(the convenant's outreach organisation, else the municipality) and the municipality's managers as contact
persons; the signals with a reference date in the period and every signal of its cases, and the vroegsignaal
cases whose matching period starts in it. A household is named by postcode and house number only: never a BSN, a name, a gender or a birth date.
A case whose signals were all removed by their retention has no signal to refer to (the schema asks for at least
one) and is left out. Optional keys without a value are left out (the schema has no nulls).

Built from values_list() reads in a fixed number of statements (iterated in chunks), whatever the number of
cases: 50,000 cases of a quarter take a few seconds (bench/ddas_export.py).
"""

import re
from datetime import UTC, date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import policy
from config.errors import ForbiddenAction
from convenants.models import Convenant
from partners.models import Membership, Role

from .models import (
    DDAS_PARTNER_TYPE,
    ArrearsSignal,
    MatchState,
    SignalCase,
    SignalContactAttempt,
    SignalStatus,
)
from .services import SignalError

CHUNK_SIZE = 5000
HOUSE_NUMBER = re.compile(r"^([0-9]+)(.*)$")
CONTACT_FUNCTION_TITLE = "Manager"


def reporting_organisation(user):
    """The municipality whose figures and report `user` may read: their own, as its manager. ForbiddenAction
    (403) for anyone else."""
    if not policy.reports_vroegsignalering(user):
        raise ForbiddenAction(_("Only a municipality's managers can read its vroegsignalering figures and report."))
    return user.membership.organisation


def check_period(date_from: date, date_to: date) -> None:
    """Refuse (400, with the field) a period that ends before it starts or spans more than one year."""
    if date_from is None:
        raise SignalError(_("Enter the first day of the period."), field="from")
    if date_to is None:
        raise SignalError(_("Enter the last day of the period."), field="to")
    if date_from > date_to:
        raise SignalError(_("The start of the period lies after its end."), field="from")
    if date_to > _one_year_after(date_from) - timedelta(days=1):
        raise SignalError(_("The period is at most one year."), field="to")


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def municipality_names(organisation, convenants) -> list[str]:
    """The names the municipality's signals and cases carry (their `municipality` column): the organisation's,
    and its convenants' as written there."""
    return sorted({organisation.municipality, *(convenant.municipality for convenant in convenants)})


def convenants_of(organisation) -> list[Convenant]:
    return list(
        Convenant.objects.filter(municipality__iexact=organisation.municipality)
        .select_related("outreach_organisation")
        .order_by("name", "pk")
    )


def _reporting_convenant(organisation, convenants) -> Convenant:
    """The convenant whose CBS municipality code the delivery carries: the first (by name) that has one."""
    if not convenants:
        raise SignalError(
            _("%(municipality)s has no covenant, so there is no CBS municipality code to report under.")
            % {"municipality": organisation.municipality},
            field="convenant",
        )
    for convenant in convenants:
        if convenant.cbs_municipality_code:
            return convenant
    raise SignalError(
        _("The covenant “%(convenant)s” has no CBS municipality code: the functional administrator enters it "
          "(four digits, e.g. 0153) before the DDAS report can be made.")
        % {"convenant": ", ".join(convenant.name for convenant in convenants)},
        field="convenant",
    )


def whole_euros(amount) -> int:
    """A DDAS amount: whole euros, half up (€ 74.50 → 75)."""
    return int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def client_of(postcode: str, house_number: str) -> dict:
    """The household as DDAS names it without a BSN: postcode without its space, house number (digits) and the
    addition when there is one ("12A" → "12" + "A")."""
    client = {"postcode": (postcode or "").replace(" ", "").upper()}
    match = HOUSE_NUMBER.match(house_number or "")
    if match:
        client["huisnummer"] = match.group(1)
        if match.group(2):
            client["huisnummertoevoeging"] = match.group(2)
    else:
        client["huisnummer"] = house_number or ""
    return client


def signal_status(match_state: str, case_status: str | None) -> str:
    """A signal's DDAS status: its vroegsignaal case's when it was matched; below the convenant's minimum it is
    not taken up ("andere reden"); otherwise it waits for the matching."""
    if case_status:
        return case_status
    if match_state == MatchState.BELOW_MINIMUM:
        return SignalStatus.NOT_TAKEN_OTHER.value
    return SignalStatus.NOT_PICKED_UP.value


def _utc_stamp(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _contact_persons(organisation) -> list[dict]:
    persons = []
    for first, last, username, email in (
        Membership.objects.filter(organisation=organisation, role=Role.MANAGER, user__is_active=True)
        .order_by("user__last_name", "user__first_name", "user__username")
        .values_list("user__first_name", "user__last_name", "user__username", "user__email")
    ):
        person = {"naam": f"{first} {last}".strip() or username}
        if email:
            person["email"] = email
        person["functietitel"] = CONTACT_FUNCTION_TITLE
        if person not in persons:
            persons.append(person)
    return persons


def _signals(names, date_from, date_to) -> list[dict]:
    # The period's signals, and every signal of the period's cases (a case refers to each of its signals, also
    # one dated after the period's end), so that no reference of the delivery points outside it.
    received = Q(municipality__in=names, reference_date__range=(date_from, date_to))
    of_a_case = Q(signal_case__municipality__in=names, signal_case__period_start__range=(date_from, date_to))
    rows = (
        ArrearsSignal.objects.filter(received | of_a_case)
        .order_by("pk")
        .values_list(
            "pk", "crisis", "warm_handover", "amount", "arrears_since", "reference_date", "match_state",
            "signal_case__status", "kind", "postcode", "house_number",
        )
    )
    signals = []
    for (pk, crisis, warm, amount, since, reference_date, match_state, case_status, kind, postcode,
         house_number) in rows.iterator(chunk_size=CHUNK_SIZE):
        signal = {
            "ID": str(pk),
            "crisissignaal": crisis,
            "warmeOverdracht": warm,
            "bedrag": whole_euros(amount),
        }
        if since is not None:
            signal["ontstaansdatum"] = since.isoformat()
        signal["signaaldatum"] = reference_date.isoformat()
        signal["status"] = signal_status(match_state, case_status)
        signal["signaalpartner"] = {"type": DDAS_PARTNER_TYPE.get(kind, "Overige")}
        signal["client"] = client_of(postcode, house_number)
        signals.append(signal)
    return signals


def _cases(names, date_from, date_to) -> list[dict]:
    in_period = Q(signal_case__municipality__in=names, signal_case__period_start__range=(date_from, date_to))
    signal_ids = {}
    for case_id, signal_id in (
        ArrearsSignal.objects.filter(in_period).order_by("signal_case_id", "pk")
        .values_list("signal_case_id", "pk").iterator(chunk_size=CHUNK_SIZE)
    ):
        signal_ids.setdefault(case_id, []).append({"ID": str(signal_id)})
    attempts = {}
    for case_id, kind, reached, day, part_of_day in (
        SignalContactAttempt.objects.filter(in_period).order_by("signal_case_id", "date", "pk")
        .values_list("signal_case_id", "kind", "reached", "date", "part_of_day").iterator(chunk_size=CHUNK_SIZE)
    ):
        attempt = {"soort": kind, "bereikt": reached, "datum": day.isoformat()}
        if part_of_day:
            attempt["dagdeel"] = part_of_day
        attempts.setdefault(case_id, []).append(attempt)
    cases = []
    for pk, result, matched_on, period_start, period_end, picked_up_on in (
        SignalCase.objects.filter(municipality__in=names, period_start__range=(date_from, date_to))
        .order_by("period_start", "pk")
        .values_list("pk", "result", "matched_on", "period_start", "period_end", "picked_up_on")
        .iterator(chunk_size=CHUNK_SIZE)
    ):
        references = signal_ids.get(pk)
        if not references:  # its signals were removed after their retention: nothing to refer to
            continue
        case = {}
        if result:
            case["resultaat"] = result
        case["matchingsdatum"] = matched_on.isoformat()
        case["startdatumMatchingperiode"] = period_start.isoformat()
        if picked_up_on is not None:
            case["datumOpgepakt"] = picked_up_on.isoformat()
        case["einddatumMatchingperiode"] = period_end.isoformat()
        case["vroegsignalen"] = references
        case["contactpogingen"] = attempts.get(pk, [])
        cases.append(case)
    return cases


def build_uitwisselmodel(user, date_from: date, date_to: date, *, now=None) -> dict:
    """The DDAS v1.2 Uitwisselmodel of `user`'s municipality for [date_from, date_to] (both inclusive), as
    plain data for json.dumps. ForbiddenAction (403) unless `user` is the municipality's manager; SignalError
    (400, with the field) for a bad period or a convenant without a CBS municipality code."""
    organisation = reporting_organisation(user)
    check_period(date_from, date_to)
    now = now or timezone.now()
    convenants = convenants_of(organisation)
    convenant = _reporting_convenant(organisation, convenants)
    names = municipality_names(organisation, convenants)
    delivering = convenant.outreach_organisation or organisation
    return {
        "startdatumLevering": date_from.isoformat(),
        "einddatumLevering": date_to.isoformat(),
        "aanleverdatumEnTijd": _utc_stamp(now),
        "codeGegevensleverancier": settings.DDAS_SUPPLIER_CODE,
        "leveringen": [
            {
                "teller": 1,
                "gemeentecode": convenant.cbs_municipality_code,
                "aanleverendeOrganisatie": {
                    "naam": delivering.name,
                    "contactpersonen": _contact_persons(organisation),
                },
                "vroegsignalen": _signals(names, date_from, date_to),
                "vroegsignaalzaken": _cases(names, date_from, date_to),
            }
        ],
    }


def file_name(report: dict) -> str:
    """ddas-<cbs code>-<from>-<to>.json"""
    delivery = report["leveringen"][0]
    return f"ddas-{delivery['gemeentecode']}-{report['startdatumLevering']}-{report['einddatumLevering']}.json"
