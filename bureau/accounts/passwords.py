"""Password rules and hashing."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from bureau.text import N_

MIN_LENGTH = 8
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """A message template saying what is wrong with ``password``, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return N_("密码至少需要8个字符")
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return N_("密码过于常见，容易被猜中，请换一个")
    if username and username.lower() in lowered:
        return N_("密码不能包含用户名")
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
