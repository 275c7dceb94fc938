"""Factories for every model, in one place. Objects with rules (organisations, users, convenants, cases) are
made through the services, so that groups and permissions are what production would have."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases import services as case_services
from cases.models import (
    AccessLog,
    Arrangement,
    Case,
    CaseEvent,
    ContactAttempt,
    Escalation,
    EventKind,
    EvictionProposal,
    EvictionVote,
    Handover,
    JointVisit,
    Notification,
    Tenant,
)
from cases.services.arrangements import add_schedule
from convenants.models import ChainLink, Convenant, DeadlineRule
from convenants.services import create_convenant
from partners.models import Membership, Organisation
from partners.services import create_organisation, set_membership
from signals.models import ArrearsSignal, SignalImport

User = get_user_model()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = "corporation"
    municipality = "Enschede"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return create_organisation(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "geheim-wachtwoord-1")

    @factory.post_generation
    def organisation(self, create, extracted, role="caseworker", **kwargs):
        self.save()
        if extracted is not None:
            set_membership(user=self, organisation=extracted, role=role)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "caseworker"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return set_membership(**kwargs)


class ConvenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convenant

    name = factory.Sequence(lambda n: f"Convenant {n}")
    municipality = "Enschede"
    parties = factory.LazyFunction(list)
    chain = factory.LazyFunction(list)
    working_days = False
    retention_months = 24

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return create_convenant(**kwargs)


class ChainLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChainLink

    convenant = factory.SubFactory(ConvenantFactory)
    organisation = factory.SubFactory(OrganisationFactory, kind="debt_assistance")
    position = factory.Sequence(lambda n: n + 10)


class DeadlineRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeadlineRule
        django_get_or_create = ("convenant", "kind")

    convenant = factory.SubFactory(ConvenantFactory)
    kind = "first_contact"
    days = 5
    policy = "notify"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    corporation = factory.SubFactory(OrganisationFactory)
    contract_ref = factory.Sequence(lambda n: f"HC-{n:06d}")
    name = factory.Faker("name", locale="nl_NL")
    street = "Lasondersingel"
    house_number = factory.Sequence(lambda n: str(n + 1))
    postcode = "7514 BP"
    city = "Enschede"
    phone = "0612345678"


class CaseFactory(factory.django.DjangoModelFactory):
    """A case opened through the service by the system for `corporation` (permissions included)."""

    class Meta:
        model = Case

    corporation = factory.SubFactory(OrganisationFactory)
    arrears_amount = Decimal("640.00")
    months_in_arrears = 1
    convenant = None
    opened_at = None
    tenant = factory.Sequence(
        lambda n: {
            "name": f"Huurder {n}",
            "contract_ref": f"HC-{n:06d}",
            "street": "Lasondersingel",
            "house_number": str(n + 1),
            "postcode": "7514 BP",
            "city": "Enschede",
        }
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        corporation = kwargs.pop("corporation")
        tenant = kwargs.pop("tenant")
        if isinstance(tenant, Tenant):
            tenant = {f: getattr(tenant, f) for f in ("name", "contract_ref", "street", "house_number", "postcode", "city")}
        return case_services.open_case(
            case_services.Actor.system(corporation),
            corporation=corporation,
            tenant=tenant,
            arrears_amount=kwargs.pop("arrears_amount"),
            months_in_arrears=kwargs.pop("months_in_arrears"),
            convenant=kwargs.pop("convenant"),
            now=kwargs.pop("opened_at") or timezone.now(),
        )


class ContactAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactAttempt

    case = factory.SubFactory(CaseFactory)
    organisation = factory.SelfAttribute("case.holder")
    channel = "phone"
    outcome = "not_reached"
    at = factory.LazyFunction(timezone.now)


class ArrangementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Arrangement
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    organisation = factory.SelfAttribute("case.holder")
    monthly_amount = Decimal("80.00")
    start_date = factory.LazyFunction(lambda: date.today() + timedelta(days=7))
    months = 8

    @factory.post_generation
    def instalments(self, create, extracted, **kwargs):
        """Its schedule, as the service makes it (cases.services.arrangements.add_schedule)."""
        if create:
            add_schedule(self)


class HandoverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Handover

    case = factory.SubFactory(CaseFactory)
    from_organisation = factory.SelfAttribute("case.holder")
    to_organisation = factory.SubFactory(OrganisationFactory, kind="debt_assistance")
    summary = "Drie keer niet bereikt."
    tenant_consent = True
    offered_at = factory.LazyFunction(timezone.now)
    previous_status = "contacting"


class JointVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JointVisit

    case = factory.SubFactory(CaseFactory)
    organisation = factory.SelfAttribute("case.holder")
    partner = factory.SubFactory(OrganisationFactory, kind="debt_assistance")
    planned_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    address = "Lasondersingel 1, 7514 BP Enschede"


class EscalationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Escalation

    case = factory.SubFactory(CaseFactory)
    deadline_kind = "first_contact"
    deadline_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    action = "notify"
    escalated_at = factory.LazyFunction(timezone.now)
    from_organisation = factory.SelfAttribute("case.holder")


class EvictionProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvictionProposal

    case = factory.SubFactory(CaseFactory)
    organisation = factory.SelfAttribute("case.corporation")
    reason = "Weigert alle hulp."
    previous_status = "contacting"
    proposed_at = factory.LazyFunction(timezone.now)


class EvictionVoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvictionVote

    proposal = factory.SubFactory(EvictionProposalFactory)
    organisation = factory.SelfAttribute("proposal.organisation")
    agree = True
    reason = "Alle hulp geweigerd."
    voted_at = factory.LazyFunction(timezone.now)


class CaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    kind = EventKind.NOTE
    at = factory.LazyFunction(timezone.now)
    description = "Notitie"


class AccessLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessLog

    user = factory.SubFactory(UserFactory)
    case = factory.SubFactory(CaseFactory)
    what = "detail"


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    subject = "Melding"
    created_at = factory.LazyFunction(timezone.now)


class SignalImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignalImport

    organisation = factory.SubFactory(OrganisationFactory)
    file_name = "achterstanden.csv"
    file_hash = factory.Sequence(lambda n: f"{n:064x}")


class ArrearsSignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArrearsSignal

    source = factory.SubFactory(OrganisationFactory, kind="utility")
    external_id = factory.Sequence(lambda n: f"EXT-{n}")
    kind = "energy"
    name = "Huurder"
    postcode = "7514 BP"
    house_number = "1"
    amount = Decimal("120.00")
    months_in_arrears = 2
    reference_date = factory.LazyFunction(date.today)


# --- vroegsignalering: signals in through the intake, matched into vroegsignaal cases as production does ------


def send_signals(user, *records, now=None):
    """Signals sent by `user`'s organisation through the intake (signals.services.submit_signals); every record
    must be accepted. Returns the stored signals, in the order given."""
    from signals import services as signal_services

    base = {"months_in_arrears": 2, "reference_date": date.today().isoformat()}
    records = [{**base, **record} for record in records]
    result = signal_services.submit_signals(user, records, now=now)
    assert result.accepted == len(records), result.rejected
    source = user.membership.organisation
    return [ArrearsSignal.objects.get(source=source, external_id=record["external_id"]) for record in records]


def match_period(period=None, *, municipality=None, now=None):
    """signals.matching.match_signals for the period that holds `period` (default: now's)."""
    from signals.matching import match_signals

    return match_signals(period=period, municipality=municipality, now=now)

