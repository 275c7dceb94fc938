"""Reads that depend on who asks. Every list and detail of cases, in API and UI, starts from `cases_for`."""

import re
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Right, StrIndex
from django.db.models.lookups import GreaterThan
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.errors import ForbiddenAction
from convenants.models import ChainLink

from . import dashboard, policy
from .filters import DashboardQuerySerializer
from .models import (
    AccessLog,
    Case,
    CaseEvent,
    CaseGroupObjectPermission,
    Escalation,
    EventKind,
    FollowUp,
    Handover,
    HandoverStatus,
    JointVisit,
    JointVisitStatus,
    Notification,
    SearchTerm,
    Tenant,
    overdue_q,
)
from .permissions import case_permission_ids
from .services import followups, normalise_postcode


def _permitted(user, codename, *, case_ref="pk", narrowing=None, user_id=None):
    # Few relations on purpose (bench/case_api.py): the permission id is a constant and the groups come straight
    # from auth_user_groups. With auth_permission and auth_group joined in, a list with its select_related joins
    # passes PostgreSQL's from_collapse_limit (8) and the planner can no longer start from the user's permission
    # rows: 2 s instead of 0.4 s at 1M cases.
    # `narrowing` filters the rows on the copy of their case's state they carry (CaseGroupObjectPermission).
    rows = CaseGroupObjectPermission.objects.filter(
        content_object=OuterRef(case_ref),
        permission_id=case_permission_ids()[codename],
        group_id__in=get_user_model().groups.through.objects.filter(
            user_id=user.pk if user_id is None else user_id
        ).values("group_id"),
    )
    return rows.filter(narrowing) if narrowing is not None else rows


def _cases_for_user_id(user_id, permission="view_case", narrowing=None):
    return Case.objects.filter(Exists(_permitted(None, permission, narrowing=narrowing, user_id=user_id)))


def cases_for(user, *, permission="view_case", narrowing=None):
    """The cases `user` may see (or change): one EXISTS on the direct-FK permission table through the user's
    groups. Superusers see nothing here: they onboard organisations, they do not read cases."""
    if not user.is_authenticated:
        return Case.objects.none()
    return _cases_for_user_id(user.pk, permission, narrowing)


# --- reads compiled once per process ---------------------------------------------------------------------------
# Building and compiling a queryset costs more Python than running its SQL and reading the rows (bench/load.py:
# 3 ms of the case detail's 9). The hot reads whose shape never changes are compiled once per process with
# stand-in values; a call runs that same SQL with its own values in their place and builds the rows as the ORM
# does. A read whose stand-ins do not come out as plain parameters is never cached, it runs through the ORM.

_STAND_IN = -(2**62)  # no id is negative
_compiled: dict = {}


class _CompiledRead:
    def __init__(self, queryset, stand_ins):
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        self.slots = [(index, stand_ins.index(param)) for index, param in enumerate(params)
                      if type(param) is int and param in stand_ins]
        self.as_objects = queryset._iterable_class is ModelIterable
        if (sorted(which for _index, which in self.slots) != list(range(len(stand_ins)))
                or any(str(value) in sql for value in stand_ins)
                or queryset.query.annotation_select or queryset.query.extra_select
                or queryset._iterable_class not in (ModelIterable, ValuesListIterable)
                or queryset._prefetch_related_lookups):
            raise ValueError("not a fixed-shape read")
        self.db, self.sql, self.params, self.compiler = queryset.db, sql, list(params), compiler
        self.converters = compiler.get_converters([column[0] for column in compiler.select[: compiler.col_count]])
        if self.as_objects:
            klass_info = compiler.klass_info
            self.model = klass_info["model"]
            fields = klass_info["select_fields"]
            self.start, self.end = fields[0], fields[-1] + 1
            self.init_list = [column[0].target.attname for column in compiler.select[self.start : self.end]]
            self.populators = get_related_populators(klass_info, compiler.select, self.db)

    def run(self, values):
        params = self.params.copy()
        for index, which in self.slots:
            params[index] = values[which]
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        if not self.as_objects:
            return rows
        objects = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects


def _compiled_read(key, build, values):
    """What `build(*stand_ins)` reads (model objects, or rows of a values_list) with `values` in the stand-ins'
    places; compiled once per `key`, which names everything else the queryset depends on."""
    read = _compiled.get(key)
    if read is None:
        stand_ins = [_STAND_IN - index for index in range(len(values))]
        try:
            read = _CompiledRead(build(*stand_ins), stand_ins)
        except ValueError:
            read = False
        _compiled[key] = read
    if read is False:
        return list(build(*values))
    return read.run(values)


