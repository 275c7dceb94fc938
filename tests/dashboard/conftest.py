"""A small hand-built data set for the dashboard: every figure's answer is worked out by hand in the tests.

Period: 1 January – 31 March 2026, "now" 1 April 2026 12:00. Convenant (region fixture): calendar days,
first_contact 5, handover 30, pickup 5, partner_contact 10, inactivity 30.

Domijn (region.corporation):
  A  opened 5 Jan  €400   reached 6 Jan (1 d); arrangement 20 Mar            → arrangement, deadline 19 Apr
  B  opened 10 Jan €800   reached 13 Jan (3 d); closed resolved 1 Feb        → resolved
  C  opened 2 Feb  €1500  first_contact escalated 10 Feb; not reached 11 Feb (9 d);
                          handover escalated 5 Mar (offered to debt assistance)  → handed_over, pickup due 10 Mar (overdue)
  D  opened 25 Mar €3000  nothing                                             → open, first_contact due 30 Mar (overdue)
  E  opened 15 Jan €600   not reached 16 Jan (1 d); offered 20 Jan to debt assistance, accepted 22 Jan (2 d);
                          partner_contact escalated 3 Feb; coach contact 25 Mar → with_partner, due 24 Apr
  F  opened 20 Jan €2500  reached 20 Jan 12:00 (2 h); offered 21 Jan to welfare, accepted 25 Jan (4 d);
                          welfare contact 26 Mar                              → with_partner, due 25 Apr
  G  opened 8 Jan  €1000  reached 9 Jan (1 d); eviction proposed 2 Mar, debt assistance disagrees 3 Mar;
                          proposed 10 Mar, all agree 11 Mar                   → evicted
  H  opened 12 Jan €200   reached 12 Jan 11:00 (1 h); eviction proposed 20 Feb, welfare disagrees 21 Feb
                                                                              → contacting, inactivity due 23 Mar (overdue)
  I  opened 5 Feb  €700   offered 6 Feb to debt assistance (no contact), accepted 12 Feb (6 d)
                                                                              → with_partner, partner_contact due 22 Feb (overdue)
  R1 opened 3 Mar 2025 resolved 1 Sep 2025; R2 opened 10 Mar 2025 closed (moved) 1 Jun 2025;
  R3 opened 20 Mar 2025 resolved 15 Apr 2026 (after the period); R4 opened 28 Feb 2025 resolved 1 Jun 2025.
Ons Huis (region.other_corporation):
  X  opened 7 Jan  €5000  offered 8 Jan to debt assistance, accepted 9 Jan (1 d) → with_partner (overdue)
Signals (municipality Enschede), reference dates in the period unless said:
  A's tenant: energy + health_insurance (2 kinds); D's tenant: energy; E's tenant: energy twice (1 kind);
  H's tenant: energy 1 Dec 2025 (outside) + water; X's tenant: energy + water; a household without a
  corporation: energy + water.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases import services
from cases.models import Case, Tenant
from tests.factories import ArrearsSignalFactory, CaseFactory

AMS = ZoneInfo("Europe/Amsterdam")
PERIOD = (date(2026, 1, 1), date(2026, 3, 31))
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=AMS)


def at(month, day, hour=10, year=2026):
    return datetime(year, month, day, hour, tzinfo=AMS)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The region's users are made with a password; a cheap hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_snapshot():
    """The dashboard reuses computed figures for a few minutes; every test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class DataSet:
    cases: dict
    proposals: dict


def _open(region, key, corporation, opened_at, amount):
    return CaseFactory(
        corporation=corporation,
        opened_at=opened_at,
        arrears_amount=Decimal(amount),
        tenant={
            "name": f"Huurder {key}",
            "contract_ref": f"DASH-{key}",
            "street": "Lasondersingel",
            "house_number": str(len(key) * 10 + ord(key[0])),
            "postcode": "7514 BP",
            "city": "Enschede",
        },
    )


def _contact(user, case, when, outcome="reached"):
    services.log_contact_attempt(user, case, channel="phone", outcome=outcome, at=when, now=when)


def _handover(region, case, by, to, offered, taker, accepted):
    handover = services.offer_handover(by, case, to_organisation=to, summary="Niet gelukt", tenant_consent=True,
                                       now=offered)
    services.accept_handover(taker, handover, now=accepted)
    return handover


