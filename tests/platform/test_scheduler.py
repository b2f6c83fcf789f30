"""Scheduled jobs: once per period, safe to rerun or to race, driven by a controlled clock."""
import re
import threading
import time
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from bureau.accounts.models import LoginFailure
from bureau.db import db
from bureau.scheduler.models import JobFailure, JobRun, Notification
from bureau.scheduler.notify import notify
from bureau.scheduler.process import load_jobs, next_run
from bureau.scheduler.registry import JOBS, job, run_job
from tests.conftest import ON_POSTGRES, csrf_token_from

NOV_30 = datetime(2026, 11, 30, 0, 10)


@pytest.fixture
def counting_job():
    """A job whose every real run leaves one row behind, and which takes a moment (to overlap)."""

    @job("test_counter", "测试计数", params={"pause": 0.0})
    def count(now, params):
        db.session.add(LoginFailure(username="job", remote_addr="scheduler"))
        time.sleep(params["pause"])
        return "counted"

    yield JOBS["test_counter"]
    JOBS.pop("test_counter")


def runs_of(name):
    return db.session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.username == "job"))


def test_a_job_runs_once_per_period(app, counting_job):
    first = run_job("test_counter", NOV_30)
    second = run_job("test_counter", NOV_30.replace(hour=23))
    assert first.ran and not second.ran and second.result == "already run for this period"
    assert runs_of("test_counter") == 1
    assert run_job("test_counter", datetime(2026, 12, 1, 0, 10)).ran  # the next day is a new period
    assert runs_of("test_counter") == 2


def test_a_failed_run_leaves_nothing_and_can_run_again(app):
    attempts = []

    @job("test_flaky", "测试失败")
    def flaky(now, params):
        attempts.append(now)
        db.session.add(LoginFailure(username="flaky", remote_addr="x"))
        if len(attempts) == 1:
            raise RuntimeError("disk full")
        return "ok"

    try:
        assert not run_job("test_flaky", NOV_30).ran
        assert db.session.scalar(select(JobFailure.error)) == "RuntimeError: disk full"
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0  # rolled back
        assert run_job("test_flaky", NOV_30).ran
        assert db.session.scalar(select(func.count()).select_from(JobRun)) == 1
    finally:
        JOBS.pop("test_flaky")


def test_two_schedulers_at_once_change_nothing_twice(app, counting_job):
    """Two processes by mistake: each has its own connection; one runs, the other finds the key taken."""
    counting_job.params["pause"] = 0.5
    outcomes = []

    def scheduler_process():
        with app.app_context():
            outcomes.append(run_job("test_counter", NOV_30))
            db.session.remove()

    threads = [threading.Thread(target=scheduler_process) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcome.ran for outcome in outcomes) == [False, True]
    db.session.expire_all()
    assert runs_of("test_counter") == 1
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 1


def test_close_notices_job_makes_due_notices_final(app, users):
    from competition.operations import create_competition, finalize, publish_notice, replace_results
    from tests.competition.ids import person_id

    competition = create_competition({"name": "市赛", "tier": "city", "category": 1, "year": 2026,
                                      "policy": "wenzhou-2018"}, users["organiser"])
    replace_results(competition, [{"name": "甲", "id_number": person_id(1), "theory": 90, "practical": 90}])
    finalize(competition)
    notice = publish_notice(competition, starts_on=date(2026, 11, 23))
    db.session.commit()
    load_jobs()
    assert run_job("close_notices", datetime(2026, 11, 27, 0, 10)).result.startswith("0 of 0")  # ends on the 27th
    assert notice.status == "open"
    outcome = run_job("close_notices", datetime(2026, 11, 28, 0, 10))
    assert outcome.result.startswith("1 of 1")
    db.session.refresh(notice)
    assert notice.status == "final"
    assert not run_job("close_notices", datetime(2026, 11, 28, 9, 0)).ran


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's online backup; PostgreSQL deployments use pg_dump")
def test_nightly_backup_keeps_a_number_and_restores(app, users, tmp_path):
    from bureau.accounts.models import User
    from bureau.backup import restore_sqlite

    app.config["BACKUP_DIR"] = str(tmp_path / "backups")
    load_jobs()
    JOBS["backup"].params["keep"] = 2
    try:
        for day in (1, 2, 3):
            assert run_job("backup", datetime(2026, 12, day, 1, 30)).ran
        assert not run_job("backup", datetime(2026, 12, 3, 2, 0)).ran
        backups = sorted((tmp_path / "backups").glob("bureau-*.sqlite3"))
        assert [b.name[7:15] for b in backups] == ["20261202", "20261203"]
    finally:
        JOBS["backup"].params["keep"] = 14
    # Damage the live database, then restore last night's backup.
    db.session.delete(db.session.scalar(select(User).where(User.username == "lead")))
    db.session.commit()
    restore_sqlite(backups[-1])
    assert db.session.scalar(select(User.username).where(User.username == "lead")) == "lead"


