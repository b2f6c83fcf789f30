"""Forms: showing refused input on a WTForms form, and one-time forms for those that create records."""
from __future__ import annotations

import functools
import re
import secrets
from datetime import datetime, timedelta

from flask import flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import ForeignKey, String, delete, inspect, select
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from bureau.access import authenticated_user
from bureau.db import db, insert_unless_taken, utcnow
from bureau.error_pages import render_error
from bureau.errors import Invalid
from bureau.web import local_path

FORM_TOKEN_FIELD = "form_token"
_FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
# Longer than any session lasts (SESSION_ABSOLUTE_SECONDS): a page older than this cannot pass
# the CSRF check, so forgetting its token after this long lets nothing through twice.
FORM_TOKEN_KEEP = timedelta(days=1)
REDIRECTS = (301, 302, 303, 307, 308)


def show_problems(form, error: Invalid) -> None:
    """Put each problem under its field on ``form``; flash those that belong to no field.

    ``problem.field in form`` (not getattr alone): a field name such as "data" or "validate"
    must not land on one of the form's own attributes.
    """
    for problem in error.problems:
        message = _(problem.message_template, **problem.params)
        field = form[problem.field] if problem.field in form else None
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "danger")


# --- one-time forms: a double submit creates one record ---------------------------------------


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


class OneTimeForm(FlaskForm):
    """A form that creates a record. It carries a token issued with the page, which the view's
    ``@submitted_once`` claims on the first submit: sending the same page again creates nothing.
    A form class shared by a create and an edit page carries it on both; edits are guarded by
    their version instead, and their views do not read it."""

    form_token = HiddenField(default=new_form_token)


class FormSubmission(db.Model):
    """A one-time form's token, claimed by its first submit, and where that submit led."""

    __tablename__ = "form_submission"
    __audit__ = False  # what the form created is audited; this only remembers that it was sent

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(100))
    result_url: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def submitted_once(view):
    """For a view whose POST creates a record from a ``OneTimeForm``: at most one record per form.

    The form's token is claimed before the view runs, by a unique key: of two submits at once (a
    double click, two workers), the second waits for the first to commit and then finds its claim.
    A later submit of the same token creates nothing and is sent where the first one went, with a
    message. The claim is kept when the view redirects (it made the record) and given up when it
    shows the form again (problems to correct: the same page may be sent again once corrected); a
    refusal (4xx, 5xx) rolls it back with the rest of the request.
    """

    @functools.wraps(view)
    def claim_then_run(*args, **kwargs):
        if request.method != "POST":
            return view(*args, **kwargs)
        token, user = request.form.get(FORM_TOKEN_FIELD, ""), authenticated_user()
        if not _FORM_TOKEN.fullmatch(token):
            return _expired_form()
        claim = FormSubmission(token=token, user_id=user.id, endpoint=request.endpoint or "")
        if not insert_unless_taken(claim):  # the request's first write; PostgreSQL waits for a holder
            return _sent_before(token, user.id)
        db.session.execute(delete(FormSubmission).where(  # this user's claims no page can still carry
            FormSubmission.user_id == user.id, FormSubmission.created_at < utcnow() - FORM_TOKEN_KEEP))
        response = make_response(view(*args, **kwargs))
        if inspect(claim).persistent:  # a view that rolled back has answered with a refusal
            if response.status_code in REDIRECTS:
                location = local_path(response.location)
                claim.result_url = location if location and len(location) <= 1000 else None
            elif response.status_code < 400:
                db.session.delete(claim)
        return response

    return claim_then_run


def _sent_before(token: str, user_id: int):
    earlier = db.session.scalar(select(FormSubmission).where(FormSubmission.token == token))
    if earlier is None or earlier.user_id != user_id:
        return _expired_form()
    flash(_("此表单已经提交过（可能点击了两次），没有重复登记；以下是第一次提交的结果。如需再登记一条，请重新打开表单填写。"),
          "info")
    return redirect(earlier.result_url or url_for("main.home"))


def _expired_form():
    return render_error(400, _("表单已失效或不完整，请刷新页面后重新填写提交。"))
