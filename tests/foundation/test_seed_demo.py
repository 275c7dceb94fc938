"""manage.py seed_demo: a believable region through the services; running it again changes nothing."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.test import RequestFactory
from django.utils import timezone, translation

from cases import demo, selectors
from cases.models import (
    Arrangement,
    Case,
    CaseEvent,
    CaseStatus,
    ContactAttempt,
    Escalation,
    EvictionProposal,
    EvictionVote,
    Handover,
    Notification,
    Tenant,
)
from convenants.models import Convenant
from partners.models import Membership, Organisation
from signals.models import ArrearsSignal, SignalCase

pytestmark = pytest.mark.django_db(transaction=False)

COUNTED = (Organisation, Membership, get_user_model(), Convenant, Tenant, Case, CaseEvent, ContactAttempt,
           Arrangement, Handover, Escalation, EvictionProposal, EvictionVote, Notification, ArrearsSignal)


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def run_seed():
    out = StringIO()
    call_command("seed_demo", allow_production=True, stdout=out)  # pytest-django runs with DEBUG off
    return out.getvalue()


def test_seed_demo_builds_the_region_once_with_every_state_and_scenario(client):
    output = run_seed()
    first = counts()
    assert demo.DEMO_PASSWORD in output
    assert 180 <= first["Case"] <= 230

    with translation.override("en"):
        second_output = run_seed()
    assert counts() == first
    assert "already present" in second_output

    # Every case status is present.
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == set(CaseStatus.values)

    # Every demo user can log in with the documented password.
    usernames = [username for username, _org, _role in demo.credentials()]
    assert get_user_model().objects.filter(username__in=usernames).count() == len(usernames)
    for username in usernames:
        # The lockout backend (django-axes) checks every authentication against the request's address.
        login_request = RequestFactory().post("/accounts/login/")
        assert client.login(request=login_request, username=username, password=demo.DEMO_PASSWORD), username
        client.logout()

    named = {case.tenant.name: case for case in Case.objects.select_related("tenant", "holder")}

    # Scenario 1: € 640, phone and WhatsApp not reached, home visit reached, € 80 × 8, first contact in time.
    one = named["Fam. Jansen-Bulut"]
    assert one.status == CaseStatus.ARRANGEMENT and one.arrears_amount == 640
    attempts = list(one.contact_attempts.values_list("channel", "outcome"))
    assert attempts == [("phone", "not_reached"), ("whatsapp", "not_reached"), ("home_visit", "reached")]
    arrangement = one.arrangements.get()
    assert (arrangement.monthly_amount, arrangement.months) == (80, 8)
    assert not Escalation.objects.filter(case=one, deadline_kind="first_contact").exists()

    # Scenario 2: handed over with consent and a dossier, accepted; welfare cannot see it.
    two = named["M. de Graaf"]
    handover = two.handovers.get()
    assert handover.status == "accepted" and handover.tenant_consent
    assert len(handover.dossier["contact_attempts"]) == 3
    assert two.holder.name == "Schuldhulp Enschede"
    welfare_worker = get_user_model().objects.get(username="welzijnswerker")
    assert not selectors.cases_for(welfare_worker).filter(pk=two.pk).exists()

    # Scenario 3: the offer to debt assistance lay too long; the sweep offered the case to welfare.
    three = named["K. Oude Wolbers"]
    pickup = Escalation.objects.get(case=three, deadline_kind="pickup")
    assert pickup.from_organisation.name == "Schuldhulp Enschede"
    assert pickup.to_organisation.name == "Alifa Welzijn"
    coach = get_user_model().objects.get(username="schuldhulpcoach")
    assert not selectors.cases_for(coach).filter(pk=three.pk).exists()

    # Scenario 4: nothing logged; one case overdue now, one escalated first_contact and then handover.
    fresh = named["R. Hassink"]
    assert fresh.status == CaseStatus.OPEN and fresh.first_contact_at is None
    assert fresh.deadline_kind == "first_contact" and fresh.deadline_at < timezone.now()
    escalated = named["J. Lansink"]
    kinds = set(Escalation.objects.filter(case=escalated).values_list("deadline_kind", flat=True))
    assert {"first_contact", "handover"} <= kinds

    # Scenario 5: energy and health-insurance signals linked to the one tenant with rent arrears.
    five = named["S. Veldhuis"]
    assert set(ArrearsSignal.objects.filter(tenant=five.tenant).values_list("kind", flat=True)) >= {
        "energy",
        "health_insurance",
    }
    assert Tenant.objects.filter(name="S. Veldhuis").count() == 1

    # Scenario 11: the energy company, the water company and the corporation report one address in one month: one
    # "multiple" vroegsignaal case for the convenant's outreach organisation; single, consecutive and crisis ones
    # beside it; the convenant has its CBS code for the DDAS report.
    eleven = named["Fam. Kartosen"].tenant
    multiple = SignalCase.objects.select_related("owner").get(postcode=eleven.postcode,
                                                             house_number=eleven.house_number)
    assert multiple.case_type == "multiple" and multiple.owner.name == "Schuldhulp Enschede"
    assert set(multiple.signals.values_list("kind", flat=True)) == {"energy", "water", "rent"}
    assert set(SignalCase.objects.values_list("case_type", flat=True)) == {"single", "multiple", "consecutive"}
    assert SignalCase.objects.filter(crisis=True).exists()
    assert Convenant.objects.get().cbs_municipality_code == "0153"

    # Scenario 6: one proposal rejected by a vote against, one executed by all.
    assert EvictionProposal.objects.filter(status="rejected", votes__agree=False).exists()
    agreed = EvictionProposal.objects.get(status="agreed")
    assert agreed.case.status == CaseStatus.EVICTED
    assert agreed.votes.count() == 3 and all(agreed.votes.values_list("agree", flat=True))

    # Scenario 7: a year of history (cases opened in at least 13 different months), escalations by the sweep.
    months = Case.objects.annotate(month=TruncMonth("opened_at")).values("month").annotate(n=Count("id"))
    assert months.count() >= 13
    assert Escalation.objects.count() > 0
    assert Case.objects.filter(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED]).count() > 50
