"""CSV imports (scenario 8): per-row report, idempotency, Dutch file formats, whole-file refusals; API and page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Tenant
from signals.models import ArrearsSignal, SignalImport

from .conftest import HEADER, csv_bytes, rent_row

URL = "/api/v1/signal-imports/"
BAD_ROWS = {
    11: ({"postcode": "7514 B"}, "postcode"),  # bad postcode
    52: ({"achterstandsbedrag": "-12,50"}, "amount"),  # negative amount
    120: ({"huurovereenkomstnummer": ""}, "contract_ref"),  # missing contract number
}


def monthly_file(rows=200):
    """~200 rows of a corporation's monthly file; rows 11, 52 and 120 (spreadsheet numbering) are broken.
    Every other row has at least one month in arrears, the rest less than a month."""
    data = []
    for n in range(rows):
        row_number = n + 2  # the header is row 1
        months = 1 + n % 3 if n % 2 == 0 else 0
        row = rent_row(
            n,
            aantal_maanden_achterstand=str(months),
            achterstandsbedrag=f"{640 * max(months, 0.25):.2f}".replace(".", ","),
        )
        if row_number in BAD_ROWS:
            row.update(BAD_ROWS[row_number][0])
        data.append(row)
    return data


def expected_cases(rows=200):
    return sum(1 for n in range(rows) if n % 2 == 0 and n + 2 not in BAD_ROWS)


def upload(client, data, name="achterstanden-2025-03.csv"):
    return client.post(
        URL,
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def snapshot():
    return (
        ArrearsSignal.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        Tenant.objects.count(),
        list(Case.objects.order_by("pk").values_list("arrears_amount", "months_in_arrears")),
    )


@pytest.mark.django_db
def test_scenario_8_monthly_file_through_the_api(api, region):
    client = api.as_user(region.consultant)
    data = csv_bytes(monthly_file())
    answer = upload(client, data)
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["accepted"] == 197 and body["duplicates"] == 0
    assert body["cases_opened"] == expected_cases()
    assert [entry["row"] for entry in body["rejected"]] == [11, 52, 120]
    for entry in body["rejected"]:
        assert list(entry["errors"]) == [BAD_ROWS[entry["row"]][1]], entry
    assert "7514 B" in body["rejected"][0]["errors"]["postcode"][0]
    assert body["rejected"][1]["errors"]["amount"] == ["The amount cannot be negative."]
    assert body["rejected"][2]["errors"]["contract_ref"] == ["A rent signal needs the contract reference."]

    assert Case.objects.count() == expected_cases()
    assert (
        Case.objects.filter(corporation=region.corporation, convenant=region.convenant).count()
        == expected_cases()
    )
    assert Tenant.objects.count() == 197
    signal_import = SignalImport.objects.get(pk=body["id"])
    assert (
        signal_import.rows,
        signal_import.accepted,
        signal_import.rejected,
        signal_import.cases_opened,
    ) == (
        200,
        197,
        3,
        expected_cases(),
    )
    assert signal_import.organisation == region.corporation and signal_import.uploaded_by == region.consultant
    assert signal_import.file_name == "achterstanden-2025-03.csv" and len(signal_import.file_hash) == 64
    assert [e["row"] for e in signal_import.report if e["status"] == "rejected"] == [11, 52, 120]
    assert ArrearsSignal.objects.filter(signal_import=signal_import).count() == 197

    # The second upload of the same file changes nothing.
    before = snapshot()
    again = upload(client, data).json()
    assert again["accepted"] == 0 and again["duplicates"] == 197 and again["cases_opened"] == 0
    assert [entry["row"] for entry in again["rejected"]] == [11, 52, 120]
    assert snapshot() == before
    assert SignalImport.objects.count() == 2

    # Both imports are listed for the corporation, with their report.
    listing = client.get(URL).json()
    assert [item["id"] for item in listing["results"]] == [again["id"], body["id"]]
    detail = client.get(f"{URL}{body['id']}/").json()
    assert (
        detail["accepted"] == 197 and len([e for e in detail["report"] if e["status"] == "case_opened"]) == 98
    )


@pytest.mark.django_db
def test_next_months_file_updates_the_open_cases(api, region):
    client = api.as_user(region.consultant)
    upload(client, csv_bytes([rent_row(n) for n in range(5)]))
    april = [
        rent_row(
            n,
            signaalnummer=f"DOM-2025-04-{n:05d}",
            achterstandsbedrag="1.280,00",
            aantal_maanden_achterstand="2",
            peildatum="2025-04-01",
        )
        for n in range(5)
    ]
    body = upload(client, csv_bytes(april)).json()
    assert body["accepted"] == 5 and body["cases_opened"] == 0 and body["cases_updated"] == 5
    assert set(Case.objects.values_list("arrears_amount", flat=True)) == {Decimal("1280.00")}
    assert all(case.signals.count() == 2 for case in Case.objects.all())


@pytest.mark.django_db
def test_scenario_8_through_the_upload_page(client, region):
    client.force_login(region.consultant)
    page = client.get(reverse("signals:import"))
    assert page.status_code == 200 and b'type="file"' in page.content
    data = csv_bytes(monthly_file())
    answer = client.post(
        reverse("signals:import"), {"file": SimpleUploadedFile("maart.csv", data)}, follow=True
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    signal_import = SignalImport.objects.get()
    assert answer.redirect_chain[-1][0] == reverse("signals:import-detail", args=[signal_import.pk])
    for row in (11, 52, 120):
        assert f'data-row="{row}"' in html
    assert 'data-count="accepted">197<' in html
    # The report names the fields as the file's columns do (issue 16), never by the model's English names.
    assert "<code>" in html
    for english in ("amount", "house_number", "months_in_arrears", "contract_ref", "reference_date", "external_id"):
        assert f"<code>{english}</code>" not in html
    assert f'data-count="cases_opened">{expected_cases()}<' in html
    assert "7514 B" in html
    assert Case.objects.count() == expected_cases()

    # Again: nothing changes, and the list shows both imports.
    before = snapshot()
    again = client.post(
        reverse("signals:import"), {"file": SimpleUploadedFile("maart.csv", data)}, follow=True
    )
    assert 'data-count="duplicates">197<' in again.content.decode()
    assert snapshot() == before
    listing = client.get(reverse("signals:import")).content.decode()
    assert listing.count("maart.csv") == 2


@pytest.mark.django_db
def test_windows_1252_file_with_semicolons_and_decimal_commas(api, region):
    rows = [
        rent_row(1, naam="Zoë Çelik-Müller", achterstandsbedrag="1.234,56", aantal_maanden_achterstand="2"),
        rent_row(2, naam="René Geüßen", achterstandsbedrag="€ 640,5", huisnummertoevoeging="bis"),
    ]
    data = csv_bytes(rows, encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    body = upload(api.as_user(region.consultant), data).json()
    assert body["accepted"] == 2 and body["rejected"] == []
    first, second = ArrearsSignal.objects.order_by("external_id")
    assert first.name == "Zoë Çelik-Müller" and first.amount == Decimal("1234.56")
    assert second.amount == Decimal("640.50") and second.house_number == "3BIS"


@pytest.mark.django_db
def test_comma_separated_utf8_with_bom_and_english_column_names(api, region):
    header = [
        "external_id",
        "contract_ref",
        "name",
        "postcode",
        "house_number",
        "amount",
        "months_in_arrears",
        "reference_date",
        "kind",
    ]
    rows = [
        {
            "external_id": "A1",
            "contract_ref": "C-1",
            "name": "Ada",
            "postcode": "1234ab",
            "house_number": "5",
            "amount": "512.30",
            "months_in_arrears": "1",
            "reference_date": "2025-03-01",
            "kind": "huur",
        },
        {
            "external_id": "A2",
            "contract_ref": "C-2",
            "name": "Bo",
            "postcode": "1234 AB",
            "house_number": "6",
            "amount": "1,234.50",
            "months_in_arrears": "0",
            "reference_date": "01/03/2025",
            "kind": "rent",
        },
    ]
    body = upload(
        api.as_user(region.consultant), csv_bytes(rows, header=header, delimiter=",", bom=True)
    ).json()
    assert body["accepted"] == 2 and body["cases_opened"] == 1
    assert sorted(ArrearsSignal.objects.values_list("amount", flat=True)) == [
        Decimal("512.30"),
        Decimal("1234.50"),
    ]


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"postcode": "ABCD 12"}, "postcode"),
        ({"achterstandsbedrag": "-1,00"}, "amount"),
        ({"achterstandsbedrag": "zes euro"}, "amount"),
        ({"huurovereenkomstnummer": ""}, "contract_ref"),
        ({"naam": ""}, "name"),
        ({"peildatum": "FUTURE"}, "reference_date"),
        ({"peildatum": "31-02-2025"}, "reference_date"),
        ({"aantal_maanden_achterstand": "1,5"}, "months_in_arrears"),
        ({"soort": "telefoon"}, "kind"),
    ],
)
@pytest.mark.django_db
def test_each_bad_row_kind_is_reported_by_row_number(api, region, overrides, field):
    if overrides.get("peildatum") == "FUTURE":
        overrides = {"peildatum": (timezone.localdate() + timedelta(days=1)).strftime("%d-%m-%Y")}
    header = [*HEADER, "soort"]
    rows = [
        rent_row(1, soort="huur"),
        rent_row(2, **{"soort": "huur", **overrides}),
        rent_row(3, soort="huur"),
    ]
    body = upload(api.as_user(region.consultant), csv_bytes(rows, header=header)).json()
    assert body["accepted"] == 2
    assert len(body["rejected"]) == 1 and body["rejected"][0]["row"] == 3
    assert list(body["rejected"][0]["errors"]) == [field]


@pytest.mark.django_db
def test_a_row_with_the_wrong_number_of_columns_is_reported(api, region):
    data = csv_bytes([rent_row(1)]) + b"X;Y\r\n" + csv_bytes([rent_row(2)]).split(b"\r\n", 1)[1]
    body = upload(api.as_user(region.consultant), data).json()
    assert body["accepted"] == 2 and [entry["row"] for entry in body["rejected"]] == [3]


@pytest.mark.django_db
def test_energy_company_file_needs_the_kind_column_and_opens_no_case(api, region, creditors):
    header = [c for c in HEADER if c != "huurovereenkomstnummer"]
    rows = [rent_row(n) for n in range(3)]
    refused = upload(api.as_user(creditors.energy_worker), csv_bytes(rows, header=header))
    assert refused.status_code == 400 and "soort" in refused.json()["file"][0]
    body = upload(
        api.as_user(creditors.energy_worker),
        csv_bytes([{**row, "soort": "energie"} for row in rows], header=[*header, "soort"]),
    ).json()
    assert body["accepted"] == 3 and body["cases_opened"] == 0
    assert Case.objects.count() == 0
    assert set(ArrearsSignal.objects.values_list("kind", "municipality")) == {("energy", "Enschede")}
    # The corporation does not see the energy company's import.
    signal_import = SignalImport.objects.get()
    assert api.as_user(region.consultant).get(f"{URL}{signal_import.pk}/").status_code == 404
    assert api.as_user(region.consultant).get(URL).json()["results"] == []


WHOLE_FILE_REFUSALS = [
    ("empty", b"", "empty"),
    ("binary", b"PK\x03\x04\x00\x00\x08\x00" + b"\x00" * 50, "not a CSV"),
    ("header only", csv_bytes([]), "no data rows"),
    ("wrong columns", b"datum;omschrijving;bedrag\r\n2025-03-01;huur;640,00\r\n", "Missing columns"),
    ("no separator", b"justonecolumn\r\nvalue\r\n", "separated"),
    (
        "missing amount column",
        csv_bytes([rent_row(1)], header=[c for c in HEADER if c != "achterstandsbedrag"]),
        "achterstandsbedrag",
    ),
    ("doubled column", b"naam;naam;postcode\r\na;b;1234 AB\r\n", "twice"),
    ("undecodable", csv_bytes([rent_row(1, naam="x")]).replace(b"x", b"\x81"), "characters"),
]


@pytest.mark.parametrize("label, data, reason", WHOLE_FILE_REFUSALS, ids=[w[0] for w in WHOLE_FILE_REFUSALS])
@pytest.mark.django_db
def test_whole_file_refusals_answer_400_and_write_nothing(api, region, client, label, data, reason):
    answer = upload(api.as_user(region.consultant), data)
    assert answer.status_code == 400, answer.content
    assert reason in answer.json()["file"][0]
    client.force_login(region.consultant)
    page = client.post(
        reverse("signals:import"), {"file": SimpleUploadedFile("x.csv", data)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert page.status_code == 200  # the form again, with the reason
    if data:
        assert reason in page.content.decode()
    assert (
        SignalImport.objects.count() == 0
        and ArrearsSignal.objects.count() == 0
        and Tenant.objects.count() == 0
    )


@pytest.mark.django_db
def test_file_over_the_size_limit_is_refused(api, region, client, settings):
    settings.SIGNAL_IMPORT_MAX_BYTES = 1000
    data = csv_bytes([rent_row(n) for n in range(20)])
    assert len(data) > 1000
    answer = upload(api.as_user(region.consultant), data)
    assert answer.status_code == 400 and "limit" in answer.json()["file"][0]
    client.force_login(region.consultant)
    page = client.post(
        reverse("signals:import"), {"file": SimpleUploadedFile("x.csv", data)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "limit" in page.content.decode()
    assert SignalImport.objects.count() == 0 and ArrearsSignal.objects.count() == 0


@pytest.mark.django_db
def test_upload_without_file_answers_400(api, region):
    answer = api.as_user(region.consultant).post(URL, {}, format="multipart")
    assert answer.status_code == 400 and "file" in answer.json()


@pytest.mark.django_db
def test_corporation_without_convenant_gets_its_rows_rejected_not_lost(api, region):
    from tests.factories import OrganisationFactory, UserFactory

    loose = OrganisationFactory(name="Losse Corporatie", kind="corporation", municipality="Almelo")
    worker = UserFactory(username="los", organisation=loose)
    body = upload(
        api.as_user(worker), csv_bytes([rent_row(1), rent_row(2, aantal_maanden_achterstand="0")])
    ).json()
    assert body["accepted"] == 1 and [entry["row"] for entry in body["rejected"]] == [2]
    assert list(body["rejected"][0]["errors"]) == ["convenant"]
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_import_page_needs_login_and_membership(client, region):
    from tests.factories import UserFactory

    page = client.get(reverse("signals:import"))
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    client.force_login(UserFactory(username="zonder"))
    assert client.get(reverse("signals:import")).status_code == 403
    client.force_login(region.other_consultant)
    signal_import = SignalImport.objects.create(
        organisation=region.corporation, file_name="a.csv", file_hash="0" * 64
    )
    assert client.get(reverse("signals:import-detail", args=[signal_import.pk])).status_code == 404
