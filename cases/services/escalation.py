"""The clock of the chain: escalate every open case whose active deadline has passed.

Due cases are taken in batches with SELECT … FOR UPDATE SKIP LOCKED on the partial index case_deadline_due_idx:
two sweeps never take the same case, and each batch commits as a whole (the escalation, its event, its action,
its notifications and the new deadline of every case in it), so a worker that dies mid-batch leaves nothing
half done and the next sweep takes those cases again. The Escalation row is unique per deadline instance
(case, kind, deadline_at) as a last line of defence.

A batch is one CaseChanges (cases.services._common) by the system: each case checked against the policy
(ESCALATE, and WITHDRAW / OFFER for `handover_next`), offers withdrawn and made with the same functions a person's
withdrawal and offer use (handover.end_offers, handover.offer_many), then the events, the deadlines, the cases,
the permission rows of the cases whose parties changed and the notifications, each written in bulk: a fixed
number of queries per batch, plus the dossier of each case offered onward. Convenants (with their rules and
chain), organisations, their groups and their people are read once per sweep.

If a batch fails on an unexpected error, it is rolled back and retried case by case; a case that still fails is
logged and left for the next sweep, so one bad case never blocks the others.
"""

import logging
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from convenants.models import Convenant, DeadlineKind, EscalationPolicy, escalation_policy
from partners.models import Organisation
from signals.models import SignalCase

from ..models import Case, Escalation, EventKind, Handover, HandoverStatus
from ..policy import TABLE, Action
from ..texts import Text
from ._common import Actor, CaseChanges
from .deadlines import Facts
from .handover import end_offers, next_in_chain, offer_many
from .notifications import Outbox, managers_of, municipality_managers

logger = logging.getLogger(__name__)

# Where `handover_next` can act: offer the case onward, or withdraw the waiting offer first.
HANDOVER_NEXT_STATUSES = TABLE[Action.OFFER].starts_from | TABLE[Action.WITHDRAW].starts_from


