"""Issue 16: events and notifications store their message and parameters and are rendered in the reader's
language, so the timeline and the notifications follow the language switch; amounts and plurals follow it too."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import CaseEvent, EventKind, Notification

pytestmark = pytest.mark.django_db

TENANT = {"name": "J. de Vries", "contract_ref": "HC-7001", "postcode": "1012AB", "house_number": "1"}


def in_language(client, code):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    return client


def test_the_timeline_reads_in_the_readers_language(region, client, api):
    case = services.open_case(region.consultant, tenant=TENANT, arrears_amount="2430.00", months_in_arrears=1)
    services.offer_handover(region.consultant, case, summary="Drie keer niet bereikt", tenant_consent=True)
    opened = CaseEvent.objects.get(case=case, kind=EventKind.OPENED)
    # Stored in the product's language, for search and exports.
    assert opened.description == "Achterstand € 2.430,00 (1 maand)"

    client.force_login(region.consultant)
    dutch = in_language(client, "nl").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Achterstand € 2.430,00 (1 maand)" in dutch
    assert f"Aangeboden aan {region.debt_assistance.name}" in dutch
    english = in_language(client, "en").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Arrears € 2,430.00 (1 month)" in english
    assert f"Offered to {region.debt_assistance.name}" in english
    assert "Aangeboden aan" not in english and "Achterstand €" not in english

    timeline = api.as_user(region.consultant).get(reverse("api-case-timeline", args=[case.pk]),
                                                  HTTP_ACCEPT_LANGUAGE="en").json()
    texts = [row["description"] for row in timeline["results"]]
    assert "Arrears € 2,430.00 (1 month)" in texts


def test_notifications_read_in_the_readers_language(region, client):
    case = services.open_case(region.consultant, tenant=TENANT, arrears_amount="640.00", months_in_arrears=2)
    services.offer_handover(region.consultant, case, summary="Drie keer niet bereikt", tenant_consent=True)
    notification = Notification.objects.filter(user=region.debt_coach, case=case).first()
    assert notification.subject == f"Nieuwe casus aangeboden: casus #{case.pk}"
    client.force_login(region.debt_coach)
    page = in_language(client, "en").get(reverse("cases:notifications")).content.decode()
    assert f"New case offered: case #{case.pk}" in page
    page = in_language(client, "nl").get(reverse("cases:notifications")).content.decode()
    assert f"Nieuwe casus aangeboden: casus #{case.pk}" in page


def test_pause_and_close_read_in_the_readers_language(region, client):
    case = services.open_case(region.consultant, tenant=TENANT, arrears_amount="640.00", months_in_arrears=2)
    until = timezone.localdate() + timedelta(days=14)
    services.pause_case(region.consultant, case, reason="opname", until=until)
    services.resume_case(region.consultant, case)
    services.close_case(region.consultant, case, outcome="resolved")
    client.force_login(region.consultant)
    english = in_language(client, "en").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Clock paused until" in english and "Arrears resolved" in english and "Clock resumed" in english
    dutch = in_language(client, "nl").get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Klok gepauzeerd tot" in dutch
    assert "Achterstand opgelost" in dutch and "Arrears resolved" not in dutch
