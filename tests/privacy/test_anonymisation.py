"""Anonymisation after retention leaves nothing (DESIGN.md, Privacy): a case built through the services with a
marker in every personal field and free text, closed, and anonymised once its retention has passed, leaves the
marker in no text or JSON column of any table. The case still counts in the figures; signals without case go after
their own retention; a dry run changes nothing; a second run changes nothing more."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from cases import services
from cases.dashboard import dashboard_figures, dashboard_scope
from cases.models import AccessLog, Case, CaseStatus, Consent, EventKind, Handover, JointVisit, Tenant
from cases.services.privacy import anonymise, months_before
from signals import outreach
from signals import services as signal_services
from signals.models import ArrearsSignal, SignalCase, SignalImport
from tests.factories import CaseFactory, OrganisationFactory, UserFactory

from .conftest import at, hits, snapshot

pytestmark = pytest.mark.django_db

MARKER = "MARKER7Q"
POSTCODE = "9999 ZZ"
NEEDLES = (MARKER, POSTCODE, POSTCODE.replace(" ", ""))
OPENED = at(2026, 2, 2)
CLOSED = OPENED + timedelta(days=60)


def build_marked_case(region):
    """Every personal field and free text of a case and what links to it carries the marker, written the way
    the product writes it: through the services."""
    utility = OrganisationFactory(name="Enexis Energie", kind="utility")
    energy_clerk = UserFactory(username="energieloket", organisation=utility)
    day = lambda n: OPENED + timedelta(days=n)  # noqa: E731

    # A creditor's signal for the address before the corporation's: it makes a household, taken over later.
    signal_services.submit_signals(energy_clerk, {
        "external_id": f"E-{MARKER}-1", "kind": "energy", "name": f"{MARKER} Energieklant", "street": f"{MARKER}weg",
        "house_number": "12", "postcode": POSTCODE, "city": f"{MARKER}dorp", "amount": "210.00",
        "months_in_arrears": 2, "reference_date": OPENED.date().isoformat(),
    }, now=OPENED)
    case = services.open_case(region.consultant, tenant={
        "name": f"Jan {MARKER}", "contract_ref": f"{MARKER}-HC1", "street": f"{MARKER}straat",
        "house_number": f"12{MARKER}", "postcode": POSTCODE, "city": f"{MARKER}stad", "phone": f"06-{MARKER}",
        "email": f"{MARKER.lower()}@example.org",
    }, arrears_amount="640.00", months_in_arrears=2, monthly_rent="640.00", now=day(0))
    # The corporation's rent signal for the tenancy: linked to the case, updates its arrears.
    signal_services.submit_signals(region.consultant, {
        "external_id": f"R-{MARKER}-1", "contract_ref": f"{MARKER}-HC1", "name": f"{MARKER} Huurder",
        "street": f"{MARKER}straat", "house_number": "12", "postcode": POSTCODE, "city": f"{MARKER}stad",
        "amount": "700.00", "months_in_arrears": 3, "reference_date": day(1).date().isoformat(),
    }, now=day(1))
    # A file of the creditor: one household elsewhere, one row refused, quoting what was sent.
    csv = (
        "signaalnummer;soort;naam;straat;huisnummer;postcode;plaats;bedrag;maanden;peildatum\n"
        f"E-{MARKER}-2;energy;{MARKER} Buur;{MARKER}laan;3;{POSTCODE};{MARKER}dorp;99.00;1;{day(1).date()}\n"
        f"E-{MARKER}-3;energy;{MARKER} Fout;{MARKER}laan;5;{MARKER};{MARKER}dorp;99.00;1;{day(1).date()}\n"
    )
    signal_services.import_csv(energy_clerk, csv.encode(), file_name="energie.csv", now=day(1))
    # The matching made vroegsignaal cases of the households (the address's and the neighbour's); the outreach
    # team (the municipality itself) works and closes them.
    for signal_case in SignalCase.objects.filter(closed_at__isnull=True):
        outreach.pick_up(region.regisseur, signal_case.pk, now=day(3))
        outreach.log_contact_attempt(region.regisseur, signal_case.pk, kind="Telefoon", reached=False,
                                     date=day(3).date(), part_of_day="Ochtend", now=day(3))
        outreach.close(region.regisseur, signal_case.pk, result="Definitief geen contact kunnen krijgen",
                       now=day(20))

    services.log_contact_attempt(region.consultant, case, channel="phone", outcome="reached",
                                 notes=f"{MARKER} belt terug, 06-12345678", at=day(2), now=day(2))
    services.add_task(region.consultant, case, text=f"{MARKER} terugbellen over Kerkstraat 5",
                      due_at=day(2) + timedelta(hours=3), now=day(2))
    # 50 × 12 is below the arrears of 700: confirmed (version 1.1's warning).
    first = services.agree_arrangement(region.consultant, case, monthly_amount="50.00", start_date=day(3).date(),
                                       months=12, confirm_below_arrears=True, now=day(3))
    services.stop_arrangement(region.consultant, first, reason=f"{MARKER} verhuist naar zus", now=day(4))
    services.agree_arrangement(region.consultant, case, monthly_amount="50.00", start_date=day(5).date(),
                               months=12, confirm_below_arrears=True, now=day(5))
    services.record_missed_installment(region.consultant, case, note=f"{MARKER} termijn gemist", now=day(35))
    services.add_note(region.consultant, case, text=f"{MARKER} ziek, verhuisd naar Kerkstraat 5", now=day(36))
    services.record_consent(region.consultant, case, given=True, how="verbal", now=day(37))
    offer = services.offer_handover(region.consultant, case, to_organisation=region.debt_assistance,
                                    summary=f"{MARKER} samenvatting", now=day(38))
    services.decline_handover(region.debt_coach, offer, reason=f"{MARKER} geen capaciteit", now=day(39))
    offer = services.offer_handover(region.consultant, case, to_organisation=region.debt_assistance,
                                    summary=f"{MARKER} tweede samenvatting", now=day(40))
    services.accept_handover(region.debt_coach, offer, now=day(41))
    visit = services.plan_joint_visit(region.debt_coach, case, partner=region.welfare, planned_at=day(43),
                                      address=f"{MARKER}straat 12", now=day(42))
    services.record_joint_visit(region.debt_coach, visit, outcome="reached", notes=f"{MARKER} thuis getroffen",
                                at=day(43), now=day(44))
    proposal = services.propose_eviction(region.corporation_manager, Case.objects.get(pk=case.pk),
                                         reason=f"{MARKER} geen medewerking", now=day(45))
    services.vote_on_eviction(region.debt_manager, proposal, agree=False, reason=f"{MARKER} nog kansen",
                              now=day(46))
    services.record_access(region.debt_coach, case, AccessLog.What.DOSSIER)
    services.close_case(region.debt_coach, Case.objects.get(pk=case.pk), outcome="moved",
                        notes=f"{MARKER} vertrokken, 06-12345678", now=CLOSED)
    return Case.objects.get(pk=case.pk)


def figures(region):
    scope = dashboard_scope(region.corporation_manager)
    answer = dashboard_figures(scope, date(2026, 1, 1), date(2026, 6, 30), now=at(2026, 7, 1))
    answer.pop("computed_at")
    answer.pop("households_several_kinds")  # the creditors' signals behind it have gone by then
    return answer


def test_after_retention_no_table_holds_a_trace_of_the_case(region):
    case = build_marked_case(region)
    assert case.status == CaseStatus.CLOSED
    marked = {(table, column) for table, column, _needle, _n in hits(*NEEDLES)}
    for where in [("cases_tenant", "name"), ("cases_tenant", "phone"), ("cases_contactattempt", "notes"),
                  ("cases_arrangement", "end_reason"),
                  ("cases_handover", "summary"), ("cases_handover", "reason"), ("cases_handover", "dossier"),
                  ("cases_jointvisit", "address"), ("cases_evictionproposal", "reason"),
                  ("cases_evictionvote", "reason"), ("cases_caseevent", "description"), ("cases_caseevent", "data"),
                  ("cases_followup", "text"),
                  ("arrears_signals_arrearssignal", "name"), ("arrears_signals_arrearssignal", "contract_ref"),
                  ("arrears_signals_signalcase", "postcode"),
                  ("arrears_signals_signalimport", "report")]:
        assert where in marked, f"the set-up put no marker into {where}"
    before = figures(region)

    # Within retention (24 months) nothing of the case changes.
    assert [case_id for case_id, _closed in anonymise(now=months_before(CLOSED, -24) - timedelta(days=1)).cases] == []
    assert ("cases_contactattempt", "notes") in {(t, c) for t, c, _n, _k in hits(MARKER)}

    report = anonymise(now=months_before(CLOSED, -36))
    assert report.cases == [(case.pk, CLOSED)]
    assert hits(*NEEDLES) == []
    assert hits("06-12345678", "Kerkstraat 5") == []

    # The case row stays with its figures; the tenant row stays (the case points at it), emptied.
    case.refresh_from_db()
    assert (case.status, case.outcome, case.arrears_amount, case.closed_at) == (
        CaseStatus.CLOSED, "moved", Decimal("700.00"), CLOSED)
    assert figures(region) == before
    tenant = Tenant.objects.get(pk=case.tenant_id)
    assert tenant.anonymised_at is not None and tenant.name == "[geanonimiseerd]"
    # The rows linked to it stay with their codes, amounts and dates.
    assert Handover.objects.filter(case=case).count() == 2
    assert Consent.objects.filter(case=case).exists() and JointVisit.objects.filter(case=case).exists()
    assert AccessLog.objects.filter(case=case, what=AccessLog.What.DOSSIER).exists()
    attempt = case.events.get(kind=EventKind.CONTACT_ATTEMPT, data__channel="phone")
    assert attempt.data["outcome"] == "reached" and attempt.description == ""
    assert case.events.filter(kind=EventKind.ANONYMISED).count() == 1
    # The rent signal stays with the case (figures), without personal fields; the others without case are gone,
    # and so are the households only they knew.
    assert list(ArrearsSignal.objects.values_list("case_id", "kind", "amount")) == [
        (case.pk, "rent", Decimal("700.00"))]
    assert not Tenant.objects.filter(corporation__isnull=True).exists()
    # The vroegsignaal cases keep their figures, without the address.
    assert set(SignalCase.objects.values_list("postcode", "house_number", "result")) == {
        ("", "", "Definitief geen contact kunnen krijgen")}
    assert SignalCase.objects.filter(attempts__kind="Telefoon").exists()

    # A second run changes nothing more.
    after = snapshot()
    again = anonymise(now=months_before(CLOSED, -36))
    assert (again.cases, again.signals_removed, again.tenants_anonymised, again.tenants_removed) == ([], 0, 0, 0)
    assert snapshot() == after


def test_the_dry_run_lists_what_would_go_and_changes_nothing(region):
    case = build_marked_case(region)
    kept = CaseFactory(corporation=region.corporation, opened_at=OPENED)
    before = snapshot()
    out = StringIO()
    call_command("anonymise", "--as-of", "2029-06-01", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"case #{case.pk}, closed {CLOSED.date().isoformat()}" in text
    assert f"case #{kept.pk}," not in text
    assert "Would anonymise" in text and "1 case(s)" in text
    assert "Signals: 2 without case would be removed" in text
    assert "Tenants: 1 would be anonymised, 1 would be removed" in text
    assert snapshot() == before
    assert hits(MARKER)

    out = StringIO()
    call_command("anonymise", "--as-of", "2029-06-01", stdout=out)
    assert "Anonymised as of" in out.getvalue() and f"case #{case.pk}," in out.getvalue()
    assert hits(*NEEDLES) == []


def test_the_command_refuses_a_date_that_is_none(region):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("anonymise", "--as-of", "2029-13-01")


def energy_signal(user, external_id, reference_date, *, house_number="7"):
    signal_services.submit_signals(user, {
        "external_id": external_id, "kind": "energy", "name": "Piet Pietersen", "street": "Molenstraat",
        "house_number": house_number, "postcode": "7511 AB", "city": "Enschede", "amount": "120.00",
        "months_in_arrears": 1, "reference_date": reference_date.isoformat(),
    }, now=at(reference_date.year, reference_date.month, reference_date.day))


def test_signals_without_case_go_after_their_own_retention(region):
    utility = OrganisationFactory(name="Vitens", kind="utility")
    clerk = UserFactory(username="waterloket", organisation=utility)
    energy_signal(clerk, "W-1", date(2026, 3, 10))
    household = Tenant.objects.get(corporation__isnull=True)

    # Default six months after the reference date, and the signal was matched into March's vroegsignaal case,
    # which keeps it while it is kept (six months after March ended): kept until then, removed after, with its
    # household.
    report = anonymise(now=at(2026, 9, 29))
    assert (report.signals_removed, report.tenants_removed) == (0, 0)
    assert ArrearsSignal.objects.filter(external_id="W-1").exists() and Tenant.objects.filter(pk=household.pk).exists()
    report = anonymise(now=at(2026, 10, 1))
    assert (report.signals_removed, report.tenants_removed) == (1, 1)
    assert not ArrearsSignal.objects.exists() and not Tenant.objects.filter(pk=household.pk).exists()

    # The convenant of the signal's municipality sets it (here a year).
    region.convenant.signal_retention_months = 12
    region.convenant.save()
    energy_signal(clerk, "W-2", date(2026, 3, 10))
    assert anonymise(now=at(2026, 10, 1)).signals_removed == 0
    assert anonymise(now=at(2027, 4, 1)).signals_removed == 1


def test_a_tenant_waits_for_a_recent_signal_and_its_case_for_nothing(region):
    utility = OrganisationFactory(name="Vitens", kind="utility")
    clerk = UserFactory(username="waterloket", organisation=utility)
    case = CaseFactory(corporation=region.corporation, opened_at=at(2026, 1, 5), tenant={
        "name": "Piet Pietersen", "contract_ref": "HC-77", "street": "Molenstraat", "house_number": "7",
        "postcode": "7511 AB", "city": "Enschede"})
    services.add_note(region.consultant, case, text="Piet werkt weer", now=at(2026, 1, 6))
    services.close_case(region.consultant, case, outcome="resolved", now=at(2026, 1, 7))
    energy_signal(clerk, "W-9", date(2028, 1, 20))  # linked to Piet's tenancy by address, no case
    assert ArrearsSignal.objects.get(external_id="W-9").tenant_id == case.tenant_id

    report = anonymise(now=at(2028, 2, 1))
    assert report.cases == [(case.pk, at(2026, 1, 7))]
    assert not case.events.filter(kind=EventKind.NOTE).exclude(description="").exists()
    tenant = Tenant.objects.get(pk=case.tenant_id)
    assert tenant.name == "Piet Pietersen" and tenant.anonymised_at is None  # the signal still needs it
    report = anonymise(now=at(2028, 8, 1))  # the signal's vroegsignaal case (January) kept it until then
    assert (report.signals_removed, report.tenants_anonymised) == (1, 1)
    tenant.refresh_from_db()
    assert (tenant.name, tenant.street, tenant.postcode, tenant.house_number, tenant.contract_ref) == (
        "[geanonimiseerd]", "", "", "", f"anon-{tenant.pk}")


def test_the_daily_task_runs_the_same_service(region):
    from cases.tasks import anonymise_expired_cases as task

    case = CaseFactory(corporation=region.corporation, opened_at=at(2020, 1, 6))
    services.close_case(region.consultant, case, outcome="moved", now=at(2020, 1, 7))
    assert task.apply().get() == 1
    assert Tenant.objects.get(pk=case.tenant_id).anonymised_at is not None


def test_the_convenant_api_carries_the_signal_retention(api, region):
    admin = get_user_model().objects.create_superuser("beheerder", "beheer@example.org", "geheim-wachtwoord-1")
    api.as_user(admin)
    url = f"/api/v1/convenants/{region.convenant.pk}/"
    assert api.get(url).json()["signal_retention_months"] == 6
    answer = api.patch(url, {"signal_retention_months": 9}, format="json")
    assert answer.status_code == 200 and answer.json()["signal_retention_months"] == 9
    refused = api.patch(url, {"signal_retention_months": 0}, format="json")
    assert refused.status_code == 400 and "signal_retention_months" in refused.json()
    assert api.get(url).json()["retention_months"] == 24  # the fields before it unchanged


def test_an_import_report_loses_its_row_values_after_the_signal_retention(region):
    utility = OrganisationFactory(name="Vitens", kind="utility")
    clerk = UserFactory(username="waterloket", organisation=utility)
    today = timezone.localdate()
    csv = (
        "signaalnummer;soort;naam;huisnummer;postcode;bedrag;maanden;peildatum\n"
        f"W-5;water;Piet;7;HUIS9Q;10.00;1;{today.isoformat()}\n"
    )
    signal_services.import_csv(clerk, csv.encode(), file_name="water.csv")
    signal_import = SignalImport.objects.get()
    assert "HUIS9Q" in str(signal_import.report)
    anonymise(now=months_before(timezone.now(), -6) - timedelta(days=1))
    signal_import.refresh_from_db()
    assert "HUIS9Q" in str(signal_import.report)
    assert anonymise(now=months_before(timezone.now(), -6) + timedelta(days=1)).imports_cleared == 1
    signal_import.refresh_from_db()
    assert signal_import.report == [{"row": 2, "status": "rejected", "errors": {"postcode": []}}]
    assert signal_import.rejected == 1