class Sweep:
    """One run of the sweep at one moment. Holds what does not change while it runs: convenants with their
    rules and chains, organisations, their groups and people."""

    def __init__(self, as_of):
        self.as_of = as_of
        self.actor = Actor.system()
        self.failed: set[int] = set()
        self.cache: dict = {}  # CaseChanges' cache: organisations' groups and people
        self._convenants: dict[int, Convenant] = {}
        self._chains: dict[int, list[Organisation]] = {}
        self._organisations: dict[int, Organisation] = {}

    # --- what is read once per sweep -------------------------------------------------------------------------
    def convenant(self, pk) -> Convenant:
        convenant = self._convenants.get(pk)
        if convenant is None:
            convenant = Convenant.objects.get(pk=pk)
            convenant._rules_by_kind = {rule.kind: rule for rule in convenant.deadline_rules.all()}
            self._convenants[pk] = convenant
            self._chains[pk] = [
                link.organisation for link in convenant.chain_links.select_related("organisation").order_by("position")
            ]
            for organisation in self._chains[pk]:
                self._organisations.setdefault(organisation.pk, organisation)
        return convenant

    def chain(self, convenant_id) -> list[Organisation]:
        self.convenant(convenant_id)
        return self._chains[convenant_id]

    def organisation(self, pk) -> Organisation:
        organisation = self._organisations.get(pk)
        if organisation is None:
            organisation = self._organisations[pk] = Organisation.objects.get(pk=pk)
        return organisation

    # --- taking due cases ------------------------------------------------------------------------------------
    def lock_due(self, limit, *, pk=None) -> list[Case]:
        """Up to `limit` due cases, locked for this transaction; rows another sweep holds are skipped."""
        due = Case.objects.select_for_update(skip_locked=True, of=("self",)).filter(deadline_at__lte=self.as_of)
        if pk is not None:
            due = due.filter(pk=pk)
        elif self.failed:
            due = due.exclude(pk__in=self.failed)
        cases = list(due.select_related("tenant").order_by("deadline_at")[:limit])
        for case in cases:
            case.convenant = self.convenant(case.convenant_id)
            case.holder = self.organisation(case.holder_id)
            case.corporation = self.organisation(case.corporation_id)
        return cases

    # --- escalating a locked batch (inside the caller's transaction) -----------------------------------------
    def policy_of(self, case) -> str:
        policy = escalation_policy(case.convenant, case.deadline_kind)
        if policy == EscalationPolicy.HANDOVER_NEXT and case.status not in HANDOVER_NEXT_STATUSES:
            policy = EscalationPolicy.NOTIFY
        return policy

    def escalate(self, cases) -> list[Escalation]:
        """Escalate the current deadline of each case; every case's next deadline is set (a deadline instance
        that escalated before, when data was changed by hand, only moves on)."""
        changes = CaseChanges(self.actor, cases, now=self.as_of, outbox=Outbox(queue_mails=True), cache=self.cache)
        for case in cases:
            changes.check(case, Action.ESCALATE)
        known = Facts(cases)
        fresh = []
        for case in cases:
            if known.has_escalation(case.pk, case.deadline_kind, case.deadline_at):
                logger.warning("Case %s: deadline %s at %s escalated before", case.pk, case.deadline_kind,
                               case.deadline_at)
            else:
                fresh.append(case)
        escalations = self._notify([case for case in fresh if self.policy_of(case) == EscalationPolicy.NOTIFY])
        escalations += self._handover_next(
            changes, [case for case in fresh if self.policy_of(case) == EscalationPolicy.HANDOVER_NEXT]
        )
        Escalation.objects.bulk_create(escalations)
        for escalation in escalations:
            case, kind = escalation.case, escalation.deadline_kind
            changes.event(
                case,
                EventKind.ESCALATED,
                Text(gettext_noop("Deadline %(kind)s passed"), kind=DeadlineKind(kind).label),
                organisation=case.holder,
                escalation=escalation.pk,
                deadline_kind=kind,
                action=escalation.action,
            )
            recipients = list(managers_of(escalation.from_organisation, cache=changes.people))
            if escalation.from_organisation.pk != case.holder_id:
                recipients += managers_of(case.holder, cache=changes.people)
            if escalation.to_organisation is not None:
                recipients += managers_of(escalation.to_organisation, cache=changes.people)
            changes.notify(
                recipients,
                Text(gettext_noop("Escalation of case #%(id)s: deadline %(kind)s passed"), id=case.pk,
                     kind=DeadlineKind(kind).label),
                case=case,
            )
        changes.finish()
        return escalations

    def _escalation(self, case, action, missed_by, offered_to=None) -> Escalation:
        return Escalation(
            case=case,
            deadline_kind=case.deadline_kind,
            deadline_at=case.deadline_at,
            action=action,
            escalated_at=self.as_of,
            from_organisation=missed_by,
            to_organisation=offered_to,
        )

    def _notify(self, cases) -> list[Escalation]:
        """`notify`: the holder's managers are told (with the escalation's notification); nothing else changes."""
        return [self._escalation(case, EscalationPolicy.NOTIFY, case.holder) for case in cases]

    def _handover_next(self, changes, cases) -> list[Escalation]:
        """`handover_next`: the waiting offer (if any) withdrawn, the case offered to the next chain partner with
        its dossier, or, the chain exhausted, the convenant's municipality told."""
        if not cases:
            return []
        offers = {
            offer.case_id: offer
            for offer in Handover.objects.select_for_update().filter(
                case_id__in=[case.pk for case in cases], status=HandoverStatus.OFFERED
            )
        }
        ended, missed = [], {}
        for case in cases:
            offer = offers.get(case.pk)
            if offer is None:
                missed[case.pk] = case.holder
                continue
            changes.check(case, Action.WITHDRAW)
            offer.to_organisation = missed[case.pk] = self.organisation(offer.to_organisation_id)
            ended.append((case, offer))
        end_offers(
            changes,
            ended,
            status=HandoverStatus.WITHDRAWN,
            reason=str(_("Not picked up within the deadline")),
            describe=lambda offer: Text(gettext_noop("Offer to %(org)s withdrawn: not picked up within the deadline"),
                                        org=offer.to_organisation.name),
        )
        escalations, onward = [], []
        for case in cases:
            following = next_in_chain(case, after=missed[case.pk], chain=self.chain(case.convenant_id))
            if following is not None and following.pk in (case.holder_id, case.corporation_id):
                following = None
            escalations.append(self._escalation(case, EscalationPolicy.HANDOVER_NEXT, missed[case.pk], following))
            if following is None:
                changes.notify(
                    municipality_managers(case.convenant, cache=changes.people),
                    Text(gettext_noop("No chain partner left for case #%(id)s"), id=case.pk),
                    case=case,
                )
                continue
            changes.check(case, Action.OFFER)
            summary = str(_("Offered automatically: the deadline %(kind)s has passed.")) % {
                "kind": DeadlineKind(case.deadline_kind).label
            }
            onward.append((case, following, summary, None, True))  # the dossier follows the consent on record
        offer_many(changes, onward)
        return escalations