def test_notifications_are_sent_once_per_key_and_emailed(app, users):
    pytest.importorskip("aiosmtpd")
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Inbox(Message):
        def handle_message(self, message):
            received.append(message)

    import socket

    with socket.socket() as probe:  # a free local port for the test's own SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        lead = users["lead"]
        lead.email = "lead@example.cn"
        assert notify(lead, "report-2026-reminder-7", "请在截止日前提交2026年度报告", "距截止还有7天")
        assert not notify(lead, "report-2026-reminder-7", "请在截止日前提交2026年度报告")
        db.session.commit()
    finally:
        controller.stop()
    assert len(received) == 1
    assert received[0]["To"] == "lead@example.cn"
    from email.header import decode_header, make_header

    assert "2026年度报告" in str(make_header(decode_header(received[0]["Subject"])))
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_staff_see_jobs_and_run_one_now(client, login_as, counting_job):
    login_as("admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "测试计数" in page and "数据库夜间备份" in page
    response = client.post("/admin/jobs/test_counter/run", data={"csrf_token": csrf_token_from(client, "/admin/jobs")})
    assert response.status_code == 302
    assert runs_of("test_counter") == 1
    assert "counted" in client.get("/admin/jobs").get_data(as_text=True)


def test_jobs_page_is_for_staff_only(client, login_as):
    login_as("organiser")
    assert client.get("/admin/jobs").status_code == 403


def test_staff_change_a_jobs_time_and_the_next_run_follows(client, login_as, counting_job):
    login_as("admin")
    page = client.get("/admin/jobs/test_counter").get_data(as_text=True)
    token = csrf_token_from(client, "/admin/jobs/test_counter")
    response = client.post("/admin/jobs/test_counter", data={"csrf_token": token, "enabled": "y", "hour": "7",
                                                             "minute": "45", "params": '{"pause": 0}', "version": ""})
    assert response.status_code == 302, page
    assert next_run(counting_job, datetime(2026, 11, 30, 8, 0)) == datetime(2026, 12, 1, 7, 45)


def test_on_a_fresh_install_every_job_is_enabled_and_the_scheduler_runs_it_when_due(app, tmp_path):
    """No job_setting rows yet (nobody has opened a job's settings): each job runs at its default time."""
    from bureau.scheduler.models import JobSetting
    from bureau.scheduler.process import _run_in_app

    app.config.update(BACKUP_DIR=str(tmp_path / "backups"), CERTIFICATE_DIR=str(tmp_path / "certificates"))
    jobs = load_jobs()
    assert db.session.scalar(select(func.count()).select_from(JobSetting)) == 0
    for name, job_ in jobs.items():
        due = next_run(job_, NOV_30)
        assert due is not None, f"{name} is never due"
        _run_in_app(app, name, now=due)  # what the scheduler calls when the job's trigger fires
    db.session.rollback()
    assert set(db.session.scalars(select(JobRun.job))) == set(jobs)
    assert db.session.scalar(select(func.count()).select_from(JobFailure)) == 0


def test_the_jobs_page_of_a_fresh_install_shows_every_job_enabled(client, login_as):
    login_as("admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "数据库夜间备份" in page and "每天 01:30" in page
    assert "已停用" not in page


def test_saving_a_jobs_settings_the_first_time_keeps_it_enabled_until_staff_untick_it(client, login_as):
    from bureau.scheduler.models import JobSetting

    login_as("admin")
    form = client.get("/admin/jobs/backup").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*name="enabled"', form), "enabled is not ticked on a fresh install"
    token = csrf_token_from(client, "/admin/jobs/backup")
    # Saved as shown (the browser sends the ticked box), only the time changed.
    response = client.post("/admin/jobs/backup", data={"csrf_token": token, "enabled": "y", "hour": "2",
                                                       "minute": "15", "params": '{"keep": 14}', "version": ""})
    assert response.status_code == 302
    setting = db.session.scalar(select(JobSetting).where(JobSetting.job == "backup"))
    assert (setting.enabled, setting.hour, setting.minute, setting.params) == (True, 2, 15, {"keep": 14})
    assert "每天 02:15" in client.get("/admin/jobs").get_data(as_text=True)

    version = re.search(r'name="version"[^>]*value="(\d+)"', client.get("/admin/jobs/backup").get_data(as_text=True))
    response = client.post("/admin/jobs/backup", data={"csrf_token": token, "hour": "2", "minute": "15",
                                                       "params": "{}", "version": version.group(1)})
    assert response.status_code == 302
    assert "已停用" in client.get("/admin/jobs").get_data(as_text=True)
    assert next_run(load_jobs()["backup"], NOV_30) is None
