"""Writes on accounts: create users, log in with failure limits, issue and revoke API tokens."""
from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from bureau.access import hash_token
from bureau.accounts.models import ApiToken, LoginFailure, Role, User
from bureau.accounts.passwords import hash_password, password_problem, verify_password
from bureau.audit.recorder import Actor, record_event
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
    if problem := password_problem(password or "", username, display_name=display_name,
                                   bureau_name=current_app.config["BUREAU_NAME"]):
        problems.append(Problem("password", problem))
    if problems:
        raise Invalid(problems)
    user = User(username=username, role=role, password_hash=hash_password(password),
                display_name=display_name or username, organisation=organisation)
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, new_password: str) -> None:
    if problem := password_problem(new_password, user.username, display_name=user.display_name,
                                   bureau_name=current_app.config["BUREAU_NAME"]):
        raise Invalid([Problem("password", problem)])
    user.password_hash = hash_password(new_password)
    user.session_epoch += 1  # other sessions of this user end
    revoke_tokens(user)  # and so does every API token made under the old password


def deactivate_user(user: User) -> None:
    """Switch the account off: its sessions and API tokens end, and switching it on again does not revive them."""
    user.active = False
    user.session_epoch += 1
    revoke_tokens(user)


def log_out(user: User, remote_addr: str | None) -> None:
    user.session_epoch += 1  # a copied session cookie is worthless after logout
    record_event(db.session, "logout", "user_account", user.id, details={"username": user.username},
                 actor=Actor(user.id, user.username, remote_addr))


# --- logging in, with limits on failures -----------------------------------------------------------


@dataclass(frozen=True)
class LoginLimits:
    """Failures within ``window`` that throttle: for one name from one address; for one name from
    anywhere (then only addresses with no failure for it may try); for names without an account
    from one address (then that address gets in with right passwords only)."""

    per_name_and_address: int
    per_name: int
    unknown_names_per_address: int
    window: timedelta

    @classmethod
    def from_config(cls, config) -> LoginLimits:
        return cls(config["LOGIN_FAILURE_LIMIT"], config["LOGIN_ACCOUNT_FAILURE_LIMIT"],
                   config["LOGIN_UNKNOWN_NAME_LIMIT"], timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"]))


@dataclass(frozen=True)
class LoginAttempt:
    user: User | None = None
    retry_after: int = 0  # seconds; more than 0: throttled, answer 429 with Retry-After


def _recent_failures(since: datetime, count: int, *conditions) -> list[datetime]:
    """Times of the newest ``count`` failures matching ``conditions`` since ``since``, newest first."""
    return list(db.session.scalars(select(LoginFailure.at).where(LoginFailure.at >= since, *conditions)
                                   .order_by(LoginFailure.at.desc()).limit(count)))


def _name_throttled_until(name: str, address: str, since: datetime, limits: LoginLimits) -> datetime | None:
    pair = _recent_failures(since, limits.per_name_and_address,
                            LoginFailure.username == name, LoginFailure.remote_addr == address)
    if len(pair) >= limits.per_name_and_address:
        return pair[-1] + limits.window  # when the oldest of the newest N leaves the window
    if pair:  # this address failed for the name: refused while the name is attacked from many addresses
        anywhere = _recent_failures(since, limits.per_name, LoginFailure.username == name)
        if len(anywhere) >= limits.per_name:
            return min(anywhere[-1], pair[0]) + limits.window
    return None


def _address_throttled_until(address: str, since: datetime, limits: LoginLimits) -> datetime | None:
    has_account = select(User.id).where(func.lower(User.username) == LoginFailure.username).exists()
    unknown = _recent_failures(since, limits.unknown_names_per_address,
                               LoginFailure.remote_addr == address, ~has_account)
    return unknown[-1] + limits.window if len(unknown) >= limits.unknown_names_per_address else None


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def attempt_login(username: str, password: str, remote_addr: str, limits: LoginLimits) -> LoginAttempt:
    """Check a login, within the limits on failures; audited (never with the password).

    No answer tells whether a name has an account: a name without one is checked against a dummy
    hash (one hash check for every name), counted and throttled alike. Throttling answers at once
    (429 and when to retry) rather than making the worker sleep.
    """
    typed = (username or "").strip()
    name, address = typed.lower()[:64], (remote_addr or "-")[:64]
    now = utcnow()
    since = now - limits.window
    anonymous = Actor(None, "anonymous", address)
    if until := _name_throttled_until(name, address, since, limits):
        return LoginAttempt(retry_after=_seconds_until(until, now))  # no password check: nothing learnt
    user = db.session.scalar(select(User).where(func.lower(User.username) == name))
    right = verify_password(user.password_hash if user else None, password or "")
    if user is not None and user.active and right:
        db.session.execute(delete(LoginFailure).where(LoginFailure.username == name, LoginFailure.remote_addr == address))
        record_event(db.session, "login", "user_account", user.id, details={"username": typed},
                     actor=Actor(user.id, user.username, address))
        return LoginAttempt(user=user)
    address_until = _address_throttled_until(address, since, limits)
    if address_until and user is None:
        # The address is stopped already; its guesses at names are not recorded one by one.
        return LoginAttempt(retry_after=_seconds_until(address_until, now))
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < since))  # keep the table small
    db.session.add(LoginFailure(username=name, remote_addr=address, at=now))
    db.session.flush()
    record_event(db.session, "login_failed", "user_account", user.id if user else None,
                 details={"username": typed}, actor=anonymous)
    name_until = _name_throttled_until(name, address, since, limits)
    address_until_now = _address_throttled_until(address, since, limits)
    untils = [moment for moment in (name_until, address_until_now) if moment]
    if not untils:
        return LoginAttempt()
    retry_after = _seconds_until(max(untils), now)
    started = (["name"] if name_until else []) + (["address"] if address_until_now and not address_until else [])
    if started:  # recorded when throttling begins, not for each refused try after (they would flood the log)
        record_event(db.session, "login_throttled", "user_account", user.id if user else None,
                     details={"username": typed, "limit": "+".join(started), "retry_after": retry_after},
                     actor=anonymous)
    return LoginAttempt(retry_after=retry_after)


# --- API tokens ---------------------------------------------------------------------------------------


def issue_token(user: User, days: int | None = None) -> str:
    """A new API token for ``user``, valid ``days`` (API_TOKEN_DAYS); the plain token is returned once
    and only its hash is kept."""
    days = current_app.config["API_TOKEN_DAYS"] if days is None else days
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(ApiToken(user=user, token_hash=hash_token(token), prefix=token[:12], created_at=now,
                            expires_at=now + timedelta(days=days)))
    db.session.flush()
    return token


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def revoke_tokens(user: User) -> int:
    """Revoke every token of ``user`` still in force; how many."""
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        revoke_token(token)
    return len(tokens)

