"""The one active deadline of an open case, set after every change from the case's convenant (DESIGN.md).

The rule (`_candidates`) asks a few facts about a case's history. `Facts` answers them for a set of cases at
once, one query per kind of row (attempts, arrangements, handovers, escalations), read only when the rule asks
and only once: a single case is the one-element set, the escalation sweep's and the signal import's batches
cost the same number of queries. Facts are read when asked, so they see what the service wrote before.
"""

import json
from collections import defaultdict

from django.db.models import Max
from django.utils.dateparse import parse_datetime

from convenants.deadlines import AMSTERDAM, add_days, working_days_between
from convenants.models import DeadlineKind
from convenants.services import deadline_for

from ..models import (
    Arrangement,
    AttemptOutcome,
    CaseStatus,
    ContactAttempt,
    Escalation,
    Handover,
    HandoverStatus,
)

# Where a declined or withdrawn offer leaves a case: worked by its holder again (the status before the offer).
RETURN_STATUSES = frozenset({CaseStatus.OPEN, CaseStatus.CONTACTING, CaseStatus.ARRANGEMENT, CaseStatus.WITH_PARTNER})
ENDED_OFFER = frozenset({HandoverStatus.DECLINED, HandoverStatus.WITHDRAWN})


class Facts:
    """What the deadline rule asks the database about `cases`, answered for all of them at once."""

    def __init__(self, cases):
        self._ids = [case.pk for case in cases]
        self._read = {}

    def _once(self, name, read):
        if name not in self._read:
            self._read[name] = read()
        return self._read[name]

    # --- the rows, each read once for all cases ----------------------------------------------------------------
    def _attempts(self):
        """(case id, organisation id) → the last attempt; case id → the last reached attempt."""

        def read():
            last, reached = {}, {}
            for case_id, organisation_id, outcome, at in (
                ContactAttempt.objects.filter(case_id__in=self._ids)
                .values_list("case_id", "organisation_id", "outcome")
                .annotate(last=Max("at"))
                .order_by()
            ):
                key = (case_id, organisation_id)
                last[key] = max(last.get(key, at), at)
                if outcome == AttemptOutcome.REACHED:
                    reached[case_id] = max(reached.get(case_id, at), at)
            return last, reached

        return self._once("attempts", read)

    def _arrangements(self):
        """case id → when its last arrangement was agreed."""
        return self._once(
            "arrangements",
            lambda: dict(
                Arrangement.objects.filter(case_id__in=self._ids)
                .values_list("case_id")
                .annotate(last=Max("created_at"))
                .order_by()
            ),
        )

    def _handovers(self):
        """case id → its handovers, oldest first: (status, to organisation id, offered at, responded at)."""

        def read():
            rows = defaultdict(list)
            for case_id, *row in (
                Handover.objects.filter(case_id__in=self._ids)
                .order_by("offered_at", "id")
                .values_list("case_id", "status", "to_organisation_id", "offered_at", "responded_at")
            ):
                rows[case_id].append(row)
            return rows

        return self._once("handovers", read)

    def _escalations(self):
        """{(case id, kind, deadline at)}, and (case id, kind) → when it last escalated."""

        def read():
            instances, last = set(), {}
            for case_id, kind, at, escalated_at in Escalation.objects.filter(case_id__in=self._ids).values_list(
                "case_id", "deadline_kind", "deadline_at", "escalated_at"
            ):
                instances.add((case_id, kind, at))
                if last.get((case_id, kind)) is None or escalated_at > last[(case_id, kind)]:
                    last[(case_id, kind)] = escalated_at
            return instances, last

        return self._once("escalations", read)

    # --- the questions -----------------------------------------------------------------------------------------
    def handover_deadline_met(self, case, since=None) -> bool:
        """A contact attempt that reached the tenant, an arrangement, or a handover (at or after `since`)."""
        _last, reached = self._attempts()
        moments = [reached.get(case.pk), self._arrangements().get(case.pk)]
        handovers = self._handovers().get(case.pk, ())
        if handovers:
            moments.append(handovers[-1][2])
        return any(moment is not None and (since is None or moment >= since) for moment in moments)

    def returned_at(self, case):
        """When the case's last offer was declined or withdrawn (it came back to its holder), or None."""
        handovers = self._handovers().get(case.pk)
        if not handovers:
            return None
        status, _to, _offered_at, responded_at = handovers[-1]
        return responded_at if status in ENDED_OFFER else None

    def open_offer_at(self, case):
        for status, _to, offered_at, _responded_at in self._handovers().get(case.pk, ()):
            if status == HandoverStatus.OFFERED:
                return offered_at
        return None

    def accepted_at(self, case):
        """When the holder accepted the case (its latest accepted offer), or None."""
        moments = [
            responded_at
            for status, to, _offered_at, responded_at in self._handovers().get(case.pk, ())
            if status == HandoverStatus.ACCEPTED and to == case.holder_id and responded_at is not None
        ]
        return max(moments) if moments else None

    def holder_contacted_since(self, case, since) -> bool:
        last, _reached = self._attempts()
        moment = last.get((case.pk, case.holder_id))
        return moment is not None and moment >= since

    def has_escalation(self, case_id, kind, at) -> bool:
        return (case_id, kind, at) in self._escalations()[0]

    def escalated(self, case, kind, at, start) -> bool:
        """Whether this deadline instance (the one of `kind` that started at `start`) escalated already: its
        date, or an escalation of its kind after it started (its date may differ when the convenant's rule
        changed since: a deadline escalates once, whatever the rule says now)."""
        if self.has_escalation(case.pk, kind, at):
            return True
        last = self._escalations()[1].get((case.pk, kind))
        return last is not None and last > start


