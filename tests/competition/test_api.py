"""The competitions API as ../shared/API.md gives it: registry, results, finalize, reopen, awards."""
import pytest
from sqlalchemy import select

from bureau.audit.models import AuditEntry
from bureau.db import db
from competition.models import Result
from tests.competition.ids import person_id, wrong_check

WENZHOU_NATIONAL_1 = {"name": "第二届全国技能大赛（温州选手）", "tier": "national", "category": 1, "occupation": "数控车工",
                      "year": 2024, "held_on": "2024-09-20", "group": "worker", "policy": "wenzhou-2018",
                      "practical_only": False, "theory_weight": 0.3, "pass_mark": 60}
WENZHOU_CITY = {"name": "2026年温州市电工职业技能竞赛", "tier": "city", "category": 1, "occupation": "电工",
                "year": 2026, "group": "worker", "policy": "wenzhou-2018",
                "prizes": [{"from_rank": 1, "to_rank": 1, "amount": 5000}, {"from_rank": 2, "to_rank": 3, "amount": 3000}]}


def create(client, headers, body=WENZHOU_CITY):
    response = client.post("/api/v1/competitions", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def rows(count: int, *, local=True):
    return [{"name": f"选手{n}", "id_number": person_id(n), "employer": "温州某机械有限公司", "local": local,
             "theory": 90 - n, "practical": 95 - n} for n in range(1, count + 1)]


def test_create_returns_the_competition_with_id_version_and_status(client, api_token):
    body = create(client, api_token("organiser"))
    assert body["id"] > 0 and body["version"] == 1 and body["status"] == "draft"
    assert body["prizes"][1] == {"from_rank": 2, "to_rank": 3, "amount": 3000}
    assert body["theory_weight"] == 0.3 and body["pass_mark"] == 60.0


def test_create_names_every_bad_field(client, api_token):
    response = client.post("/api/v1/competitions", headers=api_token("organiser"), json={
        "name": "", "tier": "galactic", "year": 1800, "policy": "nowhere-2099", "theory_weight": 2,
        "prizes": [{"from_rank": 3, "to_rank": 1, "amount": 10}]})
    assert response.status_code == 422
    fields = {detail["field"] for detail in response.get_json()["error"]["details"]}
    assert {"name", "tier", "year", "policy", "theory_weight", "prizes"} <= fields


def test_a_studio_lead_cannot_register_competitions(client, api_token):
    response = client.post("/api/v1/competitions", json=WENZHOU_CITY, headers=api_token("lead"))
    assert response.status_code == 403


def test_organisers_see_only_their_own(client, api_token):
    mine = create(client, api_token("organiser"))
    theirs = create(client, api_token("organiser_b"))
    headers = api_token("organiser")
    assert client.get(f"/api/v1/competitions/{theirs['id']}", headers=headers).status_code == 404
    assert client.put(f"/api/v1/competitions/{theirs['id']}/results", json=rows(2), headers=headers).status_code == 404
    listed = {c["id"] for c in client.get("/api/v1/competitions", headers=headers).get_json()}
    assert listed == {mine["id"]}
    staff = {c["id"] for c in client.get("/api/v1/competitions?year=2026", headers=api_token("admin")).get_json()}
    assert staff == {mine["id"], theirs["id"]}


def test_put_results_ranks_and_reports_totals(client, api_token):
    headers = api_token("organiser")
    competition = create(client, headers)
    response = client.put(f"/api/v1/competitions/{competition['id']}/results", json=rows(3), headers=headers)
    assert response.status_code == 200
    stored = response.get_json()
    assert [r["rank"] for r in stored] == [1, 2, 3]
    # 89 × 0.3 + 94 × 0.7 = 26.7 + 65.8
    assert stored[0]["total"] == 92.5 and stored[0]["passed"] is True
    assert client.get(f"/api/v1/competitions/{competition['id']}", headers=headers).get_json()["status"] == "results_entered"


def test_put_results_is_all_or_nothing_and_names_row_and_field(client, api_token):
    headers = api_token("organiser")
    competition = create(client, headers)
    client.put(f"/api/v1/competitions/{competition['id']}/results", json=rows(2), headers=headers)
    bad = rows(4)
    bad[2]["id_number"] = wrong_check(bad[2]["id_number"])
    bad[3]["practical"] = 130
    response = client.put(f"/api/v1/competitions/{competition['id']}/results", json=bad, headers=headers)
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert {(d["row"], d["field"]) for d in details} == {(3, "id_number"), (4, "practical")}
    assert all(d["message"] for d in details)
    assert db.session.query(Result).count() == 2  # the earlier results are untouched


def test_a_stale_version_is_409_and_nothing_is_lost(client, api_token):
    headers = api_token("organiser")
    competition = create(client, headers)
    url = f"/api/v1/competitions/{competition['id']}/results"
    first = client.put(url, json=rows(2), headers={**headers, "If-Match": "1"})
    assert first.status_code == 200
    second = client.put(url, json=rows(5), headers={**headers, "If-Match": "1"})  # read before the first save
    assert second.status_code == 409
    assert second.get_json()["error"]["code"] == "conflict"
    assert len(client.get(url, headers=headers).get_json()) == 2


def test_finalize_locks_computes_awards_and_reopen_needs_a_reason(client, api_token):
    organiser, staff = api_token("organiser"), api_token("admin")
    competition = create(client, organiser, WENZHOU_NATIONAL_1)
    base = f"/api/v1/competitions/{competition['id']}"
    client.put(f"{base}/results", json=rows(9), headers=organiser)
    assert client.post(f"{base}/finalize", headers=organiser).status_code == 403
    response = client.post(f"{base}/finalize", headers=staff)
    assert response.status_code == 200 and response.get_json()["status"] == "finalized"
    assert client.put(f"{base}/results", json=rows(2), headers=organiser).status_code == 409

    awards = client.get(f"{base}/awards", headers=organiser).get_json()
    cash = {a["name"]: a["amount"] for a in awards if a["kind"] == "cash" and a["payee"] == "person"}
    # 温人社发〔2018〕242号: national class 1, ranks 1–8 from 50,000 down by 5,000; rank 9 gets nothing.
    assert cash == {f"选手{n}": 50000 - 5000 * (n - 1) for n in range(1, 9)}
    first = next(a for a in awards if a["name"] == "选手1" and a["kind"] == "cash")
    assert set(first) >= {"id", "result_id", "name", "id_number", "kind", "level", "title", "amount", "payee",
                          "policy", "clause", "paid", "reason", "status"}
    assert first["policy"] == "wenzhou-2018" and "242号" in first["clause"] and first["paid"] is True

    assert client.post(f"{base}/reopen", json={"reason": ""}, headers=staff).status_code == 422
    response = client.post(f"{base}/reopen", json={"reason": "选手9成绩录入错误"}, headers=staff)
    assert response.status_code == 200 and response.get_json()["status"] == "results_entered"
    assert client.get(f"{base}/awards", headers=staff).get_json() == []
    reasons = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.object_type == "competition")).all()
    assert "重新开放：选手9成绩录入错误" in reasons


def test_finalizing_twice_is_409(client, api_token):
    competition = create(client, api_token("organiser"))
    base = f"/api/v1/competitions/{competition['id']}"
    client.put(f"{base}/results", json=rows(3), headers=api_token("organiser"))
    staff = api_token("admin")
    assert client.post(f"{base}/finalize", headers=staff).status_code == 200
    assert client.post(f"{base}/finalize", headers=staff).status_code == 409


def test_finalizing_without_results_is_409(client, api_token):
    competition = create(client, api_token("organiser"))
    assert client.post(f"/api/v1/competitions/{competition['id']}/finalize", headers=api_token("admin")).status_code == 409


@pytest.mark.parametrize("body", [{"rows": []}, "text"])
def test_put_results_needs_a_list(client, api_token, body):
    competition = create(client, api_token("organiser"))
    response = client.put(f"/api/v1/competitions/{competition['id']}/results", json=body, headers=api_token("organiser"))
    assert response.status_code == 400
