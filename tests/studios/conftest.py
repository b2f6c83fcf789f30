"""Fixtures for the studio tests: studios and reports made through ``studios.operations``."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from bureau.clock import local_today
from bureau.db import db
from studios import operations
from studios.rubrics import load_rubric
from tests.competition.ids import person_id

# Recent enough that the default 3-year term covers last year and this one, whatever today is.
ESTABLISHED = dt.date(local_today().year - 2, 3, 1)


def last_year() -> int:
    """A year every test studio can report on and be assessed for, whatever today's date."""
    return local_today().year - 1


def sample_content(apprentice: int = 1) -> dict:
    """A filled-in report as the API takes it."""
    return {
        "apprentices": [
            {"name": "陈浩", "id_number": person_id(apprentice), "level_before": "中级工", "level_after": "高级工"},
            {"name": "林晨", "id_number": person_id(apprentice + 1), "level_before": "初级工", "level_after": "中级工"},
        ],
        "innovations": [{"title": "数控刀具寿命提升", "benefit": "年节约成本30万元"}],
        "patents": [{"title": "一种快速装夹夹具", "number": "ZL202420000001.X"}],
        "trainings": [{"title": "数控车工技能提升培训", "held_on": "2025-03-15", "trainees": 48}],
        "exchanges": [{"title": "技能大师进校园", "held_on": "2025-05-20", "description": "技艺展示"}],
        "awards": [{"name": "陈浩", "id_number": person_id(apprentice), "competition": "温州市职业技能大赛",
                    "award": "二等奖"}],
        "funds": {"received": 300000, "spent": 260000, "note": "设备与耗材"},
        "summary": "全年带徒2人，开展培训1期。",
    }


def items_totalling(total, kind: str = "master_studio", **fixed) -> dict[str, str]:
    """Item scores (as strings, as JSON clients send exact decimals) adding up to ``total``:
    ``fixed`` items as given, the rest filled in rubric order."""
    scores = {key: Decimal(str(points)) for key, points in fixed.items()}
    remaining = Decimal(str(total)) - sum(scores.values(), Decimal(0))
    for item in load_rubric(kind).items:
        if item.key not in scores:
            scores[item.key] = min(Decimal(item.max), remaining)
            remaining -= scores[item.key]
    assert remaining == 0, f"cannot make {total} from {fixed}"
    return {key: str(points) for key, points in scores.items()}


@pytest.fixture
def make_studio(app, users):
    numbers = itertools.count(1)

    def make(lead: str = "lead", **fields):
        values = {"name": f"测试技能大师工作室{next(numbers):02d}", "kind": "master_studio", "level": "city",
                  "jurisdiction": "温州市", "lead": lead, "established": ESTABLISHED}
        studio = operations.create_studio({**values, **fields})
        db.session.commit()
        return studio

    return make


@pytest.fixture
def make_scored_report(app, users):
    """An accepted report scored with ``items`` (see ``items_totalling``)."""

    def make(studio, items: dict, year: int | None = None):
        report = operations.save_report(studio, year or last_year(), sample_content())
        operations.submit_report(report)
        operations.accept_report(report, users["admin"])
        operations.score_report(report, items, users["admin"])
        db.session.commit()
        return report

    return make
