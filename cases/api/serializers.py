"""DRF serializers of the case API: input serializers check types and shapes only (the services check the
rules); output serializers read only what the selectors already joined."""

import re
from datetime import UTC
from decimal import Decimal
from operator import attrgetter

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import ISO_8601, api_settings

from config.api import DateTimeField, ModelSerializer
from convenants.models import Convenant, DeadlineKind
from partners.models import Organisation

from .. import policy
from ..models import (
    AccessLog,
    Arrangement,
    AttemptOutcome,
    Case,
    CaseEvent,
    Channel,
    ConsentHow,
    ContactAttempt,
    Escalation,
    EvictionProposal,
    EvictionVote,
    FollowUp,
    Handover,
    Instalment,
    JointVisit,
    Notification,
    Outcome,
    Tenant,
)
from ..services import normalise_postcode
from ..services.handover import consent_line

CLOSING_OUTCOMES = [(value, label) for value, label in Outcome.choices if value != Outcome.EVICTED]
# What `allowed_actions` can name: every action of the policy a person can take on an existing case.
CASE_ACTIONS = sorted(action.value for action, rule in policy.TABLE.items() if rule.who and action != policy.Action.OPEN)


class HotPathReadMixin:
    """For output serializers on hot paths (the case list, detail and timeline): the answer of DRF's generic walk
    (tests hold the two equal) at a fraction of its cost. DRF rebuilds a ModelSerializer's fields by model
    introspection for every instance and resolves every attribute through `inspect`, and Django's
    `get_FOO_display` rebuilds the choices mapping on every call; here the fields and the choice labels are
    gathered once per class and attributes are read directly. Only for read-only serializers of plain attributes,
    `get_FOO_display` labels, method fields and nested serializers of the same kind."""

    @classmethod
    def _read_plan(cls):
        plan = cls.__dict__.get("_plan")
        if plan is None:
            plan = cls._plan = [cls._read_step(field) for field in cls()._readable_fields]
        return plan

    @classmethod
    def _read_step(cls, field):
        """(name, attribute getter, method name, choice labels, field, kind) for one field. `kind` says where the
        field's own to_representation can be done cheaper: plain text and integers directly, aware date-times
        with the zone looked up once per object rather than once per field."""
        method_name = getattr(field, "method_name", None)
        source = field.source_attrs
        display = re.fullmatch(r"get_(\w+)_display", source[0]) if len(source) == 1 else None
        if display:
            model_field = cls.Meta.model._meta.get_field(display[1])
            return field.field_name, attrgetter(model_field.attname), None, dict(model_field.flatchoices), field, _TEXT
        kind = _FIELD
        if type(field) is serializers.CharField:
            kind = _TEXT
        elif type(field) is serializers.IntegerField:
            kind = _INTEGER
        elif (type(field) is DateTimeField and not hasattr(field, "timezone")
                and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601):
            kind = _DATETIME
        getter = attrgetter(".".join(source)) if source else _itself
        return field.field_name, getter, method_name, None, field, kind

    def to_representation(self, instance):
        data = {}
        zone = None
        for name, getter, method_name, labels, field, kind in self._read_plan():
            if method_name:
                data[name] = getattr(self, method_name)(instance)
                continue
            value = getter(instance)
            if value is None:
                data[name] = None
            elif labels is not None:
                data[name] = str(labels.get(value, value))
            elif kind is _TEXT:
                data[name] = str(value)
            elif kind is _INTEGER:
                data[name] = int(value)
            elif kind is _DATETIME and getattr(value, "tzinfo", None) is not None:
                if zone is None:
                    zone = timezone.get_current_timezone()
                data[name] = _iso_datetime(value, zone)
            else:
                data[name] = field.to_representation(value)
        return data


def _itself(instance):
    return instance


# How HotPathReadMixin renders a field: through the field, as str / int (CharField, IntegerField), as a date-time.
_FIELD, _TEXT, _INTEGER, _DATETIME = "field", "text", "integer", "datetime"


def _iso_datetime(value, zone) -> str:
    """config.api.DateTimeField's answer for an aware date-time (its tests hold the two equal)."""
    local = value.astimezone(zone)
    offset = local.utcoffset()
    if offset is not None and offset.seconds % 60:
        local = value.astimezone(UTC)
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class RefSerializer(HotPathReadMixin, serializers.Serializer):
    """An organisation or convenant in answers: {"id", "name"}."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class PersonRefSerializer(serializers.Serializer):
    """A person in answers: {"id", "name"} (the schema of `person`); null where nobody is meant."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


NULLABLE_PERSON = PersonRefSerializer(allow_null=True, read_only=True)


