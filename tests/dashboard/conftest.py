"""Known data for the dashboard tests, made through the API and the areas' operations.

``known`` builds, for 温州市 in YEAR (last year, so every period is over and statuses are fixed):

- competitions (API, organiser; finalized by staff):
  national class 1, 9 contestants → cash for places 1–8: 50,000 … 15,000 = 260,000;
  provincial class 1, a month later, 3 contestants, the first also the national winner → his
  30,000 withheld (就高), 25,000 + 20,000 paid, hosting subsidy 100,000 (at its limit);
  city class 2 with 4 results entered but not finalized (held: counted; no awards);
  a city draft with no results (not held); a Tai'an national final (another jurisdiction).
- studios (API): 7 city master studios and 1 county one (温州市鹿城区) established in YEAR, a
  provincial one established in 2020 (10-year term), a Quanzhou one established in YEAR.
  Two city grants paid. Each city studio's YEAR report filed, accepted, scored; the city
  assessment run and published: 15% of 7 → 1 studio 优秀.
- certificates: for the national winner's and runner-up's prizes and the 优秀 result; the
  runner-up's revoked → 2 valid, 1 revoked, issued today.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bureau.accounts.models import User
from bureau.certificates import operations as certificates
from bureau.clock import local_today
from bureau.db import db
from competition.models import Award
from studios import operations as studio_operations
from studios.models import Studio
from tests.competition.ids import person_id
from tests.studios.conftest import items_totalling, sample_content

YEAR = local_today().year - 1
CITY = "温州市"
EMPLOYER = "温州某机械有限公司"

NATIONAL_1 = {"name": "全国数控车工职业技能竞赛", "tier": "national", "category": 1, "occupation": "数控车工",
              "year": YEAR, "held_on": f"{YEAR}-09-20", "group": "worker", "policy": "wenzhou-2018"}
PROVINCIAL_1 = {"name": "浙江省电工职业技能竞赛", "tier": "provincial", "category": 1, "occupation": "电工",
                "year": YEAR, "held_on": f"{YEAR}-10-15", "group": "worker", "policy": "wenzhou-2018",
                "organiser_name": "温州市技师学院"}
CITY_2 = {"name": "温州市美容师职业技能竞赛", "tier": "city", "category": 2, "occupation": "美容师", "year": YEAR,
          "held_on": f"{YEAR}-06-03", "group": "worker", "policy": "wenzhou-2018",
          "prizes": [{"from_rank": 1, "to_rank": 1, "amount": 2000}]}
CITY_DRAFT = {"name": "温州市养老护理员职业技能竞赛", "tier": "city", "category": 1, "occupation": "养老护理员",
              "year": YEAR, "group": "worker", "policy": "wenzhou-2018"}
TAIAN_NATIONAL = {"name": "全国焊工职业技能竞赛（泰安选手）", "tier": "national", "category": 1, "occupation": "焊工",
                  "year": YEAR, "held_on": f"{YEAR}-05-10", "group": "worker", "policy": "taian-2024"}


def people(numbers, *, local=True, employer=EMPLOYER, region="330302"):
    """Result rows ranked in the order given (scores fall with the position)."""
    return [{"name": f"选手{n}", "id_number": person_id(n, region=region), "employer": employer, "local": local,
             "theory": 95 - index, "practical": 96 - index} for index, n in enumerate(numbers)]


def competition_with_results(client, organiser, staff, body, rows, *, finalize=True) -> int:
    created = client.post("/api/v1/competitions", json=body, headers=organiser)
    assert created.status_code == 201, created.get_json()
    competition_id = created.get_json()["id"]
    if rows:
        stored = client.put(f"/api/v1/competitions/{competition_id}/results", json=rows, headers=organiser)
        assert stored.status_code == 200, stored.get_json()
    if finalize:
        done = client.post(f"/api/v1/competitions/{competition_id}/finalize", headers=staff)
        assert done.status_code == 200, done.get_json()
    return competition_id


def studio(client, staff, name, *, level="city", jurisdiction=CITY, established=f"{YEAR}-03-01", lead="lead",
           kind="master_studio", **extra) -> int:
    body = {"name": name, "kind": kind, "level": level, "jurisdiction": jurisdiction, "lead": lead,
            "established": established, **extra}
    created = client.post("/api/v1/studios", json=body, headers=staff)
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


@pytest.fixture
def known(client, api_token, users):  # noqa: ARG001 (users: the accounts must exist)
    organiser, other, staff = api_token("organiser"), api_token("organiser_b"), api_token("admin")
    ids = {
        "national": competition_with_results(client, organiser, staff, NATIONAL_1, people(range(1, 10))),
        "provincial": competition_with_results(client, organiser, staff, PROVINCIAL_1, people([1, 21, 22])),
        "city": competition_with_results(client, organiser, staff, CITY_2, people([41, 42, 43, 44]), finalize=False),
        "draft": competition_with_results(client, organiser, staff, CITY_DRAFT, [], finalize=False),
        "taian": competition_with_results(client, other, staff, TAIAN_NATIONAL, people([31, 32], employer="泰安某重工")),
    }
    city_studios = [studio(client, staff, f"温州测试技能大师工作室{n}") for n in range(1, 8)]
    studio(client, staff, "鹿城区测试技能大师工作室", level="county", jurisdiction="温州市鹿城区",
           established=f"{YEAR}-05-01")
    studio(client, staff, "温州测试省级技能大师工作室", level="provincial", established="2020-01-01", term_years=10)
    studio(client, staff, "泉州测试技能大师工作室", jurisdiction="泉州市", established=f"{YEAR}-02-01")
    db.session.remove()

    admin = db.session.scalar(select(User).where(User.username == "admin"))
    for number, studio_id in enumerate(city_studios[:2]):
        db.session.get(Studio, studio_id).grant_paid_on = dt.date(YEAR, 6, 1 + number)
    for number, studio_id in enumerate(city_studios):
        record = db.session.get(Studio, studio_id)
        report = studio_operations.save_report(record, YEAR, sample_content(apprentice=100 + 2 * number))
        studio_operations.submit_report(report)
        studio_operations.accept_report(report, admin)
        studio_operations.score_report(report, items_totalling(90 - 3 * number), admin)
    assessment = studio_operations.run_assessment(year=YEAR, kind="master_studio", level="city", jurisdiction=CITY,
                                                  reward_amount=None, run_by=admin)
    studio_operations.publish_assessment(assessment)
    db.session.commit()

    national_cash = {award.result.rank: award for award in db.session.scalars(
        select(Award).where(Award.competition_id == ids["national"], Award.kind == "cash"))}
    excellent = next(result for result in assessment.results if result.grade == "excellent")
    certificates.issue_for_award(national_cash[1].id, admin)
    second, _created = certificates.issue_for_award(national_cash[2].id, admin)
    certificates.issue_for_assessment_result(excellent.id, admin)
    db.session.commit()
    certificates.revoke(second, "测试：证书信息有误", admin)
    db.session.commit()
    ids.update(city_studios=city_studios, assessment=assessment.id,
               rewards=sum(result.reward for result in assessment.results))
    db.session.remove()
    return ids
