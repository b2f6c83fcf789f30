"""Bureau staff's page of scheduled jobs (next and last run, result, run now, times) and
every user's notifications."""
from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import NumberRange

from bureau.access import ALL_ROLES, allow, authenticated_user
from bureau.accounts.forms import EmptyForm
from bureau.accounts.models import Role
from bureau.clock import local_now
from bureau.db import db, utcnow
from bureau.scheduler.models import JobFailure, JobRun, Notification
from bureau.scheduler.process import load_jobs, next_run
from bureau.scheduler.registry import run_job
from bureau.web import add_navigation

blueprint = Blueprint("jobs", __name__)
add_navigation(_l("定时任务"), "jobs.index", Role.admin.value, system=True)


class SettingForm(FlaskForm):
    version = HiddenField()
    enabled = BooleanField(_l("启用"))
    hour = IntegerField(_l("时"), validators=[NumberRange(0, 23)])
    minute = IntegerField(_l("分"), validators=[NumberRange(0, 59)])
    params = TextAreaField(_l("参数（JSON）"))


@blueprint.route("/admin/jobs")
@allow(Role.admin.value)
def index():
    jobs = load_jobs()
    now = local_now()
    last_runs = {run.job: run for run in db.session.scalars(
        select(JobRun).where(JobRun.id.in_(select(func.max(JobRun.id)).group_by(JobRun.job))))}
    failures = {failure.job: failure for failure in db.session.scalars(
        select(JobFailure).where(JobFailure.id.in_(select(func.max(JobFailure.id)).group_by(JobFailure.job))))}
    rows = [{"job": job, "setting": job.settings(), "next": next_run(job, now), "last": last_runs.get(name),
             "failure": failures.get(name)} for name, job in sorted(jobs.items())]
    return render_template("jobs/index.html", rows=rows, form=EmptyForm())


@blueprint.route("/admin/jobs/<name>/run", methods=["POST"])
@allow(Role.admin.value)
def run_now(name: str):
    if name not in load_jobs() or not EmptyForm().validate_on_submit():
        abort(404)
    now = local_now()
    # A manual run is its own period: the job's effects are idempotent, so running it again is safe.
    outcome = run_job(name, now, trigger="manual", period=f"manual-{now:%Y%m%dT%H%M%S}")
    flash(_("已运行：%(result)s", result=outcome.result), "success" if outcome.ran else "warning")
    return redirect(url_for("jobs.index"))


@blueprint.route("/admin/jobs/<name>", methods=["GET", "POST"])
@allow(Role.admin.value)
def edit(name: str):
    jobs = load_jobs()
    if name not in jobs:
        abort(404)
    job = jobs[name]
    setting = job.settings()
    form = SettingForm(obj=setting) if request.method == "GET" else SettingForm()
    if request.method == "GET":
        form.params.data = json.dumps(job.parameters(), ensure_ascii=False)
    if form.validate_on_submit():
        try:
            params = json.loads(form.params.data or "{}")
            if not isinstance(params, dict):
                raise ValueError
        except ValueError:
            form.params.errors = [_("参数必须是 JSON 对象，例如 {\"days_before\": 7}")]
        else:
            if setting.id is not None and str(setting.version) != form.version.data:
                flash(_("保存失败：设置已被他人修改，请刷新后重试。"), "danger")
                return redirect(url_for("jobs.edit", name=name))
            setting.enabled, setting.hour, setting.minute, setting.params = (
                form.enabled.data, form.hour.data, form.minute.data, params)
            db.session.add(setting)
            flash(_("已保存，调度进程一分钟内生效。"), "success")
            return redirect(url_for("jobs.index"))
    return render_template("jobs/edit.html", job=job, form=form, setting=setting)


@blueprint.route("/notifications", methods=["GET", "POST"])
@allow(*ALL_ROLES)
def notifications():
    user = authenticated_user()
    form = EmptyForm()
    if form.validate_on_submit():
        for notification in db.session.scalars(select(Notification).where(
                Notification.user_id == user.id, Notification.read_at.is_(None))):
            notification.read_at = utcnow()
        return redirect(url_for("jobs.notifications"))
    items = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                               .order_by(Notification.id.desc()).limit(200)).all()
    return render_template("jobs/notifications.html", items=items, form=form)


@blueprint.app_context_processor
def unread_notifications():
    from flask import g

    user = g.get("user")
    if user is None:
        return {"unread_count": 0}
    count = db.session.scalar(select(func.count()).where(Notification.user_id == user.id,
                                                         Notification.read_at.is_(None)))
    return {"unread_count": count}
