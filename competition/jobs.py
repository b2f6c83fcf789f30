"""Competition jobs: end public notice periods; delete uploads left unconfirmed."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from bureau.clock import utc_from_local
from bureau.db import db
from bureau.scheduler.registry import hourly, job
from bureau.text import N_
from competition.models import NoticeStatus, PublicNotice, ResultUpload
from competition.operations import close_notice_if_due, staged_upload_keep_hours


@job("close_notices", N_("结束到期的竞赛结果公示"), hour=0, minute=10)
def close_due_notices(now: datetime, params: dict) -> str:
    """Each open notice whose period has ended becomes final, unless an objection is still open."""
    notices = db.session.scalars(select(PublicNotice).where(PublicNotice.status == NoticeStatus.open.value,
                                                            PublicNotice.ends_on < now.date())).all()
    closed = sum(close_notice_if_due(notice, now.date()) for notice in notices)
    return f"{closed} of {len(notices)} due notices became final"


@job("staged_uploads", N_("删除超过保留期未确认的成绩上传"), period=hourly, every_minutes=60)
def delete_expired_uploads(now: datetime, params: dict) -> str:
    """An upload waiting for confirmation holds every row of its file, whole ID numbers included
    (up to 20,000 rows): one left unconfirmed past ``STAGED_UPLOAD_KEEP_HOURS`` (24) is deleted.
    Hourly, so none outlives its keeping time by more than an hour; confirming it is refused from
    the moment it expires. Not audited, as its rows never were: the file can be uploaded again."""
    hours = staged_upload_keep_hours()
    expired = ResultUpload.created_at < utc_from_local(now) - timedelta(hours=hours)
    total = db.session.scalar(select(func.count()).select_from(ResultUpload))
    deleted = db.session.execute(delete(ResultUpload).where(expired)).rowcount
    return f"{deleted} of {total} staged uploads were older than {hours} hours: deleted"
