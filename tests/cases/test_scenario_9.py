"""Scenario 9 of SCENARIOS.md, end to end: once through the web UI (Django test client, HTMX where the page uses
it) and once through the REST API.

A declined case comes back. The debt coach declines an offer ("pas over zes weken plek"). The consultant finds
the case at the top of her worklist as returned, with who declined and why, and a fresh handover deadline. From
that moment the debt-assistance team can no longer open the case, its dossier, the text of the offer's
notification, or the joint visit that was planned with it — on no page, fragment, API answer or e-mail.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseStatus, Handover, HandoverStatus, JointVisit
from convenants.models import DeadlineKind
from convenants.services import deadline_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
REASON = "pas over zes weken plek"
TENANT = {
    "name": "Hendrik Terugkomer",
    "contract_ref": "DM-090909",
    "street": "Oldenzaalsestraat",
    "house_number": "91",
    "postcode": "7511 DZ",
    "city": "Enschede",
    "phone": "0612009988",
    "email": "h.terugkomer@example.org",
}
SUMMARY = "Vier keer niet bereikt; buurvrouw zegt dat hij in de nachtploeg werkt."
SECRETS = (TENANT["name"], TENANT["street"], TENANT["phone"], TENANT["email"], TENANT["contract_ref"], SUMMARY)


def leaked(text):
    return [secret for secret in SECRETS if secret in text]


def team_of(region):
    return (region.debt_coach, region.debt_manager)


def team_mails(region, outbox):
    addresses = {user.email for user in team_of(region)}
    return [message for message in outbox if addresses & set(message.to)]


def assert_fresh_handover_deadline(case, handover):
    assert case.deadline_kind == DeadlineKind.HANDOVER
    assert case.deadline_at == deadline_for(case.convenant, DeadlineKind.HANDOVER, handover.responded_at)


def open_older_cases(region, client):
    """Two cases of the consultant opened before, whose first-contact deadline comes sooner than a fresh handover
    deadline: the returned case must still be on top."""
    for n in (1, 2):
        client.post(reverse("cases:case_new"), {
            "name": f"Eerdere huurder {n}", "contract_ref": f"DM-00000{n}", "street": "Kalanderstraat",
            "house_number": str(n), "postcode": "7511 HX", "city": "Enschede", "arrears_amount": "300.00",
            "months_in_arrears": "1",
        })


def declined_through_the_web_ui(region, client, capture):
    """The scenario up to the decline, through the pages: (case, handover, visit)."""
    consultant, coach = region.consultant, region.debt_coach

    # The consultant opens the case, tries to reach the tenant, plans a joint visit with debt assistance, offers.
    client.force_login(consultant)
    open_older_cases(region, client)
    response = client.post(reverse("cases:case_new"), {
        **TENANT, "arrears_amount": "1045.00", "months_in_arrears": "2",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(tenant__contract_ref=TENANT["contract_ref"])
    response = client.post(reverse("cases:contact_attempt", args=[case.pk]),
                           {"channel": "phone", "outcome": "not_reached", "notes": "Voicemail."})
    assert response.status_code == 302
    planned_at = timezone.localtime(timezone.now() + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
    with capture(execute=True):
        response = client.post(reverse("cases:joint_visit_plan", args=[case.pk]),
                               {"partner": region.debt_assistance.pk, "planned_at": planned_at, "address": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = JointVisit.objects.get(case=case)
    with capture(execute=True):
        response = client.post(reverse("cases:handover_offer", args=[case.pk]), {
            "to_organisation": region.debt_assistance.pk, "summary": SUMMARY, "tenant_consent": "on",
        })
    assert response.status_code == 302, response.content.decode()[:2000]
    handover = Handover.objects.get(case=case)

    # The coach sees the offer with its dossier, and the visit.
    client.force_login(coach)
    inbox = client.get(reverse("cases:inbox")).content.decode()
    assert TENANT["name"] in inbox
    assert client.get(reverse("cases:inbox_detail", args=[handover.pk])).status_code == 200
    assert TENANT["street"] in client.get(reverse("cases:joint_visits")).content.decode()

    # ... and declines it in place (HTMX): the row says so, without the case.
    with capture(execute=True):
        response = client.post(reverse("cases:handover_decline", args=[handover.pk]), {"reason": REASON}, **HTMX)
    assert response.status_code == 200
    assert not leaked(response.content.decode())
    handover.refresh_from_db()
    case.refresh_from_db()
    assert handover.status == HandoverStatus.DECLINED
    return case, handover, visit


def test_scenario_9_web_the_case_comes_back(region, client, django_capture_on_commit_callbacks):
    case, handover, _visit = declined_through_the_web_ui(region, client, django_capture_on_commit_callbacks)
    assert case.status == CaseStatus.CONTACTING
    assert case.holder == region.corporation
    assert_fresh_handover_deadline(case, handover)

    # The consultant finds it on top of her worklist, as returned, with who declined and why.
    client.force_login(region.consultant)
    worklist = client.get(reverse("cases:worklist")).content.decode()
    rows = re.findall(r'<tr[^>]*data-case="(\d+)".*?</tr>', worklist, re.S)
    assert rows and rows[0] == str(case.pk), f"the returned case is not on top of the worklist: {rows}"
    row = re.search(rf'<tr[^>]*data-case="{case.pk}".*?</tr>', worklist, re.S).group(0)
    assert region.debt_assistance.name in row, "the worklist row does not say who declined"
    assert REASON in row, "the worklist row does not say why"
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert region.debt_assistance.name in detail and REASON in detail


def test_scenario_9_web_the_team_gets_nothing_more(region, client, mailoutbox, django_capture_on_commit_callbacks):
    case, handover, visit = declined_through_the_web_ui(region, client, django_capture_on_commit_callbacks)

    # From now on the debt-assistance team gets nothing of the case, on any page or fragment.
    for user in team_of(region):
        client.force_login(user)
        for name, target in (("cases:detail", case.pk), ("cases:handover_panel", case.pk),
                             ("cases:inbox_detail", handover.pk), ("cases:contact_attempt", case.pk)):
            for headers in ({}, HTMX):
                response = client.get(reverse(name, args=[target]), **headers)
                assert response.status_code == 404, (user, name, headers)
                assert not leaked(response.content.decode()), (user, name)
        for name, data in (("cases:handover_decline", {"reason": REASON}), ("cases:handover_accept", {})):
            response = client.post(reverse(name, args=[handover.pk]), data, **HTMX)
            assert response.status_code == 404, (user, name)
            assert not leaked(response.content.decode()), (user, name)
        response = client.post(reverse("cases:joint_visit_record", args=[visit.pk]), {"outcome": "reached"})
        assert response.status_code == 404, (user, "joint_visit_record")
        for name in ("cases:inbox", "cases:joint_visits", "cases:notifications", "cases:my_cases", "cases:worklist"):
            response = client.get(reverse(name), follow=True)
            assert response.status_code == 200, (user, name)
            assert not leaked(response.content.decode()), (user, name)
    # ... nor by e-mail, ever: not the offer's, not the visit's.
    assert team_mails(region, mailoutbox), "the team was told of the offer and the visit by e-mail"
    for message in team_mails(region, mailoutbox):
        assert not leaked(f"{message.subject}\n{message.body}"), message.subject


def as_(api, user):
    api.force_authenticate(user=user)
    return api


def declined_through_the_api(region, api, capture):
    """The scenario up to the decline, through the API: (case id, handover id, visit id)."""
    consultant, coach = region.consultant, region.debt_coach

    response = as_(api, consultant).post(reverse("api-case-list"), {
        "tenant": TENANT, "arrears_amount": "1045.00", "months_in_arrears": 2,
    }, format="json")
    assert response.status_code == 201, response.content
    case_id = response.json()["id"]
    response = api.post(reverse("api-case-contact-attempts", args=[case_id]),
                        {"channel": "phone", "outcome": "not_reached"}, format="json")
    assert response.status_code == 201, response.content
    with capture(execute=True):
        response = api.post(reverse("api-case-joint-visits", args=[case_id]), {
            "partner": region.debt_assistance.pk, "planned_at": (timezone.now() + timedelta(days=4)).isoformat(),
        }, format="json")
    assert response.status_code == 201, response.content
    visit_id = response.json()["id"]
    with capture(execute=True):
        response = api.post(reverse("api-case-handover", args=[case_id]), {
            "to_organisation": region.debt_assistance.pk, "summary": SUMMARY, "tenant_consent": True,
        }, format="json")
    assert response.status_code == 201, response.content
    handover_id = response.json()["id"]

    # The coach reads the offer and its dossier, and sees the visit.
    inbox = as_(api, coach).get(reverse("api-handover-list"), {"status": "offered"}).json()["results"]
    assert [row["id"] for row in inbox] == [handover_id]
    assert api.get(reverse("api-handover-detail", args=[handover_id])).status_code == 200
    visits = api.get(reverse("api-joint-visit-list")).json()
    visits = visits["results"] if isinstance(visits, dict) else visits
    assert [row["id"] for row in visits] == [visit_id]

    with capture(execute=True):
        response = api.post(reverse("api-handover-decline", args=[handover_id]), {"reason": REASON}, format="json")
    assert response.status_code == 200, response.content
    assert not leaked(response.content.decode()), "the answer to the decline carries the case"
    return case_id, handover_id, visit_id


def test_scenario_9_api_the_case_comes_back(region, api, django_capture_on_commit_callbacks):
    case_id, handover_id, _visit_id = declined_through_the_api(region, api, django_capture_on_commit_callbacks)

    # The consultant's case: back, marked returned, with a fresh handover deadline; who declined and why.
    answer = as_(api, region.consultant).get(reverse("api-case-detail", args=[case_id])).json()
    assert answer["status"] == CaseStatus.CONTACTING
    assert answer["returned"] is True
    assert answer["deadline_kind"] == DeadlineKind.HANDOVER
    handover = Handover.objects.get(pk=handover_id)
    case = Case.objects.get(pk=case_id)
    assert_fresh_handover_deadline(case, handover)
    declined = api.get(reverse("api-handover-list"), {"status": "declined"}).json()["results"]
    assert [(row["id"], row["to_organisation"]["id"] if isinstance(row["to_organisation"], dict)
             else row["to_organisation"], row["reason"]) for row in declined] == [
        (handover_id, region.debt_assistance.pk, REASON)]
    timeline = api.get(reverse("api-case-timeline", args=[case_id])).content.decode()
    assert REASON in timeline and region.debt_assistance.name in timeline


def test_scenario_9_api_the_team_gets_nothing_more(region, api, mailoutbox, django_capture_on_commit_callbacks):
    case_id, handover_id, visit_id = declined_through_the_api(region, api, django_capture_on_commit_callbacks)

    # The debt-assistance team: nothing, on any endpoint.
    for user in team_of(region):
        as_(api, user)
        for name, target in (("api-case-detail", case_id), ("api-case-timeline", case_id),
                             ("api-case-export", case_id), ("api-handover-detail", handover_id)):
            response = api.get(reverse(name, args=[target]))
            assert response.status_code == 404, (user, name)
            assert not leaked(response.content.decode()), (user, name)
        for name, target, data in (("api-handover-accept", handover_id, {}),
                                   ("api-handover-decline", handover_id, {"reason": REASON}),
                                   ("api-joint-visit-outcome", visit_id, {"outcome": "reached"})):
            response = api.post(reverse(name, args=[target]), data, format="json")
            assert response.status_code == 404, (user, name, response.status_code)
            assert not leaked(response.content.decode()), (user, name)
        for name in ("api-case-list", "api-handover-list", "api-joint-visit-list", "api-notification-list",
                     "api-escalation-list"):
            response = api.get(reverse(name))
            assert response.status_code in (200, 403), (user, name)
            assert not leaked(response.content.decode()), (user, name)
    assert team_mails(region, mailoutbox), "the team was told of the offer and the visit by e-mail"
    for message in team_mails(region, mailoutbox):
        assert not leaked(f"{message.subject}\n{message.body}"), message.subject
