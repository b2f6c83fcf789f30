import re

import pytest

from bureau.certificates.serials import (
    ALPHABET,
    KIND_CODES,
    RANDOM_SYMBOLS,
    is_well_formed,
    new_serial,
    normalize_serial,
)

LAYOUT = re.compile(r"2026-[A-Z]{2}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{2}")


@pytest.mark.parametrize("kind", KIND_CODES)
def test_new_serial_has_year_kind_code_and_groups(kind):
    serial = new_serial(2026, kind)
    assert LAYOUT.fullmatch(serial)
    assert serial.split("-")[1] == KIND_CODES[kind]
    assert is_well_formed(serial)


def test_random_part_has_at_least_60_bits_from_an_unambiguous_alphabet():
    assert RANDOM_SYMBOLS * (len(ALPHABET).bit_length() - 1) >= 60
    assert not set("0O1I") & set(ALPHABET)
    random_symbols = "".join(new_serial(2026, "prize").split("-")[2:])
    assert set(random_symbols) <= set(ALPHABET)


def test_thousand_serials_are_distinct():
    serials = {new_serial(2026, "skill_level") for _ in range(1000)}
    assert len(serials) == 1000


def _positions_of_symbols(serial):
    return [index for index, char in enumerate(serial) if char != "-"]


def test_check_symbol_catches_every_single_wrong_character():
    serial = new_serial(2026, "title")
    for index in _positions_of_symbols(serial):
        for replacement in set(ALPHABET + "0123456789") - {serial[index]}:
            typo = serial[:index] + replacement + serial[index + 1:]
            assert not is_well_formed(typo), typo


def test_check_symbol_catches_every_swap_of_neighbours():
    serial = new_serial(2026, "excellent_studio")
    positions = _positions_of_symbols(serial)
    for left, right in zip(positions, positions[1:]):
        if serial[left] == serial[right]:
            continue
        chars = list(serial)
        chars[left], chars[right] = chars[right], chars[left]
        assert not is_well_formed("".join(chars)), "".join(chars)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-JN",
        "2026-XX-7K3Q-9XMP-D4WR-TC",  # unknown kind code
        "2026-JN-7K3Q-9XMP-D4WR",  # last group missing
        "26-JN-7K3Q-9XMP-D4WR-TC",
        "2026-JN-7K3O-9XMP-D4WR-TC",  # O is not in the alphabet
        None,
        2026,
    ],
)
def test_malformed_serials_are_rejected(text):
    assert not is_well_formed(text)


def test_typed_serial_is_normalized_before_checking():
    serial = new_serial(2026, "prize")
    assert not is_well_formed(f" {serial.lower()} ")
    assert is_well_formed(normalize_serial(f" {serial.lower()} "))


def test_unknown_kind_and_odd_year_are_refused():
    with pytest.raises(ValueError):
        new_serial(2026, "diploma")
    with pytest.raises(ValueError):
        new_serial(26, "prize")
