"""Certificate serial numbers such as ``2026-JN-7K3Q-9XMP-D4WR-TC``.

Layout: issue year, kind code, 13 random symbols (65 bits from ``secrets``) and one check
symbol, the last 14 grouped 4-4-4-2 so that people can read them out over the phone.
Symbols come from an alphabet without 0/O and 1/I, which are confused when copying by hand.

The serial is the lookup key of the public verification page, so it must not be guessable;
uniqueness is left to the database's unique constraint. The check symbol lets the page tell
"you mistyped" from "no such certificate" without a lookup.
"""

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
assert len(ALPHABET) == 32 and not set("01IO") & set(ALPHABET)

KIND_CODES = {
    "skill_level": "JN",  # 职业技能等级 (技能)
    "title": "RY",  # 荣誉称号
    "prize": "HJ",  # 获奖
    "excellent_studio": "YX",  # 优秀工作室 / 实训基地
}

RANDOM_SYMBOLS = 13  # 13 × 5 bits = 65 bits of entropy
_GROUP_SIZES = (4, 4, 4, 2)  # random symbols followed by the check symbol
_SYMBOL = f"[{ALPHABET}]"
_SERIAL_PATTERN = re.compile(
    r"(\d{4})-(" + "|".join(KIND_CODES.values()) + r")-"
    + "-".join(f"{_SYMBOL}{{{size}}}" for size in _GROUP_SIZES)
)


def new_serial(year: int, kind: str) -> str:
    """Return a fresh, unguessable serial for a certificate of ``kind`` issued in ``year``."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"year must have four digits, got {year!r}")
    if kind not in KIND_CODES:
        raise ValueError(f"unknown certificate kind {kind!r}; known: {', '.join(KIND_CODES)}")
    kind_code = KIND_CODES[kind]
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    symbols = random_part + _check_symbol(str(year), kind_code + random_part)
    groups, start = [], 0
    for size in _GROUP_SIZES:
        groups.append(symbols[start:start + size])
        start += size
    return "-".join([str(year), kind_code, *groups])


def is_well_formed(serial: str) -> bool:
    """True if ``serial`` has the canonical layout and its check symbol matches."""
    if not isinstance(serial, str) or not _SERIAL_PATTERN.fullmatch(serial):
        return False
    year, kind_code, *groups = serial.split("-")
    symbols = kind_code + "".join(groups)
    return _check_symbol(year, symbols[:-1]) == symbols[-1]


def normalize_serial(text: str) -> str:
    """Canonical form of a serial typed by a person: trimmed, upper case, no inner spaces."""
    return "".join(text.split()).upper()


def _check_symbol(year: str, symbols: str) -> str:
    """The symbol that brings the GF(32) checksum of the year digits and ``symbols`` to zero.

    Horner's rule in GF(2^5) (modulo x^5 + x^2 + 1) with multiplier x: every single wrong
    symbol and every swap of two neighbouring or next-but-one symbols changes the sum, which
    Luhn mod 32 cannot promise for every swap. Year digits count by their numeric value, the
    other symbols by their place in ``ALPHABET``.
    """
    values = [int(digit) for digit in year] + [ALPHABET.index(symbol) for symbol in symbols]
    total = 0
    for value in values:
        total = _times_x(total) ^ value
    return ALPHABET[_times_x(total)]


def _times_x(value: int) -> int:
    """Multiply by x in GF(2^5) modulo x^5 + x^2 + 1."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value
