"""Issue 12 through the web UI: each role lands where it works and its menu shows only what it can use
(cases.policy.menu_for / landing_for); an answer to an offer that is no longer open, or a page of a case the
partner left, shows nothing of the case (404); the product's own error pages, also with DEBUG on."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases import policy, services
from cases.models import AccessLog, Case, DeadlineState, HandoverStatus, JointVisit
from tests.factories import CaseFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TENANT = "Fam. Lekvrij"
MENU_LINKS = {
    "worklist": "cases:worklist",
    "inbox": "cases:inbox",
    "my_cases": "cases:my_cases",
    "joint_visits": "cases:joint_visits",
    "dashboard": "cases:dashboard",
    "escalations": "cases:escalations",
    "access_log": "cases:access_log",
    "signal_import": "signals:import",
    "signal_cases": "signals:signal-cases",
    "signal_figures": "signals:figures",
    "tenant_export": "cases:tenant_search",
}


@pytest.fixture
def creditor():
    return UserFactory(username="energie", organisation=OrganisationFactory(name="Enexis", kind="utility"))


def nav_of(response):
    html = response.content.decode()
    nav = html.split('<nav class="mainnav"', 1)[1].split("</nav>", 1)[0]
    return {item for item, name in MENU_LINKS.items() if f'href="{reverse(name)}"' in nav}


@pytest.mark.parametrize(
    ("who", "lands_on", "menu"),
    [
        ("consultant", None, {"worklist", "my_cases", "joint_visits", "signal_import"}),
        ("corporation_manager", None,
         {"worklist", "my_cases", "joint_visits", "dashboard", "escalations", "access_log", "signal_import",
          "tenant_export"}),
        ("debt_coach", None, {"worklist", "inbox", "my_cases", "joint_visits"}),
        ("debt_manager", None,
         {"worklist", "inbox", "my_cases", "joint_visits", "dashboard", "escalations", "access_log"}),
        # The municipality does the outreach on vroegsignalen itself (its convenant names no one else).
        ("regisseur", "cases:dashboard", {"dashboard", "tenant_export", "signal_cases", "signal_figures"}),
        ("creditor", "signals:import", {"signal_import"}),
    ],
)
def test_each_role_lands_where_it_works_with_only_its_menu(client, region, creditor, who, lands_on, menu):
    user = creditor if who == "creditor" else getattr(region, who)
    client.force_login(user)
    root = client.get("/")
    if lands_on is None:
        assert root.status_code == 200 and root.context["rows"] is not None  # the worklist itself
        page = root
    else:
        assert root.status_code == 302 and root["Location"] == reverse(lands_on)
        page = client.get(root["Location"])
        assert page.status_code == 200
    assert nav_of(page) == menu
    assert policy.menu_for(user) - {"notifications"} == menu


@pytest.mark.parametrize("who", ["regisseur", "creditor"])
def test_case_work_pages_send_the_regisseur_and_creditors_to_their_page(client, region, creditor, who):
    user = creditor if who == "creditor" else region.regisseur
    client.force_login(user)
    for name in ("cases:worklist", "cases:inbox", "cases:my_cases", "cases:joint_visits"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse(policy.landing_for(user)), name


def test_pages_a_role_cannot_use_answer_403_or_redirect(client, region, creditor):
    client.force_login(region.consultant)
    assert client.get(reverse("cases:inbox"))["Location"] == reverse("cases:worklist")  # no offers to a landlord
    for name in ("cases:dashboard", "cases:escalations", "cases:access_log"):
        assert client.get(reverse(name)).status_code == 403
    client.force_login(region.debt_coach)
    assert client.get(reverse("signals:import")).status_code == 403
    client.force_login(creditor)
    assert client.get(reverse("signals:import")).status_code == 200
    client.force_login(UserFactory(username="zonder-organisatie"))
    assert client.get("/").status_code == 403
    client.force_login(UserFactory(username="beheer", is_superuser=True, is_staff=True))
    assert client.get("/")["Location"] == reverse("admin:index")


# --- answers to offers that are no longer open ------------------------------------------------------------


@pytest.fixture
def offered(region):
    case = services.open_case(
        region.consultant,
        tenant={"name": TENANT, "contract_ref": "LEK-1", "house_number": "3", "postcode": "7511 AA",
                "phone": "0611112222"},
        arrears_amount="700.00", months_in_arrears=1,
    )
    handover = services.offer_handover(region.consultant, case, summary="Niet bereikt.", tenant_consent=True)
    return case, handover


def answers(client, handover):
    for name, data in (("cases:handover_accept", {}), ("cases:handover_decline", {"reason": "Geen plek"})):
        for headers in (HTMX, {}):
            yield client.post(reverse(name, args=[handover.pk]), data, **headers)
    yield client.get(reverse("cases:inbox_detail", args=[handover.pk]))


def assert_nothing_of_the_case(response):
    assert response.status_code == 404
    html = response.content.decode()
    assert TENANT not in html and "0611112222" not in html and 'data-testid="dossier"' not in html


@pytest.mark.parametrize("end", ["declined", "withdrawn", "accepted_by_a_colleague"])
def test_an_offer_no_longer_open_answers_404_and_shows_nothing(client, region, offered, end):
    case, handover = offered
    if end == "declined":
        services.decline_handover(region.debt_coach, handover, reason="Valt buiten de doelgroep")
    elif end == "withdrawn":
        services.withdraw_handover(region.consultant, handover, reason="Toch bereikt")
    else:
        services.accept_handover(region.debt_manager, handover)
    client.force_login(region.debt_coach)
    logged = AccessLog.objects.filter(user=region.debt_coach).count()
    for response in answers(client, handover):
        assert_nothing_of_the_case(response)
    assert AccessLog.objects.filter(user=region.debt_coach).count() == logged
    handover.refresh_from_db()
    assert handover.status != HandoverStatus.OFFERED
    if end != "accepted_by_a_colleague":
        # The partner left the case: its page, fragments and handover page are not found either.
        for name in ("cases:detail", "cases:contact_attempt", "cases:handover_panel", "cases:eviction_propose"):
            assert_nothing_of_the_case(client.get(reverse(name, args=[case.pk])))
        assert client.get(reverse("cases:inbox")).context["offers"] == []


def test_declining_in_place_shows_nothing_of_the_case_afterwards(client, region, offered):
    case, handover = offered
    client.force_login(region.debt_coach)
    url = reverse("cases:handover_decline", args=[handover.pk])
    # The row with the error beside the reason still shows the dossier: a read, logged.
    again = client.post(url, {"reason": ""}, **HTMX)
    assert again.status_code == 200 and TENANT in again.content.decode()
    assert AccessLog.objects.filter(user=region.debt_coach, case=case, what="dossier").count() == 1
    declined = client.post(url, {"reason": "Geen capaciteit"}, **HTMX)
    assert declined.status_code == 200
    assert 'data-testid="offer-declined"' in declined.content.decode()
    assert TENANT not in declined.content.decode()
    plain = client.post(url, {"reason": "Nog eens"})
    assert_nothing_of_the_case(plain)


def test_a_partner_that_handed_the_case_on_sees_nothing(client, region, offered):
    case, handover = offered
    services.accept_handover(region.debt_coach, handover)
    case.refresh_from_db()
    onward = services.offer_handover(region.debt_coach, case, to_organisation=region.welfare, summary="Verder.",
                                     tenant_consent=True)
    services.accept_handover(region.welfare_worker, onward)
    client.force_login(region.debt_coach)
    assert_nothing_of_the_case(client.get(reverse("cases:detail", args=[case.pk])))
    assert_nothing_of_the_case(client.get(reverse("cases:handover_panel", args=[case.pk])))
    assert TENANT not in client.get(reverse("cases:my_cases")).content.decode()
    assert TENANT not in client.get(reverse("cases:joint_visits")).content.decode()


# --- the case page and its panels ask the policy -------------------------------------------------------------


def test_joint_visits_only_with_a_chain_partner_and_the_outcome_from_the_planned_time(client, region, offered):
    case, handover = offered
    services.withdraw_handover(region.consultant, handover, reason="Toch bereikt")
    client.force_login(region.consultant)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    partners = list(page.context["handover_data"]["visit_form"].fields["partner"].queryset)
    assert partners == [region.debt_assistance, region.welfare]  # the chain, in order: no municipality, no landlord
    offer_choices = list(page.context["handover_data"]["offer_form"].fields["to_organisation"].queryset)
    assert offer_choices == [region.debt_assistance, region.welfare]
    when = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    url = reverse("cases:joint_visit_plan", args=[case.pk])
    refused = client.post(url, {"partner": region.municipality.pk, "planned_at": when})
    assert refused.status_code == 400 and "partner" in refused.context["handover_data"]["visit_form"].errors
    assert client.post(url, {"partner": region.welfare.pk, "planned_at": when}).status_code == 302
    visit = JointVisit.objects.get(case=case)
    rows = client.get(reverse("cases:joint_visits")).context["rows"]
    assert [row["can_record"] for row in rows] == [False]
    assert "joint_visit_record" not in client.get(reverse("cases:joint_visits")).content.decode()
    JointVisit.objects.filter(pk=visit.pk).update(planned_at=timezone.now() - timedelta(minutes=1))
    assert [row["can_record"] for row in client.get(reverse("cases:joint_visits")).context["rows"]] == [True]


def test_the_panel_shows_withdraw_and_offer_as_the_policy_permits(client, region, offered):
    case, handover = offered
    client.force_login(region.consultant)
    panel = client.get(reverse("cases:detail", args=[case.pk]))
    assert "withdraw" in panel.context["allowed"] and "offer" not in panel.context["allowed"]
    html = panel.content.decode()
    assert 'data-testid="withdraw"' in html and 'data-testid="offer-form"' not in html
    client.force_login(region.debt_coach)
    coach = client.get(reverse("cases:detail", args=[case.pk]))
    assert coach.context["allowed"] & {"accept", "decline"} and "withdraw" not in coach.context["allowed"]
    assert 'data-testid="withdraw"' not in coach.content.decode()


# --- one definition of the deadline state -----------------------------------------------------------------


def test_due_soon_is_48_hours_everywhere(client, region):
    now = timezone.now()
    assert Case(deadline_at=now + timedelta(hours=47)).deadline_state(now) == DeadlineState.DUE_SOON
    assert Case(deadline_at=now + timedelta(hours=49)).deadline_state(now) == DeadlineState.OK
    assert Case(deadline_at=now - timedelta(seconds=1)).deadline_state(now) == DeadlineState.OVERDUE
    case = CaseFactory(corporation=region.corporation, convenant=region.convenant)
    Case.objects.filter(pk=case.pk).update(deadline_at=timezone.now() + timedelta(hours=60))
    client.force_login(region.consultant)
    # 60 hours: two or three calendar days away, never "due soon" on either page.
    assert 'data-deadline="ok"' in client.get(reverse("cases:my_cases"), {"team": "1"}).content.decode()
    assert [deadline["state"] for _case, deadline in client.get(reverse("cases:worklist")).context["rows"]] == ["ok"]


# --- the product's own error pages ------------------------------------------------------------------------


@override_settings(DEBUG=True, MIDDLEWARE=[*settings.MIDDLEWARE, "config.webhelpers.ProductErrorPages"])
def test_with_debug_on_404_and_403_are_the_products_pages(client, region):
    client.force_login(region.consultant)
    for url in ("/bestaat-niet/", reverse("cases:detail", args=[999999])):
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert 'data-testid="error-404"' in html
        assert "URLconf" not in html and "Traceback" not in html and "settings" not in html
    api = client.get("/api/v1/cases/999999/")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/json")
    forbidden = client.get(reverse("cases:dashboard"))
    assert forbidden.status_code == 403 and 'data-testid="error-403"' in forbidden.content.decode()
    escalations = client.get(reverse("cases:escalations"))
    assert escalations.status_code == 403 and 'data-testid="error-403"' in escalations.content.decode()


@override_settings(CSRF_FAILURE_VIEW="config.webhelpers.csrf_failure")
def test_a_csrf_failure_is_the_products_403_page(region):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(region.consultant)
    response = client.post(reverse("cases:notifications_read"))
    assert response.status_code == 403
    assert 'data-testid="error-403"' in response.content.decode()
