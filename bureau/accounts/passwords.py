"""Password rules and hashing.

The rules are plain functions: a password is refused when it is short, holds the user's or the
bureau's name, is on a list of breached passwords (also once look-alike characters are read as
letters and digits or symbols at its ends are dropped), or is made of guessable parts only —
keyboard walks, sequences, repeated characters, digits and symbols, with at most one word or set
of initials among them ("Abc@1234", "Wz123456", "Renshe-2026").
"""
from __future__ import annotations

import re
import secrets
from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from bureau.text import N_

MIN_LENGTH = 8
PASSWORD_LISTS = (Path(__file__).with_name("breached_passwords.txt"), Path(__file__).with_name("common_passwords.txt"))

TOO_SHORT = N_("密码至少需要8个字符")
HAS_USERNAME = N_("密码不能包含用户名或姓名")
HAS_BUREAU_NAME = N_("密码不能包含本局或本系统的名称")
TOO_COMMON = N_("密码过于常见，容易被猜中，请换一个")
KEYBOARD_PATTERN = N_("密码只由键盘上相邻的键、顺序或重复的字符、数字和符号组成，容易被猜中，请换一个")
WORD_AND_DIGITS = N_("密码只是一个单词或缩写加上数字、年份或符号，容易被猜中；请用几个词组成的短语，或随机字符")

# The bureau's name as people type it into passwords (人社, 人社局, 社保), besides the configured name.
BUREAU_WORDS = ("renshe", "rensheju", "shebao", "人社", "人力资源", "社会保障")
# A word of more letters than this, alone with digits and symbols, is a passphrase rather than a word.
LONGEST_GUESSABLE_WORD = 12
SHORTEST_RUN = 4  # a walk or sequence shorter than this is ordinary text ("abc" in "abcXY...")

_KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")
_KEYBOARD_WALKS = (
    *_KEYBOARD_ROWS,
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",  # down the columns
    "zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0",  # up the columns
    "1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0", "qazwsxedcrfvtgbyhnujm",
    "7894561230", "147258369", "963852741", "159753",  # the numeric keypad
)
_SHIFTED_DIGITS = str.maketrans("!@#$%^&*()", "1234567890")  # Shift + the digit row, for walks
_LOOK_ALIKES = str.maketrans({"@": "a", "4": "a", "8": "b", "(": "c", "3": "e", "6": "g", "1": "i", "!": "i",
                              "0": "o", "$": "s", "5": "s", "7": "t", "+": "t", "2": "z"})


@lru_cache(maxsize=1)
def breached_passwords() -> frozenset[str]:
    """The shipped lists, lower-cased: 30,000 breached passwords (see the file's header) and common Chinese ones."""
    words = set()
    for path in PASSWORD_LISTS:
        lines = path.read_text(encoding="utf-8").splitlines()
        words.update(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))
    return frozenset(words)


def _is_listed(lowered: str) -> bool:
    listed = breached_passwords()
    core = lowered.strip("0123456789!@#$%^&*()_+-=.,;:?~` ")  # "Sunshine2026!" is "sunshine" with digits added
    candidates = {lowered, lowered.translate(_LOOK_ALIKES)}
    if len(core) >= SHORTEST_RUN:
        candidates |= {core, core.translate(_LOOK_ALIKES)}
    return not candidates.isdisjoint(listed)


def _guessable_spans(lowered: str) -> list[bool]:
    """For each character: is it part of a keyboard walk, a sequence, a repeat, a digit or a symbol?"""
    marked = [not char.isalpha() for char in lowered]
    walkable = lowered.translate(_SHIFTED_DIGITS)
    length = len(lowered)
    longest_walk = max(map(len, _KEYBOARD_WALKS))
    for start in range(length):
        for end in range(min(length, start + longest_walk), start + SHORTEST_RUN - 1, -1):
            piece = walkable[start:end]
            if any(piece in walk or piece[::-1] in walk for walk in _KEYBOARD_WALKS):
                marked[start:end] = [True] * (end - start)
                break
    for start in range(length - 1):
        step = ord(lowered[start + 1]) - ord(lowered[start])
        if step not in (-1, 0, 1):
            continue
        end = start + 1
        while end + 1 < length and ord(lowered[end + 1]) - ord(lowered[end]) == step:
            end += 1
        if end - start + 1 >= (3 if step == 0 else SHORTEST_RUN):  # "aaa", or "abcd" / "4321"
            marked[start:end + 1] = [True] * (end - start + 1)
    return marked


def _free_words(lowered: str) -> list[str]:
    """The runs of letters left once the guessable parts are taken out."""
    marked = _guessable_spans(lowered)
    kept = "".join(" " if guessable else char for char, guessable in zip(lowered, marked))
    return kept.split()


def _name_words(bureau_name: str) -> list[str]:
    """The configured bureau name and its city (温州 of 温州市人力资源和社会保障局), besides BUREAU_WORDS."""
    words = [*BUREAU_WORDS, bureau_name]
    city, found, _ = bureau_name.partition("市")
    if found and 2 <= len(city) <= 4:
        words.append(city)
    return [word.lower() for word in words if word]


def password_problem(password: str, username: str = "", *, display_name: str = "",
                     bureau_name: str = "") -> str | None:
    """A message template saying what is wrong with ``password``, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    lowered = password.lower()
    # Three characters at least: a one-letter user name must not forbid its letter everywhere.
    if any(len(name) >= 3 and name.lower() in lowered for name in (username, display_name)):
        return HAS_USERNAME
    if any(word in lowered for word in _name_words(bureau_name)):
        return HAS_BUREAU_NAME
    if _is_listed(lowered) or len(set(lowered)) <= 2 or re.fullmatch(r"(.+?)\1+", lowered):
        return TOO_COMMON
    words = _free_words(lowered)
    if not words:
        return KEYBOARD_PATTERN
    if len(words) == 1 and len(words[0]) <= LONGEST_GUESSABLE_WORD:
        return WORD_AND_DIGITS
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


@lru_cache(maxsize=1)
def _unknown_user_hash() -> str:
    """A hash of a random password, checked for names that have no account, so they cost the same time."""
    return hash_password(secrets.token_urlsafe(32))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash (no such user) a dummy one is checked, so timing does not tell."""
    if password_hash is None:
        check_password_hash(_unknown_user_hash(), password)
        return False
    return check_password_hash(password_hash, password)
