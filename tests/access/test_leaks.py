"""One test per access leak found in issue 12, on every path it leaked through: the web UI (with HTMX headers where
the page swaps a fragment), the REST API, the notifications and the e-mail (mail.outbox, sent once the
transaction commits).

1. A partner whose offer was declined or withdrawn kept reading the dossier through the inbox's HTMX answer.
2. A joint visit could be planned with any convenant party, which then saw the tenant.
3. The declined coach kept the offer's notification and e-mail with the tenant's name and the summary.
4. /api/v1/escalations/ answered caseworkers.
5. A visit's outcome could be recorded before the visit, and the visits page offered it where it is refused.
6. The regisseur and a creditor landed on an empty worklist with menu items they cannot use.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import policy, services
from cases.models import AccessLog, ContactAttempt, HandoverStatus, JointVisit, JointVisitStatus
from config.errors import BusinessError, NotVisible
from convenants.services import update_convenant
from tests.factories import OrganisationFactory, UserFactory

from .conftest import FAST_HASHERS

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TENANT = {
    "name": "Mirjam Lekvrij",
    "contract_ref": "LK-424242",
    "street": "Verborgenstraat",
    "house_number": "17",
    "postcode": "7511 KL",
    "city": "Enschede",
    "phone": "0698765432",
    "email": "mirjam.lekvrij@example.org",
}
SUMMARY = "Samenvatting-voor-de-partner: huurder werkt nachtdiensten."
# What identifies the tenant or the case file; none of it may reach someone outside the case.
SECRETS = (TENANT["name"], TENANT["street"], TENANT["phone"], TENANT["email"], TENANT["contract_ref"], SUMMARY)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def leaked(text) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def open_case(region):
    case = services.open_case(region.consultant, tenant=dict(TENANT), arrears_amount="812.40", months_in_arrears=2)
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="not_reached",
                                 notes="Voicemail ingesproken.")
    return case


def offer(region, case, to=None):
    return services.offer_handover(region.consultant, case, to_organisation=to or region.debt_assistance,
                                   summary=SUMMARY, tenant_consent=True)


def as_api(api, user):
    api.force_authenticate(user=user)
    return api


def results(response):
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


# --- 1. a declined or withdrawn partner: 404 and nothing else ---------------------------------------------------


@pytest.mark.parametrize("ending", ["declined", "withdrawn"])
def test_a_partner_whose_offer_ended_learns_nothing_more(region, client, api, ending):
    case = open_case(region)
    handover = offer(region, case)
    if ending == "declined":
        services.decline_handover(region.debt_coach, handover, reason="Pas over zes weken plek.")
    else:
        services.withdraw_handover(region.consultant, handover, reason="Toch bereikt.")
    reads_before = AccessLog.objects.filter(organisation=region.debt_assistance).count()

    for user in (region.debt_coach, region.debt_manager):
        client.force_login(user)
        # The inbox's answers, as HTMX sends them (the fragment that leaked the dossier) and as a plain form.
        for name, data in (("cases:handover_decline", {"reason": "Nogmaals."}), ("cases:handover_accept", {})):
            for headers in (HTMX, {}):
                response = client.post(reverse(name, args=[handover.pk]), data, **headers)
                assert response.status_code == 404, (name, headers, response.status_code)
                assert not leaked(response.content.decode()), (name, headers)
        for name, target in (("cases:inbox_detail", handover.pk), ("cases:detail", case.pk),
                             ("cases:handover_panel", case.pk)):
            response = client.get(reverse(name, args=[target]), **HTMX)
            assert response.status_code == 404, name
            assert not leaked(response.content.decode()), name
        for name in ("cases:inbox", "cases:worklist", "cases:my_cases", "cases:joint_visits", "cases:notifications"):
            response = client.get(reverse(name), follow=True)
            assert response.status_code == 200, name
            assert not leaked(response.content.decode()), name

        as_api(api, user)
        for name, data in (("api-handover-decline", {"reason": "Nogmaals."}), ("api-handover-accept", {}),
                           ("api-handover-withdraw", {"reason": "x"})):
            response = api.post(reverse(name, args=[handover.pk]), data, format="json")
            assert response.status_code == 404, (name, response.status_code)
            assert not leaked(response.content.decode()), name
        for name, target in (("api-handover-detail", handover.pk), ("api-case-detail", case.pk),
                             ("api-case-timeline", case.pk), ("api-case-export", case.pk)):
            response = api.get(reverse(name, args=[target]))
            assert response.status_code == 404, name
            assert not leaked(response.content.decode()), name
        for name in ("api-handover-list", "api-case-list", "api-joint-visit-list", "api-notification-list"):
            response = api.get(reverse(name))
            assert response.status_code == 200, name
            assert not leaked(response.content.decode()), name

    # Nothing was read, so nothing was logged; nothing changed.
    assert AccessLog.objects.filter(organisation=region.debt_assistance).count() == reads_before
    handover.refresh_from_db()
    assert handover.status == (HandoverStatus.DECLINED if ending == "declined" else HandoverStatus.WITHDRAWN)


def test_declining_in_the_inbox_answers_without_the_dossier(region, client):
    """The HTMX answer to the decline itself: the row says it was declined, and nothing of the case."""
    case = open_case(region)
    handover = offer(region, case)
    client.force_login(region.debt_coach)
    response = client.post(reverse("cases:handover_decline", args=[handover.pk]),
                           {"reason": "Pas over zes weken plek."}, **HTMX)
    assert response.status_code == 200
    assert not leaked(response.content.decode())
    assert b"<html" not in response.content
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.DECLINED


# --- 2. joint visits only with a chain partner of the convenant ---------------------------------------------------


def visit_time():
    return timezone.now() + timedelta(days=3)


@pytest.mark.parametrize("party", ["municipality", "other_corporation", "social_team"])
def test_a_joint_visit_is_planned_only_with_a_chain_partner(region, client, api, party):
    case = open_case(region)
    if party == "social_team":  # a convenant party outside the chain
        organisation = OrganisationFactory(name="Sociaal Wijkteam Enschede", kind="social_team")
        update_convenant(region.convenant, parties=[*region.convenant.parties.all(), organisation])
    else:
        organisation = getattr(region, party)
    members = [UserFactory(organisation=organisation), UserFactory(organisation=organisation,
                                                                   organisation__role="manager")]

    with pytest.raises(BusinessError) as refused:
        services.plan_joint_visit(region.consultant, case, partner=organisation, planned_at=visit_time())
    assert not isinstance(refused.value, NotVisible)

    response = as_api(api, region.consultant).post(
        reverse("api-case-joint-visits", args=[case.pk]),
        {"partner": organisation.pk, "planned_at": visit_time().isoformat()}, format="json",
    )
    assert response.status_code == 400, response.content

    client.force_login(region.consultant)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    visit_form = re.search(r'<form[^>]*action="{}".*?</form>'.format(
        re.escape(reverse("cases:joint_visit_plan", args=[case.pk]))), page, re.S)
    assert visit_form is not None, "the consultant plans visits from the case page"
    assert f'value="{organisation.pk}"' not in visit_form.group(0), "the visit form offers a non-chain party"
    assert f'value="{region.welfare.pk}"' in visit_form.group(0)
    response = client.post(reverse("cases:joint_visit_plan", args=[case.pk]), {
        "partner": organisation.pk, "planned_at": timezone.localtime(visit_time()).strftime("%Y-%m-%dT%H:%M"),
    })
    assert response.status_code == 400
    assert not JointVisit.objects.filter(case=case).exists()

    for user in members:
        client.force_login(user)
        response = client.get(reverse("cases:joint_visits"), follow=True)
        assert not leaked(response.content.decode())
        as_api(api, user)
        for name in ("api-joint-visit-list", "api-notification-list"):
            response = api.get(reverse(name))
            assert response.status_code == 200
            assert not leaked(response.content.decode()), name


def test_a_joint_visit_with_a_chain_partner_shows_to_that_partner_and_the_case_only(
    region, client, api, mailoutbox, django_capture_on_commit_callbacks
):
    case = open_case(region)
    with django_capture_on_commit_callbacks(execute=True):
        visit = services.plan_joint_visit(region.consultant, case, partner=region.welfare, planned_at=visit_time())
    # The partner sees the visit with what it needs to go there.
    rows = results(as_api(api, region.welfare_worker).get(reverse("api-joint-visit-list")))
    assert [row["id"] for row in rows] == [visit.pk]
    assert TENANT["street"] in rows[0]["address"]
    client.force_login(region.welfare_worker)
    assert TENANT["street"] in client.get(reverse("cases:joint_visits")).content.decode()
    # Nobody else of the convenant does, and its notification and e-mail name no tenant.
    for user in (region.debt_coach, region.other_consultant, region.regisseur, region.unrelated_worker):
        assert results(as_api(api, user).get(reverse("api-joint-visit-list"))) == []
        client.force_login(user)
        assert not leaked(client.get(reverse("cases:joint_visits"), follow=True).content.decode())
    for user in (region.welfare_worker, region.consultant):
        assert not leaked(as_api(api, user).get(reverse("api-notification-list")).content.decode())
    assert mailoutbox, "the visit's parties are told by e-mail"
    for message in mailoutbox:
        assert not leaked(f"{message.subject}\n{message.body}"), message.subject


# --- 3. notifications and e-mails name no tenant ----------------------------------------------------------------


def test_the_declined_coach_keeps_no_tenant_data_in_notifications_or_mail(
    region, client, api, mailoutbox, django_capture_on_commit_callbacks
):
    case = open_case(region)
    with django_capture_on_commit_callbacks(execute=True):
        handover = offer(region, case)
    coach_mails = [m for m in mailoutbox if region.debt_coach.email in m.to]
    assert coach_mails, "the coach is told of the offer by e-mail"
    notifications = results(as_api(api, region.debt_coach).get(reverse("api-notification-list")))
    assert notifications, "the coach is told of the offer in the app"
    assert any(row["case"] == case.pk for row in notifications), "the notification links to the case"

    with django_capture_on_commit_callbacks(execute=True):
        services.decline_handover(region.debt_coach, handover, reason="Pas over zes weken plek.")

    for user in (region.debt_coach, region.debt_manager):
        response = as_api(api, user).get(reverse("api-notification-list"))
        assert response.status_code == 200
        assert not leaked(response.content.decode())
        client.force_login(user)
        assert not leaked(client.get(reverse("cases:notifications")).content.decode())
    # Every e-mail of the exchange, to anyone: what happened and a link, never the tenant or the case file.
    assert len(mailoutbox) > len(coach_mails), "the consultant is told of the decline by e-mail"
    for message in mailoutbox:
        assert not leaked(f"{message.subject}\n{message.body}"), (message.to, message.subject)


# --- 4. escalations are oversight: managers only, in the API as on the page -----------------------------------


def test_escalations_are_for_managers_only(region, client, api):
    open_case(region)
    for user in (region.consultant, region.debt_coach, region.welfare_worker):
        assert as_api(api, user).get(reverse("api-escalation-list")).status_code == 403
        client.force_login(user)
        assert client.get(reverse("cases:escalations")).status_code == 403
    for user in (region.corporation_manager, region.debt_manager):
        assert as_api(api, user).get(reverse("api-escalation-list")).status_code == 200
        client.force_login(user)
        assert client.get(reverse("cases:escalations")).status_code == 200


# --- 5. a visit's outcome only from its planned time, and only where the service takes it ----------------------


def record_form_shown(client, visit):
    html = client.get(reverse("cases:joint_visits")).content.decode()
    return f'action="{reverse("cases:joint_visit_record", args=[visit.pk])}"' in html


def test_a_visit_outcome_is_recorded_only_from_its_planned_time(region, client, api):
    case = open_case(region)
    visit = services.plan_joint_visit(region.consultant, case, partner=region.welfare, planned_at=visit_time())
    assert not policy.visit_outcome_due(visit)

    with pytest.raises(BusinessError) as refused:
        services.record_joint_visit(region.consultant, visit, outcome="reached")
    assert not isinstance(refused.value, NotVisible)
    response = as_api(api, region.consultant).post(reverse("api-joint-visit-outcome", args=[visit.pk]),
                                                   {"outcome": "reached"}, format="json")
    assert response.status_code == 400, response.content
    client.force_login(region.consultant)
    assert not record_form_shown(client, visit), "the visits page offers an outcome before the visit"
    response = client.post(reverse("cases:joint_visit_record", args=[visit.pk]), {"outcome": "reached", "notes": ""})
    assert response.status_code == 400
    visit.refresh_from_db()
    assert visit.status == JointVisitStatus.PLANNED
    assert not ContactAttempt.objects.filter(case=case, channel="joint_home_visit").exists()

    # From the planned time on it can.
    JointVisit.objects.filter(pk=visit.pk).update(planned_at=timezone.now() - timedelta(minutes=5))
    visit.refresh_from_db()
    assert policy.visit_outcome_due(visit)
    assert record_form_shown(client, visit)
    response = as_api(api, region.consultant).post(reverse("api-joint-visit-outcome", args=[visit.pk]),
                                                   {"outcome": "reached"}, format="json")
    assert response.status_code == 200, response.content
    visit.refresh_from_db()
    assert visit.status == JointVisitStatus.DONE


def test_the_visits_page_offers_no_outcome_where_the_service_refuses_it(region, client, api):
    """A passed visit of a case whose offer waits (handed_over): RECORD_VISIT is not permitted, so no form."""
    case = open_case(region)
    visit = services.plan_joint_visit(region.consultant, case, partner=region.welfare, planned_at=visit_time())
    JointVisit.objects.filter(pk=visit.pk).update(planned_at=timezone.now() - timedelta(hours=1))
    offer(region, case)
    case.refresh_from_db()
    assert policy.Action.RECORD_VISIT not in policy.permitted(region.consultant, case)
    client.force_login(region.consultant)
    assert not record_form_shown(client, visit)
    response = as_api(api, region.consultant).post(reverse("api-joint-visit-outcome", args=[visit.pk]),
                                                   {"outcome": "reached"}, format="json")
    assert response.status_code in (400, 409), response.content
    # The partner it was planned with never records it.
    client.force_login(region.welfare_worker)
    assert not record_form_shown(client, visit)


# --- 6. each role lands where it works, with a menu of what it can use -----------------------------------------


def menu_links(html) -> set[str]:
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S)
    assert nav is not None, "the page has the main menu"
    return set(re.findall(r'href="([^"]+)"', nav.group(0)))


CASE_PAGES = ("cases:inbox", "cases:my_cases", "cases:joint_visits")


@pytest.mark.parametrize(("who", "landing", "present", "absent"), [
    ("regisseur", "cases:dashboard", ["cases:dashboard"],
     [*CASE_PAGES, "cases:worklist", "cases:escalations", "cases:access_log", "signals:import"]),
    ("creditor", "signals:import", ["signals:import"],
     [*CASE_PAGES, "cases:worklist", "cases:dashboard", "cases:escalations", "cases:access_log"]),
    ("consultant", "cases:worklist", ["cases:worklist", "cases:my_cases", "cases:joint_visits", "signals:import"],
     ["cases:inbox", "cases:dashboard", "cases:escalations", "cases:access_log"]),
    ("debt_coach", "cases:worklist", ["cases:worklist", *CASE_PAGES], ["cases:dashboard", "signals:import"]),
])
def test_each_role_lands_where_it_works_and_sees_only_what_it_can_use(region, client, who, landing, present, absent):
    if who == "creditor":
        energy = OrganisationFactory(name="Enexis Energie", kind="utility")
        user = UserFactory(organisation=energy)
    else:
        user = getattr(region, who)
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse(landing), response.redirect_chain
    links = menu_links(response.content.decode())
    for name in present:
        assert reverse(name) in links, f"{who}'s menu lacks {name}"
    for name in absent:
        assert reverse(name) not in links, f"{who}'s menu offers {name}"
    for name in set(absent) & {*CASE_PAGES, "cases:worklist"}:
        # ... and the case pages themselves send them to their own page (or refuse).
        page = client.get(reverse(name))
        assert page.status_code in (302, 403), (who, name, page.status_code)
        if page.status_code == 302:
            assert page["Location"] == reverse(landing), (who, name, page["Location"])
