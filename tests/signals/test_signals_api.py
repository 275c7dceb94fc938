"""POST /api/v1/signals/: validation per field, idempotency, the case rule, linking (scenario 5)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent, EventKind, Tenant
from signals.models import ArrearsSignal
from signals.selectors import count_households_with_several_kinds, households_with_several_kinds

URL = "/api/v1/signals/"


def signal(**overrides):
    body = {
        "external_id": "S-1",
        "kind": "rent",
        "contract_ref": "HO-000001",
        "name": "Fatima el Amrani",
        "postcode": "7514bp",
        "house_number": "12 a",
        "amount": "640.00",
        "months_in_arrears": 1,
        "reference_date": "2025-03-01",
    }
    body.update(overrides)
    return body


@pytest.mark.django_db
def test_one_rent_signal_opens_a_case_under_the_corporations_convenant(api, region):
    answer = api.as_user(region.consultant).post(URL, signal(), format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json() == {
        "accepted": 1,
        "duplicates": 0,
        "rejected": [],
        "cases_opened": 1,
        "cases_updated": 0,
    }
    case = Case.objects.get()
    assert case.corporation == region.corporation and case.holder == region.corporation
    assert case.convenant == region.convenant
    assert case.arrears_amount == Decimal("640.00") and case.months_in_arrears == 1
    assert case.deadline_kind == "first_contact"
    tenant = case.tenant
    assert (tenant.contract_ref, tenant.postcode, tenant.house_number) == ("HO-000001", "7514 BP", "12A")
    stored = ArrearsSignal.objects.get()
    assert stored.tenant == tenant and stored.case == case and stored.source == region.corporation
    assert stored.municipality == "Enschede"
    # The corporation's caseworkers see the case (permissions through the service).
    assert Case.objects.filter(pk=case.pk, group_permissions__group=region.corporation.group).exists()


@pytest.mark.django_db
def test_same_external_id_again_is_a_duplicate_and_changes_nothing(api, region):
    client = api.as_user(region.consultant)
    client.post(URL, signal(), format="json")
    before = (
        ArrearsSignal.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        Tenant.objects.count(),
    )
    answer = client.post(URL, signal(amount="900.00", months_in_arrears=2), format="json")
    assert answer.status_code == 201
    assert answer.json()["duplicates"] == 1 and answer.json()["accepted"] == 0
    after = (
        ArrearsSignal.objects.count(),
        Case.objects.count(),
        CaseEvent.objects.count(),
        Tenant.objects.count(),
    )
    assert after == before
    assert Case.objects.get().arrears_amount == Decimal("640.00")


@pytest.mark.django_db
def test_same_external_id_twice_in_one_batch_counts_once(api, region):
    answer = api.as_user(region.consultant).post(URL, {"signals": [signal(), signal()]}, format="json")
    assert answer.json()["accepted"] == 1 and answer.json()["duplicates"] == 1
    assert ArrearsSignal.objects.count() == 1


@pytest.mark.django_db
def test_external_ids_are_unique_per_source_only(api, region):
    api.as_user(region.consultant).post(URL, signal(), format="json")
    answer = api.as_user(region.other_consultant).post(URL, signal(), format="json")
    assert answer.json()["accepted"] == 1
    assert Case.objects.count() == 2  # two corporations, two tenancies


@pytest.mark.django_db
def test_later_rent_signal_updates_the_open_case_on_its_timeline(api, region):
    client = api.as_user(region.consultant)
    client.post(URL, signal(), format="json")
    answer = client.post(
        URL,
        signal(external_id="S-2", amount="1280.00", months_in_arrears=2, reference_date="2025-04-01"),
        format="json",
    )
    assert answer.json()["cases_opened"] == 0 and answer.json()["cases_updated"] == 1
    case = Case.objects.get()
    assert case.arrears_amount == Decimal("1280.00") and case.months_in_arrears == 2
    assert case.events.filter(kind=EventKind.ARREARS_UPDATED).count() == 1
    assert case.signals.count() == 2
    # An older figure arriving late is stored and linked, but does not overwrite the newer one.
    client.post(URL, signal(external_id="S-0", amount="300", reference_date="2025-02-01"), format="json")
    case.refresh_from_db()
    assert case.arrears_amount == Decimal("1280.00") and case.signals.count() == 3


@pytest.mark.django_db
def test_rent_signal_below_one_month_links_the_tenant_but_opens_no_case(api, region):
    answer = api.as_user(region.consultant).post(
        URL, signal(amount="120.00", months_in_arrears=0), format="json"
    )
    assert answer.json()["accepted"] == 1 and answer.json()["cases_opened"] == 0
    assert Case.objects.count() == 0
    stored = ArrearsSignal.objects.get()
    assert stored.tenant.corporation == region.corporation and stored.case is None


@pytest.mark.django_db
def test_signal_for_a_tenancy_whose_case_was_closed_opens_a_new_case(api, region):
    from cases.services import close_case

    client = api.as_user(region.consultant)
    client.post(URL, signal(), format="json")
    close_case(region.consultant, Case.objects.get(), outcome="resolved")
    client.post(URL, signal(external_id="S-2", reference_date="2025-06-01"), format="json")
    assert Case.objects.count() == 2 and Tenant.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"postcode": "75144 BP"}, "postcode"),
        ({"postcode": ""}, "postcode"),
        ({"amount": "-10.00"}, "amount"),
        ({"amount": "zeshonderd"}, "amount"),
        ({"amount": "10.123"}, "amount"),
        ({"contract_ref": ""}, "contract_ref"),
        ({"kind": "telecom"}, "kind"),
        ({"name": " "}, "name"),
        ({"house_number": "a"}, "house_number"),
        ({"months_in_arrears": "twee"}, "months_in_arrears"),
        ({"months_in_arrears": -1}, "months_in_arrears"),
        ({"reference_date": "2025-13-01"}, "reference_date"),
        ({"external_id": ""}, "external_id"),
    ],
)
@pytest.mark.django_db
def test_each_bad_field_is_rejected_by_index_while_the_rest_is_taken(api, region, overrides, field):
    batch = [signal(external_id="OK-1", contract_ref="C1"), signal(**{"external_id": "BAD", **overrides})]
    answer = api.as_user(region.consultant).post(URL, {"signals": batch}, format="json")
    assert answer.status_code == 201
    body = answer.json()
    assert body["accepted"] == 1
    assert [entry["index"] for entry in body["rejected"]] == [1]
    assert field in body["rejected"][0]["errors"] and body["rejected"][0]["errors"][field][0]
    assert list(ArrearsSignal.objects.values_list("contract_ref", flat=True)) == ["C1"]


@pytest.mark.django_db
def test_future_reference_date_is_rejected(api, region):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    answer = api.as_user(region.consultant).post(
        URL, signal(reference_date=tomorrow), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer.json()["rejected"] == [
        {"index": 0, "errors": {"reference_date": ["The reference date cannot lie in the future."]}}
    ]
    assert ArrearsSignal.objects.count() == 0


@pytest.mark.django_db
def test_rent_signal_from_a_non_corporation_is_rejected(api, region, creditors):
    answer = api.as_user(creditors.energy_worker).post(URL, signal(), format="json")
    assert answer.json()["rejected"][0]["errors"].keys() == {"kind"}
    assert Case.objects.count() == 0 and ArrearsSignal.objects.count() == 0


@pytest.mark.parametrize("body", [[], {"signals": []}, "text", {"signals": "x"}])
@pytest.mark.django_db
def test_malformed_bodies_answer_400(api, region, body):
    answer = api.as_user(region.consultant).post(URL, body, format="json")
    assert answer.status_code == 400
    assert ArrearsSignal.objects.count() == 0


@pytest.mark.django_db
def test_without_credentials_401_and_without_organisation_403(api, region):
    from tests.factories import UserFactory

    assert api.post(URL, signal(), format="json").status_code == 401
    loner = UserFactory(username="zonder-organisatie")
    assert api.as_user(loner).post(URL, signal(), format="json").status_code == 403


# --- scenario 5 -----------------------------------------------------------------------------------------------


def _household_signals(api, region, creditors):
    api.as_user(region.consultant).post(URL, signal(external_id="DOM-1"), format="json")
    api.as_user(creditors.energy_worker).post(
        URL,
        signal(
            external_id="EN-77",
            kind="energy",
            contract_ref="",
            amount="412.50",
            months_in_arrears=3,
            name="F. el Amrani",
            postcode="7514 BP",
            house_number="12-A",
        ),
        format="json",
    )
    api.as_user(creditors.insurer_worker).post(
        URL,
        {
            "signals": [
                signal(
                    external_id="ZV-9",
                    kind="health_insurance",
                    contract_ref="",
                    amount="366.00",
                    months_in_arrears=2,
                    house_number="12A",
                )
            ]
        },
        format="json",
    )


@pytest.mark.django_db
def test_scenario_5_several_creditors_one_household(api, region, creditors):
    _household_signals(api, region, creditors)
    assert Tenant.objects.count() == 1, "the signals are linked to the one tenant, not duplicated"
    tenant = Tenant.objects.get()
    assert set(tenant.signals.values_list("kind", flat=True)) == {"rent", "energy", "health_insurance"}
    assert Case.objects.count() == 1
    assert not ArrearsSignal.objects.filter(
        kind__in=["energy", "health_insurance"], case__isnull=False
    ).exists()
    assert set(ArrearsSignal.objects.values_list("municipality", flat=True)) == {"Enschede"}

    households = households_with_several_kinds(region.municipality)
    assert len(households) == 1
    household = households[0]
    assert household.tenant_id == tenant.pk
    assert household.kinds == ["energy", "health_insurance", "rent"]
    assert household.total_amount == Decimal("1418.50")
    assert not any(isinstance(value, str) and "Amrani" in value for value in vars(household).values())
    assert count_households_with_several_kinds("Enschede") == 1
    assert count_households_with_several_kinds("Hengelo") == 0


@pytest.mark.django_db
def test_scenario_5_corporations_never_see_other_creditors_signals(api, region, creditors, client):
    _household_signals(api, region, creditors)
    case = Case.objects.get()
    secrets = [
        "EN-77",
        "ZV-9",
        "412.50",
        "412,50",
        "366.00",
        "Menzis",
        "Enexis",
        "energy",
        "health_insurance",
    ]

    # Nothing of the other creditors reaches the case: no event, no link.
    for event in CaseEvent.objects.filter(case=case):
        text = f"{event.description} {event.data}"
        assert not any(secret in text for secret in secrets)
    assert list(case.signals.values_list("kind", flat=True)) == ["rent"]

    # No endpoint a corporation has shows them.
    for user in (region.consultant, region.corporation_manager):
        api.force_authenticate(user=user)
        client.force_login(user)
        urls = [
            f"/api/v1/cases/{case.pk}/",
            f"/api/v1/cases/{case.pk}/timeline/",
            "/api/v1/cases/",
            "/api/v1/signal-imports/",
        ]
        for url in urls:
            answer = api.get(url)
            assert answer.status_code in (200, 404), url
            assert not any(secret in answer.content.decode() for secret in secrets), url
        for url in ["/signalen/import/", f"/casussen/{case.pk}/", "/"]:
            page = client.get(url)
            assert page.status_code in (200, 404), url
            assert not any(secret in page.content.decode() for secret in secrets[:4]), url


@pytest.mark.django_db
def test_household_known_first_from_other_creditors_moves_to_the_corporations_tenant(api, region, creditors):
    api.as_user(creditors.energy_worker).post(
        URL, signal(external_id="EN-1", kind="energy", contract_ref="", months_in_arrears=2), format="json"
    )
    api.as_user(creditors.insurer_worker).post(
        URL, signal(external_id="ZV-1", kind="health_insurance", contract_ref=""), format="json"
    )
    household = Tenant.objects.get()
    assert household.corporation is None
    assert ArrearsSignal.objects.filter(tenant=household).count() == 2
    assert households_with_several_kinds("Enschede")[0].kinds == ["energy", "health_insurance"]

    api.as_user(region.consultant).post(URL, signal(external_id="DOM-1"), format="json")
    tenant = Tenant.objects.get()  # the household row is gone, its signals moved
    assert tenant.corporation == region.corporation
    assert tenant.signals.count() == 3
    assert households_with_several_kinds("Enschede")[0].kinds == ["energy", "health_insurance", "rent"]


@pytest.mark.django_db
def test_other_creditors_create_one_household_per_address(api, region, creditors):
    batch = [
        signal(external_id=f"EN-{n}", kind="energy", contract_ref="", house_number=number)
        for n, number in enumerate(["3", "3", "3 b", "4"])
    ]
    answer = api.as_user(creditors.energy_worker).post(URL, {"signals": batch}, format="json")
    assert answer.json()["accepted"] == 4 and answer.json()["cases_opened"] == 0
    assert sorted(Tenant.objects.values_list("house_number", flat=True)) == ["3", "3B", "4"]
    api.as_user(creditors.insurer_worker).post(
        URL,
        signal(external_id="Z", kind="health_insurance", contract_ref="", house_number="3"),
        format="json",
    )
    assert Tenant.objects.count() == 3
    assert [h.kinds for h in households_with_several_kinds("Enschede")] == [["energy", "health_insurance"]]


@pytest.mark.django_db
def test_open_case_without_rent_signal_counts_as_rent(api, region, creditors):
    from tests.factories import CaseFactory

    case = CaseFactory(
        corporation=region.corporation,
        tenant={
            "name": "A",
            "contract_ref": "X1",
            "house_number": "9",
            "postcode": "7514 BP",
            "street": "",
            "city": "",
        },
    )
    api.as_user(creditors.energy_worker).post(
        URL, signal(external_id="EN-1", kind="energy", contract_ref="", house_number="9"), format="json"
    )
    assert ArrearsSignal.objects.get().tenant == case.tenant
    assert households_with_several_kinds("Enschede")[0].kinds == ["energy", "rent"]
