"""Reading signals: one record (API or CSV row) → cleaned values or per-field reasons; a CSV file → records.

Pure Python, no database: the services decide what happens with the cleaned records. The CSV reader accepts
what Dutch offices export: `;`, `,` or tab separated (sniffed from the header), UTF-8 with or without BOM or
Windows-1252, amounts with a decimal comma or point and an optional thousands separator ("1.234,56"),
dates as YYYY-MM-DD or DD-MM-YYYY. Column names follow Aedes VERA-Incasso naming where it has one, in Dutch,
and accept the English API names as aliases (see COLUMNS).
"""

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import NamedTuple

from django.utils.translation import gettext as _

from cases.services import normalise_house_number, normalise_postcode

from .models import KIND_OF_PARTNER_TYPE, SignalKind

MAX_MONTHS = 120
MAX_AMOUNT = Decimal("100000000")

# field → accepted column names (compared without case, spaces, underscores, dashes or dots).
COLUMNS = {
    "external_id": ["signaalnummer", "signaalid", "kenmerk", "referentie", "external_id", "id"],
    "kind": ["soort", "soortachterstand", "soortschuld", "kind", "type"],
    "contract_ref": [
        "huurovereenkomstnummer",
        "huurcontractnummer",
        "contractnummer",
        "contract_ref",
        "contract",
    ],
    "name": ["naam", "naamhuurder", "huurder", "naamschuldenaar", "name"],
    "street": ["straat", "straatnaam", "street"],
    "house_number": ["huisnummer", "house_number"],
    "house_number_addition": ["huisnummertoevoeging", "toevoeging", "house_number_addition", "addition"],
    "postcode": ["postcode", "postal_code", "zipcode"],
    "city": ["plaats", "woonplaats", "city"],
    "amount": [
        "achterstandsbedrag",
        "bedragachterstand",
        "openstaandbedrag",
        "bedrag",
        "achterstand",
        "amount",
    ],
    "months_in_arrears": [
        "aantalmaandenachterstand",
        "maandenachterstand",
        "aantalmaanden",
        "maanden",
        "months_in_arrears",
        "months",
    ],
    "reference_date": ["peildatum", "datumsignaal", "signaaldatum", "datum", "reference_date", "date"],
    # DDAS (VNG Realisatie ddas-vroegsignalering v1.2): crisissignaal, warmeOverdracht, ontstaansdatum.
    "crisis": ["crisissignaal", "crisis"],
    "warm_handover": ["warmeoverdracht", "warm_handover"],
    "arrears_since": ["ontstaansdatum", "datumontstaan", "arrears_since"],
}
# The fields the case services name (an opening's "tenant.postcode", "arrears_amount") as the file's columns.
SERVICE_FIELDS = {"arrears_amount": "amount"}


def column_name(field) -> str:
    """The column a report names for a field (its first, Dutch, column name), as the CSV files spell it; ""
    for an error about the whole row."""
    field = str(field or "")
    field = field.removeprefix("tenant.")
    field = SERVICE_FIELDS.get(field, field)
    if field in COLUMNS:
        return COLUMNS[field][0]
    return "" if field in ("", "non_field_errors", "detail") else field


REQUIRED_COLUMNS = [
    "external_id",
    "name",
    "postcode",
    "house_number",
    "amount",
    "months_in_arrears",
    "reference_date",
]

# Kind values as offices write them → the API value.
KIND_ALIASES = {
    "huur": SignalKind.RENT,
    "huurachterstand": SignalKind.RENT,
    "energie": SignalKind.ENERGY,
    "gas": SignalKind.ENERGY,
    "elektriciteit": SignalKind.ENERGY,
    "drinkwater": SignalKind.WATER,
    "zorgverzekering": SignalKind.HEALTH_INSURANCE,
    "zorgpremie": SignalKind.HEALTH_INSURANCE,
    "zorgverzekeringspremie": SignalKind.HEALTH_INSURANCE,
    "gemeentelijkebelastingen": SignalKind.MUNICIPAL_TAX,
    "gemeentebelasting": SignalKind.MUNICIPAL_TAX,
    "gemeentelijkebelasting": SignalKind.MUNICIPAL_TAX,
    **{value.replace("_", ""): value for value in SignalKind.values},
    # The DDAS signal partner types (EnumSignaalpartner), as the national exchange names them.
    **{re.sub(r"[\s_\-]", "", partner_type.lower()): kind for partner_type, kind in KIND_OF_PARTNER_TYPE.items()},
}
# What an error lists as accepted: the codes and the DDAS partner types.
ACCEPTED_KINDS = [*SignalKind.values, *KIND_OF_PARTNER_TYPE]
TRUE_WORDS = frozenset({"ja", "j", "yes", "y", "true", "1", "waar"})
FALSE_WORDS = frozenset({"nee", "n", "no", "false", "0", "onwaar", ""})

