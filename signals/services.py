"""Taking in arrears signals: the API batch and the CSV import share one path, one transaction per call.

1. Every record is cleaned (signals/parsing.py); invalid ones are reported with their reasons, the rest go on.
2. Signals repeated within the batch count as duplicates; the rest are COPYed into a temporary table, and
   those already known for (source, external_id) are deleted from it again (one join): duplicates too.
3. Linking to tenants is then a few set-based statements:
   a rent signal → the corporation's tenant by contract reference (created when new); any other signal → a
   tenant at that address (a corporation's tenant first), else one household tenant without corporation
   (created once per address). A household's earlier signals move to the corporation's tenant once it is known.
4. The rule that opens a case: a rent signal with ≥ 1 month in arrears for a tenancy without an open case opens
   one; a newer rent signal for an open case updates its arrears. One query finds the signals concerned; the
   rule runs over them as if signal by signal, and all openings go through cases.services.open_cases_bulk
   in one go (system actor), all arrears updates through cases.services.update_arrears_bulk.
5. The signals are inserted with one INSERT … SELECT … ON CONFLICT DO NOTHING.

Imports of one source are serialised by a transaction-level advisory lock, and creating household tenants by
another, so two uploads at once cannot duplicate signals or households.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import OPEN_STATUSES, Case, Tenant
from cases.services import Actor, CaseError, actor_of, open_cases_bulk, update_arrears_bulk
from config.errors import BusinessError, ForbiddenAction
from convenants.selectors import convenant_for_corporation, municipalities_by_postcode_area
from partners.models import Organisation, OrganisationKind

from . import matching, parsing
from .models import LOCK_HOUSEHOLDS, LOCK_SOURCE, ArrearsSignal, SignalImport, SignalKind

# The most signals one API call may carry (files are for more).
API_MAX_RECORDS = 5000

STAGE = "signal_stage"
STAGE_COLUMNS = (
    "row_no",
    "external_id",
    "kind",
    "contract_ref",
    "name",
    "postcode",
    "house_number",
    "street",
    "city",
    "amount",
    "months",
    "reference_date",
    "crisis",
    "warm_handover",
    "arrears_since",
)


class SignalError(BusinessError):
    """A signal submission or import was refused as a whole; the message is for the user."""


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)
    cases_opened: int = 0
    cases_updated: int = 0
    # {"row" | "index": n, "case": id, "action": "opened" | "updated"}
    case_rows: list[dict] = field(default_factory=list)
    signal_import: SignalImport | None = None
    matching: "matching.MatchResult | None" = None

    def summary(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "cases_opened": self.cases_opened,
            "cases_updated": self.cases_updated,
        }


def max_bytes() -> int:
    return settings.SIGNAL_IMPORT_MAX_BYTES


def file_too_large() -> SignalError:
    return SignalError(
        gettext_lazy("The file is larger than the limit of %(max)s MB.")
        % {"max": f"{max_bytes() / (1024 * 1024):g}"},
        field="file",
    )


def _source_of(user) -> tuple[Actor, Organisation]:
    actor = actor_of(user)
    if actor.organisation is None:
        raise ForbiddenAction(gettext_lazy("You are not linked to an organisation."))
    return actor, actor.organisation


def _default_kind(source: Organisation):
    return SignalKind.RENT if source.kind == OrganisationKind.CORPORATION else None


def submit_signals(user, records, *, now=None) -> IngestResult:
    """The API: one signal (a dict) or several (a list); rejected ones are reported by their 0-based index."""
    now = now or timezone.now()
    actor, source = _source_of(user)
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list) or not records:
        raise SignalError(gettext_lazy("Send one signal or a non-empty list of signals."), field="signals")
    if len(records) > API_MAX_RECORDS:
        raise SignalError(
            gettext_lazy("Send at most %(max)s signals at once; use the CSV import for more.")
            % {"max": API_MAX_RECORDS},
            field="signals",
        )
    parsed = parsing.clean_records(records, today=timezone.localdate(now), default_kind=_default_kind(source))
    with transaction.atomic():
        return _ingest(actor, source, parsed, key="index", now=now)


def import_csv(user, data: bytes, *, file_name="", now=None) -> IngestResult:
    """The CSV upload. Refuses the whole file (SignalError, nothing written) when it is too large, unreadable
    or lacks columns; otherwise takes the valid rows, reports the rest by row number (header = row 1), and
    records a SignalImport with the counts and the per-row report."""
    now = now or timezone.now()
    actor, source = _source_of(user)
    if len(data) > max_bytes():
        raise file_too_large()
    try:
        parsed = parsing.parse_csv(data, today=timezone.localdate(now), default_kind=_default_kind(source))
    except parsing.FileRefused as refused:
        raise SignalError(refused.message, field="file") from None
    with transaction.atomic():
        signal_import = SignalImport.objects.create(
            organisation=source,
            uploaded_by=actor.user,
            file_name=(file_name or "")[:255],
            file_hash=hashlib.sha256(data).hexdigest(),
            rows=parsed.rows,
        )
        result = _ingest(actor, source, parsed, key="row", now=now, signal_import=signal_import)
        signal_import.accepted = result.accepted
        signal_import.duplicates = result.duplicates
        signal_import.rejected = len(result.rejected)
        signal_import.cases_opened = result.cases_opened
        signal_import.cases_updated = result.cases_updated
        signal_import.report = sorted(
            [{**entry, "status": "rejected"} for entry in result.rejected]
            + [
                {"row": entry["row"], "status": f"case_{entry['action']}", "case": entry["case"]}
                for entry in result.case_rows
            ],
            key=lambda entry: entry["row"],
        )
        signal_import.save(
            update_fields=["accepted", "duplicates", "rejected", "cases_opened", "cases_updated", "report"]
        )
        result.signal_import = signal_import
        return result


# --- the shared path ---------------------------------------------------------------------------------------


def _ingest(actor, source, parsed: parsing.Parsed, *, key, now, signal_import=None) -> IngestResult:
    result = IngestResult(rejected=list(parsed.rejected))
    signals = parsed.signals
    if source.kind != OrganisationKind.CORPORATION:
        kept = []
        for signal in signals:
            if signal.kind == SignalKind.RENT:
                result.rejected.append(
                    {
                        key: signal.key,
                        "errors": {"kind": [_("Only a housing corporation reports rent arrears.")]},
                    }
                )
            else:
                kept.append(signal)
        signals = kept
    if not signals:
        result.rejected.sort(key=lambda entry: entry[key])
        return result

    with connection.cursor() as cursor:
        # A few big statements: no JIT compilation (it costs more than it saves here) and sorts in memory.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SOURCE, source.pk])
        if any(signal.kind != SignalKind.RENT for signal in signals):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_HOUSEHOLDS, 0])

    # Duplicates: repeated within this batch (the first one counts), or known before (found in the stage table).
    new, seen = [], set()
    for signal in signals:
        if signal.external_id in seen:
            result.duplicates += 1
        else:
            seen.add(signal.external_id)
            new.append(signal)
    with connection.cursor() as cursor:
        _stage(cursor, new)
        known = _drop_known(cursor, source)
        if known:
            result.duplicates += len(known)
            new = [signal for signal in new if signal.key not in known]
        if not new:
            cursor.execute(f"DROP TABLE {STAGE}")
            result.rejected.sort(key=lambda entry: entry[key])
            return result

        rent = [s for s in new if s.kind == SignalKind.RENT]
        convenant = None
        if any(s.months_in_arrears >= 1 for s in rent):
            convenant = convenant_for_corporation(source)
        if rent:
            _link_rent(cursor, source, now)
        if len(rent) < len(new):
            _link_others(cursor, source, now)
        _place_in_postcode_areas(cursor)
        candidates = _case_candidates(cursor) if rent else []

    by_key = {signal.key: signal for signal in new}
    case_of, refused = _apply_case_rule(source, by_key, candidates, convenant, now, key, result)
    for signal_key, errors in refused.items():
        result.rejected.append({key: signal_key, "errors": errors})
        by_key.pop(signal_key)

    with connection.cursor() as cursor:
        if refused:
            cursor.execute(f"DELETE FROM {STAGE} WHERE row_no = ANY(%s)", [list(refused)])
        if case_of:
            cursor.execute(
                f"UPDATE {STAGE} s SET case_id = v.case_id FROM unnest(%s::int[], %s::bigint[]) AS v(row_no, case_id) "
                "WHERE s.row_no = v.row_no",
                [list(case_of), list(case_of.values())],
            )
        table = ArrearsSignal._meta.db_table
        cursor.execute(
            f"""
            INSERT INTO {table} (source_id, external_id, kind, contract_ref, name, postcode, house_number, amount,
                                 months_in_arrears, reference_date, tenant_id, case_id, municipality,
                                 signal_import_id, received_at, crisis, warm_handover, arrears_since, match_state)
            SELECT %s, external_id, kind, contract_ref, name, postcode, house_number, amount, months, reference_date,
                   tenant_id, case_id, municipality, %s, %s, crisis, warm_handover, arrears_since, ''
            FROM {STAGE} ORDER BY row_no
            ON CONFLICT DO NOTHING
            """,
            [source.pk, signal_import.pk if signal_import else None, now],
        )
        result.accepted = cursor.rowcount
        cursor.execute(f"SELECT DISTINCT municipality, date_trunc('month', reference_date)::date FROM {STAGE}")
        months = cursor.fetchall()
        cursor.execute(f"DROP TABLE {STAGE}")
    if result.accepted != len(by_key):
        # Only a concurrent writer outside the advisory lock could cause this; never report a wrong count.
        raise SignalError(gettext_lazy("Signals changed while importing; please try again."), conflict=True)
    # Vroegsignalering: the new signals' households and periods are matched at once (signals.matching).
    result.matching = matching.match_after_import(months, now=now)
    result.rejected.sort(key=lambda entry: entry[key])
    result.case_rows.sort(key=lambda entry: entry[key])
    return result


def _stage(cursor, signals):
    """COPY the signals into a temporary table (dropped at the end of the call, or with the transaction)."""
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {STAGE} (
            row_no integer NOT NULL, external_id text NOT NULL, kind text NOT NULL, contract_ref text NOT NULL,
            name text NOT NULL, postcode text NOT NULL, house_number text NOT NULL, street text NOT NULL,
            city text NOT NULL, amount numeric(10, 2) NOT NULL, months smallint NOT NULL,
            reference_date date NOT NULL, crisis boolean NOT NULL, warm_handover boolean NOT NULL,
            arrears_since date, tenant_id bigint, case_id bigint, municipality text NOT NULL DEFAULT ''
        ) ON COMMIT DROP
        """
    )
    buffer = io.StringIO()
    # CSV with every value quoted: an empty text stays '' (unquoted empty would be NULL). A CleanSignal is a
    # tuple in STAGE_COLUMNS order; csv writes str() of each value (Decimal "640.00", date "2025-03-01").
    # Booleans as t/f; a missing date as "", which FORCE_NULL reads as NULL.
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(
        (*signal[:-3], "t" if signal.crisis else "f", "t" if signal.warm_handover else "f",
         signal.arrears_since or "")
        for signal in signals
    )
    buffer.seek(0)
    cursor.copy_expert(
        f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN WITH (FORMAT csv, FORCE_NULL (arrears_since))", buffer
    )


