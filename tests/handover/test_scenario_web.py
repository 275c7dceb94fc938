"""Scenario 2 of SCENARIOS.md through the web UI (Django test client): the warm handover from the corporation
to the municipal debt coach, with the dossier of what was already tried."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import AccessLog, CaseStatus, Handover, HandoverStatus, JointVisit, Notification

from .conftest import log_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def offer_via_ui(client, region, case, *, consent=True, **overrides):
    """The offer form; with `consent`, the tenant's consent is recorded on the case page first (when the
    client may)."""
    if consent:
        client.post(reverse("cases:consent_record", args=[case.pk]), {"given": "yes", "how": "verbal"})
    data = {"to_organisation": region.debt_assistance.pk, "summary": "Drie keer niet bereikt; buren: baan kwijt."}
    data.update(overrides)
    return client.post(reverse("cases:handover_offer", args=[case.pk]), data)


def test_scenario_two_warm_handover(client, region, unreached_case):
    case = unreached_case
    consultant = log_in(client, region.consultant)

    # The panel on the case page offers the next chain partner by default.
    page = consultant.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    assert b'data-testid="offer-form"' in page.content
    assert page.context["handover_data"]["offer_form"]["to_organisation"].value() == region.debt_assistance.pk

    response = offer_via_ui(consultant, region, case)
    assert response.status_code == 302
    handover = Handover.objects.get(case=case)
    assert handover.status == HandoverStatus.OFFERED
    assert handover.to_organisation == region.debt_assistance
    assert handover.tenant_consent is True
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDED_OVER

    # The coach sees the offer in the inbox with the dossier of what was tried.
    coach = log_in(client, region.debt_coach)
    inbox = coach.get(reverse("cases:inbox"))
    assert inbox.status_code == 200
    assert inbox.context["offers"] == [handover]
    html = inbox.content.decode()
    assert "Fam. Bulut" in html
    assert html.count('data-testid="dossier-attempt"') == 3
    assert "Voicemail" in html and "Brief met afspraakvoorstel" in html
    assert "Buren zeggen dat de huurder zijn baan kwijt is." in html
    assert "€ 712,40" in html and "06 1234 5678" in html
    assert 'data-clock="5"' in html  # five calendar days to pick it up
    assert AccessLog.objects.filter(user=region.debt_coach, case=case, what="dossier").count() == 1

    detail = coach.get(reverse("cases:inbox_detail", args=[handover.pk]))
    assert detail.status_code == 200
    assert detail.content.decode().count('data-testid="dossier-attempt"') == 3
    # The same read within the hour: still one row.
    assert AccessLog.objects.filter(user=region.debt_coach, case=case, what="dossier").count() == 1

    # Accept in place (HTMX swaps the row).
    accepted = coach.post(reverse("cases:handover_accept", args=[handover.pk]), **HTMX)
    assert accepted.status_code == 200
    assert b'data-testid="offer-accepted"' in accepted.content
    assert b"<html" not in accepted.content
    handover.refresh_from_db()
    case.refresh_from_db()
    assert handover.status == HandoverStatus.ACCEPTED
    assert case.holder == region.debt_assistance
    assert case.status == CaseStatus.WITH_PARTNER
    assert coach.get(reverse("cases:inbox")).context["offers"] == []
    assert case in coach.get(reverse("cases:my_cases")).context["cases"]

    # The corporation keeps seeing the case; the welfare organisation does not.
    assert log_in(client, region.consultant).get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert case not in client.get(reverse("cases:my_cases")).context["cases"]
    welfare = log_in(client, region.welfare_worker)
    assert welfare.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert welfare.get(reverse("cases:handover_panel", args=[case.pk])).status_code == 404
    assert welfare.get(reverse("cases:inbox_detail", args=[handover.pk])).status_code == 404


def test_accept_without_javascript_redirects_to_the_case(client, region, unreached_case):
    handover = services.offer_handover(region.consultant, unreached_case, summary="Niet bereikt", tenant_consent=True)
    response = log_in(client, region.debt_coach).post(reverse("cases:handover_accept", args=[handover.pk]))
    assert response.status_code == 302
    assert response.url == reverse("cases:detail", args=[unreached_case.pk])
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.ACCEPTED
    # A second accept (double click): the offer is no longer open, so it is not found (not a 500), with or
    # without HTMX, and the answer shows nothing of the case.
    for headers in (HTMX, {}):
        again = client.post(reverse("cases:handover_accept", args=[handover.pk]), **headers)
        assert again.status_code == 404
        assert "Fam. Bulut" not in again.content.decode()


def test_offer_needs_a_summary_and_a_chain_partner(client, region, unreached_case):
    # Without the tenant's consent an offer is made with the reduced dossier (tests/handover/test_consent.py).
    consultant = log_in(client, region.consultant)
    missing_summary = offer_via_ui(consultant, region, unreached_case, summary="  ")
    assert missing_summary.status_code == 400
    assert missing_summary.context["handover_data"]["offer_form"].errors["summary"]
    assert b'class="errorlist"' in missing_summary.content
    outside_chain = offer_via_ui(consultant, region, unreached_case, to_organisation=region.unrelated.pk)
    assert outside_chain.status_code == 400
    assert outside_chain.context["handover_data"]["offer_form"].errors["to_organisation"]
    assert not Handover.objects.filter(case=unreached_case).exists()


def test_only_the_holder_may_offer(client, region, unreached_case):
    services.offer_handover(region.consultant, unreached_case, summary="Niet bereikt", tenant_consent=True)
    # The coach can view the case (open offer) but is not the holder: refused with 403 and the reason on the form.
    response = offer_via_ui(log_in(client, region.debt_coach), region, unreached_case,
                            to_organisation=region.welfare.pk)
    assert response.status_code == 403
    assert response.context["handover_data"]["offer_form"].non_field_errors()
    assert Handover.objects.filter(case=unreached_case).count() == 1
    # Outside the scope: 404.
    assert offer_via_ui(log_in(client, region.welfare_worker), region, unreached_case).status_code == 404


def test_decline_without_reason_is_refused_with_a_form_error(client, region, unreached_case):
    handover = services.offer_handover(region.consultant, unreached_case, summary="Niet bereikt", tenant_consent=True)
    coach = log_in(client, region.debt_coach)
    url = reverse("cases:handover_decline", args=[handover.pk])

    plain = coach.post(url, {"reason": " "})
    assert plain.status_code == 400
    assert plain.context["decline_form"].errors["reason"]
    assert b'class="errorlist"' in plain.content

    swapped = coach.post(url, {"reason": ""}, **HTMX)
    assert swapped.status_code == 200  # htmx swaps only 2xx answers
    assert b'class="errorlist"' in swapped.content
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.OFFERED

    declined = coach.post(url, {"reason": "Valt buiten onze doelgroep"}, **HTMX)
    assert b'data-testid="offer-declined"' in declined.content
    handover.refresh_from_db()
    unreached_case.refresh_from_db()
    assert handover.status == HandoverStatus.DECLINED
    assert handover.reason == "Valt buiten onze doelgroep"
    assert unreached_case.status == CaseStatus.CONTACTING
    assert coach.get(reverse("cases:detail", args=[unreached_case.pk])).status_code == 404


def test_accept_or_decline_by_an_organisation_not_offered_is_404(client, region, unreached_case):
    handover = services.offer_handover(region.consultant, unreached_case, summary="Niet bereikt", tenant_consent=True)
    for user in (region.welfare_worker, region.unrelated_worker, region.consultant):
        log_in(client, user)
        assert client.post(reverse("cases:handover_accept", args=[handover.pk])).status_code == 404
        assert client.post(reverse("cases:handover_decline", args=[handover.pk]), {"reason": "x"}).status_code == 404
        assert client.get(reverse("cases:inbox_detail", args=[handover.pk])).status_code == 404
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.OFFERED


def test_withdraw_from_the_panel(client, region, unreached_case):
    handover = services.offer_handover(region.consultant, unreached_case, summary="Niet bereikt", tenant_consent=True)
    coach = log_in(client, region.debt_coach)
    assert coach.post(reverse("cases:handover_withdraw", args=[handover.pk])).status_code == 404
    consultant = log_in(client, region.consultant)
    page = consultant.get(reverse("cases:handover_panel", args=[unreached_case.pk]))
    assert b'data-testid="withdraw"' in page.content
    response = consultant.post(reverse("cases:handover_withdraw", args=[handover.pk]))
    assert response.status_code == 302
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.WITHDRAWN
    assert log_in(client, region.debt_coach).get(reverse("cases:inbox")).context["offers"] == []


def test_notifications_on_offer_and_accept(client, region, unreached_case):
    offer_via_ui(log_in(client, region.consultant), region, unreached_case)
    handover = Handover.objects.get(case=unreached_case)
    for user in (region.debt_coach, region.debt_manager):
        assert Notification.objects.filter(user=user, case=unreached_case, read_at__isnull=True).count() == 1
    assert not Notification.objects.filter(user=region.welfare_worker).exists()

    coach = log_in(client, region.debt_coach)
    page = coach.get(reverse("cases:my_cases"))
    assert b'data-testid="unread-count"' in page.content
    listing = coach.get(reverse("cases:notifications"))
    assert listing.status_code == 200
    # A notification names no tenant: what happened and the link to the case (DESIGN.md, Access).
    assert reverse("cases:detail", args=[unreached_case.pk]) in listing.content.decode()
    assert not Notification.objects.filter(subject__contains="Bulut").exists()
    assert not Notification.objects.filter(user=region.debt_coach, read_at__isnull=True).exists()
    assert b'data-testid="unread-count"' not in coach.get(reverse("cases:my_cases")).content

    coach.post(reverse("cases:handover_accept", args=[handover.pk]))
    for user in (region.consultant, region.corporation_manager):
        notification = Notification.objects.get(user=user, case=unreached_case)
        assert region.debt_assistance.name in notification.subject


def test_mail_goes_out_only_after_commit(client, region, unreached_case, django_capture_on_commit_callbacks):
    consultant = log_in(client, region.consultant)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert offer_via_ui(consultant, region, unreached_case).status_code == 302
    assert callbacks, "the e-mail waits for the commit"
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([region.debt_coach.email, region.debt_manager.email])

    handover = Handover.objects.get(case=unreached_case)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        log_in(client, region.debt_coach).post(reverse("cases:handover_accept", args=[handover.pk]))
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [region.consultant.email, region.corporation_manager.email]
    )


def test_no_mail_when_the_transaction_rolls_back(region, unreached_case, django_capture_on_commit_callbacks):
    class Boom(Exception):
        pass

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            services.offer_handover(region.consultant, unreached_case, summary="Niet bereikt", tenant_consent=True)
            raise Boom
    assert callbacks == []
    assert mail.outbox == []
    assert not Handover.objects.filter(case=unreached_case).exists()
    assert not Notification.objects.filter(case=unreached_case).exists()


def test_dossier_is_what_was_done_before_the_offer(client, region, unreached_case):
    offer_via_ui(log_in(client, region.consultant), region, unreached_case)
    handover = Handover.objects.get(case=unreached_case)
    frozen = handover.dossier
    assert [a["channel"] for a in frozen["contact_attempts"]] == ["phone", "whatsapp", "letter"]
    assert frozen["summary"] == "Drie keer niet bereikt; buren: baan kwijt."
    assert frozen["tenant_consent"] is True

    coach = log_in(client, region.debt_coach)
    coach.post(reverse("cases:handover_accept", args=[handover.pk]))
    services.log_contact_attempt(region.debt_coach, unreached_case, channel="phone", outcome="reached",
                                 notes="Na de overdracht bereikt")
    services.add_note(region.debt_coach, unreached_case, text="Intake gepland")
    handover.refresh_from_db()
    assert handover.dossier == frozen
    panel = coach.get(reverse("cases:handover_panel", args=[unreached_case.pk]))
    html = panel.content.decode()
    assert html.count('data-testid="dossier-attempt"') == 3
    assert "Na de overdracht bereikt" not in html
    assert "Intake gepland" not in html


def test_joint_visit_planned_and_recorded(client, region, unreached_case):
    consultant = log_in(client, region.consultant)
    when = timezone.localtime(timezone.now() + timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    url = reverse("cases:joint_visit_plan", args=[unreached_case.pk])

    past = consultant.post(url, {"partner": region.debt_assistance.pk, "planned_at": "2020-01-01T10:00"})
    assert past.status_code == 400
    assert past.context["handover_data"]["visit_form"].errors["planned_at"]
    garbage = consultant.post(url, {"partner": region.debt_assistance.pk, "planned_at": "morgen"})
    assert garbage.status_code == 400

    response = consultant.post(url, {"partner": region.debt_assistance.pk, "planned_at": when.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    visit = unreached_case.joint_visits.get()
    assert visit.address == unreached_case.tenant.address
    assert visit.planned_at == when

    coach = log_in(client, region.debt_coach)
    visits = coach.get(reverse("cases:joint_visits"))
    assert "Fam. Bulut" in visits.content.decode()
    assert visits.context["rows"][0]["can_record"] is False
    refused = coach.post(reverse("cases:joint_visit_record", args=[visit.pk]), {"outcome": "reached"})
    assert refused.status_code == 404  # the visit's partner does not see the case (policy: NotVisible)
    assert log_in(client, region.welfare_worker).get(reverse("cases:joint_visits")).context["rows"] == []

    # The outcome is recorded from the visit's planned time on (policy.visit_outcome_due).
    consultant = log_in(client, region.consultant)
    assert not consultant.get(reverse("cases:joint_visits")).context["rows"][0]["can_record"]
    JointVisit.objects.filter(pk=visit.pk).update(planned_at=timezone.now() - timedelta(minutes=5))
    assert consultant.get(reverse("cases:joint_visits")).context["rows"][0]["can_record"]
    no_outcome = consultant.post(reverse("cases:joint_visit_record", args=[visit.pk]), {"notes": "?"})
    assert no_outcome.status_code == 400
    done = consultant.post(reverse("cases:joint_visit_record", args=[visit.pk]),
                           {"outcome": "reached", "notes": "Samen met de coach gesproken"})
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.status == "done"
    assert visit.attempt.channel == "joint_home_visit"
    assert visit.attempt.notes == "Samen met de coach gesproken"