class NoHistory(Facts):
    """The facts of cases being opened: nothing has happened to them yet (no query)."""

    def __init__(self):
        super().__init__([])
        self._read = {"attempts": ({}, {}), "arrangements": {}, "handovers": {}, "escalations": (set(), {})}


def _candidates(case, facts):
    """(kind, start) in the order they apply; the first one not escalated yet is the active deadline."""
    if case.status in RETURN_STATUSES:
        # Declined or withdrawn: the case is back with its holder, needing action, with a fresh handover
        # deadline counted from the return, until that deadline is met again.
        returned_at = facts.returned_at(case)
        if returned_at is not None and not facts.handover_deadline_met(case, since=returned_at):
            yield DeadlineKind.HANDOVER, returned_at
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


# --- pausing the clock (cases.services.pausing) ----------------------------------------------------------------
# The holder's pauses move every deadline that ran during them on by the paused time; the pickup deadline (an
# offer waiting for a partner) is the partner's and never pauses. The pauses taken are kept on the case
# (Case.pauses), so that the shift is recomputed, not remembered: every change recomputes the same deadline.


def pause_periods(case) -> list[tuple]:
    """The pauses `case` took, as (from, to) aware datetimes (the running pause is not one yet)."""
    return [(parse_datetime(start), parse_datetime(end)) for start, end in json.loads(case.pauses or "[]")]


def paused_days(convenant, periods, since) -> int:
    """The days (working days when the convenant counts those) of `periods` after `since`: the days a deadline
    that started at `since` moves on by."""
    days = 0
    for start, end in periods:
        start = max(start, since)
        if end <= start:
            continue
        if convenant.working_days:
            days += working_days_between(start, end)
        else:
            days += (end.astimezone(AMSTERDAM).date() - start.astimezone(AMSTERDAM).date()).days
    return days


def deadline_at(case, kind, start):
    """When the deadline of `kind` that started at `start` ends: the convenant's term, moved on by the pauses."""
    at = deadline_for(case.convenant, kind, start)
    if kind == DeadlineKind.PICKUP or not case.pauses:
        return at
    days = paused_days(case.convenant, pause_periods(case), start)
    return add_days(at, days, working_days=case.convenant.working_days) if days else at


def _set_deadline(case, kind, at) -> None:
    if case.paused_at is not None and kind != DeadlineKind.PICKUP:
        case.deadline_kind, case.deadline_at = "", None  # paused: not due (the sweep does not see it)
    else:
        case.deadline_kind, case.deadline_at = kind, at


def recompute_deadline(case, now, facts: Facts | None = None) -> None:
    """Set case.deadline_kind/deadline_at (not saved). A deadline instance that already escalated is passed
    over, so a sweep never meets the same instance twice; when all are, inactivity counts from `now`.
    `facts`: for a batch, the Facts of all its cases (default: this case's own). While the clock is paused the
    case has no deadline, except a pickup deadline."""
    if not case.is_open:
        case.deadline_kind, case.deadline_at = "", None
        return
    facts = facts if facts is not None else Facts([case])
    for kind, start in _candidates(case, facts):
        at = deadline_at(case, kind, start)
        if not facts.escalated(case, kind, at, start):
            _set_deadline(case, kind, at)
            return
    _set_deadline(case, DeadlineKind.INACTIVITY, deadline_for(case.convenant, DeadlineKind.INACTIVITY, now))