def ref(**kwargs):
    return RefSerializer(read_only=True, **kwargs)


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A model choice that may be blank (a case's outcome while open, its deadline kind without a deadline):
    answered as null, never as "", which the enum of the schema does not hold."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices, read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)


# --- cases -------------------------------------------------------------------------------------------------


class TenantSerializer(HotPathReadMixin, ModelSerializer):
    # A plain string in answers: tenants come in by signal import as well, whose addresses are not held to the
    # `email` format the schema would declare.
    email = serializers.CharField(read_only=True)

    class Meta:
        model = Tenant
        fields = ["name", "street", "house_number", "postcode", "city", "phone", "email", "contract_ref"]
        read_only_fields = fields


class TenantInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    street = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    house_number = serializers.CharField(max_length=16)
    postcode = serializers.CharField(max_length=10)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    contract_ref = serializers.CharField(max_length=64)

    def validate_postcode(self, value):
        postcode = normalise_postcode(value)
        if postcode is None:
            raise serializers.ValidationError(_("Not a valid postcode (for example 1234 AB)."))
        return postcode


class CaseSerializer(HotPathReadMixin, ModelSerializer):
    tenant = TenantSerializer(read_only=True)
    corporation = ref()
    holder = ref()
    convenant = RefSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    returned = serializers.BooleanField(
        read_only=True, help_text=_("Came back after a decline or a withdrawn offer, not acted on yet.")
    )
    deadline_kind = BlankAsNullChoiceField(DeadlineKind.choices)  # null without an active deadline
    outcome = BlankAsNullChoiceField(Outcome.choices)  # null while the case is open
    assigned_to = serializers.SerializerMethodField()
    paused_until = serializers.SerializerMethodField()
    pause_reason = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "status",
            "status_label",
            "tenant",
            "corporation",
            "holder",
            "convenant",
            "arrears_amount",
            "months_in_arrears",
            "monthly_rent",
            "opened_at",
            "first_contact_at",
            "last_activity_at",
            "deadline_kind",
            "deadline_at",
            "overdue",
            "closed_at",
            "outcome",
            "allowed_actions",
            "returned",
            "assigned_to",
            "paused_until",
            "pause_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_paused_until(self, case) -> str | None:
        """While the holder paused the clock: the date it runs again from; else null."""
        return case.paused_until.isoformat() if case.is_paused and case.paused_until else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pause_reason(self, case) -> str | None:
        """While paused: the reason's code (the convenant's `pause_reasons`); else null."""
        return (case.pause_reason or None) if case.is_paused else None

    @extend_schema_field(NULLABLE_PERSON)
    def get_assigned_to(self, case) -> dict | None:
        """The holder's caseworker on the case: {"id", "name"}, or null."""
        user = case.assigned_to if case.assigned_to_id else None
        if user is None:
            return None
        return {"id": user.pk, "name": user.get_full_name() or user.get_username()}

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, case) -> bool:
        return case.is_overdue(self.context.get("now") or timezone.now())

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=CASE_ACTIONS),
            help_text=_("What the caller may do to the case now, from the case policy (sorted)."),
        )
    )
    def get_allowed_actions(self, case) -> list[str]:
        """policy.permitted for the requesting user. A list answer puts `allowed_actions` in the context: case id →
        the permitted set for the whole page (policy.permitted_many), so the page costs no query per case."""
        page = self.context.get("allowed_actions")
        if page is not None:
            allowed = page.get(case.pk, frozenset())
        else:
            request = self.context.get("request")
            user = getattr(request, "user", None) or self.context.get("user")
            allowed = policy.permitted(user, case) if user is not None else frozenset()
        return _sorted_actions(allowed)


_SORTED: dict[frozenset, list[str]] = {}


def _sorted_actions(allowed: frozenset) -> list[str]:
    """The sorted names of a permitted set; a page shares a handful of sets, so each is sorted once."""
    names = _SORTED.get(allowed)
    if names is None:
        names = sorted(str(action) for action in allowed)
        if len(_SORTED) < 1024:
            _SORTED[allowed] = names
    return list(names)


class AssignInputSerializer(serializers.Serializer):
    user = serializers.IntegerField()


# --- follow-up tasks --------------------------------------------------------------------------------------------


def person(user) -> dict | None:
    """A person in answers: {"id", "name"}, or null."""
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()}


class TaskInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=1000)
    due_at = DateTimeField()
    assigned_to = serializers.IntegerField(
        required=False, allow_null=True, min_value=1,
        help_text=_("Id of a member of the holder; default: the case's caseworker, else the caller."),
    )


