"""Validators shared by forms and serializers."""

from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

# Filters add a day to a date ("up to and including"): a date near date.max would overflow into a 500.
supported_dates = [
    MinValueValidator(date(1900, 1, 1), message=_("Enter a date between 1900 and 2999.")),
    MaxValueValidator(date(2999, 12, 31), message=_("Enter a date between 1900 and 2999.")),
]
