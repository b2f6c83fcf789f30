"""Staged uploads (every row of the file, whole ID numbers included, kept until the organiser confirms)
expire: confirming one older than ``STAGED_UPLOAD_KEEP_HOURS`` is refused, and a scheduled job deletes them."""
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bureau.db import db, utcnow
from bureau.scheduler.process import load_jobs
from bureau.scheduler.registry import run_job
from competition.models import Result, ResultUpload
from tests.competition.test_web import make_competition, people, post_form, upload, xlsx

RUN_AT = datetime(2026, 12, 1, 10, 0)  # Beijing time, as the scheduler passes it
RUN_AT_UTC = datetime(2026, 12, 1, 2, 0)  # the same moment as created_at is stored


def staged(client, competition, count: int = 3) -> ResultUpload:
    upload(client, competition, xlsx(people(count)))
    return db.session.scalar(select(ResultUpload).order_by(ResultUpload.id.desc()).limit(1))


def staged_at(token: str, created_at: datetime) -> None:
    db.session.execute(update(ResultUpload).where(ResultUpload.token == token).values(created_at=created_at))
    db.session.commit()


def confirm(client, competition, token: str):
    return post_form(client, f"/competitions/{competition.id}/upload/{token}", {},
                     page=f"/competitions/{competition.id}/upload")


def tokens() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(ResultUpload.token)))


def test_the_job_deletes_staged_uploads_older_than_a_day_and_keeps_fresh_ones(app, client, login_as):
    login_as("organiser")
    competition = make_competition(client)
    old, fresh = staged(client, competition).token, staged(client, competition).token
    staged_at(old, RUN_AT_UTC - timedelta(hours=24, minutes=1))
    staged_at(fresh, RUN_AT_UTC - timedelta(hours=23))

    load_jobs()
    outcome = run_job("staged_uploads", RUN_AT)
    assert outcome.ran and outcome.result.startswith("1 of 2 staged uploads")
    assert tokens() == {fresh}
    assert not run_job("staged_uploads", RUN_AT.replace(minute=30)).ran  # once per period

    # The keeping time is a setting (STAGED_UPLOAD_KEEP_HOURS): at 12 hours the other one goes too.
    app.config["STAGED_UPLOAD_KEEP_HOURS"] = 12
    assert run_job("staged_uploads", RUN_AT + timedelta(hours=1)).ran
    assert tokens() == set()

    login_as("admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "删除超过保留期未确认的成绩上传" in page and "staged_uploads" in page


def test_confirming_an_expired_upload_is_refused_in_chinese(app, client, login_as):
    login_as("organiser")
    competition = make_competition(client)
    token = staged(client, competition).token
    staged_at(token, utcnow() - timedelta(hours=24, minutes=1))  # the job has not run yet
    response = confirm(client, competition, token)
    assert response.status_code == 409
    assert "该上传预览已超过 24 小时未确认" in response.get_data(as_text=True)
    assert db.session.scalar(select(Result.id)) is None

    load_jobs()
    assert run_job("staged_uploads").ran
    response = confirm(client, competition, token)  # deleted by now
    assert response.status_code == 409
    assert "该上传预览已失效或已保存，请重新上传文件。" in response.get_data(as_text=True)

    fresh = staged(client, competition).token  # uploading the file again works as ever
    assert confirm(client, competition, fresh).status_code == 302
    assert db.session.query(Result).count() == 3


def test_the_keeping_time_is_read_from_the_environment(monkeypatch, tmp_path):
    from bureau.config import from_environment

    assert from_environment(tmp_path)["STAGED_UPLOAD_KEEP_HOURS"] == 24
    monkeypatch.setenv("STAGED_UPLOAD_KEEP_HOURS", "6")
    assert from_environment(tmp_path)["STAGED_UPLOAD_KEEP_HOURS"] == 6
