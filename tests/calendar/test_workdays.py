"""Counting working days with holidays and make-up working days (plain functions, no database).

The days below are the State Council's arrangement for 2026 (国务院办公厅关于2026年部分节假日
安排的通知) as a clerk would enter it: 春节 2月15日至23日放假，2月14日（周六）、2月28日（周六）
上班；国庆节 10月1日至7日放假，9月20日（周日）、10月10日（周六）上班."""
from datetime import date, timedelta

import pytest

from bureau.calendar.workdays import REST, WORK, add_working_days, is_working_day


def days(first: date, last: date, kind: str) -> dict[date, str]:
    return {first + timedelta(days=n): kind for n in range((last - first).days + 1)}


SPRING_FESTIVAL_2026 = {**days(date(2026, 2, 15), date(2026, 2, 23), REST),
                        date(2026, 2, 14): WORK, date(2026, 2, 28): WORK}
NATIONAL_DAY_2026 = {**days(date(2026, 10, 1), date(2026, 10, 7), REST),
                     date(2026, 9, 20): WORK, date(2026, 10, 10): WORK}
CALENDAR_2026 = {**SPRING_FESTIVAL_2026, **NATIONAL_DAY_2026}


@pytest.mark.parametrize(("start", "count", "end"), [
    (date(2026, 11, 20), 5, date(2026, 11, 26)),  # Friday → next Thursday, no holiday
    (date(2026, 11, 21), 1, date(2026, 11, 23)),  # Saturday → Monday
    (date(2026, 11, 23), 1, date(2026, 11, 23)),  # a working start day counts itself
])
def test_without_holidays_only_weekends_are_skipped(start, count, end):
    assert add_working_days(start, count, {}) == end


def test_a_notice_across_national_day_runs_past_the_golden_week():
    # 9/28 Mon, 9/29, 9/30 = 3; 10/1–10/7 rest; 10/8 Thu = 4, 10/9 Fri = 5.
    assert add_working_days(date(2026, 9, 28), 5, CALENDAR_2026) == date(2026, 10, 9)
    # The same notice counted by weekends alone would have ended inside the holiday.
    assert add_working_days(date(2026, 9, 28), 5, {}) == date(2026, 10, 2)


def test_make_up_saturdays_and_sundays_count_as_working_days():
    # 2/12 Thu, 2/13 Fri, 2/14 Sat (调休上班) = 3; 2/15–2/23 rest; 2/24 Tue = 4, 2/25 Wed = 5.
    assert add_working_days(date(2026, 2, 12), 5, CALENDAR_2026) == date(2026, 2, 25)
    # A notice published on the make-up Sunday 9/20 starts counting that day.
    assert add_working_days(date(2026, 9, 20), 1, CALENDAR_2026) == date(2026, 9, 20)


def test_a_holiday_on_a_weekday_is_not_a_working_day_and_a_make_up_weekend_is():
    assert not is_working_day(date(2026, 10, 1), CALENDAR_2026)  # Thursday, 国庆节
    assert is_working_day(date(2026, 10, 10), CALENDAR_2026)  # Saturday, 调休上班
    assert not is_working_day(date(2026, 10, 11), CALENDAR_2026)  # an ordinary Sunday


def test_a_period_has_at_least_one_day():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 5), 0, {})
