"""cases.services.open_cases_bulk (the signal import's way to open cases) does exactly what open_case does,
opening by opening, for the same input; and the import's number of queries does not grow with its cases."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseEvent, CaseGroupObjectPermission, Tenant
from cases.services import Actor, CaseError, open_case, open_cases_bulk
from signals.services import import_csv
from tests.factories import CaseFactory, TenantFactory

from .conftest import csv_bytes, rent_row

NOW = datetime(2025, 3, 3, 9, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
TENANT_FIELDS = ("corporation_id", "contract_ref", "name", "street", "house_number", "postcode", "city", "phone", "email")
CASE_FIELDS = (
    "corporation_id",
    "holder_id",
    "convenant_id",
    "status",
    "previous_status",
    "arrears_amount",
    "months_in_arrears",
    "monthly_rent",
    "opened_at",
    "last_activity_at",
    "first_contact_at",
    "deadline_kind",
    "deadline_at",
    "closed_at",
    "outcome",
)


def opening(n, **overrides):
    values = {
        "tenant": {
            "name": f"Huurder {n}",
            "contract_ref": f"HO-{n:06d}",
            "street": "Lasondersingel",
            "house_number": f"{n} b",
            "postcode": "7514bp",
            "city": "Enschede",
        },
        "arrears_amount": Decimal("640.00") + n,
        "months_in_arrears": 1 + n % 3,
    }
    values.update(overrides)
    return values


def snapshot(contract_refs):
    """What opening left behind for these tenancies, without ids and clock fields."""
    tenants = {t.contract_ref: t for t in Tenant.objects.filter(contract_ref__in=contract_refs)}
    state = {}
    for ref in contract_refs:
        tenant = tenants.get(ref)
        if tenant is None:
            state[ref] = None
            continue
        cases = []
        for case in Case.objects.filter(tenant=tenant).order_by("opened_at", "id"):
            events = [
                (e.kind, e.at, e.actor_id, e.organisation_id, e.description, e.data)
                for e in CaseEvent.objects.filter(case=case).order_by("at", "id")
            ]
            permissions = sorted(
                CaseGroupObjectPermission.objects.filter(content_object=case).values_list(
                    "group_id", "permission__codename"
                )
            )
            cases.append(({f: getattr(case, f) for f in CASE_FIELDS}, events, permissions))
        state[ref] = ({f: getattr(tenant, f) for f in TENANT_FIELDS}, cases)
    return state


def one_by_one(actor, openings, **kwargs):
    """open_case per opening, as a caller would: the result or the CaseError."""
    results = []
    for values in openings:
        try:
            with transaction.atomic():
                results.append(open_case(actor, now=NOW, **kwargs, **values))
        except CaseError as error:
            results.append(error)
    return results


def both_ways(actor, openings, **kwargs):
    """Run open_case one by one and open_cases_bulk on the same database state; both results and snapshots."""
    refs = sorted({str(o["tenant"].get("contract_ref") or "").strip() for o in openings} - {""})
    with transaction.atomic():
        single = one_by_one(actor, openings, **kwargs)
        single_state = snapshot(refs)
        transaction.set_rollback(True)
    bulk = open_cases_bulk(actor, openings=openings, now=NOW, **kwargs)
    return single, single_state, bulk, snapshot(refs)


def outcome(result):
    if isinstance(result, CaseError):
        return ("error", result.field, str(result.message))
    return ("case", result.tenant.contract_ref, result.arrears_amount, result.months_in_arrears)


@pytest.mark.django_db
def test_bulk_opening_equals_open_case_for_new_and_known_tenants(region):
    # A tenant the corporation knows already (other name, a phone number), one with an open case, new ones.
    TenantFactory(corporation=region.corporation, contract_ref="HO-000002", name="Oude naam", street="", city="")
    CaseFactory(corporation=region.corporation, tenant=opening(3)["tenant"], opened_at=NOW)
    openings = [opening(n) for n in range(1, 6)]
    openings.append(opening(1, arrears_amount="812.00"))  # the same tenancy twice in one batch
    openings.append(opening(6, arrears_amount="-5"))  # refused by open_case's own checks
    openings.append(opening(7, months_in_arrears="een"))
    openings.append(opening(8, tenant={**opening(8)["tenant"], "postcode": "75 BP"}))
    actor = Actor.system(region.corporation)

    single, single_state, bulk, bulk_state = both_ways(
        actor, openings, corporation=region.corporation, convenant=region.convenant
    )

    assert [outcome(r) for r in bulk] == [outcome(r) for r in single]
    assert [type(r) for r in bulk] == [Case, Case, CaseError, Case, Case, CaseError, CaseError, CaseError, CaseError]
    assert bulk_state == single_state
    # And what that is: the first-contact deadline, the OPENED event, view + change for the corporation.
    case_fields, events, permissions = bulk_state["HO-000001"][1][0]
    assert case_fields["status"] == "open" and case_fields["deadline_kind"] == "first_contact"
    assert case_fields["deadline_at"] == datetime(2025, 3, 8, 23, 59, 59, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert [e[0] for e in events] == ["opened"]
    assert permissions == [(region.corporation.group_id, "change_case"), (region.corporation.group_id, "view_case")]
    assert bulk_state["HO-000002"][0]["name"] == "Huurder 2" and bulk_state["HO-000002"][0]["phone"] == "0612345678"
    assert len(bulk_state["HO-000003"][1]) == 1  # the case that was open stays the only one


@pytest.mark.django_db
def test_bulk_opening_by_a_person_equals_open_case(region):
    single, single_state, bulk, bulk_state = both_ways(region.consultant, [opening(1), opening(2)])
    assert [outcome(r) for r in bulk] == [outcome(r) for r in single]
    assert bulk_state == single_state
    events = bulk_state["HO-000001"][1][0][1]
    assert events[0][2] == region.consultant.pk and events[0][3] == region.corporation.pk
    assert bulk[0].convenant == region.convenant  # the corporation's convenant, found as open_case finds it


@pytest.mark.django_db
def test_bulk_opening_refuses_the_whole_batch_as_open_case_does(region):
    from config.errors import ForbiddenAction

    with pytest.raises(ForbiddenAction):
        open_cases_bulk(region.debt_coach, openings=[opening(1)], now=NOW)
    with pytest.raises(ForbiddenAction):
        open_cases_bulk(region.consultant, corporation=region.other_corporation, openings=[opening(1)], now=NOW)
    region.convenant.parties.remove(region.corporation)
    with pytest.raises(CaseError) as refused:
        open_cases_bulk(
            Actor.system(region.corporation), corporation=region.corporation, convenant=region.convenant,
            openings=[opening(1)], now=NOW,
        )
    assert refused.value.field == "convenant"
    assert not Case.objects.exists() and not Tenant.objects.exists()


def import_queries(region, rows):
    with CaptureQueriesContext(connection) as queries:
        result = import_csv(region.consultant, csv_bytes(rows), file_name="maart.csv")
    return len(queries), result


@pytest.mark.django_db
def test_import_query_count_does_not_grow_with_the_cases_it_opens(region):
    few, result = import_queries(region, [rent_row(n) for n in range(3)])
    assert result.cases_opened == 3
    many, result = import_queries(region, [rent_row(n) for n in range(100, 130)])
    assert result.cases_opened == 30
    assert many == few
    case = Case.objects.get(tenant__contract_ref="HO-000110")
    assert case.events.get().kind == "opened" and case.deadline_kind == "first_contact"
    assert case.group_permissions.count() == 2 and case.signals.get().external_id == "DOM-2025-03-00110"


@pytest.mark.django_db
def test_rows_of_one_tenancy_in_one_file_open_then_update_the_case(region):
    rows = [
        rent_row(1, signaalnummer="B", peildatum="01-03-2025", achterstandsbedrag="1.280,00",
                 aantal_maanden_achterstand="2"),
        rent_row(1, signaalnummer="A", peildatum="01-02-2025", achterstandsbedrag="640,00"),
        rent_row(1, signaalnummer="C", peildatum="15-01-2025", achterstandsbedrag="0,00",
                 aantal_maanden_achterstand="0"),
    ]
    _count, result = import_queries(region, rows)
    assert (result.accepted, result.cases_opened, result.cases_updated) == (3, 1, 1)
    case = Case.objects.get()
    # Oldest first: C (0 months) opens nothing, A opens the case, B updates it.
    assert [e.kind for e in case.events.order_by("at", "id")] == ["opened", "arrears_updated"]
    assert (case.arrears_amount, case.months_in_arrears) == (Decimal("1280.00"), 2)
    assert sorted(case.signals.values_list("external_id", flat=True)) == ["A", "B"]
    assert [(entry["row"], entry["status"]) for entry in result.signal_import.report] == [
        (2, "case_updated"),
        (3, "case_opened"),
    ]


def update_snapshot(case_ids):
    state = {}
    for case in Case.objects.filter(pk__in=case_ids).order_by("pk"):
        events = [
            (e.kind, e.at, e.actor_id, e.organisation_id, e.description, e.data)
            for e in CaseEvent.objects.filter(case=case).order_by("at", "id")
        ]
        fields = {f: getattr(case, f) for f in CASE_FIELDS}
        state[case.pk] = (fields, events)
    return state


@pytest.mark.django_db
def test_bulk_arrears_update_equals_update_arrears_call_by_call(region):
    from cases.services import log_contact_attempt, update_arrears, update_arrears_bulk

    first = CaseFactory(corporation=region.corporation, opened_at=NOW)
    second = CaseFactory(corporation=region.corporation, opened_at=NOW)
    # A reached contact moves the second case's deadline on: the recomputed deadline must follow the facts.
    log_contact_attempt(region.consultant, second, channel="phone", outcome="reached", at=NOW, now=NOW)
    later = datetime(2025, 4, 2, 8, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    updates = [
        (first.pk, Decimal("1280.00"), 2, "Signaal A"),
        (second.pk, "700.10", 1, ""),
        (first.pk, Decimal("1920.00"), 3, "Signaal B"),
    ]
    with transaction.atomic():
        for case_id, amount, months, description in updates:
            update_arrears(
                case_id, arrears_amount=amount, months_in_arrears=months, source=region.corporation, now=later,
                description=description,
            )
        expected = update_snapshot([first.pk, second.pk])
        transaction.set_rollback(True)
    update_arrears_bulk(updates, source=region.corporation, now=later)
    assert update_snapshot([first.pk, second.pk]) == expected
    fields, events = expected[first.pk]
    assert (fields["arrears_amount"], fields["months_in_arrears"], fields["last_activity_at"]) == (
        Decimal("1920.00"), 3, later
    )
    assert [e[0] for e in events] == ["opened", "arrears_updated", "arrears_updated"]
    assert expected[second.pk][0]["deadline_kind"] != expected[first.pk][0]["deadline_kind"]


@pytest.mark.django_db
def test_bulk_arrears_update_refuses_a_closed_case_and_writes_nothing(region):
    from cases.services import close_case, update_arrears_bulk

    open_one = CaseFactory(corporation=region.corporation, opened_at=NOW)
    closed = CaseFactory(corporation=region.corporation, opened_at=NOW)
    close_case(region.consultant, closed, outcome="resolved", now=NOW)
    with pytest.raises(CaseError):
        update_arrears_bulk([(open_one.pk, "10.00", 1, ""), (closed.pk, "10.00", 1, "")], source=region.corporation)
    open_one.refresh_from_db()
    assert open_one.arrears_amount == Decimal("640.00") and open_one.events.count() == 1


@pytest.mark.django_db
def test_next_months_import_updates_cases_with_a_fixed_number_of_queries(region):
    import_queries(region, [rent_row(n) for n in range(3)] + [rent_row(n) for n in range(100, 130)])

    def april(numbers):
        return [
            rent_row(n, signaalnummer=f"DOM-2025-04-{n:05d}", peildatum="01-04-2025", achterstandsbedrag="1.280,00",
                     aantal_maanden_achterstand="2")
            for n in numbers
        ]

    few, result = import_queries(region, april(range(3)))
    assert result.cases_updated == 3
    many, result = import_queries(region, april(range(100, 130)))
    assert result.cases_updated == 30
    assert many == few
    case = Case.objects.get(tenant__contract_ref="HO-000120")
    assert (case.arrears_amount, case.months_in_arrears) == (Decimal("1280.00"), 2)
    assert [e.kind for e in case.events.order_by("at", "id")] == ["opened", "arrears_updated"]
