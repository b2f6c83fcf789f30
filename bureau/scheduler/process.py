"""The scheduler process and its command line: ``flask --app wsgi scheduler run|run-job|list``.

One process only (APScheduler's job store must not be shared): it is started by scripts/run.sh
beside the web server, and by a systemd unit in deployments. Web workers never schedule.
"""
from __future__ import annotations

import importlib
import logging
from datetime import datetime

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app

from bureau.clock import LOCAL_TIMEZONE
from bureau.scheduler.registry import JOBS, Job, run_job

# Modules that register jobs; a module that does not exist yet is skipped.
JOB_MODULES = ["bureau.scheduler.platform_jobs", "competition.jobs", "studios.jobs", "bureau.certificates.jobs"]
SETTINGS_REFRESH_MINUTES = 1
log = logging.getLogger(__name__)


def load_jobs() -> dict[str, Job]:
    for name in JOB_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    return JOBS


def trigger_for(job: Job):
    if job.every_minutes:
        return IntervalTrigger(minutes=job.every_minutes, timezone=LOCAL_TIMEZONE)
    setting = job.settings()
    return CronTrigger(hour=setting.hour, minute=setting.minute, timezone=LOCAL_TIMEZONE)


def next_run(job: Job, now: datetime) -> datetime | None:
    if not job.settings().enabled:
        return None
    moment = trigger_for(job).get_next_fire_time(None, now.replace(tzinfo=LOCAL_TIMEZONE))
    return moment.replace(tzinfo=None) if moment else None


def _run_in_app(app: Flask, name: str, now: datetime | None = None) -> None:
    """What the scheduler calls when a job's trigger fires (``now``: the clock, for tests)."""
    with app.app_context():
        job = JOBS[name]
        if not job.settings().enabled:
            return
        outcome = run_job(name, now)
        log.info("%s %s: %s", name, outcome.period, outcome.result)


def _apply_settings(app: Flask, scheduler: BlockingScheduler) -> None:
    """Pick up times staff changed on the jobs page without restarting the process."""
    with app.app_context():
        for name, job in JOBS.items():
            trigger = trigger_for(job)
            existing = scheduler.get_job(name)
            if existing is None:
                scheduler.add_job(_run_in_app, trigger, args=[app, name], id=name, name=name,
                                  coalesce=True, max_instances=1, misfire_grace_time=3600)
            elif str(existing.trigger) != str(trigger):
                existing.reschedule(trigger)


scheduler_cli = click.Group("scheduler", help="The scheduler process and its jobs.")


@scheduler_cli.command("run")
def run() -> None:
    """Run the scheduler in this process (exactly one per deployment)."""
    app = current_app._get_current_object()
    load_jobs()
    scheduler = BlockingScheduler(timezone=LOCAL_TIMEZONE)
    _apply_settings(app, scheduler)
    scheduler.add_job(_apply_settings, IntervalTrigger(minutes=SETTINGS_REFRESH_MINUTES), args=[app, scheduler],
                      id="_settings", coalesce=True, max_instances=1)
    click.echo(f"scheduler: {len(JOBS)} jobs: {', '.join(sorted(JOBS))}")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@scheduler_cli.command("run-job")
@click.argument("name")
@click.option("--at", "at", default=None, help="Run as if it were this local time (YYYY-MM-DDTHH:MM).")
def run_one(name: str, at: str | None) -> None:
    """Run one job now (or as of --at), once for its period."""
    jobs = load_jobs()
    if name not in jobs:
        raise click.ClickException(f"unknown job {name}; known: {', '.join(sorted(jobs))}")
    outcome = run_job(name, datetime.fromisoformat(at) if at else None, trigger="manual")
    click.echo(f"{outcome.job} {outcome.period}: {'ran' if outcome.ran else 'skipped'} — {outcome.result}")


@scheduler_cli.command("list")
def list_jobs() -> None:
    for name, job in sorted(load_jobs().items()):
        click.echo(f"{name}: {job.label}")