HOUSE_NUMBER = re.compile(r"^[1-9][0-9]{0,5}[A-Z0-9]{0,10}$")
THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
THOUSANDS_COMMA = re.compile(r"^\d{1,3}(,\d{3})+\.\d{1,2}$")
PLAIN_AMOUNT = re.compile(r"\d{1,9}(?:[.,]\d{1,2})?")


class FileRefused(Exception):
    """The whole file cannot be read; nothing is written. `message` is for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class CleanSignal(NamedTuple):
    """A valid record. A tuple in the column order of the services' stage table, so it is COPYed as it is."""

    key: int  # the list index (API) or row number (CSV) the caller reports by
    external_id: str
    kind: str
    contract_ref: str
    name: str
    postcode: str
    house_number: str
    street: str
    city: str
    amount: Decimal
    months_in_arrears: int
    reference_date: date
    crisis: bool = False
    warm_handover: bool = False
    arrears_since: date | None = None


@dataclass
class Parsed:
    signals: list[CleanSignal] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)  # {"row"|"index": n, "errors": {field: [reason]}}
    rows: int = 0


def _text(value) -> str:
    if value.__class__ is str:
        return value.strip()
    return "" if value is None else str(value).strip()


def parse_amount(value, *, dutch=True) -> Decimal:
    """'1.234,56', '1234,56', '1234.56', '€ 640', 640 → Decimal; ValueError when unreadable.
    With dutch=False (the JSON API) only a plain decimal point is read: "512.30"."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if dutch and value.__class__ is str and PLAIN_AMOUNT.fullmatch(value):
        return Decimal(value.replace(",", "."))  # the common "640,00" / "640.00" / "640": no more to it
    if not dutch:
        try:
            amount = Decimal(_text(value))
        except InvalidOperation:
            raise ValueError from None
        if not amount.is_finite():
            raise ValueError
        return amount
    text = _text(value).replace("€", "").replace("\u00a0", "").replace(" ", "")
    if text.startswith("EUR"):
        text = text[3:]
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")  # 1.234,56
        elif THOUSANDS_COMMA.match(text.lstrip("-")):
            text = text.replace(",", "")  # 1,234.56
        else:
            raise ValueError
    elif "," in text:
        if text.count(",") > 1:
            raise ValueError
        text = text.replace(",", ".")  # 1234,56
    elif THOUSANDS_DOT.match(text.lstrip("-")):
        text = text.replace(".", "")  # 1.234 (three digits after a dot cannot be cents)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not amount.is_finite():
        raise ValueError
    return amount


ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value) -> date:
    """'2025-03-01', '01-03-2025', '1/3/2025', '01.03.2025', '20250301' → date; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date_text(_text(value))


@functools.lru_cache(maxsize=4096)
def _parse_date_text(text: str) -> date:
    # A file mostly carries one reference date: the cache makes the parse once per distinct text.
    match = ISO_DATE.match(text) or COMPACT_DATE.match(text)
    if match:
        year, month, day = match.groups()
    else:
        match = DUTCH_DATE.match(text)
        if not match:
            raise ValueError
        day, month, year = match.groups()
    return date(int(year), int(month), int(day))


@functools.lru_cache(maxsize=256)
def _kind_of(raw_kind: str):
    return KIND_ALIASES.get(re.sub(r"[\s_\-]", "", raw_kind.lower()))


# Values repeat across the rows of a file; the cases app's normalisation is cached per distinct text.
_postcode = functools.lru_cache(maxsize=65536)(normalise_postcode)
_house_number = functools.lru_cache(maxsize=65536)(normalise_house_number)


