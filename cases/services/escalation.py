"""The clock of the chain: escalate every open case whose active deadline has passed.

Due cases are taken in batches with SELECT … FOR UPDATE SKIP LOCKED on the partial index case_deadline_due_idx:
two sweeps never take the same case, and each batch commits as a whole (the escalation, its event, its action,
its notifications and the new deadline of every case in it), so a worker that dies mid-batch leaves nothing
half done and the next sweep takes those cases again. The Escalation row is unique per deadline instance
(case, kind, deadline_at) as a last line of defence.

Speed: a batch is written with a fixed number of queries (bulk inserts of escalations, events, offers and
notifications; one batch-wide set of facts for the deadline rule; one UPDATE … FROM unnest for the cases; one
permission sync for the batch), plus the dossier of each case offered onward. Convenants (with their rules and
chain), organisations and managers are read once per sweep. A `notify` escalation changes nothing that decides
access, so only `handover_next` batches touch the permission rows.

If a batch fails on an unexpected error, it is rolled back and retried case by case; a case that still fails is
logged and left for the next sweep, so one bad case never blocks the others.
"""

import logging
import time
from collections import defaultdict

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from convenants.models import Convenant, DeadlineKind, EscalationPolicy, escalation_policy
from partners.models import Organisation, OrganisationKind, Role

from ..models import (
    Arrangement,
    AttemptOutcome,
    Case,
    CaseEvent,
    CaseStatus,
    ContactAttempt,
    Escalation,
    EventKind,
    Handover,
    HandoverStatus,
    Notification,
)
from .access import sync_permissions_many
from .deadlines import CaseFacts, recompute_deadline
from .handover import OFFERABLE_STATUSES, build_dossier, dossier_rows_many
from .notifications import User

logger = logging.getLogger(__name__)


class BatchFacts(CaseFacts):
    """The deadline rule's questions answered for a whole batch with a fixed number of queries. Only valid for
    cases whose attempts, arrangements and handovers the batch does not change (the `notify` escalations)."""

    def __init__(self, cases):
        ids = [case.pk for case in cases]
        self._met = (
            set(
                ContactAttempt.objects.filter(case_id__in=ids, outcome=AttemptOutcome.REACHED).values_list(
                    "case_id", flat=True
                )
            )
            | set(Arrangement.objects.filter(case_id__in=ids).values_list("case_id", flat=True))
            | set(Handover.objects.filter(case_id__in=ids).values_list("case_id", flat=True))
        )
        self._offered_at = dict(
            Handover.objects.filter(case_id__in=ids, status=HandoverStatus.OFFERED).values_list("case_id", "offered_at")
        )
        self._accepted = defaultdict(dict)
        for case_id, organisation_id, responded_at in Handover.objects.filter(
            case_id__in=ids, status=HandoverStatus.ACCEPTED
        ).values_list("case_id", "to_organisation_id", "responded_at"):
            known = self._accepted[case_id].get(organisation_id)
            if known is None or (responded_at is not None and responded_at > known):
                self._accepted[case_id][organisation_id] = responded_at
        self._last_attempt = {
            (row["case_id"], row["organisation_id"]): row["last"]
            for row in ContactAttempt.objects.filter(case_id__in=ids)
            .values("case_id", "organisation_id")
            .annotate(last=Max("at"))
        }
        self._escalated, self._last_escalated = set(), {}
        for row in Escalation.objects.filter(case_id__in=ids).values_list(
            "case_id", "deadline_kind", "deadline_at", "escalated_at"
        ):
            self.add_escalated(*row)

    def add_escalated(self, case_id, kind, at, escalated_at):
        self._escalated.add((case_id, kind, at))
        last = self._last_escalated.get((case_id, kind))
        if last is None or escalated_at > last:
            self._last_escalated[(case_id, kind)] = escalated_at

    def handover_deadline_met(self, case) -> bool:
        return case.pk in self._met

    def open_offer_at(self, case):
        return self._offered_at.get(case.pk)

    def accepted_at(self, case):
        return self._accepted.get(case.pk, {}).get(case.holder_id)

    def holder_contacted_since(self, case, since) -> bool:
        last = self._last_attempt.get((case.pk, case.holder_id))
        return last is not None and last >= since

    def has_escalation(self, case_id, kind, at) -> bool:
        return (case_id, kind, at) in self._escalated

    def escalated(self, case, kind, at, start) -> bool:
        if self.has_escalation(case.pk, kind, at):
            return True
        last = self._last_escalated.get((case.pk, kind))
        return last is not None and last > start