def _state_filter(prefix, *, status, overdue, deadline_before, opened_from, opened_to, now):
    """The list filters on a case's status, deadline and opening time. With prefix "case_", the same filter on the
    copy the permission rows carry, so that the scope narrows before any case is read."""
    condition = Q()
    if status:
        condition &= Q(**{f"{prefix}status__in": status if isinstance(status, list | tuple) else [status]})
    if overdue is True:
        condition &= overdue_q(now, prefix)
    elif overdue is False:
        condition &= Q(**{f"{prefix}deadline_at__isnull": True}) | Q(**{f"{prefix}deadline_at__gte": now})
    if deadline_before:
        condition &= Q(**{f"{prefix}deadline_at__lt": deadline_before})
    if opened_from:
        condition &= Q(**{f"{prefix}opened_at__gte": timezone.make_aware(datetime.combine(opened_from, time.min))})
    if opened_to:
        day_after = timezone.make_aware(datetime.combine(opened_to + timedelta(days=1), time.min))
        condition &= Q(**{f"{prefix}opened_at__lt": day_after})
    return condition


def case_list(
    user, *, status=None, holder=None, overdue=None, deadline_before=None, q=None, opened_from=None, opened_to=None,
    now=None, prefetch_relations=False, assigned_to=None,
):
    """`opened_from`/`opened_to`: dates (Dutch time, both inclusive) between which the case was opened; the
    dashboard links to the cases behind a figure with them. `prefetch_relations`: the caller reads tenant, parties
    and convenant for the page with `with_relations` (the API's large pages) instead of joining them."""
    filters = dict(
        status=status, overdue=overdue, deadline_before=deadline_before, opened_from=opened_from,
        opened_to=opened_to, now=now or timezone.now(),
    )
    narrowing = _state_filter("case_", **filters)
    searched = search_condition(q) if q else (None, Q())
    if searched is None:
        return Case.objects.none()
    case_number, condition = searched
    cases = cases_for(user, narrowing=narrowing & condition).filter(_state_filter("", **filters))
    if case_number is not None:
        cases = cases.filter(pk=case_number)
    # Read for the page alone (`with_relations`), the relations cost one query of the page's size; joined, they are
    # read for every matching case before the database cuts the page (twice the time at 800 matches,
    # bench/case_api.py), but in the same query.
    if not prefetch_relations:
        cases = cases.select_related(*CASE_RELATIONS)
    if holder:
        cases = cases.filter(holder_id=holder)
    if assigned_to:
        cases = cases.filter(assigned_to_id=assigned_to)
    return cases


CASE_NUMBER = re.compile(r"^#\s*([0-9]{1,18})$")
INDEXED_CHARACTERS = 6


def search_condition(q):
    """(case number, condition on the permission rows) of the search `q`, the one search of the API and the
    worklist (case_list's `q`): part of the tenant's name, street (with house number), postcode (with house
    number), phone, e-mail or contract number, compared without case, accents, spaces or punctuation ("Muller"
    finds "Müller", "7511ab" finds "7511 AB", "06 1234 5678" finds "06-12345678") on the copy the user's
    permission rows carry (CaseGroupObjectPermission.case_search, one trigram index); or the case number: "#123"
    alone, "123" besides the text. Over every status: the caller's other filters (or none) decide those. A `q`
    without a letter or digit finds nothing: None."""
    q = q.strip()
    number = CASE_NUMBER.match(q)
    if number:
        return int(number.group(1)), Q()
    if not any(character.isalnum() for character in q):
        return None
    term = SearchTerm(Value(q))
    # The index answers for the term's last INDEXED_CHARACTERS (its trigrams must all be there); the whole term is
    # then compared in the rows found. A long term's many trigrams are each frequent (every part of a street name
    # is in an eighth of the region's rows), and intersecting all of them costs more than it narrows: the last few
    # are the ones that tell apart ("…straat 4"), and checking the few rows they leave is cheap (bench/search.py).
    match = Q(case_search__contains=Right(term, INDEXED_CHARACTERS)) & Q(
        GreaterThan(StrIndex("case_search", term), 0)
    )
    if q.isdecimal() and len(q) <= 18:
        match |= Q(content_object_id=int(q))
    return None, match


CASE_RELATIONS = ("tenant", "corporation", "holder", "convenant")


def _columns(model):
    return [field.attname for field in model._meta.concrete_fields]


