from datetime import date

import pytest

from bureau.certificates.chinese_dates import chinese_date


@pytest.mark.parametrize(
    ("day", "written"),
    [(1, "一日"), (9, "九日"), (10, "十日"), (11, "十一日"), (19, "十九日"), (20, "二十日"),
     (21, "二十一日"), (30, "三十日"), (31, "三十一日")],
)
def test_days_are_written_without_a_leading_one_or_trailing_zero(day, written):
    assert chinese_date(date(2026, 10, day)) == "二〇二六年十月" + written


@pytest.mark.parametrize(
    ("month", "written"), [(1, "一月"), (9, "九月"), (10, "十月"), (11, "十一月"), (12, "十二月")]
)
def test_months(month, written):
    assert chinese_date(date(2026, month, 1), with_day=False) == "二〇二六年" + written


@pytest.mark.parametrize(
    ("year", "written"), [(2000, "二〇〇〇年"), (2020, "二〇二〇年"), (2026, "二〇二六年")]
)
def test_year_is_read_digit_by_digit_with_the_zero_character(year, written):
    assert chinese_date(date(year, 1, 1), with_day=False) == written + "一月"


def test_full_date_and_month_only():
    assert chinese_date(date(2026, 11, 21)) == "二〇二六年十一月二十一日"
    assert chinese_date(date(2026, 11, 21), with_day=False) == "二〇二六年十一月"