@pytest.fixture
def dataset(region):
    r = region
    corp = r.corporation
    c = {}
    c["A"] = _open(r, "A", corp, at(1, 5), "400")
    _contact(r.consultant, c["A"], at(1, 6))
    services.agree_arrangement(r.consultant, c["A"], monthly_amount="50", start_date=date(2026, 4, 1), months=8,
                               now=at(3, 20))

    c["B"] = _open(r, "B", corp, at(1, 10), "800")
    _contact(r.consultant, c["B"], at(1, 13))
    services.close_case(r.consultant, c["B"], outcome="resolved", now=at(2, 1))

    c["C"] = _open(r, "C", corp, at(2, 2), "1500")
    assert services.escalate_case(c["C"], as_of=at(2, 10, 12)).deadline_kind == "first_contact"
    _contact(r.consultant, c["C"], at(2, 11), outcome="not_reached")
    assert services.escalate_case(c["C"], as_of=at(3, 5, 12)).deadline_kind == "handover"

    c["D"] = _open(r, "D", corp, at(3, 25), "3000")

    c["E"] = _open(r, "E", corp, at(1, 15), "600")
    _contact(r.consultant, c["E"], at(1, 16), outcome="not_reached")
    _handover(r, c["E"], r.consultant, r.debt_assistance, at(1, 20), r.debt_coach, at(1, 22))
    assert services.escalate_case(c["E"], as_of=at(2, 3, 12)).deadline_kind == "partner_contact"
    _contact(r.debt_coach, c["E"], at(3, 25))

    c["F"] = _open(r, "F", corp, at(1, 20), "2500")
    _contact(r.consultant, c["F"], at(1, 20, 12))
    _handover(r, c["F"], r.consultant, r.welfare, at(1, 21), r.welfare_worker, at(1, 25))
    _contact(r.welfare_worker, c["F"], at(3, 26))

    proposals = {}
    c["G"] = _open(r, "G", corp, at(1, 8), "1000")
    _contact(r.consultant, c["G"], at(1, 9))
    proposals["G1"] = services.propose_eviction(r.corporation_manager, c["G"], reason="Weigert hulp", now=at(3, 2))
    services.vote_on_eviction(r.debt_manager, proposals["G1"], agree=False, reason="Nog niet", now=at(3, 3))
    proposals["G2"] = services.propose_eviction(r.corporation_manager, c["G"], reason="Weigert alles", now=at(3, 10))
    for manager in (r.corporation_manager, r.debt_manager, r.welfare_manager):
        services.vote_on_eviction(manager, proposals["G2"], agree=True, reason="Geen andere weg", now=at(3, 11))

    c["H"] = _open(r, "H", corp, at(1, 12), "200")
    _contact(r.consultant, c["H"], at(1, 12, 11))
    proposals["H1"] = services.propose_eviction(r.corporation_manager, c["H"], reason="Betaalt niet", now=at(2, 20))
    services.vote_on_eviction(r.welfare_manager, proposals["H1"], agree=False, reason="Wij helpen", now=at(2, 21))

    c["I"] = _open(r, "I", corp, at(2, 5), "700")
    _handover(r, c["I"], r.consultant, r.debt_assistance, at(2, 6), r.debt_coach, at(2, 12))

    c["R1"] = _open(r, "R1", corp, at(3, 3, year=2025), "900")
    services.close_case(r.consultant, c["R1"], outcome="resolved", now=at(9, 1, year=2025))
    c["R2"] = _open(r, "R2", corp, at(3, 10, year=2025), "900")
    services.close_case(r.consultant, c["R2"], outcome="moved", now=at(6, 1, year=2025))
    c["R3"] = _open(r, "R3", corp, at(3, 20, year=2025), "900")
    services.close_case(r.consultant, c["R3"], outcome="resolved", now=at(4, 15))
    c["R4"] = _open(r, "R4", corp, at(2, 28, year=2025), "900")
    services.close_case(r.consultant, c["R4"], outcome="arrangement_completed", now=at(6, 1, year=2025))

    c["X"] = _open(r, "X", r.other_corporation, at(1, 7), "5000")
    other_consultant = r.other_consultant
    _handover(r, c["X"], other_consultant, r.debt_assistance, at(1, 8), r.debt_coach, at(1, 9))

    def signal(case_or_tenant, kind, reference_date=date(2026, 2, 1)):
        tenant = case_or_tenant.tenant if isinstance(case_or_tenant, Case) else case_or_tenant
        return ArrearsSignalFactory(tenant=tenant, kind=kind, reference_date=reference_date, municipality="Enschede",
                                    contract_ref=tenant.contract_ref)

    signal(c["A"], "energy")
    signal(c["A"], "health_insurance")
    signal(c["D"], "energy")
    signal(c["E"], "energy")
    signal(c["E"], "energy", date(2026, 3, 1))
    signal(c["H"], "energy", date(2025, 12, 1))
    signal(c["H"], "water")
    signal(c["X"], "energy")
    signal(c["X"], "water")
    household = Tenant.objects.create(name="Huishouden zonder corporatie", house_number="3", postcode="7514 BP")
    signal(household, "energy")
    signal(household, "water")
    return DataSet(cases=c, proposals=proposals)
