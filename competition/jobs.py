"""Competition jobs: end public notice periods."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bureau.db import db
from bureau.scheduler.registry import job
from bureau.text import N_
from competition.models import NoticeStatus, PublicNotice
from competition.operations import close_notice_if_due


@job("close_notices", N_("结束到期的竞赛结果公示"), hour=0, minute=10)
def close_due_notices(now: datetime, params: dict) -> str:
    """Each open notice whose period has ended becomes final, unless an objection is still open."""
    notices = db.session.scalars(select(PublicNotice).where(PublicNotice.status == NoticeStatus.open.value,
                                                            PublicNotice.ends_on < now.date())).all()
    closed = sum(close_notice_if_due(notice, now.date()) for notice in notices)
    return f"{closed} of {len(notices)} due notices became final"
