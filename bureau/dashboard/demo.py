"""Demo data for the dashboard (``flask --app wsgi demo``): 温州市's 2026 targets and budget, the
seeds' targets for 泉州市 (2026) and 福建省 (2023), and three Fujian selection contests of 2023 with
contestants from across the province, so the per-region table has something to show.

Idempotent: targets load once per document and year (the same operation as the page's button),
staff-style targets and budget lines are added only where missing, contests only by name.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from bureau.dashboard import operations
from bureau.dashboard.models import Budget, Target
from bureau.db import db
from bureau.demo import demo_user
from bureau.policies import load_policies
from competition import operations as competitions
from bureau.idnumber import id_check_character
from competition.models import Competition

DEMO_YEAR = 2026
CITY = "温州市"

# Targets the bureau sets itself for 2026 (label, metric, filters, value, comparison, unit, note).
# The studio figures spread 温人社发〔2018〕242号's five-year targets (80 city and 10 provincial
# master studios, 10 city training bases by 2022) over five years.
CITY_TARGETS = [
    ("新建市级技能大师工作室", "new_studios", {"studio_kind": "master_studio", "studio_level": "city"}, 16, "at_least",
     "家", "按温人社发〔2018〕242号“到2022年新建80家市级技能大师工作室”折算，每年16家。"),
    ("新建省级技能大师工作室", "new_studios", {"studio_kind": "master_studio", "studio_level": "provincial"}, 2,
     "at_least", "家", "按“到2022年新建10家省级技能大师工作室”折算，每年2家。"),
    ("新建市级高技能人才公共实训基地", "new_studios", {"studio_kind": "training_base", "studio_level": "city"}, 2,
     "at_least", "家", "按“到2022年末新建市级高技能人才公共实训基地10家”折算，每年2家。"),
    ("竞赛参赛选手", "contestants", {}, 400, "at_least", "人次", "年度工作计划。"),
    ("温州市技术能手", "awards", {"award_kind": "title"}, 30, "about", "名", "市级竞赛前三名授予；年度工作计划。"),
    ("报送年度报告", "reports_filed", {}, 33, "at_least", "份", "全市25家技能大师工作室和8家公共实训基地。"),
    ("发放证书", "certificates", {}, 300, "at_least", "份", "竞赛获奖与考评优秀证书。"),
    ("培养高技能人才（人工填报）", "manual", {}, 20000, "at_least", "人", "人社统计报表口径，由职业能力建设处季度填报。"),
]
CITY_BUDGET = {"total": 3_000_000, "competition_cash": 1_500_000, "hosting_subsidy": 300_000,
               "studio_grant": 700_000, "assessment_reward": 500_000}
BUDGET_NOTE = "2026年市级人才发展专项资金中技能人才部分（演示数据）。"

FUJIAN_CONTESTS = [
    ("2023年福建省数控车工国赛选拔赛", "数控车工", "2023-04-18"),
    ("2023年福建省电工国赛选拔赛", "电工", "2023-05-09"),
    ("2023年福建省焊工国赛选拔赛", "焊工", "2023-06-13"),
]
# Address codes of each Fujian region (a county of each prefecture; 350128 平潭) and how many
# contestants each region sends to each contest, in the order of FUJIAN_CONTESTS.
FUJIAN_SENT = {
    "350102": (5, 5, 4), "350203": (5, 4, 5), "350602": (4, 5, 3), "350502": (3, 4, 3), "350402": (3, 2, 3),
    "350302": (2, 2, 1), "350702": (2, 3, 2), "350802": (4, 4, 4), "350902": (2, 1, 2), "350128": (1, 0, 1),
    "330302": (0, 1, 0),
}
SURNAMES = "陈林黄张李王吴刘蔡杨郑许谢洪郭邱曾廖赖周徐苏叶庄吕江何萧罗高"
GIVEN = ["志强", "建华", "海燕", "晓东", "丽华", "国平", "文斌", "美玲", "伟锋", "春梅", "俊杰", "思远", "明辉", "雅琴"]


def load_demo_dashboard() -> list[str]:
    policies = load_policies()
    lines = []
    loaded = 0
    for code, year in (("wenzhou-2018", DEMO_YEAR), ("quanzhou-2023", DEMO_YEAR), ("fujian-2023", 2023)):
        added, _present, _skipped = operations.load_policy_targets(policies[code], year)
        loaded += len(added)
    added = _city_targets()
    if _city_budget():
        lines.append(f"Dashboard: {CITY} {DEMO_YEAR} budget set")
    contests = _fujian_contests()
    if loaded or added or contests:
        lines.append(f"Dashboard: {loaded} targets loaded from policy documents, {added} set by staff, "
                     f"{contests} Fujian selection contests")
    return lines


def _city_targets() -> int:
    existing = set(db.session.scalars(select(Target.label).where(Target.jurisdiction == CITY,
                                                                  Target.year == DEMO_YEAR)))
    added = 0
    for label, metric, filters, value, comparison, unit, note in CITY_TARGETS:
        if label in existing:
            continue
        operations.create_target({"jurisdiction": CITY, "year": DEMO_YEAR, "label": label, "metric": metric,
                                  "value": value, "comparison": comparison, "unit": unit, "note": note,
                                  "manual_actual": "12600" if metric == "manual" else "", **filters})
        added += 1
    return added


def _city_budget() -> bool:
    if db.session.scalar(select(Budget.id).where(Budget.jurisdiction == CITY, Budget.year == DEMO_YEAR)):
        return False
    operations.save_budget(CITY, DEMO_YEAR, {key: str(value) for key, value in CITY_BUDGET.items()}, {},
                           note=BUDGET_NOTE)
    return True


def _fujian_contests() -> int:
    rng = random.Random(2023)
    added = 0
    for index, (name, occupation, held_on) in enumerate(FUJIAN_CONTESTS):
        competition = db.session.scalar(select(Competition).where(Competition.name == name))
        if competition is None:
            competition = competitions.create_competition(
                {"name": name, "tier": "provincial", "category": 1, "occupation": occupation, "year": 2023,
                 "held_on": held_on, "group": "worker", "policy": "fujian-2023",
                 "organiser_name": "福建省人力资源和社会保障厅"}, demo_user("admin"))
            competitions.replace_results(competition, _contestants(rng, index))
            added += 1
        operations.mark_contest("fujian-2023", competition)
    return added


def _contestants(rng: random.Random, contest: int) -> list[dict]:
    rows, sequence = [], 0
    for code, counts in FUJIAN_SENT.items():
        for _n in range(counts[contest]):
            sequence += 1
            birth = date(1980, 1, 1) + timedelta(days=rng.randrange(0, 365 * 22))
            body = f"{code}{birth:%Y%m%d}{sequence:03d}"
            rows.append({"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "id_number": body + id_check_character(body),
                         "employer": "", "local": True, "theory": float(Decimal(rng.randrange(600, 980)) / 10),
                         "practical": float(Decimal(rng.randrange(550, 990)) / 10)})
    return rows
