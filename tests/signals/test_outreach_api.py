"""The outreach on vroegsignaal cases through the REST API (API.md "Vroegsignalering (municipality)"): the worklist
and its filters, one case, pick up, contact attempts, close (with the referral to debt assistance); the input
refused with the field and the reason; 404 for every other organisation, 403 for the referred team acting.
Cases are made as production makes them: signals through the intake, then the matching."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Notification
from convenants.models import ChainLink, Convenant
from signals.models import SignalCase
from tests.factories import OrganisationFactory, UserFactory, match_period, send_signals

pytestmark = pytest.mark.django_db

FINANCIAL = "Vervolghulp en/of verwijzing financieel"
NO_CONTACT = "Definitief geen contact kunnen krijgen"


class World:
    pass


@pytest.fixture
def world(region):
    w = World()
    w.region = region
    w.energy = OrganisationFactory(name="Enexis Energie", kind="utility", municipality="Enschede")
    w.water = OrganisationFactory(name="Vitens", kind="utility", municipality="Enschede")
    w.energy_user = UserFactory(username="enexis", organisation=w.energy)
    w.water_user = UserFactory(username="vitens", organisation=w.water)
    w.outreach = UserFactory(username="vroegsignaleerder", organisation=region.municipality)
    return w


def household(w, *, postcode="7511 AB", house_number="12", crisis=False, water=True, n=1):
    """An energy signal (and a water one) for one address this month, matched: the household's case."""
    send_signals(w.energy_user, {"external_id": f"ENX-{n}", "kind": "energy", "name": "P. de Vries",
                                 "postcode": postcode, "house_number": house_number, "amount": "187.50",
                                 "crisis": crisis})
    if water:
        send_signals(w.water_user, {"external_id": f"VIT-{n}", "kind": "water", "name": "Piet de Vries",
                                    "postcode": postcode, "house_number": house_number, "amount": "96.00"})
    match_period()
    return SignalCase.objects.get(postcode=postcode, house_number=house_number)


def url(signal_case=None, action=""):
    if signal_case is None:
        return "/api/v1/signal-cases/"
    return f"/api/v1/signal-cases/{signal_case.pk}/" + (f"{action}/" if action else "")


def attempt(api, user, signal_case, **overrides):
    body = {"kind": "Telefoon", "reached": False, "date": timezone.localdate().isoformat(), "part_of_day": "Ochtend"}
    body.update(overrides)
    return api.as_user(user).post(url(signal_case, "contact-attempts"), body, format="json")


# --- reading ----------------------------------------------------------------------------------------------------


def test_the_outreach_team_lists_and_opens_the_case(api, world):
    signal_case = household(world)
    response = api.as_user(world.outreach).get(url())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    [row] = body["results"]
    assert row["id"] == signal_case.pk
    assert row["type"] == "multiple"
    assert row["status"] == "Nog niet opgepakt"
    assert row["period"] == timezone.localdate().strftime("%Y-%m")
    assert row["attempt_count"] == 0
    assert row["owner"] == {"id": world.region.municipality.pk, "name": world.region.municipality.name}
    assert set(row["allowed_actions"]) == {"view", "pick_up", "log_contact", "close"}

    detail = api.as_user(world.outreach).get(url(signal_case)).json()
    signals = {signal["partner_type"]: signal for signal in detail["signals"]}
    assert set(signals) == {"Energie", "Water"}
    assert signals["Energie"]["amount"] == "187.50"
    assert signals["Energie"]["source"] == "Enexis Energie"
    assert signals["Energie"]["name"] == "P. de Vries"  # the owner sees the household's name
    assert detail["attempts"] == []
    assert detail["rent_case"] is None
    assert detail["deadline_at"] is not None
    assert "bsn" not in str(detail).lower()


def test_the_list_is_filtered_and_refuses_bad_filters(api, world):
    first = household(world)
    second = household(world, house_number="14", water=False, n=2)
    client = api.as_user(world.outreach)
    assert [row["id"] for row in client.get(url(), {"type": "single"}).json()["results"]] == [second.pk]
    assert [row["id"] for row in client.get(url(), {"type": "multiple"}).json()["results"]] == [first.pk]
    client.post(url(second, "pick-up"))
    assert [row["id"] for row in client.get(url(), {"status": "Opgepakt"}).json()["results"]] == [second.pk]
    month = timezone.localdate().strftime("%Y-%m")
    assert {row["id"] for row in client.get(url(), {"period": month}).json()["results"]} == {first.pk, second.pk}
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert client.get(url(), {"period": last_month}).json()["results"] == []
    assert len(client.get(url(), {"period": timezone.localdate().isoformat()}).json()["results"]) == 2
    for field, value in (("type", "triple"), ("status", "Klaar"), ("period", "maart"), ("period", "2026-13"),
                         ("period", "2026-02-31"), ("picked_up", "misschien")):
        response = client.get(url(), {field: value})
        assert response.status_code == 400, (field, value)
        assert field in response.json()


