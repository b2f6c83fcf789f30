"""The annual assessment through the API: the 15% cap, ties, 不合格, the reward cap, reruns, publishing."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from bureau.audit.models import AuditEntry
from bureau.clock import local_today
from bureau.db import db
from studios import operations
from studios.models import Assessment
from tests.studios.conftest import items_totalling, last_year, sample_content


def run(client, api_token, **overrides):
    body = {"year": last_year(), "kind": "master_studio", "level": "city", "jurisdiction": "温州市", **overrides}
    return client.post("/api/v1/assessments", json=body, headers=api_token("admin"))


def grades(body):
    return {result["studio_id"]: result["grade"] for result in body["results"]}


@pytest.fixture
def scored_studios(make_studio, make_scored_report):
    """``scored_studios(totals)``: one studio per total, each with an accepted report scored to it."""

    def make(totals):
        studios = []
        for total in totals:
            studio = make_studio()
            make_scored_report(studio, items_totalling(total))
            studios.append(studio)
        return studios

    return make


@pytest.mark.parametrize(("number", "excellent"), [(20, 3), (6, 0), (7, 1)])
def test_at_most_15_percent_rounded_down_are_excellent(client, api_token, scored_studios, number, excellent):
    studios = scored_studios([95 - index for index in range(number)])
    response = run(client, api_token, reward_amount=50000)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["excellent_cap"] == excellent and body["ties_at_cap"] == []
    assert [r["studio_id"] for r in body["results"] if r["grade"] == "excellent"] == [s.id for s in studios[:excellent]]
    assert {r["grade"] for r in body["results"][excellent:]} == {"qualified"}
    assert [r["rank"] for r in body["results"]] == list(range(1, number + 1))
    assert body["results"][0]["score"] == 95 and isinstance(body["id"], int)
    assert all(r["reward"] == (50000 if r["grade"] == "excellent" else 0) for r in body["results"])


def test_equal_totals_are_ordered_by_the_tie_break_items(client, api_token, make_studio, make_scored_report):
    # master_studio tie-break: apprentices first, then technical problem-solving ...
    weaker = make_studio()
    make_scored_report(weaker, items_totalling(90, apprentices=18, technical_problem_solving=15))
    stronger = make_studio()
    make_scored_report(stronger, items_totalling(90, apprentices=20, technical_problem_solving=13))
    for total in (80, 79, 78, 77, 76):
        make_scored_report(make_studio(), items_totalling(total))
    body = run(client, api_token).get_json()
    assert body["excellent_cap"] == 1 and body["ties_at_cap"] == []
    assert grades(body)[stronger.id] == "excellent" and grades(body)[weaker.id] == "qualified"
    assert [r["studio_id"] for r in body["results"][:2]] == [stronger.id, weaker.id]


def test_an_unbreakable_tie_at_the_line_is_reported_and_staff_decide_within_the_cap(
        client, api_token, make_studio, make_scored_report):
    same = items_totalling(90)
    first, second = make_studio(), make_studio()
    make_scored_report(first, same)
    make_scored_report(second, same)
    for total in (80, 79, 78, 77, 76):
        make_scored_report(make_studio(), items_totalling(total))
    body = run(client, api_token).get_json()
    assert body["excellent_cap"] == 1
    assert sorted(body["ties_at_cap"]) == sorted([first.id, second.id])
    assert "excellent" not in grades(body).values()  # never over the cap, nobody chosen by the program
    assert {r["rank"] for r in body["results"] if r["studio_id"] in (first.id, second.id)} == {1}

    url = f"/api/v1/assessments/{body['id']}/ties"
    too_many = client.post(url, json={"excellent": [first.id, second.id], "reason": "都好"}, headers=api_token("admin"))
    assert too_many.status_code == 422
    no_reason = client.post(url, json={"excellent": [first.id]}, headers=api_token("admin"))
    assert no_reason.status_code == 422
    decided = client.post(url, json={"excellent": [second.id], "reason": "专利转化效益更高"}, headers=api_token("admin"))
    assert decided.status_code == 200, decided.get_json()
    after = decided.get_json()
    assert after["ties_at_cap"] == [] and grades(after)[second.id] == "excellent" and grades(after)[first.id] == "qualified"
    assert sum(r["reward"] for r in after["results"]) == after["reward_amount"]
    audited = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "assessment_result",
                                                          AuditEntry.summary.contains("专利转化效益更高"))).all()
    assert {entry.object_id for entry in audited} >= {str(result_id) for result_id in _result_ids(body["id"], second.id)}


def _result_ids(assessment_id, studio_id):
    assessment = db.session.get(Assessment, assessment_id)
    return [result.id for result in assessment.results if result.studio_id == studio_id]


def test_unqualified_without_an_accepted_scored_report_or_below_60(
        client, api_token, make_studio, make_scored_report, users):
    passed = make_studio()
    make_scored_report(passed, items_totalling(85))
    low = make_studio()
    make_scored_report(low, items_totalling("59.9"))
    only_submitted = make_studio()
    report = operations.save_report(only_submitted, last_year(), sample_content())
    operations.submit_report(report)
    accepted_unscored = make_studio()
    report = operations.save_report(accepted_unscored, last_year(), sample_content())
    operations.submit_report(report)
    operations.accept_report(report, users["admin"])
    silent = make_studio()
    revoked = make_studio(status="revoked", revoked_reason="考评不合格摘牌")
    other_level = make_studio(level="provincial")
    db.session.commit()

    body = run(client, api_token).get_json()
    results = {r["studio_id"]: r for r in body["results"]}
    assert set(results) == {passed.id, low.id, only_submitted.id, accepted_unscored.id, silent.id}
    assert revoked.id not in results and other_level.id not in results
    assert results[passed.id]["grade"] == "qualified"  # 5 studios: no 优秀 seat
    assert (results[low.id]["grade"], results[low.id]["note"]) == ("unqualified", "得分低于合格线60分")
    for studio in (only_submitted, accepted_unscored, silent):
        assert results[studio.id] == {"studio_id": studio.id, "name": studio.name, "score": None, "rank": None,
                                      "grade": "unqualified", "reward": 0, "note": "未提交年度报告或年度报告未通过审核"}


def test_studios_without_reports_count_toward_the_15_percent(client, api_token, make_studio, scored_studios):
    scored_studios([90, 85, 80, 75, 70, 65])
    make_studio()  # no report: 7 assessed, so one seat
    body = run(client, api_token).get_json()
    assert body["excellent_cap"] == 1 and list(grades(body).values()).count("excellent") == 1


def test_the_reward_is_never_above_the_policy_cap(client, api_token, scored_studios):
    scored_studios([90, 85, 80, 75, 70, 65, 60])
    response = run(client, api_token, reward_amount=50001)
    assert response.status_code == 422
    detail = response.get_json()["error"]["details"][0]
    assert detail["field"] == "reward_amount" and "最高50000元" in detail["message"]
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0
    default = run(client, api_token).get_json()
    assert default["reward_cap"] == 50000 and default["reward_amount"] == 50000


def test_a_training_base_reward_cap_is_its_own(client, api_token, make_studio, make_scored_report):
    for total in (90, 85, 80, 75, 70, 65, 60):
        make_scored_report(make_studio(kind="training_base"), items_totalling(total, kind="training_base"))
    body = run(client, api_token, kind="training_base", reward_amount=200000).get_json()
    assert body["reward_cap"] == 200000 and [r["reward"] for r in body["results"]][:2] == [200000, 0]
    assert run(client, api_token, kind="training_base", reward_amount=200001).status_code == 422


def test_a_rerun_replaces_the_draft_and_a_published_one_is_409(client, api_token, scored_studios):
    studios = scored_studios([90, 85, 80, 75, 70, 65, 60])
    first = run(client, api_token, reward_amount=30000).get_json()
    second = run(client, api_token, reward_amount=40000).get_json()
    assert second["id"] == first["id"] and second["reward_amount"] == 40000
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 1
    assert len(second["results"]) == len(studios)

    published = client.post(f"/api/v1/assessments/{first['id']}/publish", json={}, headers=api_token("admin"))
    assert published.status_code == 200 and published.get_json()["status"] == "published"
    again = run(client, api_token)
    assert again.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 1


def test_a_list_with_an_undecided_tie_cannot_be_published(client, api_token, make_studio, make_scored_report):
    for _ in range(2):
        make_scored_report(make_studio(), items_totalling(90))
    for total in (80, 79, 78, 77, 76):
        make_scored_report(make_studio(), items_totalling(total))
    body = run(client, api_token).get_json()
    response = client.post(f"/api/v1/assessments/{body['id']}/publish", json={}, headers=api_token("admin"))
    assert response.status_code == 409


def test_scores_are_locked_once_the_list_is_published(client, api_token, make_studio, make_scored_report):
    studio = make_studio()
    make_scored_report(studio, items_totalling(88))
    body = run(client, api_token).get_json()
    client.post(f"/api/v1/assessments/{body['id']}/publish", json={}, headers=api_token("admin"))
    response = client.put(f"/api/v1/studios/{studio.id}/reports/{last_year()}/score",
                          json={"items": items_totalling(70)}, headers=api_token("admin"))
    assert response.status_code == 409


def test_nothing_to_assess_is_422(client, api_token, users):
    response = run(client, api_token, jurisdiction="泰安市")
    assert response.status_code == 422 and response.get_json()["error"]["details"][0]["field"] == "jurisdiction"


def test_only_staff_run_assessments(client, api_token, scored_studios):
    scored_studios([90])
    assert run(client, api_token).status_code == 201
    body = {"year": last_year(), "kind": "master_studio", "level": "city", "jurisdiction": "温州市"}
    assert client.post("/api/v1/assessments", json=body, headers=api_token("lead")).status_code == 403


def test_only_studios_recognised_during_the_year_are_assessed(client, api_token, make_studio, scored_studios):
    in_term, = scored_studios([80])
    lapsed = make_studio(established=dt.date(last_year() - 4, 1, 1))  # 3-year term over before the year
    newer = make_studio(established=local_today().replace(month=1, day=1))  # did not exist yet
    renewed = make_studio(established=dt.date(last_year() - 4, 1, 1), term_years=6)
    studio_ids = {r["studio_id"] for r in run(client, api_token).get_json()["results"]}
    assert studio_ids == {in_term.id, renewed.id}
    assert lapsed.id not in studio_ids and newer.id not in studio_ids
