"""Issue 16: every page a user works with, rendered in English, shows no Dutch text from the catalogue and, in
either language, no raw code (a choice's value such as "first_contact" or "health_insurance" where its label
belongs). The data itself (names, notes, addresses) stays as entered, so it is taken out before the search."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.conf import settings
from django.db.models import TextChoices
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import trans_real

from cases import services
from cases.models import Handover, Tenant
from convenants.models import Convenant
from partners.models import Organisation

pytestmark = pytest.mark.django_db

SCRIPTS = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAGS = re.compile(r"<[^>]+>")


PATHS = re.compile(r"(?<!\w)/[\w./-]*")


def visible_text(html) -> str:
    """The text a reader sees, without the site's own paths (a notification shows its case's link)."""
    return PATHS.sub(" ", re.sub(r"\s+", " ", unescape(TAGS.sub(" ", SCRIPTS.sub(" ", html)))))


def dutch_catalogue() -> list[str]:
    """The Dutch translations that differ from their English source, longest first: what must not show in
    English. Short words are left out (they occur inside names and codes)."""
    catalogue = trans_real.translation("nl")._catalog
    texts = set()
    for msgid, msgstr in catalogue.items():
        source = msgid[0] if isinstance(msgid, tuple) else msgid
        if not source or not msgstr or msgstr == source or "\x04" in source:
            continue
        for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|\n", msgstr):
            piece = piece.strip(" .,:;()·—-")
            if len(piece) >= 8 and piece not in source:
                texts.add(piece)
    return sorted(texts, key=len, reverse=True)


def raw_codes() -> set[str]:
    """Every choice value of the product with an underscore (labels have spaces, codes do not)."""
    codes = set()
    for choices in _subclasses(TextChoices):
        if choices.__module__.split(".")[0] in ("cases", "signals", "partners", "convenants"):
            codes |= {value for value in choices.values if "_" in value}
    return codes


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def without_data(text) -> str:
    """The page's text without what users and seeds entered: names of organisations, people, tenants and
    convenants, and the notes of this test."""
    data = [*Organisation.objects.values_list("name", flat=True), *Tenant.objects.values_list("name", flat=True),
            *Convenant.objects.values_list("name", flat=True), *NOTES]
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


NOTES = ["Huurder gebeld, wil een regeling", "Drie keer niet bereikt", "Loonstroken opvragen"]


@pytest.fixture
def world(region):
    now = timezone.now()
    tenant = {"name": "Fatima el Amrani", "contract_ref": "HC-2026-0042", "postcode": "7514BP", "house_number": "12",
              "street": "Lasondersingel", "city": "Enschede", "email": "f.elamrani@example.nl", "phone": "0612345678"}
    offered = services.open_case(region.consultant, tenant=tenant, arrears_amount="1234.56", months_in_arrears=3)
    services.log_contact_attempt(region.consultant, offered, channel="phone", outcome="reached", notes=NOTES[0])
    services.record_consent(region.consultant, offered, given=True, how="verbal")
    services.offer_handover(region.consultant, offered, summary=NOTES[1], tenant_consent=True)
    taken = services.open_case(region.consultant, tenant={**tenant, "name": "Jan Jansen", "contract_ref": "HC-2",
                                                          "house_number": "14"},
                               arrears_amount="640", months_in_arrears=1)
    services.record_consent(region.consultant, taken, given=True, how="written")
    offer = services.offer_handover(region.consultant, taken, summary=NOTES[1], tenant_consent=True)
    services.accept_handover(region.debt_coach, offer)
    fresh = services.open_case(region.consultant, tenant={**tenant, "name": "Piet de Boer", "contract_ref": "HC-3",
                                                          "house_number": "16"},
                               arrears_amount="310", months_in_arrears=1)
    services.plan_joint_visit(region.consultant, fresh, partner=region.debt_assistance,
                              planned_at=now + timedelta(days=2))
    from tests.signals.test_signal_case_pages import outreach_case

    return {"offered": offered, "taken": taken, "fresh": fresh,
            "offer": Handover.objects.get(case=offered, status="offered"),
            "signal_case": outreach_case(region, kinds=("rent", "health_insurance", "cak_own_contribution"),
                                         crisis=True, warm_handover=True)}


def pages(region, world):
    detail = lambda case: reverse("cases:detail", args=[case.pk])  # noqa: E731
    return [
        (region.consultant, reverse("cases:worklist")),
        (region.consultant, reverse("cases:worklist") + "?status=all"),
        (region.consultant, reverse("cases:case_new")),
        (region.consultant, detail(world["offered"])),
        (region.consultant, detail(world["taken"])),
        (region.consultant, detail(world["fresh"])),
        (region.consultant, reverse("cases:contact_attempt", args=[world["fresh"].pk])),
        (region.consultant, reverse("cases:my_cases")),
        (region.consultant, reverse("cases:my_cases") + "?team=1"),
        (region.consultant, reverse("cases:joint_visits")),
        (region.consultant, reverse("cases:notifications")),
        (region.corporation_manager, reverse("cases:dashboard")),
        (region.corporation_manager, reverse("cases:escalations")),
        (region.corporation_manager, reverse("cases:access_log")),
        (region.corporation_manager, reverse("cases:tenant_search") + "?q=HC-2026-0042"),
        (region.corporation_manager, reverse("cases:tenant_export", args=[world["offered"].tenant_id])),
        (region.corporation_manager, reverse("cases:eviction_propose", args=[world["fresh"].pk])),
        (region.debt_coach, reverse("cases:inbox")),
        (region.debt_coach, reverse("cases:inbox_detail", args=[world["offer"].pk])),
        (region.debt_coach, detail(world["taken"])),
        (region.debt_coach, reverse("cases:my_cases")),
        (region.debt_coach, reverse("cases:joint_visits")),
        (region.regisseur, reverse("cases:dashboard")),
        (region.regisseur, reverse("signals:signal-cases")),
        (region.regisseur, reverse("signals:signal-case", args=[world["signal_case"].pk])),
    ]


def fetch(client, user, url, language):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return without_data(visible_text(response.content.decode()))


def test_every_page_in_english_has_no_dutch_left(region, world, client):
    dutch = dutch_catalogue()
    assert len(dutch) > 300  # the catalogue was read
    left = {}
    for user, url in pages(region, world):
        text = fetch(client, user, url, "en")
        found = [match for piece in dutch
                 if (match := re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", text))]
        if found:
            left[url] = [text[max(0, m.start() - 40):m.end() + 20] for m in found[:6]]
    assert not left, f"Dutch catalogue text on English pages: {left}"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_page_shows_a_raw_code(region, world, client, language):
    codes = raw_codes()
    assert {"first_contact", "handed_over", "with_partner"} <= codes
    shown = {}
    for user, url in pages(region, world):
        text = fetch(client, user, url, language)
        found = sorted(code for code in codes if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text))
        if found:
            shown[url] = found
    assert not shown, f"raw codes on the pages: {shown}"