def clean_signal(record: dict, *, key: int, today: date, default_kind: str | None = None, dutch=True):
    """(CleanSignal, None) or (None, {field: [reason]}) for one record with API field names."""
    errors: dict[str, list[str]] = {}

    def error(name, message):
        errors.setdefault(name, []).append(str(message))

    if not isinstance(record, dict):
        return None, {"non_field_errors": [_("Each signal must be an object.")]}

    external_id = _text(record.get("external_id"))
    if not external_id:
        error("external_id", _("This field is required."))
    elif len(external_id) > 100:
        error("external_id", _("At most 100 characters."))

    raw_kind = _text(record.get("kind")) or (default_kind or "")
    kind = _kind_of(raw_kind)
    if not raw_kind:
        error("kind", _("This field is required."))
    elif kind is None:
        error(
            "kind",
            _("Unknown kind “%(value)s”; use one of: %(kinds)s.")
            % {"value": raw_kind[:40], "kinds": ", ".join(ACCEPTED_KINDS)},
        )

    contract_ref = _text(record.get("contract_ref"))
    if kind == SignalKind.RENT and not contract_ref:
        error("contract_ref", _("A rent signal needs the contract reference."))
    elif len(contract_ref) > 64:
        error("contract_ref", _("At most 64 characters."))

    name = _text(record.get("name"))
    if not name:
        error("name", _("This field is required."))
    elif len(name) > 200:
        error("name", _("At most 200 characters."))

    raw_postcode = _text(record.get("postcode"))
    postcode = _postcode(raw_postcode)
    if not raw_postcode:
        error("postcode", _("This field is required."))
    elif postcode is None:
        error(
            "postcode",
            _("“%(value)s” is not a Dutch postcode (for example 1234 AB).") % {"value": raw_postcode[:20]},
        )

    raw_number = _text(record.get("house_number"))
    addition = _text(record.get("house_number_addition"))
    house_number = _house_number(f"{raw_number}{addition}")
    if not raw_number:
        error("house_number", _("This field is required."))
    elif not HOUSE_NUMBER.match(house_number):
        error(
            "house_number",
            _("“%(value)s” is not a house number.") % {"value": f"{raw_number} {addition}".strip()[:20]},
        )

    amount = None
    raw_amount = record.get("amount")
    if raw_amount is None or raw_amount == "" or _text(raw_amount) == "":
        error("amount", _("This field is required."))
    else:
        try:
            amount = parse_amount(raw_amount, dutch=dutch)
        except ValueError:
            error("amount", _("“%(value)s” is not an amount.") % {"value": _text(raw_amount)[:20]})
        else:
            if amount < 0:
                error("amount", _("The amount cannot be negative."))
            elif amount >= MAX_AMOUNT:
                error("amount", _("This amount is too large."))
            elif amount.as_tuple().exponent < -2:
                error("amount", _("An amount has at most two decimals."))

    months = None
    raw_months = record.get("months_in_arrears")
    text_months = _text(raw_months)
    if text_months == "":
        error("months_in_arrears", _("This field is required."))
    else:
        try:
            if isinstance(raw_months, bool):
                raise ValueError
            months = int(text_months)
        except ValueError:
            error("months_in_arrears", _("Enter a whole number of months."))
        else:
            if months < 0 or months > MAX_MONTHS:
                error("months_in_arrears", _("The number of months lies between 0 and 120."))

    reference_date = None
    raw_date = record.get("reference_date")
    if _text(raw_date) == "":
        error("reference_date", _("This field is required."))
    else:
        try:
            reference_date = parse_date(raw_date)
        except ValueError:
            error(
                "reference_date",
                _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": _text(raw_date)[:20]},
            )
        else:
            if reference_date > today:
                error("reference_date", _("The reference date cannot lie in the future."))

    flags = {}
    for flag in ("crisis", "warm_handover"):
        raw = record.get(flag)
        if isinstance(raw, bool):
            flags[flag] = raw
        elif raw is None or _text(raw).lower() in FALSE_WORDS:
            flags[flag] = False
        elif _text(raw).lower() in TRUE_WORDS:
            flags[flag] = True
        else:
            error(flag, _("“%(value)s” is not yes or no (ja/nee, true/false).") % {"value": _text(raw)[:20]})

    arrears_since = None
    raw_since = record.get("arrears_since")
    if _text(raw_since) != "":
        try:
            arrears_since = parse_date(raw_since)
        except ValueError:
            error("arrears_since", _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": _text(raw_since)[:20]})
        else:
            if arrears_since > today:
                error("arrears_since", _("The date the arrears arose cannot lie in the future."))
            elif reference_date is not None and arrears_since > reference_date:
                error("arrears_since", _("The arrears cannot have arisen after the reference date."))

    if errors:
        return None, errors
    return (
        CleanSignal(
            key=key,
            external_id=external_id,
            kind=kind,
            contract_ref=contract_ref,
            name=name,
            postcode=postcode,
            house_number=house_number,
            street=_text(record.get("street"))[:200],
            city=_text(record.get("city"))[:100],
            amount=amount,
            months_in_arrears=months,
            reference_date=reference_date,
            crisis=flags["crisis"],
            warm_handover=flags["warm_handover"],
            arrears_since=arrears_since,
        ),
        None,
    )


def clean_records(records, *, today: date, default_kind=None) -> Parsed:
    """API records (a list of objects), reported by their 0-based `index`."""
    parsed = Parsed(rows=len(records))
    for index, record in enumerate(records):
        signal, errors = clean_signal(record, key=index, today=today, default_kind=default_kind, dutch=False)
        if errors:
            parsed.rejected.append({"index": index, "errors": errors})
        else:
            parsed.signals.append(signal)
    return parsed


# --- CSV ---------------------------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252; binary files are refused."""
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    if b"\x00" in data[:65536]:
        raise FileRefused(_("This is not a CSV text file (save it from the spreadsheet as CSV)."))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise FileRefused(
            _("The file's characters cannot be read: save it as UTF-8 or Windows-1252 CSV.")
        ) from None


def _normal_header(value: str) -> str:
    return re.sub(r"[\s_\-\.]", "", value.strip().lstrip("\ufeff").lower())


ALIASES = {_normal_header(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


def sniff_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        raise FileRefused(_("The header row has no columns separated by ; or , ."))
    return delimiter


def map_header(header: list[str], *, kind_required: bool) -> list[str | None]:
    """The field of each column (None for columns that are not used); refuses missing or doubled columns."""
    fields = [ALIASES.get(_normal_header(column)) for column in header]
    seen = set()
    for column, name in zip(header, fields, strict=True):
        if name is None:
            continue
        if name in seen:
            raise FileRefused(_("Column “%(column)s” appears twice.") % {"column": column.strip()})
        seen.add(name)
    required = REQUIRED_COLUMNS + (["kind"] if kind_required else [])
    missing = [name for name in required if name not in seen]
    if missing:
        raise FileRefused(
            _("Missing columns: %(missing)s. Expected columns: %(expected)s.")
            % {
                "missing": ", ".join(COLUMNS[name][0] for name in missing),
                "expected": ", ".join(COLUMNS[name][0] for name in required),
            }
        )
    return fields


def parse_csv(data: bytes, *, today: date, default_kind=None) -> Parsed:
    """Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2."""
    text = decode(data)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise FileRefused(_("The file has no header row.")) from None
    fields = map_header(header, kind_required=default_kind is None)
    width = len(header)
    used = [(name, index) for index, name in enumerate(fields) if name is not None]
    names = [name for name, _index in used]
    pick = itemgetter(*[index for _name, index in used])  # ≥ 7 columns (REQUIRED_COLUMNS), so always a tuple
    parsed = Parsed()
    row_number = 1
    try:
        for values in reader:
            row_number += 1
            if not "".join(values).strip():
                continue  # blank line: counted, so numbers match the spreadsheet, but not a row
            parsed.rows += 1
            if len(values) != width:
                parsed.rejected.append(
                    {
                        "row": row_number,
                        "errors": {
                            "non_field_errors": [
                                _("Expected %(expected)s columns, found %(found)s.")
                                % {"expected": width, "found": len(values)}
                            ]
                        },
                    }
                )
                continue
            record = dict(zip(names, pick(values), strict=True))
            signal, errors = clean_signal(record, key=row_number, today=today, default_kind=default_kind)
            if errors:
                parsed.rejected.append({"row": row_number, "errors": errors})
            else:
                parsed.signals.append(signal)
    except csv.Error as exc:
        raise FileRefused(
            _("Row %(row)s cannot be read as CSV: %(reason)s") % {"row": row_number, "reason": exc}
        ) from None
    if parsed.rows == 0:
        raise FileRefused(_("The file has a header row but no data rows."))
    return parsed
