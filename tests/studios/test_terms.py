from datetime import date, timedelta

import pytest

from studios.terms import TermStatus, term_end, term_status


@pytest.mark.parametrize(
    ("established", "years", "end"),
    [
        (date(2021, 3, 15), 3, date(2024, 3, 15)),
        (date(2020, 2, 29), 3, date(2023, 2, 28)),  # no 29 February: the month's last day
        (date(2020, 2, 29), 4, date(2024, 2, 29)),
        (date(2023, 12, 31), 1, date(2024, 12, 31)),
    ],
)
def test_a_term_ends_on_the_corresponding_day(established, years, end):
    assert term_end(established, years) == end


def test_the_default_term_is_three_years():
    assert term_end(date(2022, 6, 1)) == date(2025, 6, 1)


@pytest.mark.parametrize("years", [0, -3, 2.5, True])
def test_a_term_must_last_a_whole_positive_number_of_years(years):
    with pytest.raises(ValueError, match="years must be a positive integer"):
        term_end(date(2022, 6, 1), years)


END = date(2024, 3, 15)


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (END - timedelta(days=91), TermStatus.ACTIVE),
        (END - timedelta(days=90), TermStatus.EXPIRING),
        (END, TermStatus.EXPIRING),
        (END + timedelta(days=1), TermStatus.EXPIRED),
    ],
)
def test_status_follows_the_calendar(today, status):
    assert term_status(END, today, revoked=False) == status


@pytest.mark.parametrize("today", [END - timedelta(days=400), END, END + timedelta(days=400)])
def test_a_revoked_plaque_is_revoked_whatever_the_date(today):
    assert term_status(END, today, revoked=True) is TermStatus.REVOKED


def test_statuses_are_the_api_strings_with_chinese_labels():
    assert [status.value for status in TermStatus] == ["active", "expiring", "expired", "revoked"]
    assert TermStatus.REVOKED.label == "已摘牌"