class TaskSerializer(ModelSerializer):
    organisation = ref()
    assigned_to = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    done_by = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = FollowUp
        fields = ["id", "case", "organisation", "text", "due_at", "state", "assigned_to", "created_by", "created_at",
                  "done_at", "done_by"]
        read_only_fields = fields

    @extend_schema_field(NULLABLE_PERSON)
    def get_assigned_to(self, task) -> dict | None:
        return person(task.assigned_to)

    @extend_schema_field(NULLABLE_PERSON)
    def get_created_by(self, task) -> dict | None:
        return person(task.created_by)

    @extend_schema_field(NULLABLE_PERSON)
    def get_done_by(self, task) -> dict | None:
        return person(task.done_by)

    @extend_schema_field(serializers.ChoiceField(choices=["done", "overdue", "today", "upcoming"]))
    def get_state(self, task) -> str:
        return task.state(self.context.get("now"))


class PauseInputSerializer(serializers.Serializer):
    """Pausing the clock; the values are judged by the service (cases.services.pausing) after the policy."""

    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text=_("A code of the convenant's pause_reasons."))
    until = serializers.CharField(required=False, allow_blank=True, default="",
                                  help_text=_("The date (YYYY-MM-DD) the clock runs again from."))


class CaseCreateSerializer(serializers.Serializer):
    tenant = TenantInputSerializer()
    arrears_amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    months_in_arrears = serializers.IntegerField()
    monthly_rent = serializers.DecimalField(max_digits=8, decimal_places=2, required=False, allow_null=True)
    convenant = serializers.PrimaryKeyRelatedField(queryset=Convenant.objects.all(), required=False, allow_null=True)


class ContactAttemptInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    outcome = serializers.ChoiceField(choices=AttemptOutcome.choices)
    at = serializers.DateTimeField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


class ContactAttemptSerializer(ModelSerializer):
    organisation = ref()

    class Meta:
        model = ContactAttempt
        fields = ["id", "case", "organisation", "channel", "outcome", "at", "notes", "created_at"]
        read_only_fields = fields


class ArrangementInputSerializer(serializers.Serializer):
    monthly_amount = serializers.DecimalField(max_digits=8, decimal_places=2)
    start_date = serializers.DateField()
    months = serializers.IntegerField()
    confirm_below_arrears = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Agree the arrangement although its total (monthly amount × months) is below the arrears."),
    )


class InstalmentSerializer(ModelSerializer):
    class Meta:
        model = Instalment
        fields = ["number", "due_date", "amount", "status", "paid_on", "recorded_at"]
        read_only_fields = fields


class ArrangementSerializer(ModelSerializer):
    """A payment arrangement with its schedule (version 1's fields, and version 1.1's: docs/api-additions.md
    "Payment arrangements (v1.1)")."""

    organisation = ref()
    total_amount = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)
    paid_amount = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField(help_text=_("The total less what was paid in this version."))
    end_date = serializers.DateField(source="ended_on", read_only=True, allow_null=True)
    replaced_by = serializers.SerializerMethodField()
    instalments = InstalmentSerializer(many=True, read_only=True)

    class Meta:
        model = Arrangement
        fields = [
            "id", "case", "organisation", "monthly_amount", "start_date", "months", "total_amount", "status",
            "missed_installments", "created_at", "version", "replaces", "replaced_by", "end_date", "end_reason",
            "paid_amount", "balance", "instalments",
        ]
        read_only_fields = fields

    @staticmethod
    def _paid(arrangement):
        return sum((i.amount for i in arrangement.instalments.all() if i.status == "paid"), Decimal("0.00"))

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2))
    def get_paid_amount(self, arrangement):
        return f"{self._paid(arrangement):.2f}"

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2))
    def get_balance(self, arrangement):
        return f"{max(arrangement.total_amount - self._paid(arrangement), Decimal('0.00')):.2f}"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_replaced_by(self, arrangement):
        try:
            return arrangement.replaced_by.pk
        except Arrangement.replaced_by.RelatedObjectDoesNotExist:
            return None


class CloseInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CLOSING_OUTCOMES)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


class MissedInstallmentInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    number = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1,
        help_text=_("The instalment missed (default: the earliest due one of the running arrangement)."),
    )


class NoteInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)


class EventSerializer(HotPathReadMixin, ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    description = serializers.CharField(source="text", read_only=True,
                                        help_text=_("What happened, in the caller's language."))
    actor = serializers.SerializerMethodField()
    organisation = ref(allow_null=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "kind_label", "at", "actor", "organisation", "description", "data"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="null for an event of the system."))
    def get_actor(self, event):
        if event.actor is None:
            return None
        return event.actor.get_full_name() or event.actor.get_username()


