"""The one active deadline of an open case, set after every change from the case's convenant (DESIGN.md)."""

from django.db.models import Q

from convenants.models import DeadlineKind
from convenants.services import deadline_for

from ..models import AttemptOutcome, CaseStatus, Escalation, Handover, HandoverStatus


class CaseFacts:
    """What the deadline rule asks the database about one case. The escalation sweep passes a subclass that
    answers these for a whole batch at once (cases.services.escalation.BatchFacts); the rule stays here."""

    def handover_deadline_met(self, case) -> bool:
        return (
            case.contact_attempts.filter(outcome=AttemptOutcome.REACHED).exists()
            or case.arrangements.exists()
            or case.handovers.exists()
        )

    def open_offer_at(self, case):
        offer = case.handovers.filter(status=HandoverStatus.OFFERED).only("offered_at").first()
        return offer.offered_at if offer is not None else None

    def accepted_at(self, case):
        """When the holder accepted the case (its latest accepted offer), or None."""
        accepted = (
            Handover.objects.filter(case=case, status=HandoverStatus.ACCEPTED, to_organisation_id=case.holder_id)
            .order_by("-responded_at")
            .only("responded_at")
            .first()
        )
        return accepted.responded_at if accepted is not None else None

    def holder_contacted_since(self, case, since) -> bool:
        return case.contact_attempts.filter(organisation_id=case.holder_id, at__gte=since).exists()

    def escalated(self, case, kind, at, start) -> bool:
        """Whether this deadline instance (the one of `kind` that started at `start`) escalated already: its
        date, or an escalation of its kind after it started (its date may differ when the convenant's rule
        changed since: a deadline escalates once, whatever the rule says now)."""
        return Escalation.objects.filter(
            Q(deadline_at=at) | Q(escalated_at__gt=start), case=case, deadline_kind=kind
        ).exists()


def _handover_deadline_met(case) -> bool:
    return CaseFacts().handover_deadline_met(case)


def _candidates(case, facts):
    """(kind, start) in the order they apply; the first one not escalated yet is the active deadline."""
    if case.status in (CaseStatus.OPEN, CaseStatus.CONTACTING) and not facts.handover_deadline_met(case):
        if case.first_contact_at is None:
            yield DeadlineKind.FIRST_CONTACT, case.opened_at
        yield DeadlineKind.HANDOVER, case.opened_at
    elif case.status == CaseStatus.HANDED_OVER:
        offered_at = facts.open_offer_at(case)
        if offered_at is not None:
            yield DeadlineKind.PICKUP, offered_at
    elif case.status == CaseStatus.WITH_PARTNER:
        accepted_at = facts.accepted_at(case)
        if accepted_at is not None and not facts.holder_contacted_since(case, accepted_at):
            yield DeadlineKind.PARTNER_CONTACT, accepted_at
    yield DeadlineKind.INACTIVITY, case.last_activity_at


def recompute_deadline(case, now, facts: CaseFacts | None = None) -> None:
    """Set case.deadline_kind/deadline_at (not saved). A deadline instance that already escalated is passed
    over, so a sweep never meets the same instance twice; when all are, inactivity counts from `now`."""
    if not case.is_open:
        case.deadline_kind, case.deadline_at = "", None
        return
    facts = facts or CaseFacts()
    for kind, start in _candidates(case, facts):
        at = deadline_for(case.convenant, kind, start)
        if not facts.escalated(case, kind, at, start):
            case.deadline_kind, case.deadline_at = kind, at
            return
    case.deadline_kind = DeadlineKind.INACTIVITY
    case.deadline_at = deadline_for(case.convenant, DeadlineKind.INACTIVITY, now)