def _drop_known(cursor, source) -> set:
    """Remove the staged signals this source sent before; their keys."""
    cursor.execute(
        f"""
        DELETE FROM {STAGE} s USING {ArrearsSignal._meta.db_table} sg
        WHERE sg.source_id = %s AND sg.external_id = s.external_id
        RETURNING s.row_no
        """,
        [source.pk],
    )
    return {row[0] for row in cursor.fetchall()}


def _link_rent(cursor, source, now):
    """Rent signals → the corporation's tenant by contract reference, created when new. Earlier signals of a
    household without corporation at that address move to this tenant."""
    tenant = Tenant._meta.db_table
    signal = ArrearsSignal._meta.db_table
    case = Case._meta.db_table
    cursor.execute(
        f"""
        INSERT INTO {tenant} (corporation_id, contract_ref, name, street, house_number, postcode, city, phone, email,
                              created_at)
        SELECT DISTINCT ON (contract_ref) %s, contract_ref, name, street, house_number, postcode, city, '', '', %s
        FROM {STAGE} s
        WHERE kind = 'rent'
          AND NOT EXISTS (SELECT 1 FROM {tenant} t WHERE t.corporation_id = %s AND t.contract_ref = s.contract_ref)
        ORDER BY contract_ref, row_no DESC
        ON CONFLICT DO NOTHING
        """,
        [source.pk, now, source.pk],
    )
    cursor.execute(
        f"""
        UPDATE {STAGE} s SET tenant_id = t.id, municipality = %s
        FROM {tenant} t WHERE s.kind = 'rent' AND t.corporation_id = %s AND t.contract_ref = s.contract_ref
        """,
        [source.municipality, source.pk],
    )
    # Households (tenants without corporation) at these addresses: usually none, so find them first.
    cursor.execute(
        f"""
        UPDATE {signal} sg SET tenant_id = r.tenant_id, municipality = %s
        FROM (SELECT DISTINCT ON (h.id) h.id AS household_id, s.tenant_id
              FROM {STAGE} s
              JOIN {tenant} h ON h.corporation_id IS NULL AND h.postcode = s.postcode
                             AND h.house_number = s.house_number
              WHERE s.kind = 'rent' ORDER BY h.id, s.row_no DESC) r
        WHERE sg.tenant_id = r.household_id
        RETURNING r.household_id
        """,
        [source.municipality],
    )
    moved = list({row[0] for row in cursor.fetchall()})
    if moved:
        cursor.execute(
            f"""
            DELETE FROM {tenant} h WHERE h.id = ANY(%s) AND h.corporation_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM {signal} sg WHERE sg.tenant_id = h.id)
              AND NOT EXISTS (SELECT 1 FROM {case} c WHERE c.tenant_id = h.id)
            """,
            [moved],
        )


