"""English formats beside the Dutch ones: "1 Dec. 2026", "1 Dec. 2026, 14:30", "01-12-2026"."""

from django.conf.locale.en.formats import *  # noqa: F403 - Django's English formats, a few overridden below

DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
MONTH_DAY_FORMAT = "j N"
