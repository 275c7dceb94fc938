"""The tenant's consent to sharing the case file (DESIGN.md "Privacy (AVG)"): a record (given or not, when, how,
recorded by whom) on the case page; a handover without it, by a person or by the sweep, carries only what the
Besluit gemeentelijke schuldhulpverlening lets a landlord share (contact data and the arrears); a withdrawal cuts
every dossier shared with it down to that at once. Through the pages, as the people would."""

from datetime import timedelta

import pytest
from django.urls import reverse

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Consent,
    EventKind,
    Handover,
    HandoverStatus,
    Notification,
)
from config.errors import ForbiddenAction
from tests.escalation.conftest import at
from tests.factories import CaseFactory

from .conftest import log_in

pytestmark = pytest.mark.django_db

# What needs consent in the unreached case of tests/handover/conftest.py: attempt notes, the note, the contract.
NEEDS_CONSENT = ("Voicemail", "Brief met afspraakvoorstel", "Buren zeggen dat de huurder zijn baan kwijt is.",
                 "DJ-4411", 'data-testid="dossier-attempt"')
CONTACT = ("Fam. Bulut", "Lasondersingel 12", "7514 BP", "Enschede", "06 1234 5678", "€ 712,40")  # the arrears as the Dutch page writes them
REDUCED_KEYS = {"variant", "assembled_at", "case", "tenant_consent", "consent", "tenant", "arrears"}


def record_via_ui(client, case, **data):
    return client.post(reverse("cases:consent_record", args=[case.pk]), data)


def offer_via_ui(client, region, case, summary="Drie keer niet bereikt."):
    return client.post(reverse("cases:handover_offer", args=[case.pk]),
                       {"to_organisation": region.debt_assistance.pk, "summary": summary})


def partner_page(client, region, handover):
    return log_in(client, region.debt_coach).get(reverse("cases:inbox_detail", args=[handover.pk])).content.decode()


def partner_api(api, region, handover):
    response = api.as_user(region.debt_coach).get(f"/api/v1/handovers/{handover.pk}/")
    assert response.status_code == 200
    return response.json()


def assert_reduced(dossier, case):
    assert set(dossier) == REDUCED_KEYS
    assert dossier["variant"] == "reduced" and dossier["case"] == case.pk and dossier["tenant_consent"] is False
    assert dossier["tenant"] == {"name": "Fam. Bulut", "street": "Lasondersingel", "house_number": "12",
                                 "postcode": "7514 BP", "city": "Enschede", "phone": "06 1234 5678", "email": ""}
    assert dossier["arrears"] == {"amount": "712.40", "months_in_arrears": case.months_in_arrears}


# --- the record on the case page ---------------------------------------------------------------------------


def test_the_consultant_records_consent_on_the_case_page(client, region, unreached_case):
    consultant = log_in(client, region.consultant)
    page = consultant.get(reverse("cases:detail", args=[unreached_case.pk])).content.decode()
    assert "Toestemming van de huurder" in page and "Geen toestemming van de huurder vastgelegd." in page
    assert 'data-testid="consent-form"' in page and "Mondeling" in page and "Schriftelijk" in page

    response = record_via_ui(consultant, unreached_case, given="yes", how="written")
    assert response.status_code == 302 and response.url.endswith("#consent")
    consent = Consent.objects.get(case=unreached_case)
    assert (consent.given, consent.how, consent.recorded_by, consent.organisation) == (
        True, "written", region.consultant, region.corporation)
    assert consent.withdrawn_at is None and consent.superseded_at is None

    page = consultant.get(reverse("cases:detail", args=[unreached_case.pk])).content.decode()
    assert "Toestemming gegeven" in page and "schriftelijk" in page and "vastgelegd door consulent" in page
    assert "volledige dossier" in page
    assert 'data-testid="withdraw-consent"' in page
    event = CaseEvent.objects.get(case=unreached_case, kind=EventKind.CONSENT_RECORDED)
    assert event.actor == region.consultant and event.data["given"] is True and event.data["how"] == "written"
    assert "De huurder geeft toestemming om het dossier te delen met ketenpartners (Schriftelijk)" in page


