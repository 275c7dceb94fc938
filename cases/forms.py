"""Forms of the case-work web UI. They parse what the browser sends; the rules stay in cases.policy and
cases.services, whose errors the views put beside the field they name (config.webhelpers.form_error)."""

import re
from datetime import datetime, time

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.validators import supported_dates
from convenants.services import chain_of
from partners.models import Organisation
from partners.selectors import members_of

from .models import CLOSING_OUTCOMES, OPEN_STATUSES, AttemptOutcome, CaseStatus, Channel, ConsentHow
from .services import next_in_chain

DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
TRUE_VALUES = {"1", "true", "yes", "on", "ja"}
FALSE_VALUES = {"0", "false", "no", "off", "nee"}


class MoneyField(forms.CharField):
    """A euro amount as typed by a Dutch user ("€ 1.234,50", "80,00", "80.5"). Only normalised here: whether it is a
    valid amount is the service's rule (its message appears beside the field)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        value = re.sub(r"[\s€]", "", value)
        if "," in value:
            # Dutch notation: dots group thousands, the comma is the decimal separator.
            value = value.replace(".", "").replace(",", ".")
        return value


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OpenCaseForm(forms.Form):
    name = forms.CharField(label=_("Tenant name"), max_length=200)
    contract_ref = forms.CharField(label=_("Contract number"), max_length=64)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    house_number = forms.CharField(label=_("House number"), max_length=16)
    postcode = forms.CharField(label=_("Postcode"), max_length=16)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    arrears_amount = MoneyField(label=_("Arrears (€)"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    months_in_arrears = forms.IntegerField(label=_("Months in arrears"))
    monthly_rent = MoneyField(
        label=_("Monthly rent (€)"), max_length=32, required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )

    TENANT_FIELDS = ("name", "contract_ref", "street", "house_number", "postcode", "city", "phone", "email")

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "tenant": {field: data.get(field) or "" for field in self.TENANT_FIELDS},
            "arrears_amount": data["arrears_amount"],
            "months_in_arrears": data["months_in_arrears"],
            "monthly_rent": data.get("monthly_rent") or None,
        }


class ContactAttemptForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=AttemptOutcome.choices, widget=forms.RadioSelect)
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        input_formats=DATETIME_LOCAL_FORMATS,
        widget=DateTimeLocalInput(),
        help_text=_("Leave empty for now; the time cannot be in the future."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def service_kwargs(self):
        data = self.cleaned_data
        return {"channel": data["channel"], "outcome": data["outcome"], "at": data.get("at"), "notes": data["notes"]}


class ArrangementForm(forms.Form):
    monthly_amount = MoneyField(
        label=_("Amount per month (€)"), max_length=32, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    start_date = forms.DateField(label=_("First instalment"), widget=DateInput())
    months = forms.IntegerField(label=_("Number of months"), widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    # Shown with the warning when the total is below the arrears (cases.services.arrangements).
    confirm_below_arrears = forms.BooleanField(label=_("Agree it anyway, below the arrears"), required=False)

    def service_kwargs(self):
        data = self.cleaned_data
        return {"monthly_amount": data["monthly_amount"], "start_date": data["start_date"], "months": data["months"],
                "confirm_below_arrears": data.get("confirm_below_arrears", False)}


class ArrangementChangeForm(forms.Form):
    """New terms for the running arrangement; an empty field keeps what runs now."""

    monthly_amount = MoneyField(
        label=_("Amount per month (€)"), max_length=32, required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    start_date = forms.DateField(label=_("First instalment"), required=False, widget=DateInput())
    months = forms.IntegerField(label=_("Number of months"), required=False,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    confirm_below_arrears = forms.BooleanField(label=_("Agree it anyway, below the arrears"), required=False)

    def service_kwargs(self):
        data = self.cleaned_data
        return {"monthly_amount": data.get("monthly_amount") or None, "start_date": data.get("start_date"),
                "months": data.get("months"), "confirm_below_arrears": data.get("confirm_below_arrears", False)}


class ArrangementStopForm(forms.Form):
    reason = forms.CharField(label=_("Reason for stopping"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class InstalmentPaidForm(forms.Form):
    number = forms.IntegerField(min_value=1, widget=forms.HiddenInput())
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DateInput())


class MissedInstallmentForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)
    number = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput())


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseCaseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", "—")] + [(outcome.value, outcome.label) for outcome in CLOSING_OUTCOMES],
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WorklistFilterForm(forms.Form):
    """The worklist's GET filters. Their names are stable: the dashboard and other pages link with them."""

    ALL = "all"
    ME = "me"
    MORE_FILTERS = ("status", "overdue", "holder", "assigned_to", "deadline_before", "opened_from", "opened_to")

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.MultipleChoiceField(
        label=_("Status"),
        required=False,
        choices=[(ALL, _("All, also closed"))] + list(CaseStatus.choices),
    )
    overdue = forms.CharField(label=_("Overdue"), required=False)
    holder = forms.ModelChoiceField(
        label=_("Holder"), required=False, queryset=Organisation.objects.none(), empty_label=_("All holders")
    )
    assigned_to = forms.ChoiceField(label=_("Caseworker"), required=False)
    deadline_before = forms.DateField(label=_("Deadline before"), required=False, validators=supported_dates, widget=DateInput())
    opened_from = forms.DateField(label=_("Opened from"), required=False, validators=supported_dates, widget=DateInput())
    opened_to = forms.DateField(label=_("Opened until"), required=False, validators=supported_dates, widget=DateInput())

    def __init__(self, *args, organisation=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        people = [("", _("Everyone")), (self.ME, _("Me"))]
        if organisation is not None:
            self.fields["holder"].queryset = (
                Organisation.objects.filter(convenants__parties=organisation).distinct().order_by("name")
            )
            people += [
                (str(member.pk), member.get_full_name() or member.get_username())
                for member in members_of(organisation)
            ]
        self.fields["assigned_to"].choices = people

    def clean_overdue(self):
        value = (self.cleaned_data.get("overdue") or "").strip().lower()
        if not value:
            return None
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        raise forms.ValidationError(_("Choose yes or no."))

    def selector_kwargs(self):
        """Keyword arguments for cases.selectors.case_list from the valid filters (invalid ones are left out)."""
        data = getattr(self, "cleaned_data", {})
        kwargs = {}
        statuses = [s for s in data.get("status") or [] if s != self.ALL]
        if statuses:
            kwargs["status"] = statuses
        elif self.ALL not in (data.get("status") or []):
            kwargs["status"] = [str(s) for s in OPEN_STATUSES]
        if data.get("overdue") is not None:
            kwargs["overdue"] = data["overdue"]
        if data.get("holder") is not None:
            kwargs["holder"] = data["holder"].pk
        if data.get("assigned_to") == self.ME and self.user is not None:
            kwargs["assigned_to"] = self.user.pk
        elif data.get("assigned_to") and data["assigned_to"] != self.ME:
            kwargs["assigned_to"] = int(data["assigned_to"])
        if data.get("deadline_before"):
            kwargs["deadline_before"] = timezone.make_aware(datetime.combine(data["deadline_before"], time.min))
        for name in ("opened_from", "opened_to"):  # dates, both inclusive (the dashboard links with them)
            if data.get(name):
                kwargs[name] = data[name]
        if data.get("q"):
            kwargs["q"] = data["q"]
        return kwargs



# --- the handover panel, the inbox and joint visits -----------------------------------------------------------


def chain_partners(case):
    """The convenant's chain partners a case can go to, in chain order: not its holder, not its corporation."""
    excluded = {case.holder_id, case.corporation_id}
    return [organisation for organisation in chain_of(case.convenant) if organisation.pk not in excluded]


def _organisations_in_order(organisations):
    ids = [organisation.pk for organisation in organisations]
    order = models.Case(*[models.When(pk=pk, then=position) for position, pk in enumerate(ids)], default=len(ids))
    return Organisation.objects.filter(pk__in=ids).order_by(order)


class OfferForm(forms.Form):
    to_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Hand over to"), empty_label=None
    )
    summary = forms.CharField(
        label=_("Summary for the partner"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a summary for the chain partner.")},
    )
    # What the dossier carries follows the tenant's consent on record (ConsentForm), not a field of the offer.

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organisation"].queryset = _organisations_in_order(chain_partners(case))
        if not self.is_bound:
            following = next_in_chain(case)
            if following is not None:
                self.fields["to_organisation"].initial = following.pk


class ConsentForm(forms.Form):
    """The tenant's answer to sharing the case file with chain partners; the rules are the service's."""

    given = forms.TypedChoiceField(
        label=_("Does the tenant consent to sharing the case file with the chain partner?"),
        choices=[("yes", _("Yes, the tenant consents")), ("no", _("No, the tenant does not consent"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the tenant gives consent.")},
    )
    how = forms.ChoiceField(
        label=_("How did the tenant answer?"), required=False, choices=[("", "—"), *ConsentHow.choices],
    )
    at = forms.DateTimeField(
        label=_("When (empty: now)"), required=False, input_formats=DATETIME_LOCAL_FORMATS,
        widget=DateTimeLocalInput(),
    )


class JointVisitForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Together with"))
    planned_at = forms.DateTimeField(
        label=_("Date and time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=300)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        # A joint visit is planned with a chain partner of the case's convenant only (DESIGN "Access").
        self.fields["partner"].queryset = _organisations_in_order(chain_partners(case))
        if not self.is_bound:
            self.fields["address"].initial = case.tenant.address


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does your organisation not pick up this case?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason for declining the case.")},
    )


class MoveVisitForm(forms.Form):
    planned_at = forms.DateTimeField(
        label=_("New date and time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class CancelVisitForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=1000)


class RecordVisitForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=AttemptOutcome.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
