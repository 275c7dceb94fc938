"""A hand-built vroegsignalering data set for the DDAS report and the monitor's figures, made as production makes
it: signals through the intake (signals.services.submit_signals), matched by signals.matching.match_signals,
worked through the outreach services (signals.outreach: pick up, contact attempts, close).

Household A (7511 AA 12A): an energy signal (crisis, arrears since 1 June) and a health insurer's signal in
August → one "multiple" case, picked up, a phone call in the morning that did not reach them, a home visit that
did (no part of day), closed with further financial help. Household B (7511 BB 3): the corporation's rent signal
with a warm handover in July → a "single" case, never picked up. Household C (7511 CC 7): an energy signal of
€ 74.50, below the convenant's € 75 minimum → stored and counted, not matched. Hengelo's signals (another
municipality) are never part of Enschede's report.
"""

from dataclasses import dataclass
from datetime import date

from convenants.models import Convenant
from signals import outreach, services
from signals.matching import match_signals
from signals.models import ArrearsSignal, ContactKind, EndResult, PartOfDay, SignalCase
from tests.factories import OrganisationFactory, UserFactory

JULY = date(2026, 7, 1)
AUGUST = date(2026, 8, 1)
QUARTER = (date(2026, 7, 1), date(2026, 9, 30))
HOUSEHOLD_NAME = "Jansen-Verschoor"
CBS_ENSCHEDE = "0153"


def match(period: date, municipality: str):
    """signals.matching.match_signals for the month of `period`."""
    return match_signals(period=period, municipality=municipality)


@dataclass
class VroegData:
    energy: object
    insurer: object
    corporation_user: object
    energy_user: object
    insurer_user: object
    outreach_user: object
    signals: dict  # name → ArrearsSignal
    cases: dict  # name → SignalCase


def creditors(region):
    energy = OrganisationFactory(name="Enexis Energie", kind="utility", municipality="Enschede")
    insurer = OrganisationFactory(name="Menzis", kind="health_insurer", municipality="Enschede")
    return energy, insurer


def submit(user, **record):
    base = {"name": f"J. {HOUSEHOLD_NAME}", "months_in_arrears": 2}
    result = services.submit_signals(user, [{**base, **record}])
    assert result.accepted == 1, result.rejected
    return ArrearsSignal.objects.get(source=user.membership.organisation, external_id=record["external_id"])


def build(region, *, cbs_code=CBS_ENSCHEDE, minimum=75) -> VroegData:
    """The data set above, in Enschede's convenant (its municipality does the outreach itself)."""
    Convenant.objects.filter(pk=region.convenant.pk).update(
        cbs_municipality_code=cbs_code, signal_minimums={"energy": minimum}
    )
    energy, insurer = creditors(region)
    energy_user = UserFactory(username="enexis", organisation=energy)
    insurer_user = UserFactory(username="menzis", organisation=insurer)
    outreach_user = UserFactory(username="vroegsignaleerder", organisation=region.municipality,
                                first_name="Vera", last_name="Vroeg")
    signals = {
        "a_energy": submit(energy_user, external_id="E-1", kind="energy", postcode="7511 AA", house_number="12A",
                           amount="312.40", reference_date="2026-08-05", crisis=True,
                           arrears_since="2026-06-01"),
        "a_health": submit(insurer_user, external_id="Z-1", kind="health_insurance", postcode="7511aa",
                           house_number="12 a", amount="150.50", reference_date="2026-08-10"),
        "b_rent": submit(region.consultant, external_id="R-1", contract_ref="HC-000777", postcode="7511 BB",
                         house_number="3", amount="640.00", reference_date="2026-07-03", warm_handover=True),
        "c_energy": submit(energy_user, external_id="E-2", kind="energy", postcode="7511 CC", house_number="7",
                           amount="74.50", reference_date="2026-08-20"),
    }
    for month in (JULY, AUGUST):
        match(month, "Enschede")
    for key in signals:
        signals[key].refresh_from_db()
    cases = {
        "a": signals["a_energy"].signal_case,
        "b": signals["b_rent"].signal_case,
    }
    assert cases["a"] is not None and cases["b"] is not None, "the matching made no case"
    outreach.pick_up(outreach_user, cases["a"].pk)
    outreach.log_contact_attempt(outreach_user, cases["a"].pk, kind=ContactKind.PHONE, reached=False,
                                 date=date(2026, 9, 1), part_of_day=PartOfDay.MORNING)
    outreach.log_contact_attempt(outreach_user, cases["a"].pk, kind=ContactKind.HOME_VISIT, reached=True,
                                 date=date(2026, 9, 3))
    outreach.close(outreach_user, cases["a"].pk, result=EndResult.FURTHER_HELP_FINANCIAL)
    for key in cases:
        cases[key] = SignalCase.objects.get(pk=cases[key].pk)
    return VroegData(energy=energy, insurer=insurer, corporation_user=region.consultant, energy_user=energy_user,
                     insurer_user=insurer_user, outreach_user=outreach_user, signals=signals, cases=cases)


def hengelo_signal():
    """A signal of another municipality (Hengelo), matched there: never part of Enschede's report."""
    water = OrganisationFactory(name="Vitens Hengelo", kind="utility", municipality="Hengelo")
    user = UserFactory(username="vitens", organisation=water)
    signal = submit(user, external_id="W-1", kind="water", postcode="7551 AB", house_number="1", amount="99.00",
                    reference_date="2026-08-12")
    match(AUGUST, "Hengelo")
    signal.refresh_from_db()
    return signal