def test_a_crisis_case_comes_first(api, world):
    normal = household(world, water=False)
    crisis = household(world, house_number="20", water=False, crisis=True, n=2)
    rows = api.as_user(world.outreach).get(url()).json()["results"]
    assert SignalCase.objects.get(pk=crisis.pk).crisis
    assert [row["id"] for row in rows] == [crisis.pk, normal.pk]


# --- acting -----------------------------------------------------------------------------------------------------


def test_pick_up(api, world):
    signal_case = household(world)
    response = api.as_user(world.outreach).post(url(signal_case, "pick-up"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "Opgepakt"
    assert response.json()["picked_up_on"] == timezone.localdate().isoformat()
    assert "pick_up" not in response.json()["allowed_actions"]
    again = api.as_user(world.outreach).post(url(signal_case, "pick-up"))
    assert again.status_code == 409


def test_a_contact_attempt_picks_up_and_meets_the_term(api, world):
    signal_case = household(world)
    response = attempt(api, world.outreach, signal_case)
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "Telefoon" and response.json()["reached"] is False
    assert response.json()["part_of_day"] == "Ochtend"
    detail = api.as_user(world.outreach).get(url(signal_case)).json()
    assert detail["status"] == "Opgepakt"
    assert detail["picked_up_on"] == timezone.localdate().isoformat()
    assert detail["deadline_at"] is None
    assert detail["attempt_count"] == 1 and len(detail["attempts"]) == 1
    # No part of day is fine too.
    response = attempt(api, world.outreach, signal_case, kind="Brief", part_of_day="")
    assert response.status_code == 201
    assert response.json()["part_of_day"] is None


@pytest.mark.parametrize(("field", "value"), [
    ("kind", "Postduif"),
    ("part_of_day", "Nacht"),
    ("date", "future"),
    ("date", "before"),
    ("date", "gisteren"),
    ("reached", "misschien"),
])
def test_a_bad_contact_attempt_is_refused_with_its_field(api, world, field, value):
    signal_case = household(world)
    if value == "future":
        value = (timezone.localdate() + timedelta(days=1)).isoformat()
    elif value == "before":
        value = (signal_case.period_start - timedelta(days=1)).isoformat()
    response = attempt(api, world.outreach, signal_case, **{field: value})
    assert response.status_code == 400
    assert field in response.json() and response.json()[field]
    assert not SignalCase.objects.get(pk=signal_case.pk).attempts.exists()
    assert SignalCase.objects.get(pk=signal_case.pk).picked_up_on is None


def test_the_service_explains_a_future_date(api, world):
    signal_case = household(world)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = api.as_user(world.outreach).post(url(signal_case, "contact-attempts"),
                                                {"kind": "Brief", "reached": False, "date": tomorrow},
                                                format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["date"] == ["The date of a contact attempt cannot be in the future."]


def test_close_with_a_result(api, world):
    signal_case = household(world)
    response = api.as_user(world.outreach).post(url(signal_case, "close"), {"result": NO_CONTACT}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == NO_CONTACT
    assert body["status"] == "Opgepakt" and body["picked_up_on"] == timezone.localdate().isoformat()
    assert body["closed_at"] is not None and body["deadline_at"] is None
    assert body["referred_to"] is None
    assert body["allowed_actions"] == ["view"]


def test_a_not_taken_result_does_not_pick_up(api, world):
    signal_case = household(world)
    response = api.as_user(world.outreach).post(url(signal_case, "close"),
                                                {"result": "Niet opgepakt: onterecht signaal"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "Niet opgepakt: onterecht signaal"
    assert response.json()["picked_up_on"] is None


@pytest.mark.parametrize("body", [{"result": "Opgelost"}, {}, {"result": NO_CONTACT, "refer": True},
                                  {"result": FINANCIAL, "refer": "graag"}])
def test_a_bad_close_is_refused_with_its_field(api, world, body):
    signal_case = household(world)
    response = api.as_user(world.outreach).post(url(signal_case, "close"), body, format="json")
    assert response.status_code == 400
    field = "refer" if "refer" in body else "result"
    assert field in response.json()
    assert SignalCase.objects.get(pk=signal_case.pk).closed_at is None


def test_a_closed_case_refuses_changes(api, world):
    signal_case = household(world)
    client = api.as_user(world.outreach)
    assert client.post(url(signal_case, "close"), {"result": NO_CONTACT}, format="json").status_code == 200
    assert client.post(url(signal_case, "pick-up")).status_code in (400, 409)
    assert attempt(api, world.outreach, signal_case).status_code == 400
    assert client.post(url(signal_case, "close"), {"result": FINANCIAL}, format="json").status_code == 400
    signal_case.refresh_from_db()
    assert signal_case.result == NO_CONTACT and not signal_case.attempts.exists()


# --- referring to debt assistance ---------------------------------------------------------------------------------


def test_further_financial_help_refers_to_the_chains_debt_assistance(api, world):
    signal_case = household(world)
    response = api.as_user(world.outreach).post(url(signal_case, "close"), {"result": FINANCIAL, "refer": True},
                                                format="json")
    assert response.status_code == 200, response.content
    team = world.region.debt_assistance
    assert response.json()["referred_to"] == {"id": team.pk, "name": team.name}
    told = Notification.objects.filter(body=f"/signalen/vroegsignalering/{signal_case.pk}/")
    assert {n.user_id for n in told} == {world.region.debt_coach.pk, world.region.debt_manager.pk}
    assert "Vries" not in " ".join(n.subject for n in told)  # a notification names no one

    # The team can open the case (without the household's name) but not act on it.
    coach = api.as_user(world.region.debt_coach)
    detail = coach.get(url(signal_case))
    assert detail.status_code == 200
    assert detail.json()["allowed_actions"] == ["view"]
    assert all(signal["name"] is None for signal in detail.json()["signals"])
    assert [row["id"] for row in coach.get(url()).json()["results"]] == [signal_case.pk]
    assert attempt(api, world.region.debt_coach, signal_case).status_code == 403
    assert coach.post(url(signal_case, "close"), {"result": NO_CONTACT}, format="json").status_code == 403
    assert coach.post(url(signal_case, "pick-up")).status_code == 403


def test_refer_without_a_debt_assistance_team_is_refused(api, world):
    convenant = world.region.convenant
    ChainLink.objects.filter(convenant=convenant, organisation__kind="debt_assistance").delete()
    convenant.parties.remove(world.region.debt_assistance)
    signal_case = household(world)
    response = api.as_user(world.outreach).post(url(signal_case, "close"), {"result": FINANCIAL, "refer": True},
                                                format="json")
    assert response.status_code == 400
    assert "refer" in response.json()
    assert SignalCase.objects.get(pk=signal_case.pk).closed_at is None


def test_the_outreach_team_that_is_the_debt_assistance_refers_to_itself(api, world):
    Convenant.objects.filter(pk=world.region.convenant.pk).update(outreach_organisation=world.region.debt_assistance)
    signal_case = household(world)
    assert signal_case.owner_id == world.region.debt_assistance.pk
    before = Notification.objects.count()
    response = api.as_user(world.region.debt_coach).post(url(signal_case, "close"),
                                                         {"result": FINANCIAL, "refer": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["referred_to"]["id"] == world.region.debt_assistance.pk
    assert Notification.objects.count() == before
    # The municipality does not do the outreach here: it does not see the case.
    assert api.as_user(world.outreach).get(url(signal_case)).status_code == 404


# --- scope --------------------------------------------------------------------------------------------------------


def test_every_other_organisation_finds_nothing(api, world):
    signal_case = household(world)
    hengelo = OrganisationFactory(name="Gemeente Hengelo", kind="municipality", municipality="Hengelo")
    others = [world.region.consultant, world.region.corporation_manager, world.energy_user, world.water_user,
              world.region.debt_coach, world.region.welfare_worker, world.region.unrelated_worker,
              UserFactory(username="hengelo", organisation=hengelo)]
    for user in others:
        client = api.as_user(user)
        assert client.get(url()).json()["results"] == [], user
        assert client.get(url(signal_case)).status_code == 404, user
        assert client.post(url(signal_case, "pick-up")).status_code == 404, user
        assert attempt(api, user, signal_case).status_code == 404, user
        assert client.post(url(signal_case, "close"), {"result": NO_CONTACT}, format="json").status_code == 404
    signal_case.refresh_from_db()
    assert signal_case.picked_up_on is None and signal_case.closed_at is None
    assert api.as_user(world.outreach).get("/api/v1/signal-cases/999999/").status_code == 404


def test_without_credentials(api, world):
    signal_case = household(world)
    api.force_authenticate(user=None)
    assert api.get(url()).status_code == 401
    assert api.get(url(signal_case)).status_code == 401
    assert api.post(url(signal_case, "pick-up")).status_code == 401


def test_the_list_costs_the_same_queries_for_one_case_or_many(api, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    household(world)
    client = api.as_user(world.outreach)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url()).json()["results"]) == 1
    for n in range(2, 6):
        signal_case = household(world, house_number=str(20 + n), n=n)
        attempt(api, world.outreach, signal_case)
    client = api.as_user(world.outreach)
    with CaptureQueriesContext(connection) as many:
        rows = client.get(url()).json()["results"]
    assert len(rows) == 5
    assert sorted(row["attempt_count"] for row in rows) == [0, 1, 1, 1, 1]
    assert len(many) == len(one)
