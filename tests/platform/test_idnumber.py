import datetime as dt

import pytest

from bureau.idnumber import (
    id_check_character,
    id_number_problem,
    mask_id_number,
    mask_id_numbers_in,
    normalise_id_number,
)
from tests.competition.ids import person_id, valid_id, wrong_check

TODAY = dt.date(2026, 5, 1)


def problem(id_number: str) -> str | None:
    return id_number_problem(id_number, today=TODAY)


def test_published_example_with_x_check_character_is_valid():
    # The example number printed in GB 11643 explanations.
    assert problem("11010519491231002X") is None


@pytest.mark.parametrize("body", ["33030219900101001", "44030420001229123", "91030219851111000"])
def test_numbers_made_with_the_check_algorithm_are_valid(body):
    assert problem(valid_id(body)) is None
    assert id_check_character(body) == valid_id(body)[-1]


def test_wrong_check_character_is_reported_without_revealing_the_expected_one():
    message = problem(wrong_check(person_id(1)))
    assert message is not None and "校验位" in message
    assert person_id(1)[-1] not in message


def test_swapped_digits_fail_the_check():
    good = person_id(12)  # ...012 + check
    swapped = good[:15] + good[16] + good[15] + good[17]
    assert swapped != good
    assert "校验位" in problem(swapped)


@pytest.mark.parametrize(
    ("id_number", "expected_words"),
    [
        ("", "请填写"),
        ("33030219900101001", "18位"),
        ("3303021990010100123", "18位"),
        ("33030219900101001Y", "最后一位"),
        ("3303021990X101001X", "前17位"),
        ("000302199001010010", "地区码"),
        (valid_id("33030219900230001"), "不是有效日期"),   # 30 February
        (valid_id("33030219901301001"), "不是有效日期"),   # month 13
        (valid_id("33030220260502001"), "晚于今天"),      # the day after TODAY
        (valid_id("33030218991231001"), "1900"),
    ],
)
def test_each_kind_of_bad_number_gets_its_own_message(id_number, expected_words):
    message = problem(id_number)
    assert message is not None and expected_words in message


def test_birth_dates_at_the_limits_are_accepted():
    assert problem(valid_id("33030219000101001")) is None
    assert problem(valid_id("33030220260501001")) is None  # born today
    assert problem(valid_id("33030220000229001")) is None  # leap day


def test_normalise_handles_full_width_spaces_case_and_integers():
    assert normalise_id_number(" ３３０３０２ 19900101 003x\u3000") == "33030219900101003X"
    assert normalise_id_number(330302199001010013) == "330302199001010013"
    assert normalise_id_number(None) == ""


def test_mask_keeps_first_four_and_last_four():
    assert mask_id_number("330203199001011234") == "3302**********1234"
    assert mask_id_number("12345678") == "********"
    assert mask_id_number("123456789") == "1234*6789"


def test_numbers_inside_text_are_masked_but_longer_digit_runs_are_not():
    assert mask_id_numbers_in("复核330203199001011234与33020319900101123x的成绩") == \
        "复核3302**********1234与3302**********123x的成绩"
    account = "6222021203001234567"  # 19 digits: a bank account, not an ID number
    assert mask_id_numbers_in(f"账号{account}") == f"账号{account}"
    assert mask_id_numbers_in("选手1") == "选手1"