# --- handovers and joint visits ----------------------------------------------------------------------------


class ConsentInputSerializer(serializers.Serializer):
    given = serializers.BooleanField()
    how = serializers.ChoiceField(choices=ConsentHow.choices, required=False, allow_blank=True, default="",
                                  help_text=_("Required when consent is given."))
    at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                   help_text=_("When the tenant answered; default: now."))

    def validate(self, data):
        if data["given"] and not data["how"]:
            raise serializers.ValidationError({"how": [_("Say how the tenant gave consent.")]})
        return data


class HandoverInputSerializer(serializers.Serializer):
    to_organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    summary = serializers.CharField(max_length=10000)
    tenant_consent = serializers.BooleanField(
        required=False,
        help_text=_("Version 1: true shares the full dossier under the consent on record (recorded now when the "
                    "case has none); false the reduced dossier; left out, the consent on record decides."),
    )
    consent = ConsentInputSerializer(required=False, help_text=_("Records the tenant's consent with the offer."))


class ConsentSerializer(serializers.Serializer):
    """A consent as the API answers it; `given`: in force now (given and not withdrawn)."""

    given = serializers.BooleanField()
    recorded = serializers.BooleanField(help_text=_("False: no consent was ever recorded."))
    at = serializers.DateTimeField(allow_null=True)
    how = serializers.ChoiceField(choices=ConsentHow.choices, allow_null=True)
    how_label = serializers.CharField(allow_null=True)
    recorded_by = serializers.CharField(allow_null=True)
    organisation = serializers.CharField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_by = serializers.CharField(allow_null=True)


class HandoverSerializer(ModelSerializer):
    tenant_name = serializers.SerializerMethodField(
        help_text=_("Null when the caller can no longer see the case (it declined the offer).")
    )
    from_organisation = ref()
    to_organisation = ref()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    ended_by = serializers.ChoiceField(
        choices=["", "partner", "person", "sweep"], read_only=True,
        help_text=_("Who ended the offer: the partner declined it, a person withdrew it, or the deadline sweep "
                    "withdrew it; empty while open or accepted."),
    )
    outcome_label = serializers.CharField(read_only=True, help_text=_("The status naming who ended the offer."))
    summary = serializers.SerializerMethodField()
    tenant_consent = serializers.BooleanField(
        read_only=True, help_text=_("The dossier was shared with the tenant's consent, and it is still in force.")
    )
    consent = serializers.SerializerMethodField()

    class Meta:
        model = Handover
        fields = [
            "id", "case", "tenant_name", "from_organisation", "to_organisation", "status", "status_label",
            "ended_by", "outcome_label", "summary", "tenant_consent", "consent", "by_escalation", "offered_at", "responded_at", "reason",
        ]
        read_only_fields = fields

    @extend_schema_field(ConsentSerializer)
    def get_consent(self, handover) -> dict:
        """The consent the dossier was shared under, as frozen in it (and updated on a withdrawal)."""
        line = {**consent_line(None), **((handover.dossier or {}).get("consent") or {})}
        line["given"] = bool(handover.tenant_consent)
        return {name: line.get(name) for name in ConsentSerializer().fields}

    def _visible(self) -> bool:
        # Lists and details read handovers through the user's scope; only the answer to a decline names a
        # handover whose case the caller just lost (context "visible": False).
        return self.context.get("visible", True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_tenant_name(self, handover) -> str | None:
        return handover.case.tenant.name if self._visible() else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_summary(self, handover) -> str:
        request = self.context.get("request")
        user = getattr(request, "user", None) or self.context.get("user")
        if self.context.get("export"):  # the right of access: everything stored (policy.Action.EXPORT decided)
            return handover.summary
        if not self._visible() or not policy.reads_handover_summary(user, handover):
            return ""
        return handover.summary


class HandoverDetailSerializer(HandoverSerializer):
    dossier = serializers.JSONField(read_only=True)

    class Meta(HandoverSerializer.Meta):
        fields = [*HandoverSerializer.Meta.fields, "dossier"]
        read_only_fields = fields


class DeclineInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=10000)


class WithdrawInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


class JointVisitInputSerializer(serializers.Serializer):
    partner = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    planned_at = serializers.DateTimeField()
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class JointVisitSerializer(ModelSerializer):
    tenant_name = serializers.CharField(source="case.tenant.name", read_only=True)
    organisation = ref()
    partner = ref()

    class Meta:
        model = JointVisit
        fields = ["id", "case", "tenant_name", "organisation", "partner", "planned_at", "address", "status", "attempt"]
        read_only_fields = fields


