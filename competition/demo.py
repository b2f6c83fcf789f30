"""Demo competitions with a few hundred realistic results (``flask --app wsgi demo``)."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select

from bureau.clock import local_today
from bureau.db import db
from bureau.demo import LOADERS, demo_user
from competition import operations
from bureau.idnumber import id_check_character
from competition.models import Competition

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建华", "志强",
         "海燕", "晓东", "文博", "子涵", "浩然", "雨萱", "俊杰", "思远", "佳怡", "国庆", "丽华", "建军", "春梅", "鑫"]
WENZHOU_REGIONS = ["330302", "330303", "330304", "330305", "330381", "330382", "330324", "330326"]
EMPLOYERS = ["温州正泰电器股份有限公司", "瑞安市华峰机械有限公司", "乐清市德力西开关有限公司", "温州职业技术学院",
             "浙江东方职业技术学院", "温州市鹿城区职业技术学校", "永嘉县阀门制造有限公司", "温州康尔微晶器皿有限公司",
             "苍南县电力安装工程有限公司", "温州奥康鞋业股份有限公司"]
OUTSIDE_EMPLOYERS = ["杭州汽轮机股份有限公司", "宁波均胜电子股份有限公司", "台州市黄岩模具有限公司"]


def _person(rng: random.Random, sequence: int) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    birth = date(1972, 1, 1) + timedelta(days=rng.randrange(0, 365 * 32))
    body = f"{rng.choice(WENZHOU_REGIONS)}{birth:%Y%m%d}{sequence % 1000:03d}"
    return name, body + id_check_character(body)


def _results(rng: random.Random, count: int, *, start: int, student: bool = False, ranked: bool = False,
             practical_only: bool = False) -> list[dict]:
    rows = []
    for index in range(count):
        name, id_number = _person(rng, start + index)
        local = rng.random() > 0.12
        row = {"name": name, "id_number": id_number, "local": local,
               "employer": rng.choice(EMPLOYERS if local else OUTSIDE_EMPLOYERS),
               "practical": round(rng.gauss(74, 11), 1), "theory": None if practical_only else round(rng.gauss(78, 9), 1)}
        row["practical"] = max(20.0, min(99.5, row["practical"]))
        if row["theory"] is not None:
            row["theory"] = max(25.0, min(99.0, row["theory"]))
        if ranked:
            row["rank"] = index + 1
        if student:
            row["employer"] = rng.choice(["温州职业技术学院", "温州市职业中等专业学校", "瑞安市塘下职业中等专业学校"])
        rows.append(row)
    return rows


DEMO_COMPETITIONS = [
    # (fields, owner, result count, options, target status)
    ({"name": "2026年温州市数控车工职业技能竞赛", "tier": "city", "category": 1, "occupation": "数控车工", "year": 2026,
      "held_on": "2026-09-18", "group": "worker", "policy": "wenzhou-2018",
      "prizes": [{"from_rank": 1, "to_rank": 1, "amount": 10000}, {"from_rank": 2, "to_rank": 3, "amount": 5000},
                 {"from_rank": 4, "to_rank": 10, "amount": 2000}]},
     "organiser", 120, {}, "published"),
    ({"name": "2026年温州市电工职业技能竞赛（学生组）", "tier": "city", "category": 2, "occupation": "电工", "year": 2026,
      "held_on": "2026-10-12", "group": "student", "policy": "wenzhou-2018",
      "prizes": [{"from_rank": 1, "to_rank": 3, "amount": 3000}]},
     "organiser", 80, {"student": True}, "finalized"),
    ({"name": "2025年浙江省焊工职业技能竞赛（温州选手）", "tier": "provincial", "category": 1, "occupation": "焊工",
      "year": 2025, "held_on": "2025-11-06", "group": "worker", "policy": "wenzhou-2018"},
     "organiser", 40, {"ranked": True}, "finalized"),
    ({"name": "第二届全国技能大赛（温州市参赛选手）", "tier": "national", "category": None, "national_games": True,
      "occupation": "工业控制", "year": 2026, "held_on": "2026-09-25", "group": "worker", "policy": "wenzhou-2018"},
     "organiser", 16, {"ranked": True}, "results_entered"),
    ({"name": "2026年温州市美容师职业技能竞赛", "tier": "city", "category": 2, "occupation": "美容师", "year": 2026,
      "group": "worker", "policy": "wenzhou-2018", "practical_only": True,
      "prizes": [{"from_rank": 1, "to_rank": 3, "amount": 2000}]},
     "organiser", 60, {"practical_only": True}, "results_entered"),
    ({"name": "2026年温州市养老护理员职业技能竞赛", "tier": "city", "category": 1, "occupation": "养老护理员",
      "year": 2026, "group": "worker", "policy": "wenzhou-2018"},
     "organiser2", 0, {}, "draft"),
]


def load_demo_competitions() -> list[str]:
    rng = random.Random(20261121)
    added = 0
    for number, (fields, owner, count, options, status) in enumerate(DEMO_COMPETITIONS):
        if db.session.scalar(select(Competition.id).where(Competition.name == fields["name"])):
            continue
        competition = operations.create_competition(fields, demo_user(owner))
        if count:
            operations.replace_results(competition, _results(rng, count, start=number * 200, **options))
        if status in ("finalized", "published"):
            operations.finalize(competition)
        if status == "published":
            operations.publish_notice(competition, starts_on=local_today() - timedelta(days=3),
                                      contact="温州市人力社保局职业能力建设处 0577-88960000")
        added += 1
    return [f"Demo competitions: {added} added"] if added else []


LOADERS.append(load_demo_competitions)
