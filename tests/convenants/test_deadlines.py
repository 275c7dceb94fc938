"""Deadline arithmetic at its edges: Friday evening, King's Day, the year end, a DST change."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from convenants.deadlines import add_days, is_working_day, working_days_between

AMS = ZoneInfo("Europe/Amsterdam")
UTC = ZoneInfo("UTC")


def local(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=AMS)


def end_of(y, m, d):
    return datetime(y, m, d, 23, 59, 59, tzinfo=AMS)


def test_friday_evening_plus_one_working_day_is_monday_evening():
    assert add_days(local(2026, 3, 6, 21, 30), 1, working_days=True) == end_of(2026, 3, 9)


def test_friday_evening_in_utc_is_still_friday_in_amsterdam():
    # 22:30 UTC on Friday 6 March is 23:30 in Amsterdam: the term starts on Friday, not Saturday.
    assert add_days(datetime(2026, 3, 6, 22, 30, tzinfo=UTC), 1, working_days=True) == end_of(2026, 3, 9)
    # 23:30 UTC is already Saturday in Amsterdam: the first working day after Saturday is Monday.
    assert add_days(datetime(2026, 3, 6, 23, 30, tzinfo=UTC), 1, working_days=True) == end_of(2026, 3, 9)


def test_calendar_days_count_weekends():
    assert add_days(local(2026, 3, 6, 21, 30), 1, working_days=False) == end_of(2026, 3, 7)


def test_kings_day_is_not_a_working_day():
    # King's Day 2026 is Monday 27 April: Friday 24 April + 1 working day is Tuesday 28 April.
    assert not is_working_day(date(2026, 4, 27))
    assert add_days(local(2026, 4, 24), 1, working_days=True) == end_of(2026, 4, 28)


def test_year_end_skips_christmas_new_year_and_the_weekend():
    # 24 Dec 2026 (Thu) + 2 working days: 25 and 26 Dec are holidays, 27 Dec Sunday, 28 Dec Monday, 29 Dec Tuesday.
    assert add_days(local(2026, 12, 24), 2, working_days=True) == end_of(2026, 12, 29)
    # 31 Dec 2026 (Thu) + 1 working day: 1 Jan holiday, then the weekend → Monday 4 January 2027.
    assert add_days(local(2026, 12, 31), 1, working_days=True) == end_of(2027, 1, 4)


def test_dst_change_keeps_local_end_of_day():
    # Clocks go forward on Sunday 29 March 2026: the deadline is still 23:59:59 local, now UTC+2.
    deadline = add_days(local(2026, 3, 27), 3, working_days=False)
    assert deadline == end_of(2026, 3, 30)
    assert deadline.utcoffset().total_seconds() == 2 * 3600
    # And back on Sunday 25 October 2026.
    assert add_days(local(2026, 10, 24), 1, working_days=False).utcoffset().total_seconds() == 3600


def test_easter_monday_and_ascension():
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday
    assert not is_working_day(date(2026, 5, 14))  # Ascension Day
    assert is_working_day(date(2026, 5, 13))


def test_zero_days_is_the_end_of_the_start_day():
    assert add_days(local(2026, 3, 4), 0, working_days=True) == end_of(2026, 3, 4)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_days(local(2026, 3, 4), -1, working_days=False)


def test_working_days_between():
    assert working_days_between(local(2026, 3, 6), local(2026, 3, 9)) == 1
    assert working_days_between(local(2026, 4, 24), local(2026, 4, 28)) == 1
    assert working_days_between(local(2026, 3, 9), local(2026, 3, 6)) == 0
