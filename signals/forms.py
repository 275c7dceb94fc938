from django import forms
from django.utils.translation import gettext_lazy as _


class SignalImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Separated by ; or , — UTF-8 or Windows-1252 — with a header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
