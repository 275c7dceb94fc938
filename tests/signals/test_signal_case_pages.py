"""The vroegsignalering pages (signals.outreach_views): the outreach organisation's worklist with its filters, the
case page with its signals, attempts and the rent-case line (holder and status, never the rent case's notes), the
forms only for what cases.policy permits, form errors shown with the input kept, 404 for anyone else, and the pages
in English without Dutch catalogue text or raw codes."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases import services
from signals import outreach
from signals.models import ArrearsSignal, SignalCase
from tests.factories import ArrearsSignalFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Huurder vertelde over zijn schulden bij de buren"


def outreach_case(region, *, postcode="7511 AB", house_number="12", case_type="multiple", period=None,
                  kinds=("energy", "water"), crisis=False, warm_handover=False, owner=None, deadline_days=20):
    """A vroegsignaal case of the region's municipality with one signal per kind (as the matching leaves it)."""
    period = period or timezone.localdate().replace(day=1)
    period_end = (period + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    signal_case = SignalCase.objects.create(
        municipality=region.convenant.municipality, convenant=region.convenant, owner=owner or region.municipality,
        postcode=postcode, house_number=house_number, period_start=period, period_end=period_end,
        matched_on=timezone.localdate(), case_type=case_type, crisis=crisis, warm_handover=warm_handover,
        deadline_at=timezone.now() + timedelta(days=deadline_days),
    )
    names = {"energy": "P. de Vries (Eneco)", "water": "Piet de Vries", "rent": "Fam. de Vries"}
    for number, kind in enumerate(kinds):
        source = OrganisationFactory(kind="corporation" if kind == "rent" else "utility")
        ArrearsSignalFactory(
            source=source, kind=kind, name=names.get(kind, "P. de Vries"), postcode=postcode,
            house_number=house_number, amount="187.50" if number == 0 else "96.00",
            reference_date=period + timedelta(days=4), arrears_since=period - timedelta(days=40), crisis=crisis,
            warm_handover=warm_handover, municipality=region.convenant.municipality, signal_case=signal_case,
            match_state="matched", contract_ref="HC-1" if kind == "rent" else "",
        )
    return signal_case


def worklist(client, user, **query):
    client.force_login(user)
    return client.get(reverse("signals:signal-cases"), query)


def detail(client, user, signal_case):
    client.force_login(user)
    return client.get(reverse("signals:signal-case", args=[signal_case.pk]))


def listed(response, signal_case) -> bool:
    return f'data-signal-case="{signal_case.pk}"' in response.content.decode()


# --- the worklist -----------------------------------------------------------------------------------------------


def test_the_worklist_shows_each_case_with_its_badges(client, region):
    multiple = outreach_case(region, crisis=True, warm_handover=True)
    response = worklist(client, region.regisseur)
    assert response.status_code == 200
    html = response.content.decode()
    assert listed(response, multiple)
    assert "7511 AB 12" in html
    assert "Meervoudig" in html and "Crisis" in html and "Warme overdracht" in html
    assert "Energie" in html and "Water" in html
    assert "P. de Vries (Eneco)" in html and "Piet de Vries" in html  # the owner sees the names
    assert "Nog niet opgepakt" in html
    # The menu leads there.
    assert f'href="{reverse("signals:signal-cases")}"' in html


def test_the_filters_narrow_the_list(client, region):
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    multiple = outreach_case(region)
    single = outreach_case(region, house_number="14", case_type="single", kinds=("energy",))
    older = outreach_case(region, house_number="16", case_type="consecutive", kinds=("water",), period=last_month)
    outreach.pick_up(region.regisseur, single.pk)

    response = worklist(client, region.regisseur, type="single")
    assert [listed(response, case) for case in (multiple, single, older)] == [False, True, False]
    response = worklist(client, region.regisseur, status="Opgepakt")
    assert [listed(response, case) for case in (multiple, single, older)] == [False, True, False]
    response = worklist(client, region.regisseur, period=last_month.strftime("%Y-%m"))
    assert [listed(response, case) for case in (multiple, single, older)] == [False, False, True]
    # An invalid filter shows its error and is left out.
    response = worklist(client, region.regisseur, period="maart", type="nonsense")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist"' in html
    assert all(listed(response, case) for case in (multiple, single, older))


def test_an_overdue_case_is_marked(client, region):
    late = outreach_case(region, deadline_days=-2)
    html = worklist(client, region.regisseur).content.decode()
    row = html.split(f'data-signal-case="{late.pk}"', 1)[0].rsplit("<tr", 1)[1]
    assert "overdue" in row


def test_others_are_sent_to_their_page_and_find_no_case(client, region):
    signal_case = outreach_case(region, kinds=("rent", "energy"))
    urls = [
        ("get", reverse("signals:signal-case", args=[signal_case.pk]), {}),
        ("post", reverse("signals:signal-case-pick-up", args=[signal_case.pk]), {}),
        ("post", reverse("signals:signal-case-attempt", args=[signal_case.pk]),
         {"kind": "Brief", "reached": "no", "date": timezone.localdate().isoformat()}),
        ("post", reverse("signals:signal-case-close", args=[signal_case.pk]),
         {"result": "Definitief geen contact kunnen krijgen"}),
    ]
    # The corporation that sent the rent signal, another corporation, the debt-assistance team of another region.
    for user in (region.consultant, region.corporation_manager, region.other_consultant, region.unrelated_worker):
        response = worklist(client, user)
        assert response.status_code == 302, user
        for method, url, data in urls:
            response = getattr(client, method)(url, data)
            assert response.status_code == 404, (user, url)
            assert "7511 AB" not in response.content.decode()
    signal_case.refresh_from_db()
    assert (signal_case.status, signal_case.picked_up_on, signal_case.attempts.count()) == (
        "Nog niet opgepakt", None, 0)
    assert detail(client, region.regisseur, SignalCase(pk=signal_case.pk + 1000)).status_code == 404


# --- the case page ----------------------------------------------------------------------------------------------


def test_the_case_page_shows_the_rent_case_holder_and_status_not_its_notes(client, region):
    case = services.open_case(region.consultant, tenant={
        "name": "Fam. de Vries", "contract_ref": "HC-1", "street": "Lasondersingel", "house_number": "12",
        "postcode": "7511 AB", "city": "Enschede"}, arrears_amount="640.00", months_in_arrears=1)
    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="reached", notes=SECRET_NOTE)
    signal_case = outreach_case(region, kinds=("rent", "energy", "water"))
    response = detail(client, region.regisseur, signal_case)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Er loopt een huurachterstandsdossier bij Domijn (status: " in html
    assert SECRET_NOTE not in html
    assert reverse("cases:detail", args=[case.pk]) not in html  # no way into the rent case
    assert "€ 187,50" in html  # Dutch amounts
    assert "Huur" in html and "Energie" in html

    other = outreach_case(region, house_number="99", kinds=("energy",))
    assert "Geen huurachterstandsdossier bekend" in detail(client, region.regisseur, other).content.decode()


def forms_on(response) -> set[str]:
    html = response.content.decode()
    return {name for name, marker in (("pick_up", 'data-testid="pick-up"'), ("attempt", 'id="attempt"'),
                                     ("close", 'id="close"')) if marker in html}


def test_the_forms_show_only_what_the_policy_permits(client, region):
    signal_case = outreach_case(region)
    assert forms_on(detail(client, region.regisseur, signal_case)) == {"pick_up", "attempt", "close"}
    outreach.pick_up(region.regisseur, signal_case.pk)
    assert forms_on(detail(client, region.regisseur, signal_case)) == {"attempt", "close"}
    outreach.close(region.regisseur, signal_case.pk, result="Vervolghulp en/of verwijzing financieel", refer=True)
    signal_case.refresh_from_db()
    assert forms_on(detail(client, region.regisseur, signal_case)) == set()
    # The debt-assistance team the household was referred to sees the case, and can change nothing.
    if signal_case.referred_to_id is not None:
        response = detail(client, region.debt_coach, signal_case)
        assert response.status_code == 200 and forms_on(response) == set()
        assert "P. de Vries (Eneco)" not in response.content.decode()  # the names are for the outreach team


def test_outreach_through_the_forms(client, region):
    signal_case = outreach_case(region)
    client.force_login(region.regisseur)
    url = lambda name: reverse(name, args=[signal_case.pk])  # noqa: E731

    response = client.post(url("signals:signal-case-pick-up"), follow=True)
    assert "Vroegsignaalzaak opgepakt." in response.content.decode()
    # A rejected attempt: every error at once, what was typed kept.
    response = client.post(url("signals:signal-case-attempt"), {"kind": "", "reached": "", "date": "gisteren",
                                                                 "part_of_day": "Middag"})
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="field has-error"') + html.count('class="choice-group has-error"') >= 3
    assert re.search(r'<option value="Middag" selected>', html)
    assert signal_case.attempts.count() == 0

    today = timezone.localdate()
    for kind, reached, part in (("Brief", "no", ""), ("Telefoon", "no", "Ochtend"), ("Telefoon", "yes", "Middag")):
        response = client.post(url("signals:signal-case-attempt"),
                               {"kind": kind, "reached": reached, "date": today.isoformat(), "part_of_day": part})
        assert response.status_code == 302, response.content.decode()[:400]
    html = client.get(url("signals:signal-case")).content.decode()
    assert html.count('data-testid="signal-attempt"') == 3
    assert "Brief" in html and "niet bereikt" in html and "Middag" in html

    response = client.post(url("signals:signal-case-close"),
                           {"result": "Vervolghulp en/of verwijzing financieel"}, follow=True)
    html = response.content.decode()
    assert "Vroegsignaalzaak afgesloten." in html
    assert "Vervolghulp en/of verwijzing financieel" in html
    signal_case.refresh_from_db()
    assert signal_case.result == "Vervolghulp en/of verwijzing financieel" and signal_case.closed_at is not None


def test_the_services_refusal_shows_on_the_form(client, region):
    signal_case = outreach_case(region)
    client.force_login(region.regisseur)
    # A referral to debt assistance belongs to the result of further financial help only: the service says no.
    response = client.post(reverse("signals:signal-case-close", args=[signal_case.pk]),
                           {"result": "(Budget)advies en/of quick fix", "refer": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert re.search(r'<option value="\(Budget\)advies en/of quick fix" selected>', html)
    signal_case.refresh_from_db()
    assert signal_case.closed_at is None


# --- English --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_pages_in_either_language_show_no_raw_code_and_english_no_dutch(client, region, language):
    from tests.ui.test_english_pages import dutch_catalogue, raw_codes, visible_text, without_data

    signal_case = outreach_case(region, kinds=("health_insurance", "cak_own_contribution", "energy"), crisis=True)
    outreach.pick_up(region.regisseur, signal_case.pk)
    outreach.log_contact_attempt(region.regisseur, signal_case.pk, kind="SMS/Whatsapp", reached=False,
                                 date=timezone.localdate(), part_of_day="Avond")
    client.force_login(region.regisseur)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    dutch = dutch_catalogue() if language == "en" else []
    names = set(ArrearsSignal.objects.values_list("name", flat=True))
    for url in (reverse("signals:signal-cases"), reverse("signals:signal-case", args=[signal_case.pk])):
        response = client.get(url)
        assert response.status_code == 200
        # The page's own content (the header's menu is tests/ui/test_english_pages.py's).
        main = response.content.decode().split('<main class="content">', 1)[1].split("</main>", 1)[0]
        text = without_data(visible_text(main))
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, " ")
        left = [piece for piece in dutch if re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text)]
        assert not left, (url, left[:5])
        codes = [code for code in raw_codes() if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
        assert not codes, (url, codes)
    if language == "en":
        html = client.get(reverse("signals:signal-case", args=[signal_case.pk])).content.decode()
        assert "Multiple" in html and "Text message / WhatsApp" in html and "Evening" in html
