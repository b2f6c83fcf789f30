"""Login, logout, password, API tokens and (for bureau staff) user management."""
from __future__ import annotations

import math
import time

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select

from bureau.access import ALL_ROLES, allow, authenticated_user, public
from bureau.accounts import operations
from bureau.accounts.forms import ROLE_LABELS, EmptyForm, LoginForm, PasswordForm, UserForm
from bureau.accounts.models import ApiToken, Role, User
from bureau.accounts.passwords import verify_password
from bureau.db import db, keep_work_of_refusal, utcnow
from bureau.errors import Invalid
from bureau.forms import show_problems, submitted_once
from bureau.web import local_path

blueprint = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("main.home")


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    form = LoginForm()
    if form.validate_on_submit():
        attempt = operations.attempt_login(form.username.data, form.password.data, request.remote_addr or "-",
                                           operations.LoginLimits.from_config(current_app.config))
        if attempt.user is not None:
            session.clear()  # a fresh session on login: no fixation
            login_user(attempt.user)
            # Both clocks start now, also for the login answer's own cookie: idle, and since login.
            session["seen"] = session["since"] = int(time.time())
            return redirect(_safe_next(request.args.get("next")))
        if attempt.retry_after:
            keep_work_of_refusal()  # the failure just counted and its audit entry stay
            flash(_("登录尝试过于频繁，请%(minutes)d分钟后再试。忘记密码请联系本局系统管理员。",
                    minutes=math.ceil(attempt.retry_after / 60)), "danger")
            response = make_response(render_template("accounts/login.html", form=form), 429)
            response.headers["Retry-After"] = str(attempt.retry_after)
            return response
        flash(_("用户名或密码错误。"), "danger")
    return render_template("accounts/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
@allow(*ALL_ROLES)
def logout():
    operations.log_out(authenticated_user(), request.remote_addr)
    logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("accounts.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@allow(*ALL_ROLES)
def change_password():
    user = authenticated_user()
    form = PasswordForm()
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data):
            form.current_password.errors = [_("当前密码不正确。")]
        else:
            try:
                operations.change_password(user, form.new_password.data)
            except Invalid as error:
                form.new_password.errors = [_(p.message_template, **p.params) for p in error.problems]
            else:
                login_user(user)  # keep this session; the epoch bump ended the others
                flash(_("密码已修改。"), "success")
                return redirect(url_for("main.home"))
    return render_template("accounts/password.html", form=form)


@blueprint.route("/account/tokens", methods=["GET", "POST"])
@allow(*ALL_ROLES)
def tokens():
    user = authenticated_user()
    form = EmptyForm()
    new_token = None
    if form.validate_on_submit():
        new_token = operations.issue_token(user)
    own_tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())).all()
    return render_template("accounts/tokens.html", tokens=own_tokens, form=form, new_token=new_token, now=utcnow())


@blueprint.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@allow(*ALL_ROLES, owns=lambda user, args: db.session.scalar(
    select(ApiToken.user_id).where(ApiToken.id == args["token_id"])) == user.id)
def revoke_token(token_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = db.get_or_404(ApiToken, token_id)
    operations.revoke_token(token)
    flash(_("令牌已吊销。"), "success")
    return redirect(url_for("accounts.tokens"))


@blueprint.route("/admin/users", methods=["GET", "POST"])
@allow(Role.admin.value)
@submitted_once
def user_list():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = operations.create_user(form.username.data, form.role.data, form.password.data,
                                          display_name=form.display_name.data, organisation=form.organisation.data)
        except Invalid as error:
            show_problems(form, error)
        else:
            flash(_("已创建用户 %(username)s。", username=user.username), "success")
            return redirect(url_for("accounts.user_list"))
    users = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("accounts/users.html", users=users, form=form, role_labels=ROLE_LABELS)