def _link_others(cursor, source, now):
    """Other creditors' signals → a tenant at that address (a corporation's tenant first, one with an open case
    before others, the newest), else one household tenant without corporation per address."""
    tenant = Tenant._meta.db_table
    case = Case._meta.db_table
    organisation = Organisation._meta.db_table
    open_statuses = [str(status) for status in OPEN_STATUSES]
    cursor.execute(
        f"""
        UPDATE {STAGE} s SET tenant_id = best.id, municipality = COALESCE(o.municipality, %s)
        FROM (
            SELECT DISTINCT ON (t.postcode, t.house_number) t.id, t.postcode, t.house_number, t.corporation_id
            FROM {tenant} t
            JOIN (SELECT DISTINCT postcode, house_number FROM {STAGE} WHERE kind <> 'rent') a
              ON a.postcode = t.postcode AND a.house_number = t.house_number
            WHERE t.anonymised_at IS NULL
            ORDER BY t.postcode, t.house_number, (t.corporation_id IS NULL),
                     EXISTS (SELECT 1 FROM {case} c WHERE c.tenant_id = t.id AND c.status = ANY(%s)) DESC,
                     t.id DESC
        ) best
        LEFT JOIN {organisation} o ON o.id = best.corporation_id
        WHERE s.kind <> 'rent' AND s.postcode = best.postcode AND s.house_number = best.house_number
        """,
        [source.municipality, open_statuses],
    )
    cursor.execute(
        f"""
        WITH created AS (
            INSERT INTO {tenant} (corporation_id, contract_ref, name, street, house_number, postcode, city, phone,
                                  email, created_at)
            SELECT DISTINCT ON (postcode, house_number) NULL, '', name, street, house_number, postcode, city, '', '', %s
            FROM {STAGE} WHERE kind <> 'rent' AND tenant_id IS NULL ORDER BY postcode, house_number, row_no
            RETURNING id, postcode, house_number
        )
        UPDATE {STAGE} s SET tenant_id = created.id, municipality = %s
        FROM created
        WHERE s.kind <> 'rent' AND s.tenant_id IS NULL AND s.postcode = created.postcode
          AND s.house_number = created.house_number
        """,
        [now, source.municipality],
    )


