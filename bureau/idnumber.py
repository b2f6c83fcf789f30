"""Citizen ID numbers (公民身份号码, GB 11643-1999): normalising, checking and masking.

An ID number has 18 characters: a 6-digit region code (地址码), an 8-digit birth date
(YYYYMMDD), a 3-digit sequence code and a check character computed from the first 17 digits
with ISO 7064 MOD 11-2 (``X`` stands for 10).

The region code is only checked for a known province prefix: the full GB/T 2260 table changes
every year and old codes stay valid on old cards, so a stricter check would reject real people.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from bureau.clock import local_today
from bureau.text import N_

ID_NUMBER_LENGTH = 18

# ISO 7064 MOD 11-2: weight of position i (0-based, left to right) is 2**(17 - i) mod 11.
_WEIGHTS = tuple(pow(2, ID_NUMBER_LENGTH - 1 - i, 11) for i in range(ID_NUMBER_LENGTH - 1))
_CHECK_CHARACTERS = "10X98765432"  # indexed by (weighted sum mod 11)

# First two digits of the region code: provinces, Taiwan (71), Hong Kong/Macao/Taiwan residence
# permits (81, 82, 83).  Foreign permanent residents' cards issued since 2023 start with 9.
_PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_FOREIGN_RESIDENT_PREFIX = "9"

_SHAPE = re.compile(r"\d{17}[\dX]")
_EARLIEST_BIRTH_YEAR = 1900
_WHITESPACE = re.compile(r"\s+")
# An ID number inside other text: 18 characters not part of a longer run of digits (a bank
# account or a serial), the last possibly a lower-case x as people type it.
_ID_NUMBER_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def normalise_id_number(value: object) -> str:
    """Return ``value`` as an ID number string in canonical form.

    Full-width characters become ASCII (NFKC), whitespace anywhere is removed (people paste
    numbers grouped as ``330203 19900101 1234``) and a final ``x`` becomes ``X``. ``None``
    gives ``""``; an ``int`` (a spreadsheet number cell) gives its digits.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _WHITESPACE.sub("", text).upper()


def id_check_character(first_17_digits: str) -> str:
    """The GB 11643 check character for the first 17 digits of an ID number."""
    weighted_sum = sum(int(digit) * weight for digit, weight in zip(first_17_digits, _WEIGHTS))
    return _CHECK_CHARACTERS[weighted_sum % 11]


def id_number_problem(id_number: str, *, today: dt.date | None = None) -> str | None:
    """Why ``id_number`` (already normalised) is not a valid ID number, or ``None`` if it is.

    The answer is a message template marked with ``N_`` and without placeholders. Checks run
    from the coarsest to the finest so that the message points at the actual mistake.

    A wrong check character does not reveal the expected one on purpose: a check failure
    usually means a mistyped digit anywhere in the number, and quoting the "right" last
    character would invite users to change it and hide the real typo.
    """
    if not id_number:
        return N_("请填写身份证号")
    if len(id_number) != ID_NUMBER_LENGTH:
        return N_("身份证号应为18位")
    if not _SHAPE.fullmatch(id_number):
        return N_("身份证号前17位应为数字，最后一位为数字或X")
    if not _has_known_region_prefix(id_number):
        return N_("身份证号前6位地区码无效")
    birth_date_problem = _birth_date_problem(id_number[6:14], today or local_today())
    if birth_date_problem:
        return birth_date_problem
    if id_check_character(id_number[:17]) != id_number[17]:
        return N_("身份证号校验位不符，号码可能有误，请与证件核对")
    return None


def _has_known_region_prefix(id_number: str) -> bool:
    return id_number[:2] in _PROVINCE_PREFIXES or id_number.startswith(_FOREIGN_RESIDENT_PREFIX)


def _birth_date_problem(yyyymmdd: str, today: dt.date) -> str | None:
    try:
        birth_date = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return N_("身份证号中的出生日期不是有效日期")
    if birth_date > today:
        return N_("身份证号中的出生日期晚于今天")
    if birth_date.year < _EARLIEST_BIRTH_YEAR:
        return N_("身份证号中的出生日期早于1900年")
    return None


def mask_id_number(id_number: str) -> str:
    """Hide the middle of an ID number for public lists: keep the first 4 and last 4 characters.

    ``"330203199001011234"`` becomes ``"3302**********1234"``. A string of 8 characters or fewer
    is masked entirely, since keeping 4 + 4 would show all of it.
    """
    kept = 4
    if len(id_number) <= 2 * kept:
        return "*" * len(id_number)
    return id_number[:kept] + "*" * (len(id_number) - 2 * kept) + id_number[-kept:]


def mask_id_numbers_in(text: str) -> str:
    """``text`` with every ID number in it masked as ``mask_id_number`` does (free text, such as
    a reason or an objection, may quote one)."""
    if len(text) < ID_NUMBER_LENGTH:
        return text
    return _ID_NUMBER_IN_TEXT.sub(lambda match: mask_id_number(match.group()), text)
