"""What a chain partner reads of the landlord's casework follows the tenant's consent (cases.policy
Action.READ_HISTORY): without a consent in force the case page, the API timeline, the offer's summary and the
case export show the partner the contact data, the arrears and its own organisation's entries only; with it,
everything; after a withdrawal, the reduced view again. The corporation always reads its own casework."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Handover

from .conftest import log_in
from .test_consent import NEEDS_CONSENT, offer_via_ui, record_via_ui

pytestmark = pytest.mark.django_db

SUMMARY = "Huurder is ziek geweest, kan pas in maart betalen."
CASEWORK = ("Voicemail", "Gelezen, geen reactie", "Brief met afspraakvoorstel",
            "Buren zeggen dat de huurder zijn baan kwijt is.")


def timeline_texts(api, user, case):
    response = api.as_user(user).get(f"/api/v1/cases/{case.pk}/timeline/")
    assert response.status_code == 200
    return response.json()["results"]


def as_text(events):
    return " ".join(f"{event['description']} {event.get('data')}" for event in events)


def case_page(client, user, case):
    response = log_in(client, user).get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def offer_without_consent(client, region, case):
    assert offer_via_ui(log_in(client, region.consultant), region, case, summary=SUMMARY).status_code == 302
    return Handover.objects.get(case=case)


def test_an_offered_partner_without_consent_reads_no_casework(client, api, region, unreached_case):
    handover = offer_without_consent(client, region, unreached_case)

    events = timeline_texts(api, region.debt_coach, unreached_case)
    kinds = [event["kind"] for event in events]
    assert kinds[0] == "opened" and "handover_offered" in kinds
    assert "contact_attempt" not in kinds and "note" not in kinds
    for text in (*CASEWORK, SUMMARY):
        assert text not in as_text(events), text
    detail = api.as_user(region.debt_coach).get(f"/api/v1/cases/{unreached_case.pk}/").json()
    assert "read_history" not in detail["allowed_actions"] and "view" in detail["allowed_actions"]

    page = case_page(client, region.debt_coach, unreached_case)
    assert 'data-testid="history-reduced"' in page and "Fam. Bulut" in page
    for text in (*CASEWORK, SUMMARY):
        assert text not in page, text

    inbox = log_in(client, region.debt_coach).get(reverse("cases:inbox")).content.decode()
    assert "Fam. Bulut" in inbox and SUMMARY not in inbox
    answer = api.as_user(region.debt_coach).get(f"/api/v1/handovers/{handover.pk}/").json()
    assert answer["summary"] == "" and answer["dossier"]["variant"] == "reduced"
    listed = api.as_user(region.debt_coach).get("/api/v1/handovers/").json()["results"]
    assert [row["summary"] for row in listed] == [""]

    # The corporation reads its own casework and summary as before.
    own = timeline_texts(api, region.consultant, unreached_case)
    for text in CASEWORK:
        assert text in as_text(own), text
    assert api.as_user(region.consultant).get(f"/api/v1/handovers/{handover.pk}/").json()["summary"] == SUMMARY
    assert "read_history" in api.as_user(region.consultant).get(
        f"/api/v1/cases/{unreached_case.pk}/").json()["allowed_actions"]
    page = case_page(client, region.consultant, unreached_case)
    assert 'data-testid="history-reduced"' not in page and "Voicemail" in page


def test_consent_opens_the_casework_to_the_partner_and_a_withdrawal_closes_it(client, api, region, unreached_case):
    handover = offer_without_consent(client, region, unreached_case)
    assert record_via_ui(log_in(client, region.consultant), unreached_case, given="yes", how="digital").status_code == 302
    unreached_case.refresh_from_db()
    assert unreached_case.consent_in_force is True

    events = as_text(timeline_texts(api, region.debt_coach, unreached_case))
    for text in CASEWORK:
        assert text in events, text
    assert api.as_user(region.debt_coach).get(f"/api/v1/handovers/{handover.pk}/").json()["summary"] == SUMMARY
    page = case_page(client, region.debt_coach, unreached_case)
    assert "Voicemail" in page and 'data-testid="history-reduced"' not in page

    assert log_in(client, region.consultant).post(
        reverse("cases:consent_withdraw", args=[unreached_case.pk])).status_code == 302
    unreached_case.refresh_from_db()
    assert unreached_case.consent_in_force is False
    events = as_text(timeline_texts(api, region.debt_coach, unreached_case))
    for text in CASEWORK:
        assert text not in events, text
    assert "Voicemail" not in case_page(client, region.debt_coach, unreached_case)


def test_a_partner_holding_the_case_without_consent_reads_its_own_entries_only(client, api, region, unreached_case):
    handover = offer_without_consent(client, region, unreached_case)
    services.accept_handover(region.debt_coach, handover)
    unreached_case.refresh_from_db()
    services.log_contact_attempt(region.debt_coach, unreached_case, channel="phone", outcome="reached",
                                 notes="Intake gepland bij schuldhulp.")
    services.add_note(region.debt_coach, unreached_case, text="Budgetplan besproken.")

    events = as_text(timeline_texts(api, region.debt_coach, unreached_case))
    assert "Intake gepland bij schuldhulp." in events and "Budgetplan besproken." in events
    for text in CASEWORK:
        assert text not in events, text
    page = case_page(client, region.debt_coach, unreached_case)
    assert "Budgetplan besproken." in page
    for text in (*CASEWORK, *NEEDS_CONSENT[:3]):
        assert text not in page, text

    # The right-of-access export is everything stored: the holder without consent may not take it.
    assert api.as_user(region.debt_coach).get(f"/api/v1/cases/{unreached_case.pk}/export/").status_code == 403
    export = api.as_user(region.corporation_manager).get(f"/api/v1/cases/{unreached_case.pk}/export/")
    assert export.status_code == 200 and "Voicemail" in export.content.decode()
    assert SUMMARY in export.content.decode()
