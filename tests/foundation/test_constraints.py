"""The database refuses rows that break the domain's invariants, whatever code writes them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case, CaseEvent, Handover
from tests.factories import (
    ArrangementFactory,
    ArrearsSignalFactory,
    CaseFactory,
    ContactAttemptFactory,
    DeadlineRuleFactory,
    EscalationFactory,
    EvictionProposalFactory,
    EvictionVoteFactory,
    HandoverFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db


def refused(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_money_is_never_negative(region):
    case = CaseFactory(corporation=region.corporation)
    refused(lambda: Case.objects.filter(pk=case.pk).update(arrears_amount=Decimal("-1")))
    refused(lambda: ArrangementFactory(case=case, monthly_amount=Decimal("0")))
    refused(lambda: ArrearsSignalFactory(amount=Decimal("-5")))


def test_one_open_case_per_tenancy(region):
    case = CaseFactory(corporation=region.corporation)
    second = Case(
        tenant=case.tenant, corporation=case.corporation, holder=case.holder, convenant=case.convenant,
        arrears_amount=1, months_in_arrears=1, opened_at=timezone.now(), last_activity_at=timezone.now(),
    )
    refused(second.save)


def test_status_must_be_a_known_value(region):
    case = CaseFactory(corporation=region.corporation)
    refused(lambda: Case.objects.filter(pk=case.pk).update(status="lost"))


def test_closed_case_needs_an_outcome_and_no_deadline(region):
    case = CaseFactory(corporation=region.corporation)
    refused(lambda: Case.objects.filter(pk=case.pk).update(status="resolved", closed_at=timezone.now()))
    refused(
        lambda: Case.objects.filter(pk=case.pk).update(status="resolved", closed_at=timezone.now(), outcome="resolved")
    )


def test_handover_parties_differ_and_one_open_offer(region):
    case = CaseFactory(corporation=region.corporation)
    refused(lambda: HandoverFactory(case=case, to_organisation=region.corporation))
    HandoverFactory(case=case, to_organisation=region.debt_assistance)
    refused(lambda: HandoverFactory(case=case, to_organisation=region.welfare))


def test_declined_handover_needs_a_reason(region):
    handover = HandoverFactory(case=CaseFactory(corporation=region.corporation), to_organisation=region.welfare)
    refused(lambda: Handover.objects.filter(pk=handover.pk).update(status="declined", reason=""))


def test_escalation_once_per_deadline_instance(region):
    escalation = EscalationFactory(case=CaseFactory(corporation=region.corporation))
    refused(
        lambda: EscalationFactory(
            case=escalation.case, deadline_kind=escalation.deadline_kind, deadline_at=escalation.deadline_at
        )
    )


def test_attempt_channel_must_be_known(region):
    refused(lambda: ContactAttemptFactory(case=CaseFactory(corporation=region.corporation), channel="pigeon"))


def test_one_vote_per_party(region):
    proposal = EvictionProposalFactory(case=CaseFactory(corporation=region.corporation))
    EvictionVoteFactory(proposal=proposal, organisation=region.corporation)
    refused(lambda: EvictionVoteFactory(proposal=proposal, organisation=region.corporation))


def test_signal_unique_per_source_and_rent_needs_contract():
    source = OrganisationFactory(kind="utility")
    ArrearsSignalFactory(source=source, external_id="E-1")
    refused(lambda: ArrearsSignalFactory(source=source, external_id="E-1"))
    refused(lambda: ArrearsSignalFactory(kind="rent", contract_ref=""))


def test_deadline_rule_days_positive(region):
    rule = DeadlineRuleFactory(convenant=region.convenant, kind="first_contact")
    refused(lambda: type(rule).objects.filter(pk=rule.pk).update(days=0))
    refused(lambda: type(rule).objects.filter(pk=rule.pk).update(policy="panic"))


def test_timeline_is_append_only(region):
    case = CaseFactory(corporation=region.corporation)
    event = CaseEvent.objects.filter(case=case).first()
    event.description = "changed"
    with pytest.raises(ValueError):
        event.save()


def test_permission_rows_go_with_a_deleted_case(region):
    from cases.models import CaseGroupObjectPermission

    case = CaseFactory(corporation=region.corporation, opened_at=timezone.now() - timedelta(days=1))
    assert CaseGroupObjectPermission.objects.filter(content_object=case).exists()
    case_id = case.pk
    # Cases are never deleted by the product; the database still takes their permission rows along.
    CaseEvent.objects.filter(case_id=case_id).delete()
    Case.objects.filter(pk=case_id).delete()
    assert not CaseGroupObjectPermission.objects.filter(content_object_id=case_id).exists()