def _place_in_postcode_areas(cursor):
    """A household in a convenant's postcode areas belongs to that municipality, whoever sends its signal (a
    creditor serves many municipalities): its vroegsignalering, its figures and its DDAS report are that
    municipality's. Elsewhere the signal keeps the municipality of its tenancy's corporation or of its sender."""
    areas = municipalities_by_postcode_area()
    if not areas:
        return
    cursor.execute(
        f"""
        UPDATE {STAGE} s SET municipality = a.municipality
        FROM unnest(%s::int[], %s::int[], %s::text[]) AS a(low, high, municipality)
        WHERE s.postcode ~ '^[0-9]{{4}}' AND left(s.postcode, 4)::int BETWEEN a.low AND a.high
        """,
        [[low for low, _high, _m in areas], [high for _low, high, _m in areas], [m for _low, _high, m in areas]],
    )


def _case_candidates(cursor):
    """The staged rent signals the case rule looks at: those of a tenant with an open case, or of a tenant with a
    signal of ≥ 1 month in this batch. (row_no, tenant id, open case id, its arrears, its months, the reference
    date of its newest rent signal)."""
    cursor.execute(
        f"""
        SELECT s.row_no, s.tenant_id, c.id, c.arrears_amount, c.months_in_arrears,
               (SELECT max(sg.reference_date) FROM {ArrearsSignal._meta.db_table} sg
                WHERE sg.case_id = c.id AND sg.kind = 'rent')
        FROM {STAGE} s
        LEFT JOIN {Case._meta.db_table} c ON c.tenant_id = s.tenant_id AND c.status = ANY(%s)
        WHERE s.kind = 'rent'
          AND (c.id IS NOT NULL OR s.tenant_id IN (SELECT tenant_id FROM {STAGE} WHERE kind = 'rent' AND months >= 1))
        """,
        [[str(status) for status in OPEN_STATUSES]],
    )
    return cursor.fetchall()