def with_relations(cases):
    """Reads the tenant, corporation, holder and convenant of `cases` (a page) in one query and sets them on the
    cases, as select_related would have; returns the cases. An organisation or convenant that several cases share
    is one object."""
    cases = list(cases)
    if not cases:
        return cases
    related = {name: Case._meta.get_field(name).related_model for name in CASE_RELATIONS}
    columns = {name: _columns(model) for name, model in related.items()}
    rows = _compiled_read(
        ("page_relations", len(cases)),
        lambda *ids: Case.objects.filter(pk__in=ids).values_list(
            "pk", *(f"{name}__{column}" for name in CASE_RELATIONS for column in columns[name])
        ),
        [case.pk for case in cases],
    )
    db = cases[0]._state.db or "default"
    shared = {}
    found = {}
    for row in rows:
        objects, at = {}, 1
        for name in CASE_RELATIONS:
            values = row[at : at + len(columns[name])]
            at += len(columns[name])
            if values[0] is None:  # no convenant
                objects[name] = None
                continue
            model = related[name]
            key = (model, values[0])
            if name == "tenant" or key not in shared:
                shared[key] = model.from_db(db, columns[name], values)
            objects[name] = shared[key]
        found[row[0]] = objects
    for case in cases:
        for name, obj in found[case.pk].items():
            setattr(case, name, obj)
    return cases


def case_detail(user, pk, *, related=True):
    """The case, or Case.DoesNotExist when it is outside the user's scope (the caller answers 404). `related=False`
    reads the case row alone, for callers that show none of its tenant, parties or convenant."""
    if not user.is_authenticated:
        raise Case.DoesNotExist("Case matching query does not exist.")

    def build(user_id, case_id):
        cases = _cases_for_user_id(user_id)
        return (cases.select_related(*CASE_RELATIONS) if related else cases).filter(pk=case_id)

    found = _compiled_read(("case_detail", related, case_permission_ids()["view_case"]), build, [user.pk, pk])
    if not found:
        raise Case.DoesNotExist("Case matching query does not exist.")
    return found[0]


def can_change(user, case) -> bool:
    """Whether the user's organisation holds the change_case permission row of the case. Not a rule: no page or
    endpoint decides with it (they ask cases.policy); only tests of the permission rows read it. To be removed
    once those tests read the rows through `cases_for(user, permission="change_case")`."""
    return cases_for(user, permission="change_case").filter(pk=case.pk).exists()


TIMELINE_ORDER = ("at", "id")


# What a reader without cases.policy.Action.READ_HISTORY (a chain partner without the tenant's consent) sees of
# the timeline besides its own organisation's entries: the arrears, the consent, the offer made to it.
SHARED_WITHOUT_CONSENT = (
    EventKind.OPENED, EventKind.ARREARS_UPDATED, EventKind.CONSENT_RECORDED, EventKind.CONSENT_WITHDRAWN,
    EventKind.ANONYMISED,
)


def timeline(case, *, reduced_for=None):
    """The case's events, oldest first; `reduced_for` (an organisation): only what it may read without the
    tenant's consent."""
    events = CaseEvent.objects.filter(case=case)
    if reduced_for is not None:
        events = events.filter(
            Q(organisation_id=reduced_for.pk)
            | Q(kind__in=SHARED_WITHOUT_CONSENT)
            | Q(kind=EventKind.HANDOVER_OFFERED, data__to_organisation=reduced_for.pk)
        )
    return events.select_related("actor", "organisation").order_by(*TIMELINE_ORDER)


def history_reader(user, case, allowed):
    """None when `user` reads the case's whole history (`allowed`: policy.permitted), else their organisation,
    for `timeline(reduced_for=…)` and the other parts of the casework it reads only its own of."""
    if policy.Action.READ_HISTORY in allowed:
        return None
    return policy.actor_of(user).organisation


def timeline_start(case, count):
    """The first `count` events of `timeline(case)` (a page without a cursor, with the one that shows whether
    another follows)."""
    return _compiled_read(
        ("timeline_start", count),
        lambda case_id: CaseEvent.objects.filter(case_id=case_id).select_related("actor", "organisation")
        .order_by(*TIMELINE_ORDER)[:count],
        [case.pk],
    )


def _visible(user, case_ref="case_id"):
    """EXISTS: the user may see the case (its view permission row, which cases.policy grants)."""
    return Exists(_permitted(user, "view_case", case_ref=case_ref))


