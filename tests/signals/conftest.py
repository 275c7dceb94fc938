"""Helpers for the signals tests: CSV files as offices export them, and the creditors of scenario 5."""

import csv
import io

import pytest

from tests.factories import OrganisationFactory, UserFactory

HEADER = [
    "signaalnummer",
    "huurovereenkomstnummer",
    "naam",
    "straat",
    "huisnummer",
    "huisnummertoevoeging",
    "postcode",
    "plaats",
    "achterstandsbedrag",
    "aantal_maanden_achterstand",
    "peildatum",
]


def rent_row(n, **overrides):
    """One row of a corporation's monthly arrears file (values as text, decimal comma)."""
    row = {
        "signaalnummer": f"DOM-2025-03-{n:05d}",
        "huurovereenkomstnummer": f"HO-{n:06d}",
        "naam": f"Huurder {n}",
        "straat": "Lasondersingel",
        "huisnummer": str(n + 1),
        "huisnummertoevoeging": "",
        "postcode": "7514 BP",
        "plaats": "Enschede",
        "achterstandsbedrag": "640,00",
        "aantal_maanden_achterstand": "1",
        "peildatum": "01-03-2025",
    }
    row.update(overrides)
    return row


def csv_bytes(rows, *, header=HEADER, delimiter=";", encoding="utf-8", bom=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([str(row.get(column, "")) for column in header] for row in rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Factory users hash their password; a fast hasher keeps these tests quick (not a production setting)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def creditors(region):
    """An energy company and a health insurer with one employee each (scenario 5)."""
    energy = OrganisationFactory(name="Enexis Energie", kind="utility", municipality="Enschede")
    insurer = OrganisationFactory(name="Menzis", kind="health_insurer", municipality="Enschede")

    class Creditors:
        pass

    creditors = Creditors()
    creditors.energy = energy
    creditors.insurer = insurer
    creditors.energy_worker = UserFactory(username="enexis", organisation=energy)
    creditors.insurer_worker = UserFactory(username="menzis", organisation=insurer)
    return creditors
