"""Deadline arithmetic: N calendar days or N working days (no weekends, no Dutch public holidays).

A deadline falls at the end of its last day, in Dutch local time: a tenant consultant reads "uiterlijk
dinsdag 25 november", and a term of 1 working day that starts on Friday evening runs to Monday evening.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def add_days(start: datetime, days: int, *, working_days: bool) -> datetime:
    """The moment a term of `days` days that starts at `start` ends (aware datetime, local end of day)."""
    if days < 0:
        raise ValueError("A term has a non-negative number of days.")
    day = start.astimezone(AMSTERDAM).date()
    if working_days:
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if is_working_day(day):
                remaining -= 1
    else:
        day += timedelta(days=days)
    return datetime.combine(day, END_OF_DAY, tzinfo=AMSTERDAM)


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days after start's day up to and including end's day (0 when end is not later)."""
    first = start.astimezone(AMSTERDAM).date()
    last = end.astimezone(AMSTERDAM).date()
    count = 0
    day = first
    while day < last:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
