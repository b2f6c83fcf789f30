"""The studio demo data: Wenzhou's 25 master studios and 8 bases, this year's reports in every state."""
from sqlalchemy import func, select

from bureau.accounts.models import User
from bureau.clock import local_today
from bureau.db import db
from studios.models import AnnualReport, Assessment, ReportWindow, Studio


def test_the_demo_loads_a_city_of_studios_with_reports_in_every_state_once(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    kinds = dict(db.session.execute(select(Studio.kind, func.count()).group_by(Studio.kind)).all())
    assert kinds == {"master_studio": 25, "training_base": 8}
    leads = {studio.lead.username for studio in db.session.scalars(select(Studio))}
    assert {"lead", "lead2", "lead03", "lead33"} <= leads and len(leads) == 33
    year = local_today().year  # 2026 when written; the demo counts from today
    states = set(db.session.scalars(select(AnnualReport.status).where(AnnualReport.year == year)))
    assert states == {"draft", "submitted", "returned", "accepted"}
    scored = db.session.scalar(select(func.count()).where(AnnualReport.year == year, AnnualReport.score.is_not(None)))
    assert scored > 0
    assert db.session.scalar(select(ReportWindow).where(ReportWindow.year == year)) is not None
    assert db.session.scalar(select(func.count()).select_from(Assessment).where(Assessment.status == "published")) == 2
    assert "Dashi-Wenzhou" not in first.output  # generated leads' passwords are not printed

    counts = [db.session.scalar(select(func.count()).select_from(model)) for model in (Studio, AnnualReport, User)]
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert [db.session.scalar(select(func.count()).select_from(model)) for model in (Studio, AnnualReport, User)] == counts
