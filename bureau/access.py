"""Deny-by-default access control, declared once per view.

Every view carries an ``AccessRule`` set by ``@public`` or ``@allow(...)``. A before-request hook
refuses any endpoint that has none, so a new route without a declared rule is closed, not open.
Ownership rules (an organiser owns the competitions they created, a lead owns their studio) are
plain callables ``(user, view_args) -> bool``; a failed ownership check answers 404 so that the
existence of other people's records does not leak.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from bureau.accounts.models import ApiToken, Role, User
from bureau.api import ApiError
from bureau.audit.recorder import Actor, set_actor
from bureau.db import db, utcnow
from bureau.text import N_

ALL_ROLES = tuple(role.value for role in Role)
TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # a token's last use is written at most this often
OwnershipCheck = Callable[[User, dict], bool]


@dataclass(frozen=True)
class AccessRule:
    public: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    owns: OwnershipCheck | None = None

    def describe(self) -> str:
        if self.public:
            return "public"
        text = "+".join(sorted(self.roles))
        return f"{text} (owner)" if self.owns else text


def public(view):
    """Open to everybody, logged in or not."""
    view.access_rule = AccessRule(public=True)
    return view


def allow(*roles: str, owns: OwnershipCheck | None = None):
    """Open to logged-in users of ``roles``; bureau staff pass ownership checks, others must own."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles: {unknown or 'none given'}")

    def decorate(view):
        view.access_rule = AccessRule(roles=frozenset(roles), owns=owns)
        return view

    return decorate


def access_rule_for(endpoint: str) -> AccessRule | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def is_api_request() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user_from_bearer_token() -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    found = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip())))
    now = utcnow()
    if found is None or found.revoked_at is not None or not found.user.active:
        return None
    if found.expired(now):
        g.token_expired = True
        return None
    _note_token_use(found, now)
    return found.user


def _note_token_use(token: ApiToken, now) -> None:
    """Record the token's last use, at most once a minute.

    In a transaction of its own, committed at once: the request's own work is rolled back on a GET
    or a refusal, and noting a use is bookkeeping, not a change for the audit log.
    """
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_USE_RESOLUTION:
        return
    with db.engine.begin() as connection:
        connection.execute(db.update(ApiToken).where(
            ApiToken.id == token.id,
            ApiToken.last_used_at.is_(None) | (ApiToken.last_used_at < now - TOKEN_USE_RESOLUTION),
        ).values(last_used_at=now))


def authenticated_user() -> User | None:
    """The user behind this request: bearer token for the API (never the cookie), session for pages.

    The API ignores session cookies on purpose: it is exempt from CSRF, so it must not act on a
    browser's ambient credentials.
    """
    if "user" in g:
        return g.user
    if is_api_request():
        user = _user_from_bearer_token()
    else:
        user = current_user if current_user.is_authenticated else None
        if user is not None:
            user = user._get_current_object()
    g.user = user
    return user


def _session_ended() -> str | None:
    """Why a signed-in browser session is over, or None while it lasts: idle too long, or signed in
    longer than a working day however busy (the cookie alone is renewed by every answer)."""
    if is_api_request() or not current_user.is_authenticated:
        return None
    now = int(time.time())
    last_seen = session.get("seen", now)
    session["seen"] = now
    if now - session.get("since", 0) > current_app.config["SESSION_ABSOLUTE_SECONDS"]:
        return N_("登录已超过%(hours)d小时，请重新登录。")
    if now - last_seen > current_app.config["SESSION_IDLE_SECONDS"]:
        return N_("长时间未操作，请重新登录。")
    return None


def enforce_access():
    """Before every request: find the view's rule, refuse by default, authenticate, authorise."""
    if request.endpoint is None or request.endpoint == "static":
        return None  # routing 404/405, or a vendored asset
    rule = access_rule_for(request.endpoint)
    ended = _session_ended()
    if ended:
        logout_user()
        session.clear()
        g.pop("user", None)
        if rule is None or not rule.public:
            flash(_(ended, hours=current_app.config["SESSION_ABSOLUTE_SECONDS"] // 3600), "warning")
            return redirect(url_for("accounts.login", next=request.full_path))
    user = authenticated_user()
    set_actor(Actor(user.id, user.username, request.remote_addr) if user else Actor(None, "anonymous", request.remote_addr))
    if rule is None:
        current_app.logger.warning("endpoint %s has no access rule: refused", request.endpoint)
        abort(403)
    if rule.public:
        return None
    if user is None:
        if is_api_request():
            if g.get("token_expired"):
                raise ApiError(401, "unauthorized", N_("API 令牌已过期，请在“API 令牌”页面生成新令牌。"))
            abort(401)
        return redirect(url_for("accounts.login", next=request.full_path))
    if user.role not in rule.roles:
        abort(403)
    if rule.owns is not None and not user.is_admin and not rule.owns(user, dict(request.view_args or {})):
        abort(404)
    return None