def test_recording_again_keeps_one_current_record(client, region, unreached_case):
    consultant = log_in(client, region.consultant)
    record_via_ui(consultant, unreached_case, given="no")
    record_via_ui(consultant, unreached_case, given="yes", how="digital")
    assert Consent.objects.filter(case=unreached_case).count() == 2
    [current] = Consent.objects.filter(case=unreached_case, superseded_at__isnull=True)
    assert current.given and current.how == "digital"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"how": "verbal"}, "given", "Geef aan of de huurder toestemming geeft."),
    ({"given": "yes"}, "how", "Geef aan hoe de huurder toestemming gaf."),
    ({"given": "yes", "how": "telepathisch"}, "how", None),
    ({"given": "yes", "how": "verbal", "at": "2999-01-01T10:00"}, "at", "Toestemming kan niet in de toekomst"),
    ({"given": "yes", "how": "verbal", "at": "gisteren"}, "at", None),
])
def test_bad_consent_input_is_a_form_message(client, region, unreached_case, data, field, message):
    response = record_via_ui(log_in(client, region.consultant), unreached_case, **data)
    assert response.status_code == 400
    errors = response.context["handover_data"]["consent_form"].errors
    assert field in errors
    if message:
        assert message in errors[field][0]
        assert message in response.content.decode()
    assert not Consent.objects.filter(case=unreached_case).exists()


def test_a_refusal_cannot_replace_a_consent_in_force(client, region, unreached_case):
    consultant = log_in(client, region.consultant)
    record_via_ui(consultant, unreached_case, given="yes", how="verbal")
    response = record_via_ui(consultant, unreached_case, given="no")
    assert response.status_code == 400
    assert "trek die in" in response.content.decode()
    assert Consent.objects.get(case=unreached_case, superseded_at__isnull=True).given


# --- the manual handover ------------------------------------------------------------------------------------


def test_with_consent_the_partner_gets_the_full_dossier_and_the_consent(client, api, region, unreached_case):
    consultant = log_in(client, region.consultant)
    record_via_ui(consultant, unreached_case, given="yes", how="verbal")
    assert offer_via_ui(consultant, region, unreached_case).status_code == 302
    handover = Handover.objects.get(case=unreached_case)
    assert handover.tenant_consent is True

    page = partner_page(client, region, handover)
    for text in (*NEEDS_CONSENT, *CONTACT):
        assert text in page, text
    assert "Volledig dossier, gedeeld met toestemming van de huurder." in page
    assert "Toestemming gegeven" in page and "mondeling" in page and "vastgelegd door consulent (Domijn)" in page
    assert f"Casusnummer {unreached_case.pk}" in page

    answer = partner_api(api, region, handover)
    assert answer["tenant_consent"] is True
    consent = answer["consent"]
    assert consent["given"] is True and consent["how"] == "verbal" and consent["recorded_by"] == "consulent"
    assert consent["at"] and consent["withdrawn_at"] is None
    assert answer["dossier"]["variant"] == "full"
    assert [a["notes"] for a in answer["dossier"]["contact_attempts"]] == [
        "Voicemail", "Gelezen, geen reactie", "Brief met afspraakvoorstel"]


def test_without_consent_the_offer_is_made_with_the_reduced_dossier(client, api, region, unreached_case):
    consultant = log_in(client, region.consultant)
    page = consultant.get(reverse("cases:detail", args=[unreached_case.pk])).content.decode()
    assert "alleen contactgegevens en de achterstand" in page
    assert offer_via_ui(consultant, region, unreached_case).status_code == 302
    handover = Handover.objects.get(case=unreached_case)
    assert handover.status == HandoverStatus.OFFERED and handover.tenant_consent is False
    # No copy of what needs consent is stored with the offer.
    assert_reduced(handover.dossier, unreached_case)
    assert handover.dossier["consent"]["given"] is False and handover.dossier["consent"]["recorded"] is False

    page = partner_page(client, region, handover)
    for text in CONTACT:
        assert text in page, text
    for text in NEEDS_CONSENT:
        assert text not in page, text
    assert "Beperkt dossier: zonder toestemming van de huurder" in page
    assert f"Casusnummer {unreached_case.pk}" in page
    assert "Geen toestemming van de huurder vastgelegd." in page

    answer = partner_api(api, region, handover)
    assert answer["tenant_consent"] is False and answer["consent"]["given"] is False
    assert_reduced(answer["dossier"], unreached_case)


def test_a_recorded_refusal_shows_in_the_dossier(client, region, unreached_case):
    consultant = log_in(client, region.consultant)
    record_via_ui(consultant, unreached_case, given="no", how="verbal")
    offer_via_ui(consultant, region, unreached_case)
    handover = Handover.objects.get(case=unreached_case)
    assert_reduced(handover.dossier, unreached_case)
    page = partner_page(client, region, handover)
    assert "De huurder gaf geen toestemming" in page and "Voicemail" not in page