@dataclass
class _CaseState:
    """An open case of a tenant while the rule runs: known (case_id) or opened by this batch (opening)."""

    case_id: int | None
    arrears_amount: object
    months_in_arrears: int
    latest: object = None  # the reference date of its newest rent signal
    opening: int | None = None  # the key of the signal that opens it
    error: dict | None = None  # why that opening was refused


def _apply_case_rule(source, by_key, candidates, convenant, now, key, result):
    """Open or update cases for the new rent signals, oldest reference date first, as if signal by signal:
    a signal of ≥ 1 month for a tenancy without an open case opens one (all openings in one go through
    cases.services.open_cases_bulk), a newer figure for an open case updates its arrears (all in one go through
    cases.services.update_arrears_bulk). Returns ({key: case id} for the signals to link, {key: errors} for
    signals whose case could not be opened)."""
    case_of, refused = {}, {}
    if not candidates:
        return case_of, refused
    state_of: dict[int, _CaseState] = {}
    tenant_of = {}
    for row_no, tenant_id, case_id, amount, months, latest in candidates:
        tenant_of[row_no] = tenant_id
        if case_id is not None:
            state_of[tenant_id] = _CaseState(case_id, amount, months, latest)
    steps = []  # (signal, state, opens) in the order signal-by-signal processing would take
    for signal in sorted((by_key[row_no] for row_no in tenant_of), key=lambda s: (s.reference_date, s.key)):
        state = state_of.get(tenant_of[signal.key])
        if state is not None:
            steps.append((signal, state, False))
        elif signal.months_in_arrears >= 1:
            if convenant is None:
                refused[signal.key] = {
                    "convenant": [_("Your corporation is not a party to a valid covenant, so no case can open.")]
                }
                continue
            state = _CaseState(None, signal.amount, signal.months_in_arrears, signal.reference_date, signal.key)
            state_of[tenant_of[signal.key]] = state
            steps.append((signal, state, True))

    openings = [(signal, state) for signal, state, opens in steps if opens]
    if openings:
        outcomes = open_cases_bulk(
            Actor.system(source),
            corporation=source,
            convenant=convenant,
            openings=[
                {
                    "tenant": {
                        "name": signal.name,
                        "contract_ref": signal.contract_ref,
                        "street": signal.street,
                        "house_number": signal.house_number,
                        "postcode": signal.postcode,
                        "city": signal.city,
                    },
                    "arrears_amount": signal.amount,
                    "months_in_arrears": signal.months_in_arrears,
                }
                for signal, _state in openings
            ],
            now=now,
        )
        for (_signal, state), outcome in zip(openings, outcomes, strict=True):
            if isinstance(outcome, CaseError):
                state.error = {outcome.field or "non_field_errors": [str(outcome.message)]}
            else:
                state.case_id = outcome.pk

    updates = []  # (case id, amount, months, description) for update_arrears_bulk, in signal order
    for signal, state, opens in steps:
        if state.error is not None:
            # Signal by signal, the tenancy would still have no open case: a later signal of ≥ 1 month would
            # try to open one and be refused alike; one below a month links to no case.
            if opens or signal.months_in_arrears >= 1:
                refused[signal.key] = state.error
            continue
        case_of[signal.key] = state.case_id
        if opens:
            result.cases_opened += 1
            result.case_rows.append({key: signal.key, "case": state.case_id, "action": "opened"})
            continue
        if state.latest is not None and signal.reference_date < state.latest:
            continue  # an older figure than the case already has
        state.latest = signal.reference_date
        if (state.arrears_amount, state.months_in_arrears) == (signal.amount, signal.months_in_arrears):
            continue
        updates.append(
            (
                state.case_id,
                signal.amount,
                signal.months_in_arrears,
                _("Signal %(id)s of %(date)s: arrears € %(amount)s (%(months)s months)")
                % {
                    "id": signal.external_id,
                    "date": signal.reference_date.isoformat(),
                    "amount": signal.amount,
                    "months": signal.months_in_arrears,
                },
            )
        )
        state.arrears_amount, state.months_in_arrears = signal.amount, signal.months_in_arrears
        result.cases_updated += 1
        result.case_rows.append({key: signal.key, "case": state.case_id, "action": "updated"})
    if updates:
        update_arrears_bulk(updates, source=source, now=now)
    return case_of, refused