def escalate_case(case: Case, *, as_of) -> Escalation | None:
    """Escalate one due case now (in the caller's transaction). None when it is not due or another sweep holds it."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        sweep = Sweep(as_of)
        locked = sweep.lock_due(1, pk=case.pk)
        escalations = sweep.escalate(locked) if locked else []
    return escalations[0] if escalations else None


def escalate_overdue(*, as_of=None, batch_size=None, max_seconds=None) -> int:
    """Run the sweep once; the number of deadlines escalated. Safe to run concurrently and repeatedly.

    `as_of`: the moment the sweep runs as (escalations are dated then, new deadlines count from then).
    `max_seconds`: start no new batch after this long (the Celery task stays inside its time limit; the next
    run continues where this one stopped)."""
    as_of = as_of or timezone.now()
    batch_size = batch_size or settings.ESCALATION_BATCH_SIZE
    sweep = Sweep(as_of)
    started = time.monotonic()
    escalated = 0
    with translation.override(settings.LANGUAGE_CODE):
        # The vroegsignaal cases first: few, a crisis among them, and never starved by a backlog of rent cases.
        escalated += escalate_signal_cases(as_of=as_of, batch_size=batch_size, cache=sweep.cache,
                                           until=None if max_seconds is None else started + max_seconds)
        while max_seconds is None or time.monotonic() - started < max_seconds:
            ids = []
            try:
                with transaction.atomic():
                    batch = sweep.lock_due(batch_size)
                    ids = [case.pk for case in batch]
                    if not batch:
                        break
                    done = len(sweep.escalate(batch))
                escalated += done
            except SoftTimeLimitExceeded:
                raise
            except Exception:
                if not ids:
                    raise
                logger.exception("Escalation batch failed; retrying its %d cases one by one", len(ids))
                escalated += _one_by_one(sweep, ids)
    return escalated


def escalate_signal_cases(*, as_of, batch_size, cache=None, until=None) -> int:
    """The vroegsignaal cases (signals.SignalCase) whose contact deadline passed without a contact attempt: each
    is marked escalated (once: escalated_at) and its owner's managers are told, in batches taken with
    SELECT … FOR UPDATE SKIP LOCKED on the partial index signal_case_deadline_idx. `until`: a time.monotonic()
    moment after which no new batch starts."""
    cache = {} if cache is None else cache
    escalated = 0
    while until is None or time.monotonic() < until:
        with transaction.atomic():
            due = list(
                SignalCase.objects.select_for_update(skip_locked=True)
                .filter(deadline_at__isnull=False, deadline_at__lte=as_of, escalated_at__isnull=True,
                        closed_at__isnull=True)
                .order_by("deadline_at")
                .only("pk", "owner_id", "deadline_at")[:batch_size]
            )
            if not due:
                break
            SignalCase.objects.filter(pk__in=[signal_case.pk for signal_case in due]).update(escalated_at=as_of)
            outbox = Outbox(queue_mails=True)
            for signal_case in due:
                outbox.add(
                    managers_of(signal_case.owner_id, cache=cache),
                    subject=Text(gettext_noop("Vroegsignaal case #%(id)s: no contact within the term"),
                                 id=signal_case.pk),
                    body=reverse("signals:signal-case", args=[signal_case.pk]),
                    now=as_of,
                )
            outbox.flush()
        escalated += len(due)
    return escalated


def _one_by_one(sweep: Sweep, ids) -> int:
    escalated = 0
    for pk in ids:
        try:
            with transaction.atomic():
                locked = sweep.lock_due(1, pk=pk)
                done = len(sweep.escalate(locked)) if locked else 0
            escalated += done
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("Escalation of case %s failed; left for the next sweep", pk)
            sweep.failed.add(pk)
    return escalated
