"""Results may name only a registered, active competition training base of the competition's policy.

How the base subsidy is paid (bureau/policies/*.toml, competition/awards.py ``_base_subsidies``):
only quanzhou-2023 has ``[[base_subsidies]]`` (seed 000: 「支持创建全国、全省职业技能竞赛集训基地，对基地
培养的优秀选手……分别给予 20 万元、10 万元、5 万元补助」), and the engine pays it under the policy the
competition is registered with, to the ``base`` its result names. Our reading of "the policy the
subsidy belongs to": the base is a studio of kind ``competition_base`` (竞赛集训基地), status
``active``, whose own policy document is the competition's (a Quanzhou base under quanzhou-2023).
A number that is no studio, a master studio, a revoked base or another city's base is a row error
on the ``base`` field — in ``PUT /results`` (row = list position) and on upload (sheet row, the
column as the file names it) — and nothing is stored or paid.
"""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from bureau.db import db
from competition.models import Award, Result
from competition.validation import Issue, validate_results
from studios import operations as studios
from tests.competition.ids import person_id
from tests.conftest import csrf_token_from

QUANZHOU_PROVINCIAL = {"name": "2025年福建省数控车工职业技能竞赛（泉州选手）", "tier": "provincial", "category": 1,
                       "occupation": "数控车工", "year": 2025, "group": "worker", "policy": "quanzhou-2023",
                       "held_on": "2025-09-10"}


def base(name: str, *, kind: str = "competition_base", jurisdiction: str = "泉州市", status: str = "active") -> int:
    studio = studios.create_studio({"name": name, "kind": kind, "level": "city", "jurisdiction": jurisdiction,
                                    "lead": "lead", "established": date(2024, 3, 1), "status": status,
                                    "revoked_reason": "考核不合格" if status == "revoked" else ""})
    return studio.id


@pytest.fixture
def bases(app, users):
    """A Quanzhou competition base, and four numbers that are not one the competition may name."""
    made = {
        "quanzhou_base": base("泉州市数控技术竞赛集训基地"),
        "master_studio": base("泉州市张某数控技能大师工作室", kind="master_studio"),
        "revoked_base": base("泉州市某已摘牌竞赛集训基地", status="revoked"),
        "wenzhou_base": base("温州市数控竞赛集训基地", jurisdiction="温州市"),
    }
    db.session.commit()
    return made


def rows(base_id):
    return [{"name": "选手甲", "id_number": person_id(1), "employer": "泉州某机械有限公司", "local": True,
             "rank": 1, "base": base_id},
            {"name": "选手乙", "id_number": person_id(2), "employer": "泉州某机械有限公司", "local": True, "rank": 2}]


def create(client, headers) -> int:
    response = client.post("/api/v1/competitions", json=QUANZHOU_PROVINCIAL, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_the_registered_base_of_the_policy_is_accepted_and_paid(client, api_token, bases):
    headers = api_token("organiser")
    competition_id = create(client, headers)
    stored = client.put(f"/api/v1/competitions/{competition_id}/results", json=rows(bases["quanzhou_base"]),
                        headers=headers)
    assert stored.status_code == 200, stored.get_json()
    assert client.post(f"/api/v1/competitions/{competition_id}/finalize", headers=api_token("admin")).status_code == 200
    paid = db.session.scalars(select(Award).where(Award.payee == "base")).all()
    assert [(award.base_id, award.amount) for award in paid] == [(bases["quanzhou_base"], 50000)]


@pytest.mark.parametrize("which", ["no such studio", "master_studio", "revoked_base", "wenzhou_base"])
def test_put_results_refuses_a_base_that_is_not_the_policys_registered_base(client, api_token, bases, which):
    headers = api_token("organiser")
    competition_id = create(client, headers)
    base_id = 9999 if which == "no such studio" else bases[which]
    response = client.put(f"/api/v1/competitions/{competition_id}/results", json=rows(base_id), headers=headers)
    assert response.status_code == 422, response.get_json()
    details = response.get_json()["error"]["details"]
    assert [(detail["row"], detail["field"]) for detail in details] == [(1, "base")]
    assert str(base_id) in details[0]["message"] and "竞赛集训基地" in details[0]["message"]
    assert db.session.query(Result).count() == 0
    # Nothing to finalize, so nothing can be paid to the number.
    assert client.post(f"/api/v1/competitions/{competition_id}/finalize", headers=api_token("admin")).status_code == 409
    assert db.session.query(Award).count() == 0


def test_an_upload_names_the_sheet_row_and_column_of_a_base_that_is_not_registered(client, login_as, api_token,
                                                                                  bases):
    competition_id = create(client, api_token("organiser"))
    login_as("organiser")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "身份证号", "工作单位", "名次", "基地编号"])
    writer.writerow(["选手甲", person_id(1), "泉州某机械有限公司", 1, bases["quanzhou_base"]])
    writer.writerow(["选手乙", person_id(2), "泉州某机械有限公司", 2, 9999])
    writer.writerow(["选手丙", person_id(3), "泉州某机械有限公司", 3, bases["wenzhou_base"]])
    path = f"/competitions/{competition_id}/upload"
    response = client.post(path, data={"file": (io.BytesIO(buffer.getvalue().encode()), "成绩.csv"),
                                       "csrf_token": csrf_token_from(client, path)},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "发现 2 个问题，未保存任何数据" in page
    # Sheet rows 3 and 4 (the header is row 1), in the column as the file names it.
    assert '<td class="num">3</td><td>基地编号</td>' in page and '<td class="num">4</td><td>基地编号</td>' in page
    assert "9999" in page
    assert db.session.query(Result).count() == 0


def test_the_validation_is_given_the_bases_as_plain_data():
    raw = rows(8)
    assert validate_results(raw, practical_only=True, bases={7}) == ([], [
        Issue(1, "base", "编号%(base)d不是本竞赛适用政策下已登记、有效的竞赛集训基地", {"base": 8})])
    results, issues = validate_results(raw, practical_only=True, bases={7, 8})
    assert issues == [] and results[0].base_id == 8 and results[1].base_id is None
