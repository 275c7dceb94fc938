"""CSV downloads: the one writer for every CSV the site hands out.

Cells are defused against formula injection (defusedcsv: a text cell starting with =, +, -, @, | or % gets a
leading apostrophe so that a spreadsheet shows it as text; a tab or carriage return in front is treated the
same way here). The file is written the way Excel opens it without an import wizard in the user's language: UTF-8
with a byte-order mark; for Dutch `;` between cells and a decimal comma, otherwise `,` and a decimal point.
"""

from datetime import date, datetime
from decimal import Decimal

from defusedcsv import csv
from django.http import HttpResponse
from django.utils import translation

BOM = "\ufeff"
# Excel does not strip these, but a formula can hide behind them in some spreadsheet programs.
LEADING_CONTROL = ("\t", "\r")


def dialect(language: str | None = None) -> tuple[str, str]:
    """(cell delimiter, decimal separator) for the language (default: the active one)."""
    language = (language or translation.get_language() or "").lower()
    if language.split("-")[0] == "nl":
        return ";", ","
    return ",", "."


def cell(value, decimal_separator: str):
    """One value as the spreadsheet should read it: numbers with the language's decimal separator, no grouping;
    dates in ISO form (which Excel reads as a date in every language); None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return format(value, "f" if isinstance(value, Decimal) else "").replace(".", decimal_separator)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(LEADING_CONTROL):
        text = "'" + text
    return text


def write_rows(stream, rows, *, language: str | None = None) -> None:
    """Writes the byte-order mark and the rows (lists of values) to a text stream."""
    delimiter, decimal_separator = dialect(language)
    stream.write(BOM)
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows([cell(value, decimal_separator) for value in row] for row in rows)


def csv_response(filename: str, rows, *, language: str | None = None) -> HttpResponse:
    """A download of the rows (the first one the header) as `filename`."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    write_rows(response, rows, language=language)
    return response
