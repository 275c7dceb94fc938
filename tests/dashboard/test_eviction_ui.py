"""Scenario 6 through the web UI: eviction only together. The panel on the case page, the vote page."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import CaseEvent, CaseStatus, EvictionProposal, ProposalStatus
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client):
    def as_user(user):
        client.logout()
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def refusing_case(region):
    case = CaseFactory(corporation=region.corporation)
    services.log_contact_attempt(region.consultant, case, channel="home_visit", outcome="reached")
    case.refresh_from_db()
    assert case.status == CaseStatus.CONTACTING
    return case


def vote(web, user, proposal, agree, reason):
    return web(user).post(
        reverse("cases:eviction_vote", args=[proposal.pk]),
        {"agree": "agree" if agree else "disagree", "reason": reason},
    )


def test_scenario_6_one_disagrees_then_all_agree(web, region, refusing_case):
    case = refusing_case
    detail = reverse("cases:detail", args=[case.pk])
    propose_url = reverse("cases:eviction_propose", args=[case.pk])

    # The corporation's manager sees the proposal form on the case page; a caseworker does not.
    assert propose_url in web(region.corporation_manager).get(detail).content.decode()
    assert propose_url not in web(region.consultant).get(detail).content.decode()

    # A proposal needs a reason: the form says so, nothing is written.
    response = web(region.corporation_manager).post(propose_url, {"reason": "  "})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert not EvictionProposal.objects.exists()

    # A caseworker may not propose.
    assert web(region.consultant).post(propose_url, {"reason": "Weigert alle hulp"}).status_code == 403

    response = web(region.corporation_manager).post(propose_url, {"reason": "Weigert al maanden alle hulp"})
    first = EvictionProposal.objects.get()
    assert response.status_code == 302 and response.url == reverse("cases:eviction_vote", args=[first.pk])
    case.refresh_from_db()
    assert case.status == CaseStatus.EVICTION_PROPOSED

    # The chain partners' managers can open the vote page; their caseworkers and outsiders get 404.
    vote_url = reverse("cases:eviction_vote", args=[first.pk])
    page = web(region.welfare_manager).get(vote_url)
    assert page.status_code == 200 and 'name="agree"' in page.content.decode()
    assert web(region.welfare_worker).get(vote_url).status_code == 404
    assert web(region.unrelated_worker).get(vote_url).status_code == 404

    assert vote(web, region.corporation_manager, first, True, "Geen andere weg meer").status_code == 302
    # A vote without a reason is refused on the form.
    response = web(region.welfare_manager).post(vote_url, {"agree": "agree", "reason": ""})
    assert response.status_code == 400
    # Voting twice for the same organisation is refused (the service calls it a conflict).
    response = vote(web, region.corporation_manager, first, True, "Nog eens")
    assert response.status_code == 409
    assert 'class="errorlist"' in response.content.decode()
    # Votes so far are visible to the next voter.
    page = web(region.debt_manager).get(vote_url).content.decode()
    assert "Geen andere weg meer" in page and "Domijn" in page

    assert vote(web, region.debt_manager, first, False, "Wij starten een schuldentraject").status_code == 302
    case.refresh_from_db()
    first.refresh_from_db()
    assert first.status == ProposalStatus.REJECTED
    assert case.status == CaseStatus.CONTACTING  # back to where it was
    page = web(region.corporation_manager).get(detail).content.decode()
    assert "Wij starten een schuldentraject" in page
    assert propose_url in page  # can propose again

    # Propose again: everyone agrees → evicted, a joint decision with each party's reason.
    web(region.corporation_manager).post(propose_url, {"reason": "Schuldentraject afgebroken"})
    second = EvictionProposal.objects.get(status=ProposalStatus.OPEN)
    assert vote(web, region.corporation_manager, second, True, "Corporatie: alle hulp geweigerd").status_code == 302
    assert vote(web, region.debt_manager, second, True, "Schuldhulp: traject afgebroken").status_code == 302
    response = vote(web, region.welfare_manager, second, True, "Welzijn: geen contact mogelijk")
    # The welfare manager loses access once the case is closed: back to the worklist.
    assert response.status_code == 302 and response.url == reverse("cases:worklist")
    case.refresh_from_db()
    second.refresh_from_db()
    assert second.status == ProposalStatus.AGREED
    assert case.status == CaseStatus.EVICTED
    assert CaseEvent.objects.filter(case=case, kind="eviction_decided").count() == 1

    page = web(region.corporation_manager).get(detail).content.decode()
    for party, reason in (
        ("Domijn", "Corporatie: alle hulp geweigerd"),
        ("Schuldhulp Enschede", "Schuldhulp: traject afgebroken"),
        ("Alifa Welzijn", "Welzijn: geen contact mogelijk"),
    ):
        assert party in page and reason in page
    assert 'class="eviction-decision"' in page
    assert propose_url not in page  # closed: nothing more to propose


def test_vote_page_of_a_case_out_of_scope_is_404(web, region):
    case = CaseFactory(corporation=region.other_corporation)
    manager_of_other = region.corporation_manager  # Domijn's manager, not Ons Huis
    assert web(manager_of_other).get(reverse("cases:eviction_propose", args=[case.pk])).status_code == 404
    assert web(manager_of_other).get(reverse("cases:eviction_vote", args=[999999])).status_code == 404