def test_consent_given_while_the_offer_waits_gives_the_partner_the_full_dossier(client, region, unreached_case):
    consultant = log_in(client, region.consultant)
    offer_via_ui(consultant, region, unreached_case)
    handover = Handover.objects.get(case=unreached_case)
    assert "Voicemail" not in partner_page(client, region, handover)

    record_via_ui(log_in(client, region.consultant), unreached_case, given="yes", how="digital")
    handover.refresh_from_db()
    assert handover.tenant_consent is True and handover.dossier["variant"] == "full"
    assert "Voicemail" in partner_page(client, region, handover)


# --- the sweep's automatic handover ---------------------------------------------------------------------------


def _due_for_handover(region, name):
    case = CaseFactory(corporation=region.corporation, convenant=region.convenant, opened_at=at(2),
                       tenant={"name": name, "phone": "06 5555 0000", "contract_ref": f"C-{name}",
                               "house_number": "3", "postcode": "7511 AA"})
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="not_reached", at=at(3),
                                 notes="Geen gehoor, buurvrouw zegt ziek", now=at(3))
    services.add_note(region.consultant, case, text="Huurder heeft ook energieschuld", now=at(3))
    return case


def test_the_sweep_hands_over_the_reduced_dossier_without_consent(client, region):
    without = _due_for_handover(region, "Fam. Zonder")
    given = _due_for_handover(region, "Fam. Met")
    services.record_consent(region.consultant, given, given=True, how="written", at=at(4), now=at(4))

    assert services.escalate_overdue(as_of=at(2) + timedelta(days=31)) == 2
    auto = Handover.objects.get(case=without, status=HandoverStatus.OFFERED)
    assert auto.by_escalation and auto.tenant_consent is False
    assert set(auto.dossier) == REDUCED_KEYS and auto.dossier["variant"] == "reduced"
    assert auto.dossier["tenant"]["name"] == "Fam. Zonder" and auto.dossier["tenant"]["phone"] == "06 5555 0000"
    page = partner_page(client, region, auto)
    assert "Fam. Zonder" in page and "Beperkt dossier" in page
    assert "Geen gehoor" not in page and "energieschuld" not in page

    full = Handover.objects.get(case=given, status=HandoverStatus.OFFERED)
    assert full.by_escalation and full.tenant_consent is True and full.dossier["variant"] == "full"
    assert full.dossier["consent"]["how"] == "written"
    page = partner_page(client, region, full)
    assert "Geen gehoor, buurvrouw zegt ziek" in page and "energieschuld" in page


# --- withdrawal -----------------------------------------------------------------------------------------------


