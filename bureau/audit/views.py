"""The audit log page for bureau staff: browse and filter, newest first, paginated."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import select

from bureau.access import allow
from bureau.accounts.models import Role
from bureau.audit.models import AuditEntry
from bureau.db import db
from bureau.text import N_

blueprint = Blueprint("audit", __name__)

# Every action the log holds: row changes recorded at the flush, and events (record_event).
ACTION_LABELS = {
    "create": N_("新建"), "update": N_("修改"), "delete": N_("删除"),
    "login": N_("登录"), "login_failed": N_("登录失败"), "login_throttled": N_("登录受限"), "logout": N_("退出登录"),
}


def _date(value: str | None):
    try:
        return datetime.strptime(value, "%Y-%m-%d") if value else None
    except ValueError:
        return None


@blueprint.route("/admin/audit")
@allow(Role.admin.value)
def entries():
    filters = {key: request.args.get(key, "").strip() for key in ("actor", "object_type", "object_id", "action", "since", "until")}
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if filters["actor"]:
        query = query.where(AuditEntry.actor_name == filters["actor"])
    if filters["object_type"]:
        query = query.where(AuditEntry.object_type == filters["object_type"])
    if filters["object_id"]:
        query = query.where(AuditEntry.object_id == filters["object_id"])
    if filters["action"]:
        query = query.where(AuditEntry.action == filters["action"])
    if since := _date(filters["since"]):
        query = query.where(AuditEntry.at >= since)
    if until := _date(filters["until"]):
        query = query.where(AuditEntry.at < until + timedelta(days=1))
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    object_types = db.session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).all()
    return render_template("audit/entries.html", page=page, filters=filters, object_types=object_types,
                           action_labels=ACTION_LABELS)
