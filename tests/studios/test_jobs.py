"""Studio jobs driven by a controlled clock: each effect once, however often the job runs."""
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from bureau.db import db
from bureau.scheduler.models import Notification
from bureau.scheduler.process import load_jobs
from bureau.scheduler.registry import run_job
from studios.models import AnnualReport, ReportWindow, Studio

load_jobs()


@pytest.fixture
def studio(app, users):
    made = Studio(name="张明华数控技能大师工作室", kind="master_studio", level="city", jurisdiction="温州市",
                  policy="wenzhou-2018", lead=users["lead"], established=date(2024, 3, 1), term_years=3,
                  term_ends=date(2027, 2, 28))
    db.session.add(made)
    db.session.commit()
    return made


def notes(user, key_prefix=""):
    return db.session.scalars(select(Notification.key).where(Notification.user_id == user.id,
                                                             Notification.key.startswith(key_prefix))).all()


def test_window_opens_on_its_day_once_and_tells_leads(app, users, studio):
    assert "opens on" in run_job("open_report_window", datetime(2026, 10, 31, 8)).result
    assert db.session.scalar(select(ReportWindow)) is None
    run_job("open_report_window", datetime(2026, 11, 1, 8))
    window = db.session.scalar(select(ReportWindow))
    assert (window.year, window.opens_on, window.deadline) == (2026, date(2026, 11, 1), date(2027, 1, 15))
    run_job("open_report_window", datetime(2026, 11, 2, 8))  # the next day: nothing new
    assert db.session.scalar(select(func.count()).select_from(ReportWindow)) == 1
    assert notes(users["lead"]) == ["report-window-2026-open"]


def test_reminders_go_n_days_before_to_those_not_submitted(app, users, studio):
    db.session.add(ReportWindow(year=2026, opens_on=date(2026, 11, 1), deadline=date(2027, 1, 15)))
    other = Studio(name="刘秀英电工技能大师工作室", kind="master_studio", level="city", jurisdiction="温州市",
                   policy="wenzhou-2018", lead=users["lead_b"], established=date(2023, 5, 1), term_years=3,
                   term_ends=date(2027, 4, 30))
    db.session.add(other)
    db.session.add(AnnualReport(studio=other, year=2026, status="submitted", content={}))
    db.session.commit()
    assert run_job("remind_reports", datetime(2027, 1, 2, 9)).result == "0 reminders"  # 13 days: not a reminder day
    assert run_job("remind_reports", datetime(2027, 1, 8, 9)).result == "1 reminders"  # 7 days before
    assert not run_job("remind_reports", datetime(2027, 1, 8, 18)).ran
    assert notes(users["lead"]) == ["report-2026-reminder-7"]
    assert notes(users["lead_b"]) == []  # submitted already


def test_after_the_deadline_missing_reports_are_announced_once(app, users, studio):
    db.session.add(ReportWindow(year=2026, opens_on=date(2026, 11, 1), deadline=date(2027, 1, 15)))
    db.session.commit()
    run_job("close_report_window", datetime(2027, 1, 15, 0, 5))
    assert notes(users["lead"]) == []  # the deadline day itself is still on time
    run_job("close_report_window", datetime(2027, 1, 16, 0, 5))
    run_job("close_report_window", datetime(2027, 1, 17, 0, 5))
    assert notes(users["lead"]) == ["report-2026-overdue"]
    assert notes(users["admin"]) == ["report-2026-closed"]


def test_terms_warn_within_90_days_and_expire_after(app, users, studio):
    run_job("studio_terms", datetime(2026, 11, 29, 3))  # 91 days before 2027-02-28
    assert notes(users["lead"], "term-") == []
    run_job("studio_terms", datetime(2026, 12, 1, 3))
    run_job("studio_terms", datetime(2026, 12, 2, 3))
    assert notes(users["lead"], "term-") == [f"term-ending-{studio.id}-2027-02-28"]
    assert notes(users["admin"], "term-") == [f"term-ending-{studio.id}-2027-02-28"]
    run_job("studio_terms", datetime(2027, 3, 1, 3))
    db.session.refresh(studio)
    assert studio.status == "expired"


def test_staff_hear_once_when_an_assessment_notice_period_ends(app, users, studio):
    from studios.models import Assessment

    assessment = Assessment(year=2026, kind="master_studio", level="city", jurisdiction="温州市", policy="wenzhou-2018",
                            run_by=users["admin"], pass_score=60, excellent_percent=15, excellent_cap=0,
                            reward_amount=0, reward_cap=50000, status="published", notice_ends_on=date(2027, 3, 10))
    db.session.add(assessment)
    db.session.commit()
    assert run_job("end_assessment_notices", datetime(2027, 3, 10, 0, 15)).result == "0 ended, 0 told"
    run_job("end_assessment_notices", datetime(2027, 3, 11, 0, 15))
    run_job("end_assessment_notices", datetime(2027, 3, 12, 0, 15))
    assert notes(users["admin"]) == [f"assessment-{assessment.id}-notice-ended"]