def test_withdrawal_reduces_what_the_partner_sees_at_once(client, api, region, unreached_case,
                                                          django_capture_on_commit_callbacks):
    consultant = log_in(client, region.consultant)
    record_via_ui(consultant, unreached_case, given="yes", how="verbal")
    offer_via_ui(consultant, region, unreached_case, summary="Buren: baan kwijt.")
    handover = Handover.objects.get(case=unreached_case)
    assert "Voicemail" in partner_page(client, region, handover)

    consultant = log_in(client, region.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = consultant.post(reverse("cases:consent_withdraw", args=[unreached_case.pk]))
    assert response.status_code == 302
    consent = Consent.objects.get(case=unreached_case)
    assert consent.withdrawn_at is not None and consent.withdrawn_by == region.consultant

    # The stored dossier itself is cut down: no copy of what needed consent stays behind.
    handover.refresh_from_db()
    assert handover.tenant_consent is False and handover.summary == ""
    assert_reduced(handover.dossier, unreached_case)
    assert handover.dossier["consent"]["withdrawn_at"]

    page = partner_page(client, region, handover)
    for text in CONTACT:
        assert text in page, text
    for text in (*NEEDS_CONSENT, "Buren: baan kwijt."):
        assert text not in page, text
    assert "Toestemming ingetrokken" in page and "Beperkt dossier" in page
    inbox = log_in(client, region.debt_coach).get(reverse("cases:inbox")).content.decode()
    assert "Voicemail" not in inbox and "Buren: baan kwijt." not in inbox

    answer = partner_api(api, region, handover)
    assert answer["tenant_consent"] is False and answer["summary"] == ""
    assert answer["consent"]["given"] is False and answer["consent"]["withdrawn_at"]
    assert_reduced(answer["dossier"], unreached_case)
    listed = api.as_user(region.debt_coach).get("/api/v1/handovers/").json()["results"]
    assert [(row["id"], row["tenant_consent"]) for row in listed] == [(handover.pk, False)]

    assert Notification.objects.filter(user=region.debt_coach, case=unreached_case,
                                       subject__contains="toestemming").exists()
    event = CaseEvent.objects.get(case=unreached_case, kind=EventKind.CONSENT_WITHDRAWN)
    assert event.data["handovers"] == [handover.pk]
    case_page = log_in(client, region.consultant).get(reverse("cases:detail", args=[unreached_case.pk]))
    html = case_page.content.decode()
    assert "De huurder heeft de toestemming ingetrokken" in html
    assert 'data-testid="withdraw-consent"' not in html

    # A new offer after the withdrawal carries the reduced dossier, whatever a version 1 client says.
    services.withdraw_handover(region.consultant, handover)
    with pytest.raises(services.CaseError):
        services.offer_handover(region.consultant, unreached_case, summary="Opnieuw", tenant_consent=True)
    again = services.offer_handover(region.consultant, unreached_case, summary="Opnieuw")
    assert again.tenant_consent is False and again.dossier["variant"] == "reduced"


def test_withdrawal_without_consent_is_a_message(client, region, unreached_case):
    consultant = log_in(client, region.consultant)
    response = consultant.post(reverse("cases:consent_withdraw", args=[unreached_case.pk]), follow=True)
    assert "Er is geen toestemming om in te trekken." in response.content.decode()
    assert not CaseEvent.objects.filter(case=unreached_case, kind=EventKind.CONSENT_WITHDRAWN).exists()


def test_consent_can_be_withdrawn_after_the_case_is_closed(region, unreached_case):
    services.record_consent(region.consultant, unreached_case, given=True, how="verbal")
    handover = services.offer_handover(region.consultant, unreached_case, summary="Niet bereikt")
    services.accept_handover(region.debt_coach, handover)
    services.close_case(region.consultant, unreached_case, outcome="other")
    with pytest.raises(services.CaseError):
        services.record_consent(region.consultant, unreached_case, given=True, how="verbal")
    services.withdraw_consent(region.corporation_manager, unreached_case)
    handover.refresh_from_db()
    assert handover.dossier["variant"] == "reduced"
    assert Case.objects.get(pk=unreached_case.pk).status == CaseStatus.CLOSED


# --- who may record and withdraw ------------------------------------------------------------------------------


def test_only_the_corporation_records_and_withdraws(client, region, unreached_case):
    services.record_consent(region.corporation_manager, unreached_case, given=True, how="verbal")
    handover = services.offer_handover(region.consultant, unreached_case, summary="Niet bereikt")

    # The partner the offer waits for sees the case, not the consent forms; posting them is refused (403).
    coach = log_in(client, region.debt_coach)
    page = coach.get(reverse("cases:detail", args=[unreached_case.pk])).content.decode()
    assert 'data-testid="consent-form"' not in page and 'data-testid="withdraw-consent"' not in page
    assert record_via_ui(coach, unreached_case, given="no").status_code == 403
    assert coach.post(reverse("cases:consent_withdraw", args=[unreached_case.pk])).status_code == 403
    for call in (lambda: services.record_consent(region.debt_coach, unreached_case, given=False),
                 lambda: services.withdraw_consent(region.debt_coach, unreached_case)):
        with pytest.raises(ForbiddenAction):
            call()

    # Nor once it holds the case.
    services.accept_handover(region.debt_coach, handover)
    with pytest.raises(ForbiddenAction):
        services.withdraw_consent(region.debt_manager, unreached_case)
    page = coach.get(reverse("cases:detail", args=[unreached_case.pk])).content.decode()
    assert 'data-testid="consent-form"' not in page and 'data-testid="withdraw-consent"' not in page

    # An organisation outside the case learns nothing of it.
    outsider = log_in(client, region.unrelated_worker)
    assert record_via_ui(outsider, unreached_case, given="yes", how="verbal").status_code == 404
    assert outsider.post(reverse("cases:consent_withdraw", args=[unreached_case.pk])).status_code == 404

    # The corporation keeps recording and withdrawing while the partner holds the case.
    consultant = log_in(client, region.consultant)
    page = consultant.get(reverse("cases:detail", args=[unreached_case.pk])).content.decode()
    assert 'data-testid="consent-form"' in page and 'data-testid="withdraw-consent"' in page
    assert consultant.post(reverse("cases:consent_withdraw", args=[unreached_case.pk])).status_code == 302
    assert Consent.objects.get(case=unreached_case).withdrawn_by == region.consultant
