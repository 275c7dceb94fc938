"""Dutch formats as the product writes them: "1 dec. 2026", "1 dec. 2026, 14:30", "01-12-2026"; amounts
"€ 1.234,56" (the `euro` filter groups thousands). Django's Dutch input formats are kept."""

from django.conf.locale.nl.formats import *  # noqa: F403 - Django's Dutch formats, a few overridden below

DATE_FORMAT = "j N Y"
DATETIME_FORMAT = "j N Y, H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
MONTH_DAY_FORMAT = "j N"