def handovers_for(user, *, status=None, visible_only=False):
    """Offers to the user's organisation, and the ones it sent, newest first.

    The receiving side sees an offer to it only while the offer is open or while it may still see the case: a
    partner that declined, whose offer was withdrawn, or that handed the case on, gets nothing of it, not even
    the tenant's name. With `visible_only`, the sent ones too only while the user may see the case."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return Handover.objects.none()
    organisation_id = membership.organisation_id
    visible = _visible(user)
    received = Q(to_organisation_id=organisation_id) & (Q(status=HandoverStatus.OFFERED) | visible)
    sent = Q(from_organisation_id=organisation_id)
    handovers = Handover.objects.filter(received | sent).select_related(
        "case__tenant", "from_organisation", "to_organisation", "responded_by"
    )
    if status:
        handovers = handovers.filter(status=status)
    if visible_only:
        handovers = handovers.filter(visible)
    return handovers.order_by("-offered_at", "-id")


def handovers_of_visible_cases(user):
    """Every handover of a case the user may see, whoever made or received it: what one handover is looked up in
    (its dossier, an answer to the offer). Outside it is 404; inside, the policy decides whether this user may read
    the dossier or give the answer (403 for the wrong side, 400/409 for the wrong moment)."""
    if not user.is_authenticated:
        return Handover.objects.none()
    return Handover.objects.filter(_visible(user)).select_related(
        "case__tenant", "from_organisation", "to_organisation", "responded_by"
    )


def inbox_for(user):
    membership = getattr(user, "membership", None)
    if membership is None:
        return Handover.objects.none()
    return (
        Handover.objects.filter(to_organisation_id=membership.organisation_id, status=HandoverStatus.OFFERED)
        .select_related("case__tenant", "case__convenant", "from_organisation", "to_organisation")
        .order_by("offered_at", "id")
    )


def joint_visits_for(user, *, status=JointVisitStatus.PLANNED):
    """The joint home visits the user may see, soonest first (`status`: only those; None: every status).

    - The planning side: visits its organisation planned, while it may see the case.
    - The visit's partner: while the visit is planned and the partner is a chain partner of the case's
      convenant (the visit shows the partner the tenant's name and address, what it needs to go there).
    Nobody else, so no tenant reaches an organisation that has no part in the case."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return JointVisit.objects.none()
    organisation_id = membership.organisation_id
    chain_partner = Exists(
        ChainLink.objects.filter(convenant_id=OuterRef("case__convenant_id"), organisation_id=OuterRef("partner_id"))
    )
    planner = Q(organisation_id=organisation_id) & _visible(user)
    partner = Q(partner_id=organisation_id, status=JointVisitStatus.PLANNED) & chain_partner
    visits = JointVisit.objects.filter(planner | partner)
    if status:
        visits = visits.filter(status=status)
    return visits.select_related("case__tenant", "organisation", "partner").order_by("planned_at", "id")


def visit_sequence(visit) -> int:
    """How often the visit changed since it was planned (moves, a cancellation): its calendar entry's SEQUENCE."""
    return CaseEvent.objects.filter(
        case_id=visit.case_id, kind__in=[EventKind.JOINT_VISIT_MOVED, EventKind.JOINT_VISIT_CANCELLED],
        data__joint_visit=visit.pk,
    ).count()


def escalations_for(user, *, case=None):
    """Escalations of the cases the user can see, and the ones that concern their organisation."""
    membership = getattr(user, "membership", None)
    if membership is None:
        return Escalation.objects.none()
    visible = Escalation.objects.filter(_visible(user))
    if case is not None:
        visible = visible.filter(case_id=case)
    return visible.select_related("case", "from_organisation", "to_organisation").order_by("-escalated_at", "-id")


TASK_DUE = ("today", "overdue", "open", "done")


def tasks_for(user, *, assigned_to=None, due=None, case=None, now=None):
    """The follow-up tasks `user` may read (cases.policy.task_scope, within the cases they may see), soonest first.
    `due`: today (open, due today), overdue (open, its time passed), open (not done), done; `assigned_to`: a user
    id; `case`: one case's."""
    if not user.is_authenticated or getattr(user, "membership", None) is None:
        return FollowUp.objects.none()
    tasks = FollowUp.objects.filter(_visible(user), policy.task_scope(user))
    if case is not None:
        tasks = tasks.filter(case_id=getattr(case, "pk", case))
    if assigned_to is not None:
        tasks = tasks.filter(assigned_to_id=assigned_to)
    now = now or timezone.now()
    if due == "today":
        start, end = followups.day_bounds(timezone.localdate(now))
        tasks = tasks.filter(done_at__isnull=True, due_at__gte=start, due_at__lt=end)
    elif due == "overdue":
        tasks = tasks.filter(done_at__isnull=True, due_at__lt=now)
    elif due == "open":
        tasks = tasks.filter(done_at__isnull=True)
    elif due == "done":
        tasks = tasks.filter(done_at__isnull=False)
    return tasks.select_related("organisation", "assigned_to", "created_by", "done_by").order_by("due_at", "id")


def my_tasks_due(user, *, now=None, limit=50):
    """The worklist's top section: `user`'s open tasks that are overdue or due today, of open cases their
    organisation holds, soonest first, with the case and its tenant."""
    membership = getattr(user, "membership", None)
    if not user.is_authenticated or membership is None:
        return []
    _start, end = followups.day_bounds(timezone.localdate(now or timezone.now()))
    tasks = FollowUp.objects.filter(
        followups.ACTIONABLE, _visible(user), assigned_to_id=user.pk, organisation_id=membership.organisation_id,
        due_at__lt=end,
    )
    return list(tasks.select_related("case__tenant").order_by("due_at", "id")[:limit])


def unread_notifications(user):
    return Notification.objects.filter(user=user, read_at__isnull=True)


def access_log_for(user, *, username=None, date_from=None, date_to=None):
    """Reads of the cases in the user's scope (AVG): who, which case, when, what; newest first.
    `date_from`/`date_to` are dates in the current time zone, both inclusive."""
    logs = AccessLog.objects.filter(Exists(_permitted(user, "view_case", case_ref="case_id")))
    if username:
        logs = logs.filter(user__username__iexact=username.strip())
    if date_from:
        logs = logs.filter(at__gte=_start_of(date_from))
    if date_to:
        logs = logs.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    return logs.select_related("user", "organisation", "case__tenant").order_by("-at", "-id")


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def eviction_proposals_for(user):
    """Eviction proposals of the cases the user can see (one EXISTS, like cases_for)."""
    from .models import EvictionProposal

    if not user.is_authenticated:
        return EvictionProposal.objects.none()
    return EvictionProposal.objects.filter(Exists(_permitted(user, "view_case", case_ref="case_id")))


def notifications_for(user, *, unread=None):
    """The user's own notifications, newest first; `unread=True` only the ones not read yet."""
    notifications = Notification.objects.filter(user=user)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    # The case is a link (its id) and nothing more: a notification never reads the tenant, so it cannot show one
    # to a reader who may no longer see the case.
    return notifications.order_by("-created_at", "-id")


def dashboard_figures(user, params):
    """(scope, figures) of the dashboard for `user`: managers only (policy.may_oversee, before the filters are read;
    ForbiddenAction → 403), then the filters validated (DRF ValidationError → 400) and the scope checked
    (ForbiddenAction), then the figures. The API, the page and the CSV export all read the figures through this."""
    if not policy.may_oversee(user):
        raise ForbiddenAction(_("Only managers can see the dashboard."))
    query = DashboardQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    scope = dashboard.dashboard_scope(user, organisation=data.get("organisation"), convenant=data.get("convenant"))
    return scope, dashboard.cached_figures(scope, data["from"], data["to"])


def why_returned(cases) -> dict:
    """case id → the ended offer (declined or withdrawn) a returned case came back from, with its partner: the
    worklist and the case page say who answered and why. One query for a page."""
    ids = [case.pk for case in cases if case.returned_at is not None]
    if not ids:
        return {}
    ended = (
        Handover.objects.filter(case_id__in=ids, status__in=[HandoverStatus.DECLINED, HandoverStatus.WITHDRAWN])
        .select_related("to_organisation", "responded_by")
        .order_by("case_id", "-responded_at", "-id")
        .distinct("case_id")
    )
    return {handover.case_id: handover for handover in ended}


def tenants_for_export(user, q):
    """The tenants `user` may export (policy.tenant_exports_for) that match `q`: a contract number or a postcode
    exactly, or part of the name; by name. Nothing without a rule or a search."""
    rule = policy.tenant_exports_for(user)
    q = (q or "").strip()
    if rule is None or not q:
        return Tenant.objects.none()
    match = Q(name__icontains=q) | Q(contract_ref__iexact=q)
    postcode = normalise_postcode(q)
    if postcode:
        match |= Q(postcode=postcode)
    return Tenant.objects.filter(rule.tenants).filter(match).select_related("corporation").order_by("name", "pk")