class JointVisitMoveInputSerializer(serializers.Serializer):
    planned_at = serializers.DateTimeField()


class JointVisitCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class JointVisitOutcomeInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AttemptOutcome.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)


# --- escalations, eviction ---------------------------------------------------------------------------------


class EscalationSerializer(ModelSerializer):
    from_organisation = ref()
    to_organisation = ref(allow_null=True)

    class Meta:
        model = Escalation
        fields = ["id", "case", "deadline_kind", "action", "deadline_at", "escalated_at", "from_organisation",
                  "to_organisation"]
        read_only_fields = fields


class ProposalInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=10000)


class VoteInputSerializer(serializers.Serializer):
    agree = serializers.BooleanField()
    reason = serializers.CharField(max_length=10000)


class VoteSerializer(ModelSerializer):
    organisation = ref()

    class Meta:
        model = EvictionVote
        fields = ["id", "proposal", "organisation", "agree", "reason", "voted_at"]
        read_only_fields = fields


class EvictionProposalSerializer(ModelSerializer):
    organisation = ref()
    voters = RefSerializer(many=True, read_only=True)
    votes = VoteSerializer(many=True, read_only=True)

    class Meta:
        model = EvictionProposal
        fields = ["id", "case", "organisation", "reason", "status", "proposed_at", "decided_at", "voters", "votes"]
        read_only_fields = fields


# --- notifications, access log -----------------------------------------------------------------------------


class NotificationSerializer(ModelSerializer):
    subject = serializers.CharField(source="text", read_only=True, help_text=_("In the caller's language."))

    class Meta:
        model = Notification
        fields = ["id", "case", "subject", "body", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadInputSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True,
        help_text=_("The notifications to mark read; without it, all of them."),
    )


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class AccessLogSerializer(ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True)
    organisation = ref(allow_null=True)

    class Meta:
        model = AccessLog
        fields = ["id", "user", "organisation", "case", "what", "at"]
        read_only_fields = fields


# --- export (AVG right of access) --------------------------------------------------------------------------


class SignalSummarySerializer(serializers.Serializer):
    kind = serializers.CharField()
    source = serializers.CharField(source="source.name")
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    months_in_arrears = serializers.IntegerField()
    reference_date = serializers.DateField()


class AccessSummarySerializer(serializers.Serializer):
    organisation = serializers.CharField(source="organisation.name", allow_null=True, default=None)
    what = serializers.CharField()
    at = DateTimeField()


class CaseExportSerializer(serializers.Serializer):
    exported_at = DateTimeField()
    case = CaseSerializer()
    contact_attempts = ContactAttemptSerializer(many=True)
    arrangements = ArrangementSerializer(many=True)
    handovers = HandoverDetailSerializer(many=True)
    joint_visits = JointVisitSerializer(many=True)
    escalations = EscalationSerializer(many=True)
    eviction_proposals = EvictionProposalSerializer(many=True)
    tasks = TaskSerializer(many=True, help_text=_("Follow-up tasks on the case."))
    signals = SignalSummarySerializer(many=True)
    timeline = EventSerializer(many=True)
    accessed = AccessSummarySerializer(many=True, help_text=_("Which organisations read this case's data, when."))


def case_export(case, *, context=None) -> dict:
    """Everything stored about the case and its tenant, for the tenant's right of access. `context`: the view's
    serializer context (the request, for the case's `allowed_actions`)."""
    return CaseExportSerializer(
        {
            "exported_at": timezone.now(),
            "case": case,
            "contact_attempts": case.contact_attempts.select_related("organisation").order_by("at", "id"),
            "arrangements": case.arrangements.select_related("organisation", "replaced_by")
            .prefetch_related("instalments").order_by("created_at", "id"),
            "handovers": case.handovers.select_related("case__tenant", "from_organisation", "to_organisation")
            .order_by("offered_at", "id"),
            "joint_visits": case.joint_visits.select_related("case__tenant", "organisation", "partner"),
            "escalations": case.escalations.select_related("from_organisation", "to_organisation")
            .order_by("escalated_at", "id"),
            "eviction_proposals": case.eviction_proposals.select_related("organisation")
            .prefetch_related("voters", "votes__organisation")
            .order_by("proposed_at"),
            "tasks": case.follow_ups.select_related("organisation", "assigned_to", "created_by", "done_by")
            .order_by("due_at", "id"),
            "signals": case.signals.select_related("source").order_by("reference_date"),
            "timeline": case.events.select_related("actor", "organisation").order_by("at", "id"),
            "accessed": case.access_logs.select_related("organisation").order_by("at"),
        },
        context={**(context or {}), "export": True},
    ).data
