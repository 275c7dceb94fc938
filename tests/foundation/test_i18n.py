"""The UI speaks Dutch first and English second: English msgids in the code, Dutch in locale/nl.

The last test checks the merged catalogue; it fails while a helper's strings have no Dutch yet (bin/i18n
reports them).
"""

import importlib.machinery
import importlib.util
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation

from cases import services
from cases.models import CaseStatus, EventKind
from config.errors import BusinessError
from partners.services import create_organisation
from tests import factories

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
FRAGMENTS = ROOT / "locale" / "nl" / "fragments"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]")


def read_po(path):
    """[(msgid, msgstrs, flags)] of a PO file; obsolete entries left out."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        lines = [line for line in block.strip().splitlines() if not line.startswith("#~")]
        flags, fields, key = set(), {}, None
        for line in lines:
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[key] += line[1:-1]
            else:
                key, _, rest = line.partition(" ")
                fields[key] = rest.strip()[1:-1]
        if "msgid" in fields:
            entries.append((fields["msgid"], [v for k, v in fields.items() if k.startswith("msgstr")], flags))
    return entries


def test_dutch_is_the_first_language():
    assert settings.LANGUAGE_CODE == "nl"
    assert [code for code, _name in settings.LANGUAGES] == ["nl", "en"]


@pytest.mark.parametrize(
    ("language", "open_label", "closed_event"),
    [("nl", "Nieuw", "Casus gesloten"), ("en", "New", "Case closed")],
)
def test_choice_labels_follow_the_language(language, open_label, closed_event):
    with translation.override(language):
        assert str(CaseStatus.OPEN.label) == open_label
        assert str(EventKind.CLOSED.label) == closed_event


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "Deze casus is gesloten en kan niet meer worden gewijzigd."),
        ("en", "This case is closed and can no longer be changed."),
    ],
)
def test_service_error_follows_the_language(region, language, expected):
    case = factories.CaseFactory(corporation=region.corporation, convenant=region.convenant)
    services.close_case(region.consultant, case, outcome="resolved")
    with pytest.raises(BusinessError) as caught:
        services.add_note(region.consultant, case, text="Nog een notitie")
    with translation.override(language):  # the message is lazy: translated when it is shown
        assert str(caught.value.message) == expected
        assert caught.value.as_dict() == {"detail": expected}


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "Onbekende soort organisatie: bakkerij."), ("en", "Unknown kind of organisation: bakkerij.")],
)
def test_error_with_placeholder_follows_the_language(db, language, expected):
    with translation.override(language), pytest.raises(BusinessError) as caught:
        create_organisation(name="De Bakker", kind="bakkerij", municipality="Enschede")
    assert caught.value.as_dict() == {"kind": [expected]}


@pytest.mark.parametrize(
    ("headers", "title", "button"),
    [
        ({}, "<title>Inloggen", "Gebruikersnaam"),
        ({"HTTP_ACCEPT_LANGUAGE": "nl"}, "<title>Inloggen", "Wachtwoord"),
        ({"HTTP_ACCEPT_LANGUAGE": "en"}, "<title>Log in", "Password"),
    ],
)
def test_login_page_speaks_the_requested_language(client, headers, title, button):
    response = client.get("/accounts/login/", **headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert title in html
    assert button in html


def test_language_cookie_switches_to_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "<title>Log in" in client.get("/accounts/login/").content.decode()


def test_every_model_has_a_readable_str(region):
    own_apps = ("partners", "convenants", "cases", "arrears_signals")
    lacking = [
        model.__name__
        for label in own_apps
        for model in apps.get_app_config(label).get_models()
        if model.__str__ is models.Model.__str__
    ]
    assert lacking == []

    case = factories.CaseFactory(corporation=region.corporation, convenant=region.convenant)
    with translation.override("nl"):
        assert str(factories.ContactAttemptFactory(case=case)) == f"Telefoon, Niet bereikt (casus #{case.pk})"
        other_case = factories.CaseFactory(corporation=region.corporation, convenant=region.convenant)
        vote = factories.EvictionVoteFactory(proposal__case=other_case, agree=False)
        assert str(vote) == f"{region.corporation.name} stemt tegen ontruiming"
        assert (
            str(factories.ArrearsSignalFactory(external_id="E-1"))
            == "Achterstandssignaal Energie E-1: € 120.00"
        )
    with translation.override("en"):
        assert str(factories.EscalationFactory(case=case)) == (
            f"Escalation of case #{case.pk}: First contact attempt, Notify managers"
        )
        for factory in (
            factories.ArrangementFactory,
            factories.HandoverFactory,
            factories.JointVisitFactory,
            factories.EvictionProposalFactory,
            factories.CaseEventFactory,
            factories.AccessLogFactory,
        ):
            text = str(factory(case=case))
            assert f"#{case.pk}" in text and "object (" not in text
        assert str(factories.SignalImportFactory(file_name="mei.csv", rows=3)) == "mei.csv (3 rows)"
        assert str(factories.NotificationFactory(subject="Let op")) == "Let op"


def test_fragments_keep_the_placeholders():
    broken = [
        (path.name, msgid)
        for path in sorted(FRAGMENTS.glob("*.po"))
        for msgid, msgstrs, _flags in read_po(path)
        if msgid
        and any(sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(msgid)) for s in msgstrs)
    ]
    assert broken == []


def test_catalogue_has_no_untranslated_or_fuzzy_msgid():
    """Fails until every helper's fragment is merged by bin/i18n: it lists what still lacks Dutch."""
    entries = read_po(CATALOGUE)
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstrs, _flags in entries if msgid and not all(msgstrs)]
    fuzzy = [msgid for msgid, _msgstrs, flags in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


def load_merge_script():
    loader = importlib.machinery.SourceFileLoader("bin_i18n", str(ROOT / "bin" / "i18n"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("bin_i18n", loader))
    loader.exec_module(module)
    return module


def test_merge_fills_from_fragments_and_keeps_fuzzy_guesses_out(tmp_path, monkeypatch):
    merge = load_merge_script()
    (tmp_path / "fragments").mkdir()
    (tmp_path / "fragments" / "a.po").write_text(
        'msgid "New"\nmsgstr "Nieuw"\n\nmsgid "Offer to %(org)s withdrawn"\nmsgstr "Aanbod aan %(org)s ingetrokken"\n\n'
        'msgid "Bad placeholder %(org)s"\nmsgstr "Fout %(organisatie)s"\n',
        encoding="utf-8",
    )
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=CHARSET\\n"\n\n'
        '#: cases/models.py:12\nmsgid "New"\nmsgstr ""\n\n'
        '#: cases/services/handover.py:9\n#, fuzzy, python-format\n#| msgid "Offered to %(org)s"\n'
        'msgid "Offer to %(org)s withdrawn"\nmsgstr "Aangeboden aan %(org)s"\n\n'
        '#, fuzzy\nmsgid "Guessed"\nmsgstr "Gegokt"\n\n'
        'msgid "Bad placeholder %(org)s"\nmsgstr ""\n\n'
        'msgid "Kept"\nmsgstr "Behouden"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(merge, "CATALOGUE", catalogue)
    monkeypatch.setattr(merge, "FRAGMENTS", tmp_path / "fragments")

    filled, replaced, unfuzzied, untranslated, problems = merge.fill()

    assert (filled, replaced, unfuzzied) == (2, 0, 1)
    assert untranslated == ["Guessed", "Bad placeholder %(org)s"]
    assert any("placeholders differ" in p for p in problems)
    result = {msgid: (msgstrs, flags) for msgid, msgstrs, flags in read_po(catalogue)}
    assert result["New"] == (["Nieuw"], set())
    assert result["Offer to %(org)s withdrawn"] == (["Aanbod aan %(org)s ingetrokken"], {"python-format"})
    assert result["Guessed"] == ([""], set())
    assert result["Kept"] == (["Behouden"], set())
    assert "charset=UTF-8" in catalogue.read_text(encoding="utf-8")
    assert "#|" not in catalogue.read_text(encoding="utf-8")
    # Running it again changes nothing.
    before = catalogue.read_text(encoding="utf-8")
    assert merge.fill()[:3] == (0, 0, 0)
    assert catalogue.read_text(encoding="utf-8") == before
