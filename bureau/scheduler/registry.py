"""Job registry and the runner that records each (job, period) once."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from bureau.audit.recorder import Actor, set_actor
from bureau.clock import local_now
from bureau.db import db, utcnow
from bureau.scheduler.models import JobFailure, JobRun, JobSetting

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    label: str  # Chinese, marked for translation where registered
    run: Callable[[datetime, dict], str]
    period: Callable[[datetime], str]  # the key a run counts for: a date, a year, a minute
    hour: int = 2
    minute: int = 0
    every_minutes: int | None = None  # for frequent jobs (certificate batches), instead of a daily time
    params: dict | None = None  # default parameters, editable by staff

    def settings(self) -> JobSetting:
        setting = db.session.scalar(select(JobSetting).where(JobSetting.job == self.name))
        if setting is None:
            # Not saved yet, so no column default applies: every field is the job's default, which
            # is enabled (a fresh install runs every job).
            setting = JobSetting(job=self.name, enabled=True, hour=self.hour, minute=self.minute,
                                 params=dict(self.params or {}))
        return setting

    def parameters(self) -> dict:
        return {**(self.params or {}), **(self.settings().params or {})}


JOBS: dict[str, Job] = {}


def job(name: str, label: str, *, period: Callable[[datetime], str] | None = None, hour: int = 2, minute: int = 0,
        every_minutes: int | None = None, params: dict | None = None):
    """Register ``function(now, params) -> summary`` as a job. ``now`` is local (Beijing) time."""

    def register(function):
        JOBS[name] = Job(name, label, function, period or daily, hour, minute, every_minutes, params)
        return function

    return register


def daily(now: datetime) -> str:
    return now.date().isoformat()


def hourly(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H")


def every_minute(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class Outcome:
    job: str
    period: str
    ran: bool
    result: str


def run_job(name: str, now: datetime | None = None, *, trigger: str = "schedule", period: str | None = None) -> Outcome:
    """Run ``name`` for the period ``now`` falls in, unless that period's run is already recorded.

    The JobRun row is inserted first and committed together with the job's changes: a second
    process racing for the same period fails on the unique key (on PostgreSQL it waits for the
    first to commit) and changes nothing; a job that raises leaves nothing behind but a failure note.
    """
    job_ = JOBS[name]
    now = now or local_now()
    period = period or job_.period(now)
    set_actor(Actor(None, f"scheduler:{name}"))
    try:
        run = JobRun(job=name, period=period, trigger=trigger)
        db.session.add(run)
        db.session.flush()
    except (IntegrityError, OperationalError):
        # Taken already, or (SQLite) another process holds the write lock for this very run.
        db.session.rollback()
        return Outcome(name, period, False, "already run for this period")
    try:
        result = job_.run(now, job_.parameters()) or ""
        run.result, run.finished_at = result[:2000], utcnow()
        db.session.commit()
    except (IntegrityError, OperationalError):
        # The unique key was taken by another process while this one worked: its run counts.
        db.session.rollback()
        return Outcome(name, period, False, "already run for this period")
    except Exception as error:  # noqa: BLE001 - a failing job must not stop the scheduler
        db.session.rollback()
        log.exception("job %s failed for %s", name, period)
        db.session.add(JobFailure(job=name, period=period, error=f"{type(error).__name__}: {error}"[:2000]))
        db.session.commit()
        return Outcome(name, period, False, f"failed: {error}")
    return Outcome(name, period, True, run.result)
