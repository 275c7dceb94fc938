"""Forms of the vroegsignalering pages (signals.outreach_views): the worklist's filters and the case page's three
actions. They check the shape of what was sent; the services (signals.outreach) decide the rest, and their refusal
is shown beside the field it names."""

import re
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ContactKind, EndResult, PartOfDay, SignalCaseType, SignalStatus

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        if isinstance(value, date):
            return value.strftime("%Y-%m")
        return value


class MonthField(forms.Field):
    """A month as "YYYY-MM" (the browser's month input) → the first day of that month."""

    widget = MonthInput

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        match = MONTH.match(value)
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return date(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def _with_all(choices, label):
    return [("", label), *choices]


class SignalCaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    period = MonthField(label=_("Matching period"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = _with_all(SignalStatus.choices, _("All statuses"))
        self.fields["type"].choices = _with_all(SignalCaseType.choices, _("All types"))

    def selector_kwargs(self) -> dict:
        """The valid filters, for selectors.signal_cases_for; an invalid one is left out (its error shows)."""
        data = self.cleaned_data if self.is_bound else {}
        errors = self.errors if self.is_bound else {}
        kwargs = {}
        if data.get("status") and "status" not in errors:
            kwargs["status"] = data["status"]
        if data.get("type") and "type" not in errors:
            kwargs["case_type"] = data["type"]
        if data.get("period") and "period" not in errors:
            kwargs["period"] = data["period"]
        return kwargs


class SignalContactAttemptForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of contact"))
    reached = forms.TypedChoiceField(
        label=_("Reached?"), choices=[("yes", _("Reached")), ("no", _("Not reached"))],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect,
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    part_of_day = forms.ChoiceField(label=_("Part of day"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _with_all(ContactKind.choices, _("Choose…"))
        self.fields["part_of_day"].choices = _with_all(PartOfDay.choices, _("Not recorded"))
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "reached": data["reached"], "date": data["date"],
                "part_of_day": data["part_of_day"] or ""}


class SignalCaseCloseForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"))
    refer = forms.BooleanField(
        label=_("Refer to debt assistance"), required=False,
        help_text=_("Only with the result further help and/or referral, financial: the household goes to the "
                    "covenant's debt-assistance team."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].choices = _with_all(EndResult.choices, _("Choose…"))

    def service_kwargs(self) -> dict:
        return {"result": self.cleaned_data["result"], "refer": self.cleaned_data["refer"]}