def send_later(mails):
    """E-mail of a committed batch: handed to a Celery task (the sweep itself runs in a worker or a command, never
    in a request), so that thousands of escalations do not wait for SMTP; sent here if the broker is away."""
    from cases.tasks import send_mails

    try:
        send_mails.apply_async(args=[mails], retry=False)
    except Exception:  # noqa: BLE001 - any broker failure: send now rather than not at all
        logger.warning("Broker unreachable: sending %d escalation e-mails directly", len(mails))
        send_mass_mail([tuple(mail) for mail in mails], fail_silently=True)


class _Outbox:
    """Notifications of one batch: in-app rows in one insert, e-mails in one send after the commit."""

    def __init__(self):
        self.rows, self.mails = [], []

    def add(self, users, *, subject, body="", case=None, now):
        subject, body = str(subject), str(body)
        for user in {user.pk: user for user in users}.values():
            self.rows.append(Notification(user_id=user.pk, case=case, subject=subject[:200], body=body, created_at=now))
            if user.email:
                self.mails.append((subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))

    def flush(self):
        if self.rows:
            Notification.objects.bulk_create(self.rows)
        if self.mails:
            mails = [list(mail) for mail in self.mails]
            transaction.on_commit(lambda: send_later(mails))
        self.rows, self.mails = [], []


