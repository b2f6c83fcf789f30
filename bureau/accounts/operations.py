"""Writes on accounts: create users, log in with a failure limit, issue and revoke API tokens."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from bureau.access import hash_token
from bureau.accounts.models import ApiToken, LoginFailure, Role, User
from bureau.accounts.passwords import hash_password, password_problem, verify_password
from bureau.db import db, utcnow
from bureau.errors import Invalid, Problem
from bureau.text import N_

TOKEN_PREFIX = "rsb_"


def create_user(username: str, role: str, password: str, *, display_name: str = "", organisation: str = "") -> User:
    username = (username or "").strip()
    problems = []
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        problems.append(Problem("username", N_("用户名须为1至64个字母、数字、下划线、连字符或点")))
    elif db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        problems.append(Problem("username", N_("用户名“%(username)s”已被使用"), {"username": username}))
    if role not in {r.value for r in Role}:
        problems.append(Problem("role", N_("角色必须是 admin、organiser 或 studio_lead 之一")))
    if problem := password_problem(password or "", username):
        problems.append(Problem("password", problem))
    if problems:
        raise Invalid(problems)
    user = User(username=username, role=role, password_hash=hash_password(password),
                display_name=display_name or username, organisation=organisation)
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, new_password: str) -> None:
    if problem := password_problem(new_password, user.username):
        raise Invalid([Problem("password", problem)])
    user.password_hash = hash_password(new_password)
    user.session_epoch += 1  # other sessions of this user end


def login_blocked(username: str, remote_addr: str, limit: int, window_seconds: int) -> bool:
    since = utcnow() - timedelta(seconds=window_seconds)
    by_name = db.session.scalar(select(func.count()).where(
        func.lower(LoginFailure.username) == username.lower(), LoginFailure.at >= since))
    by_address = db.session.scalar(select(func.count()).where(
        LoginFailure.remote_addr == remote_addr, LoginFailure.at >= since))
    # An address may mistype a few names; many failures from one address is guessing.
    return by_name >= limit or by_address >= limit * 4


def authenticate(username: str, password: str, remote_addr: str, *, limit: int, window_seconds: int) -> User | None:
    """The user if the credentials are right and the account is not locked out; else None.

    A locked-out account is refused even with the right password, so guessing gains nothing.
    """
    username = (username or "").strip()
    if login_blocked(username, remote_addr, limit, window_seconds):
        return None
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None or not user.active or not verify_password(user.password_hash, password or ""):
        db.session.add(LoginFailure(username=username[:64], remote_addr=remote_addr[:64]))
        return None
    db.session.execute(delete(LoginFailure).where(func.lower(LoginFailure.username) == username.lower()))
    return user


def issue_token(user: User) -> str:
    """A new API token for ``user``; the plain token is returned once and only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token), prefix=token[:12]))
    db.session.flush()
    return token


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
