"""Studio jobs of the yearly calendar: the report window, reminders, the deadline, studio terms.

Each effect is idempotent on its own: a window is created once per year, a notification once per
person and key, an expiry once per studio; the scheduler also records each run once per period.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from bureau.accounts.models import Role, User
from bureau.db import db
from bureau.scheduler.notify import notify
from bureau.scheduler.registry import job
from bureau.text import N_
from studios.models import AnnualReport, ReportStatus, ReportWindow, Studio, StudioStatus

TERM_WARNING_DAYS = 90
DONE_STATUSES = (ReportStatus.submitted.value, ReportStatus.accepted.value)


def _month_day(text: str, year: int) -> date:
    month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def _active_studios() -> list[Studio]:
    return db.session.scalars(select(Studio).where(Studio.status == StudioStatus.active.value)
                              .order_by(Studio.id)).all()


def _staff() -> list[User]:
    return db.session.scalars(select(User).where(User.role == Role.admin.value, User.active.is_(True))).all()


def _unsubmitted(year: int) -> list[Studio]:
    done = set(db.session.scalars(select(AnnualReport.studio_id).where(
        AnnualReport.year == year, AnnualReport.status.in_(DONE_STATUSES))))
    return [studio for studio in _active_studios() if studio.id not in done and studio.established.year <= year]


def _report_link(studio: Studio, year: int) -> str:
    # The scheduler runs outside any request, where url_for cannot build paths without SERVER_NAME.
    return f"/studios/{studio.id}/reports/{year}"


@job("open_report_window", N_("开放年度报告填报"), hour=8, minute=0, params={"opens": "11-01", "deadline": "01-15"})
def open_report_window(now: datetime, params: dict) -> str:
    """From the configured opening day, this year's window exists and every lead has been told."""
    year = now.year
    opens_on = _month_day(params["opens"], year)
    if now.date() < opens_on:
        return f"{year}: opens on {opens_on}"
    window = db.session.scalar(select(ReportWindow).where(ReportWindow.year == year))
    created = window is None
    if created:
        deadline = _month_day(params["deadline"], year + 1 if params["deadline"] < params["opens"] else year)
        window = ReportWindow(year=year, opens_on=opens_on, deadline=deadline)
        db.session.add(window)
    told = sum(notify(studio.lead, f"report-window-{year}-open",
                      f"{year}年度报告开始填报，截止日期{window.deadline.isoformat()}",
                      f"{studio.name}：请在截止日期前提交{year}年度报告。", _report_link(studio, year))
               for studio in _active_studios())
    return f"{year}: window {'created' if created else 'exists'}, {told} leads told"


@job("remind_reports", N_("提醒未提交年度报告的负责人"), hour=9, minute=0, params={"days_before": [14, 7, 3, 1]})
def remind_reports(now: datetime, params: dict) -> str:
    """N days before a deadline, each lead whose report is not in yet gets one reminder for that N."""
    today = now.date()
    sent = 0
    for window in db.session.scalars(select(ReportWindow).where(ReportWindow.deadline >= today)):
        days_left = (window.deadline - today).days
        if days_left not in params["days_before"] or today < window.opens_on:
            continue
        for studio in _unsubmitted(window.year):
            sent += notify(studio.lead, f"report-{window.year}-reminder-{days_left}",
                           f"{window.year}年度报告还有{days_left}天截止",
                           f"{studio.name}的{window.year}年度报告尚未提交，截止日期{window.deadline.isoformat()}。",
                           _report_link(studio, window.year))
    return f"{sent} reminders"


@job("close_report_window", N_("年度报告截止：通知逾期未交"), hour=0, minute=5)
def close_report_window(now: datetime, params: dict) -> str:
    """The day after a deadline: leads whose reports are missing and bureau staff are told.

    Submissions after the deadline are still taken, marked late (studios.operations.submit_report),
    and need staff approval when accepted.
    """
    today = now.date()
    told = 0
    for window in db.session.scalars(select(ReportWindow).where(ReportWindow.deadline < today,
                                                                ReportWindow.deadline >= today - timedelta(days=30))):
        missing = _unsubmitted(window.year)
        for studio in missing:
            told += notify(studio.lead, f"report-{window.year}-overdue", f"{window.year}年度报告已逾期",
                           f"{studio.name}的{window.year}年度报告未在{window.deadline.isoformat()}前提交；"
                           f"逾期提交须经人社局审核同意。", _report_link(studio, window.year))
        for clerk in _staff():
            told += notify(clerk, f"report-{window.year}-closed", f"{window.year}年度报告填报已截止",
                           f"截至{window.deadline.isoformat()}，{len(missing)}个工作室（基地）未提交。")
    return f"{told} told"


@job("studio_terms", N_("工作室期满预警与到期标记"), hour=3, minute=0, params={"warn_days": TERM_WARNING_DAYS})
def studio_terms(now: datetime, params: dict) -> str:
    """Terms ending within the warning period are announced once; ended terms are marked expired."""
    today = now.date()
    warned = expired = 0
    for studio in _active_studios():
        if studio.term_ends < today:
            studio.status = StudioStatus.expired.value  # audited: who (the scheduler), before and after
            expired += 1
        elif (studio.term_ends - today).days <= int(params["warn_days"]):
            key = f"term-ending-{studio.id}-{studio.term_ends.isoformat()}"
            subject = f"{studio.name}将于{studio.term_ends.isoformat()}期满"
            warned += notify(studio.lead, key, subject, "请按规定准备期满考核或续期材料。")
            for clerk in _staff():
                notify(clerk, key, subject)
    return f"{warned} warned, {expired} expired"


@job("end_assessment_notices", N_("考评结果公示期满提醒"), hour=0, minute=15)
def end_assessment_notices(now: datetime, params: dict) -> str:
    """When an assessment's notice period is over, staff are told once that the list stands and
    its certificates and rewards can be issued (objections to studio lists are handled on paper)."""
    from studios.models import Assessment, AssessmentStatus

    ended = db.session.scalars(select(Assessment).where(Assessment.status == AssessmentStatus.published.value,
                                                        Assessment.notice_ends_on < now.date())).all()
    told = 0
    for assessment in ended:
        for clerk in _staff():
            told += notify(clerk, f"assessment-{assessment.id}-notice-ended",
                           f"{assessment.year}年度{assessment.jurisdiction}{assessment.kind_label}考评结果公示期满",
                           "公示期已结束，可颁发优秀证书并发放奖励。", f"/assessments/{assessment.id}")
    return f"{len(ended)} ended, {told} told"