class Sweep:
    """One run of the sweep at one moment. Holds what does not change while it runs: convenants with their
    rules and chains, organisations, managers."""

    def __init__(self, as_of):
        self.as_of = as_of
        self.failed: set[int] = set()
        self._convenants: dict[int, Convenant] = {}
        self._chains: dict[int, list[Organisation]] = {}
        self._organisations: dict[int, Organisation] = {}
        self._managers: dict[int, list] = {}
        self._members: dict[int, list] = {}
        self._municipality_managers: dict[int, list] = {}

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

    def organisation(self, pk) -> Organisation:
        organisation = self._organisations.get(pk)
        if organisation is None:
            organisation = self._organisations[pk] = Organisation.objects.get(pk=pk)
        return organisation

    def managers(self, organisation) -> list:
        pk = organisation.pk if isinstance(organisation, Organisation) else organisation
        if pk not in self._managers:
            self._managers[pk] = list(
                User.objects.filter(
                    is_active=True, membership__organisation_id=pk, membership__role=Role.MANAGER
                ).only("pk", "email")
            )
        return self._managers[pk]

    def municipality_managers(self, convenant) -> list:
        if convenant.pk not in self._municipality_managers:
            municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, convenants=convenant)
            self._municipality_managers[convenant.pk] = [
                user for organisation in municipalities for user in self.managers(organisation)
            ]
        return self._municipality_managers[convenant.pk]

    def next_in_chain(self, case, after: Organisation) -> Organisation | None:
        """As handover.next_in_chain, from the chain read once per sweep."""
        chain = self._chains[case.convenant_id]
        ids = [organisation.pk for organisation in chain]
        rest = chain[ids.index(after.pk) + 1 :] if after.pk in ids else chain
        return rest[0] if rest else None

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
        if policy == EscalationPolicy.HANDOVER_NEXT and case.status not in (*OFFERABLE_STATUSES, CaseStatus.HANDED_OVER):
            policy = EscalationPolicy.NOTIFY
        return policy

    def escalate(self, cases) -> list[Escalation]:
        outbox = _Outbox()
        notify_cases, handover_cases = [], []
        for case in cases:
            (handover_cases if self.policy_of(case) == EscalationPolicy.HANDOVER_NEXT else notify_cases).append(case)
        escalations = self._escalate_notify(notify_cases, outbox) if notify_cases else []
        if handover_cases:
            escalations += self._escalate_handover_next(handover_cases, outbox)
        outbox.flush()
        return escalations

    def members(self, organisation) -> list:
        """As notifications.members_of (caseworkers and managers), read once per sweep."""
        if organisation.pk not in self._members:
            self._members[organisation.pk] = list(
                User.objects.filter(
                    is_active=True,
                    membership__organisation_id=organisation.pk,
                    membership__role__in=[Role.CASEWORKER, Role.MANAGER],
                ).only("pk", "email")
            )
        return self._members[organisation.pk]

    def _notify_about(self, outbox, case, kind, *, missed_by, offered_to):
        recipients = list(self.managers(missed_by))
        if missed_by.pk != case.holder_id:
            recipients += self.managers(case.holder)
        if offered_to is not None:
            recipients += self.managers(offered_to)
        label = DeadlineKind(kind).label
        outbox.add(
            recipients,
            subject=_("Escalation of case #%(id)s: deadline %(kind)s passed") % {"id": case.pk, "kind": label},
            body=_("Holder: %(holder)s") % {"holder": case.holder.name},
            case=case,
            now=self.as_of,
        )

    def _event(self, case, escalation) -> CaseEvent:
        kind = escalation.deadline_kind
        return CaseEvent(
            case=case,
            kind=EventKind.ESCALATED,
            at=self.as_of,
            actor=None,
            organisation=case.holder,
            description=str(_("Deadline %(kind)s passed") % {"kind": DeadlineKind(kind).label}),
            data={"escalation": escalation.pk, "deadline_kind": kind, "action": escalation.action},
        )

    def _new_escalations(self, cases, action, targets):
        """Escalation rows for the cases whose current deadline instance has none yet (`targets`: case pk →
        (missed by, offered to))."""
        escalations = []
        for case in cases:
            if case.pk not in targets:
                continue
            missed_by, offered_to = targets[case.pk]
            escalations.append(
                Escalation(
                    case=case,
                    deadline_kind=case.deadline_kind,
                    deadline_at=case.deadline_at,
                    action=action,
                    escalated_at=self.as_of,
                    from_organisation=missed_by,
                    to_organisation=offered_to,
                )
            )
        return escalations

    def _not_escalated_yet(self, cases, facts) -> list[Case]:
        fresh = []
        for case in cases:
            if facts.has_escalation(case.pk, case.deadline_kind, case.deadline_at):
                # This deadline instance escalated already (data changed by hand): only move the deadline on.
                logger.warning("Case %s: deadline %s at %s escalated before", case.pk, case.deadline_kind,
                               case.deadline_at)
            else:
                fresh.append(case)
        return fresh

    def _finish(self, cases, escalations, facts, outbox):
        """Events and notifications of the escalations, then every case's next deadline, in bulk."""
        CaseEvent.objects.bulk_create(self._event(e.case, e) for e in escalations)
        for escalation in escalations:
            facts.add_escalated(
                escalation.case_id, escalation.deadline_kind, escalation.deadline_at, escalation.escalated_at
            )
            self._notify_about(
                outbox,
                escalation.case,
                escalation.deadline_kind,
                missed_by=escalation.from_organisation,
                offered_to=escalation.to_organisation,
            )
        for case in cases:
            case.last_activity_at = max(case.last_activity_at, self.as_of) if case.last_activity_at else self.as_of
            recompute_deadline(case, self.as_of, facts=facts)
        _update_cases(cases)

    def _escalate_notify(self, cases, outbox) -> list[Escalation]:
        """`notify` escalations of a batch, with a number of queries that does not grow with the batch. Nothing
        that decides access changes (holder, status, offers, eviction): permissions stay as they are."""
        facts = BatchFacts(cases)
        fresh = self._not_escalated_yet(cases, facts)
        escalations = self._new_escalations(
            cases, EscalationPolicy.NOTIFY, {case.pk: (case.holder, None) for case in fresh}
        )
        Escalation.objects.bulk_create(escalations)
        self._finish(cases, escalations, facts, outbox)
        return escalations

    def _escalate_handover_next(self, cases, outbox) -> list[Escalation]:
        """`handover_next` escalations of a batch: the open offer (if any) withdrawn, the case offered to the
        next chain partner with its dossier (as handover._offer does for a person), or, the chain exhausted,
        the convenant's municipality told. A fixed number of queries per batch plus the dossiers."""
        fresh = self._not_escalated_yet(cases, BatchFacts(cases))
        offers = {
            offer.case_id: offer
            for offer in Handover.objects.select_for_update().filter(
                case_id__in=[case.pk for case in fresh], status=HandoverStatus.OFFERED
            )
        }
        reason = str(_("Not picked up within the deadline"))
        withdrawn_events, plan = [], []
        for case in fresh:
            offer = offers.get(case.pk)
            if offer is not None:
                missed_by = self.organisation(offer.to_organisation_id)
                previous_status = offer.previous_status
                case.status = previous_status
                withdrawn_events.append(
                    CaseEvent(
                        case=case, kind=EventKind.HANDOVER_WITHDRAWN, at=self.as_of, organisation=case.holder,
                        description=str(
                            _("Offer to %(org)s withdrawn: not picked up within the deadline")
                            % {"org": missed_by.name}
                        ),
                        data={"handover": offer.pk},
                    )
                )
            else:
                missed_by, previous_status = case.holder, case.status
            following = self.next_in_chain(case, after=missed_by)
            if following is not None and following.pk in (case.holder_id, case.corporation_id):
                following = None
            plan.append((case, missed_by, previous_status, following))
        if offers:
            Handover.objects.filter(pk__in=[offer.pk for offer in offers.values()]).update(
                status=HandoverStatus.WITHDRAWN, responded_at=self.as_of, reason=reason
            )
            CaseEvent.objects.bulk_create(withdrawn_events)
        new_offers = []
        dossier_rows = dossier_rows_many([case for case, *_rest, following in plan if following is not None])
        for case, _missed_by, previous_status, following in plan:
            if following is None:
                outbox.add(
                    self.municipality_managers(case.convenant),
                    subject=_("No chain partner left for case #%(id)s") % {"id": case.pk},
                    body=_("The covenant's chain has been exhausted without any partner picking up the case."),
                    case=case,
                    now=self.as_of,
                )
                continue
            summary = str(_("Offered automatically: the deadline %(kind)s has passed.")) % {
                "kind": DeadlineKind(case.deadline_kind).label
            }
            new_offers.append(
                Handover(
                    case=case,
                    from_organisation=case.holder,
                    to_organisation=following,
                    summary=summary,
                    tenant_consent=False,
                    dossier=build_dossier(
                        case, summary=summary, tenant_consent=False, now=self.as_of, rows=dossier_rows[case.pk]
                    ),
                    offered_by=None,
                    offered_at=self.as_of,
                    by_escalation=True,
                    previous_status=previous_status,
                )
            )
            case.status = CaseStatus.HANDED_OVER
            outbox.add(
                self.members(following),
                subject=_("New case offered: %(tenant)s") % {"tenant": case.tenant.name},
                body=summary,
                case=case,
                now=self.as_of,
            )
        Handover.objects.bulk_create(new_offers)
        CaseEvent.objects.bulk_create(
            CaseEvent(
                case=offer.case, kind=EventKind.HANDOVER_OFFERED, at=self.as_of, organisation=offer.case.holder,
                description=str(_("Offered to %(org)s") % {"org": offer.to_organisation.name}),
                data={"handover": offer.pk, "to_organisation": offer.to_organisation_id, "by_escalation": True},
            )
            for offer in new_offers
        )
        escalations = self._new_escalations(
            cases,
            EscalationPolicy.HANDOVER_NEXT,
            {case.pk: (missed_by, following) for case, missed_by, _previous, following in plan},
        )
        Escalation.objects.bulk_create(escalations)
        # The deadline rule's facts after the offers changed: read for the batch now.
        self._finish(cases, escalations, BatchFacts(cases), outbox)
        sync_permissions_many(cases)
        return escalations


def _update_cases(cases):
    """Write status, activity and deadline of many cases in one statement."""
    if not cases:
        return
    if connection.vendor != "postgresql":
        for case in cases:
            case.updated_at = timezone.now()
        Case.objects.bulk_update(
            cases, ["status", "last_activity_at", "deadline_kind", "deadline_at", "updated_at"], batch_size=200
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Case._meta.db_table} AS c
                SET status = v.status, last_activity_at = v.last_activity_at, deadline_kind = v.deadline_kind,
                    deadline_at = v.deadline_at, updated_at = now()
                FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], %s::varchar[], %s::timestamptz[])
                     AS v(id, status, last_activity_at, deadline_kind, deadline_at)
                WHERE c.id = v.id""",
            [
                [case.pk for case in cases],
                [case.status for case in cases],
                [case.last_activity_at for case in cases],
                [case.deadline_kind for case in cases],
                [case.deadline_at for case in cases],
            ],
        )


def municipality_managers(case):
    """The managers of the convenant's municipality (told when the chain is exhausted)."""
    return Sweep(timezone.now()).municipality_managers(case.convenant)


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
