"""The dashboard's demo data: 温州市's 2026 targets and budget, the seeds' targets, Fujian's contests."""
from sqlalchemy import func, select

from bureau.dashboard.models import Budget, QuotaContest, Target
from bureau.db import db
from competition.models import Competition


def counts():
    return [db.session.scalar(select(func.count()).select_from(model)) for model in (Target, Budget, QuotaContest,
                                                                                     Competition)]


def test_the_demo_sets_targets_and_a_budget_once_and_fills_the_regional_table(runner, client, login_as):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Dashboard:" in first.output
    wenzhou = dict(db.session.execute(select(Target.label, Target.policy_code).where(
        Target.jurisdiction == "温州市", Target.year == 2026)).all())
    assert wenzhou["每年组织开展市级技能大赛"] == "wenzhou-2018"  # the seed's 20 a year
    assert wenzhou["新建市级技能大师工作室"] is None  # set by staff: 80 by 2022, over five years
    assert db.session.scalar(select(Budget.amount).where(Budget.jurisdiction == "温州市", Budget.year == 2026,
                                                         Budget.category == "total")) == 3_000_000
    assert db.session.scalar(select(func.count()).where(Target.jurisdiction == "福建省", Target.year == 2023)) > 10
    assert db.session.scalar(select(func.count()).where(Target.jurisdiction == "泉州市", Target.year == 2026)) >= 4
    before = counts()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "Dashboard:" not in second.output and counts() == before

    login_as("admin")
    page = client.get("/dashboard?jurisdiction=福建省&year=2023").get_data(as_text=True)
    assert page.count("国赛选拔赛") >= 3 and "quota-short" in page and "quota-met" in page
    assert client.get("/dashboard?jurisdiction=温州市&year=2026").status_code == 200
