from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bureau.db import Versioned, db, utcnow


class JobRun(db.Model):
    """One run of one job for one period; the unique key is what makes jobs idempotent."""

    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job", "period"),)
    __audit__ = False  # the run record is itself the log; the job's own changes are audited

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(50), index=True)
    period: Mapped[str] = mapped_column(String(50))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    result: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(String(20), default="schedule")  # schedule | manual


class JobFailure(db.Model):
    """A run that raised; kept apart from JobRun so a failed period can be run again."""

    __tablename__ = "job_failure"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(50), index=True)
    period: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    error: Mapped[str] = mapped_column(Text)


class JobSetting(Versioned, db.Model):
    """Bureau staff's settings of a job: when it runs and its parameters (e.g. days before a deadline)."""

    __tablename__ = "job_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(50), unique=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    hour: Mapped[int] = mapped_column(default=2)
    minute: Mapped[int] = mapped_column(default=0)
    params: Mapped[dict] = mapped_column(JSON, default=dict)


class Notification(db.Model):
    """An in-app message to one user (reminders, warnings); e-mailed too when SMTP is configured."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))  # one notification per user and key, however often sent
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]
