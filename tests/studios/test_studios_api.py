"""Studios, grants, annual reports, review and scoring through the JSON API (contract: API.md)."""
import datetime as dt

import pytest
from sqlalchemy import select

from bureau.audit.models import AuditEntry
from bureau.clock import local_today
from bureau.db import db
from bureau.policies import copy_with_changes, load_policies
from studios import operations
from studios.models import ReportWindow
from tests.competition.ids import person_id, wrong_check
from tests.studios.conftest import items_totalling, last_year, sample_content

NEW_STUDIO = {"name": "张明华数控技能大师工作室", "kind": "master_studio", "level": "city", "jurisdiction": "温州市",
              "lead": "lead", "established": "2024-03-15"}


def report_url(studio_id, year=None):
    return f"/api/v1/studios/{studio_id}/reports/{year or last_year()}"


def test_staff_register_a_studio_and_its_term_and_policy_follow(client, api_token):
    response = client.post("/api/v1/studios", json=NEW_STUDIO, headers=api_token("admin"))
    assert response.status_code == 201, response.get_json()
    studio = response.get_json()
    assert {key: studio[key] for key in NEW_STUDIO} == NEW_STUDIO
    assert studio["policy"] == "wenzhou-2018"  # from the jurisdiction
    assert studio["term_years"] == 3 and studio["term_ends"] == "2027-03-15"
    assert studio["status"] == "active" and studio["version"] == 1 and isinstance(studio["id"], int)
    fetched = client.get(f"/api/v1/studios/{studio['id']}", headers=api_token("admin")).get_json()
    assert fetched == studio


def test_a_studio_with_bad_fields_is_422_naming_each(client, api_token):
    body = {**NEW_STUDIO, "kind": "workshop", "lead": "organiser", "established": "2024-02-30"}
    response = client.post("/api/v1/studios", json=body, headers=api_token("admin"))
    assert response.status_code == 422
    assert {detail["field"] for detail in response.get_json()["error"]["details"]} == {"kind", "lead", "established"}
    missing = client.post("/api/v1/studios", json={"name": "某工作室"}, headers=api_token("admin"))
    assert missing.status_code == 422
    assert {d["field"] for d in missing.get_json()["error"]["details"]} == {
        "kind", "level", "jurisdiction", "lead", "established"}


@pytest.mark.parametrize("jurisdiction", ["瑞安市", "鹿城区", "温州市瑞安市", "浙江省温州市瑞安市"])
def test_a_county_of_wenzhou_written_any_way_takes_wenzhous_policy(client, api_token, jurisdiction):
    body = {**NEW_STUDIO, "jurisdiction": jurisdiction}
    response = client.post("/api/v1/studios", json=body, headers=api_token("admin"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["policy"] == "wenzhou-2018"
    assert response.get_json()["jurisdiction"] == jurisdiction  # kept as written


@pytest.mark.parametrize(("jurisdiction", "policy"), [
    ("泉州市丰泽区", "quanzhou-2023"),  # the nearest document: the city's, not the province's
    ("福州市鼓楼区", "fujian-2023"),  # no city document: the province's
    ("杭州市西湖区", "taian-2024"),  # no document above it: the bureau's own (DEFAULT_POLICY)
])
def test_the_policy_is_the_nearest_enclosing_documents_else_the_bureaus_own(app, client, api_token,
                                                                              jurisdiction, policy):
    app.config["DEFAULT_POLICY"] = "taian-2024"  # not Wenzhou's, so the fallback is seen
    response = client.post("/api/v1/studios", json={**NEW_STUDIO, "jurisdiction": jurisdiction},
                           headers=api_token("admin"))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["policy"] == policy


def test_a_name_several_places_share_is_422_naming_the_candidates(client, api_token):
    response = client.post("/api/v1/studios", json={**NEW_STUDIO, "jurisdiction": "鼓楼区"},
                           headers=api_token("admin"))
    assert response.status_code == 422
    [detail] = response.get_json()["error"]["details"]
    assert detail["field"] == "jurisdiction"
    for candidate in ("福建省福州市鼓楼区", "江苏省南京市鼓楼区", "江苏省徐州市鼓楼区", "河南省开封市鼓楼区"):
        assert candidate in detail["message"]
    given = client.post("/api/v1/studios", json={**NEW_STUDIO, "jurisdiction": "鼓楼区", "policy": "fujian-2023"},
                        headers=api_token("admin"))
    assert given.status_code == 422  # the record must name one place even when the policy is chosen


def test_a_name_that_is_no_division_is_422_with_what_was_probably_meant(client, api_token):
    response = client.post("/api/v1/studios", json={**NEW_STUDIO, "jurisdiction": "温州"},
                           headers=api_token("admin"))
    assert response.status_code == 422
    [detail] = response.get_json()["error"]["details"]
    assert detail["field"] == "jurisdiction" and "未找到" in detail["message"] and "浙江省温州市" in detail["message"]
    typo = client.post("/api/v1/studios", json={**NEW_STUDIO, "jurisdiction": "温州布"}, headers=api_token("admin"))
    assert typo.status_code == 422 and typo.get_json()["error"]["details"][0]["field"] == "jurisdiction"


def test_two_documents_for_the_nearest_place_are_422_asking_which(client, api_token, monkeypatch):
    policies = load_policies()
    policies["wenzhou-2024"] = copy_with_changes(policies["wenzhou-2018"], code="wenzhou-2024")
    monkeypatch.setattr(operations, "load_policies", lambda: policies)
    response = client.post("/api/v1/studios", json={**NEW_STUDIO, "jurisdiction": "瑞安市"}, headers=api_token("admin"))
    assert response.status_code == 422
    [detail] = response.get_json()["error"]["details"]
    assert detail["field"] == "policy" and "wenzhou-2018, wenzhou-2024" in detail["message"]
    chosen = {**NEW_STUDIO, "jurisdiction": "瑞安市", "policy": "wenzhou-2024"}
    assert client.post("/api/v1/studios", json=chosen, headers=api_token("admin")).status_code == 201


def test_a_record_whose_place_is_no_division_stays_editable_until_its_place_is_changed(client, api_token,
                                                                                       make_studio):
    studio = make_studio()
    studio.jurisdiction = "温州"  # as a record made before jurisdictions were checked may read
    db.session.commit()
    body = {**NEW_STUDIO, "name": studio.name, "jurisdiction": "温州", "policy": "wenzhou-2018", "occupation": "钳工"}
    kept = client.put(f"/api/v1/studios/{studio.id}", json=body, headers=api_token("admin"))
    assert kept.status_code == 200 and kept.get_json()["occupation"] == "钳工"
    moved = client.put(f"/api/v1/studios/{studio.id}", json={**body, "jurisdiction": "温州布"}, headers=api_token("admin"))
    assert moved.status_code == 422 and moved.get_json()["error"]["details"][0]["field"] == "jurisdiction"


def test_only_staff_register_studios(client, api_token):
    assert client.post("/api/v1/studios", json=NEW_STUDIO, headers=api_token("lead")).status_code == 403


def test_a_lead_lists_and_reads_only_their_own_studios(client, api_token, make_studio):
    own, other = make_studio("lead"), make_studio("lead_b")
    listed = client.get("/api/v1/studios", headers=api_token("lead")).get_json()
    assert [studio["id"] for studio in listed] == [own.id]
    assert client.get(f"/api/v1/studios/{other.id}", headers=api_token("lead")).status_code == 404
    assert client.get(f"/api/v1/studios/{other.id}/grants", headers=api_token("lead")).status_code == 404
    everyone = client.get("/api/v1/studios?level=city", headers=api_token("admin")).get_json()
    assert {studio["id"] for studio in everyone} == {own.id, other.id}


def test_a_stale_studio_write_is_409(client, api_token, make_studio):
    studio = make_studio()
    body = {**NEW_STUDIO, "name": studio.name, "occupation": "数控车工", "version": 1}
    first = client.put(f"/api/v1/studios/{studio.id}", json=body, headers=api_token("admin"))
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = client.put(f"/api/v1/studios/{studio.id}", json={**body, "occupation": "钳工"}, headers=api_token("admin"))
    assert stale.status_code == 409
    assert client.get(f"/api/v1/studios/{studio.id}", headers=api_token("admin")).get_json()["occupation"] == "数控车工"


@pytest.mark.parametrize(("kind", "level", "expected"), [
    ("master_studio", "national", [(100000, "fixed")]),
    ("master_studio", "city", [(30000, "fixed")]),
    ("training_base", "city", [(200000, "at_least")]),
    ("master_studio", "county", []),
])
def test_one_time_grants_due_under_wenzhou(client, api_token, make_studio, kind, level, expected):
    studio = make_studio(kind=kind, level=level, established=dt.date(2024, 5, 1))
    grants = client.get(f"/api/v1/studios/{studio.id}/grants", headers=api_token("lead")).get_json()
    assert [(grant["amount"], grant["amount_basis"]) for grant in grants] == expected
    assert all(grant["policy"] == "wenzhou-2018" and "242号" in grant["clause"] for grant in grants)


def test_a_paid_grant_is_no_longer_due(client, api_token, make_studio):
    studio = make_studio(established=dt.date(2024, 5, 1), grant_paid_on=dt.date(2024, 8, 1))
    assert client.get(f"/api/v1/studios/{studio.id}/grants", headers=api_token("admin")).get_json() == []


def test_rubrics_list_items_whose_maxima_sum_to_100(client, api_token):
    items = client.get("/api/v1/rubrics/master_studio", headers=api_token("lead")).get_json()
    assert [(item["key"], item["max"]) for item in items][:2] == [("basic_support", 35), ("daily_management", 15)]
    assert sum(item["max"] for item in items) == 100 and all(item["label"] for item in items)
    assert client.get("/api/v1/rubrics/bakery", headers=api_token("lead")).status_code == 404


def test_the_lead_files_submits_and_staff_return_accept_and_score(client, api_token, make_studio):
    studio = make_studio()
    lead, admin = api_token("lead"), api_token("admin")
    saved = client.put(report_url(studio.id), json=sample_content(), headers=lead)
    assert saved.status_code == 200, saved.get_json()
    report = saved.get_json()
    assert report["status"] == "draft" and report["promoted_to_high_skill"] == 1 and report["late"] is False
    assert report["content"]["apprentices"][0]["id_number"] == person_id(1)

    assert client.post(report_url(studio.id) + "/submit", headers=lead).get_json()["status"] == "submitted"
    assert client.put(report_url(studio.id), json=sample_content(), headers=lead).status_code == 409  # locked
    assert client.post(report_url(studio.id) + "/return", json={"reason": ""}, headers=admin).status_code == 422
    returned = client.post(report_url(studio.id) + "/return", json={"reason": "缺带徒协议"}, headers=admin).get_json()
    assert (returned["status"], returned["return_reason"]) == ("returned", "缺带徒协议")

    fixed = client.put(report_url(studio.id), json={**sample_content(), "version": returned["version"]}, headers=lead)
    assert fixed.status_code == 200
    client.post(report_url(studio.id) + "/submit", headers=lead)
    assert client.post(report_url(studio.id) + "/accept", headers=admin).get_json()["status"] == "accepted"

    scored = client.put(report_url(studio.id) + "/score", json={"items": {
        "basic_support": 30.5, "daily_management": 12, "technical_problem_solving": 13, "exchange_service": 14,
        "apprentices": 18}}, headers=admin)
    assert scored.status_code == 200, scored.get_json()
    assert scored.get_json()["score"] == 87.5 and scored.get_json()["items"]["basic_support"] == 30.5


def test_bad_item_scores_are_422_naming_each_bad_item(client, api_token, make_studio, make_scored_report):
    studio = make_studio()
    make_scored_report(studio, items_totalling(80))
    response = client.put(report_url(studio.id) + "/score", json={"items": {
        "basic_support": 36, "daily_management": 12.25, "technical_problem_solving": 10, "exchange_service": 10,
        "bonus": 5}}, headers=api_token("admin"))
    assert response.status_code == 422
    fields = {detail["field"] for detail in response.get_json()["error"]["details"]}
    assert fields == {"items.basic_support", "items.daily_management", "items.apprentices", "items.bonus"}


def test_only_accepted_reports_are_scored(client, api_token, make_studio):
    studio = make_studio()
    client.put(report_url(studio.id), json=sample_content(), headers=api_token("lead"))
    response = client.put(report_url(studio.id) + "/score", json={"items": items_totalling(80)},
                          headers=api_token("admin"))
    assert response.status_code == 409


def test_report_rows_are_checked_with_row_and_field(client, api_token, make_studio):
    studio = make_studio()
    body = sample_content()
    body["apprentices"][1]["id_number"] = wrong_check(person_id(2))
    response = client.put(report_url(studio.id), json=body, headers=api_token("lead"))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == [{
        "field": "apprentices.id_number", "row": 2, "message": "身份证号校验位不符，号码可能有误，请与证件核对"}]


def test_a_lead_cannot_read_or_write_another_studios_report(client, api_token, make_studio):
    other = make_studio("lead_b")
    client.put(report_url(other.id), json=sample_content(), headers=api_token("lead_b"))
    intruder = api_token("lead")
    assert client.get(report_url(other.id), headers=intruder).status_code == 404
    assert client.put(report_url(other.id), json=sample_content(3), headers=intruder).status_code == 404
    assert client.post(report_url(other.id) + "/submit", headers=intruder).status_code == 404
    report = client.get(report_url(other.id), headers=api_token("lead_b")).get_json()
    assert report["status"] == "draft" and report["content"]["apprentices"][0]["id_number"] == person_id(1)


def test_review_and_scoring_are_for_staff_only(client, api_token, make_studio):
    studio = make_studio()
    client.put(report_url(studio.id), json=sample_content(), headers=api_token("lead"))
    client.post(report_url(studio.id) + "/submit", headers=api_token("lead"))
    assert client.post(report_url(studio.id) + "/accept", headers=api_token("lead")).status_code == 403
    assert client.put(report_url(studio.id), json=sample_content(), headers=api_token("admin")).status_code == 403


def test_a_stale_report_write_is_409_and_changes_nothing(client, api_token, make_studio):
    studio = make_studio()
    lead = api_token("lead")
    first = client.put(report_url(studio.id), json=sample_content(), headers=lead).get_json()
    client.put(report_url(studio.id), json={**sample_content(), "summary": "第二次", "version": first["version"]},
               headers=lead)
    stale = client.put(report_url(studio.id), json={**sample_content(), "summary": "旧页面", "version": first["version"]},
                       headers=lead)
    assert stale.status_code == 409
    assert client.get(report_url(studio.id), headers=lead).get_json()["content"]["summary"] == "第二次"


def _window(year, opens, deadline):
    db.session.add(ReportWindow(year=year, opens_on=opens, deadline=deadline))
    db.session.commit()


def test_a_submission_after_the_deadline_is_flagged_late_and_accepting_it_is_audited(client, api_token, make_studio):
    studio = make_studio()
    today = local_today()
    _window(last_year(), today - dt.timedelta(days=60), today - dt.timedelta(days=1))
    client.put(report_url(studio.id), json=sample_content(), headers=api_token("lead"))
    submitted = client.post(report_url(studio.id) + "/submit", headers=api_token("lead")).get_json()
    assert submitted["late"] is True and submitted["status"] == "submitted"
    client.post(report_url(studio.id) + "/accept", headers=api_token("admin"))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "annual_report",
                                                       AuditEntry.summary.contains("逾期")))
    assert entry is not None and entry.after["status"] == "accepted"


def test_a_submission_before_the_deadline_is_on_time(client, api_token, make_studio):
    studio = make_studio()
    today = local_today()
    _window(last_year(), today - dt.timedelta(days=10), today)
    client.put(report_url(studio.id), json=sample_content(), headers=api_token("lead"))
    assert client.post(report_url(studio.id) + "/submit", headers=api_token("lead")).get_json()["late"] is False


def test_submission_waits_for_the_window_to_open(client, api_token, make_studio):
    studio = make_studio()
    today = local_today()
    _window(last_year(), today + dt.timedelta(days=1), today + dt.timedelta(days=30))
    client.put(report_url(studio.id), json=sample_content(), headers=api_token("lead"))
    response = client.post(report_url(studio.id) + "/submit", headers=api_token("lead"))
    assert response.status_code == 409 and "起才能提交" in response.get_json()["error"]["message"]


def test_reports_only_for_years_the_studio_existed(client, api_token, make_studio):
    studio = make_studio(established=dt.date(2023, 6, 1))
    lead = api_token("lead")
    assert client.put(report_url(studio.id, 2022), json=sample_content(), headers=lead).status_code == 422
    next_year = local_today().year + 1
    assert client.put(report_url(studio.id, next_year), json=sample_content(), headers=lead).status_code == 422


def test_awards_are_linked_to_signed_off_competition_results_for_staff_only(client, api_token, make_studio, users):
    """Staff checking a report see signed-off results; the lead, who can type any ID number into the
    report, is told nothing about anyone's results, published or not (tests/studios/test_report_privacy.py)."""
    from competition.models import Competition, Result

    competition = Competition(name="温州市数控车工技能竞赛", tier="city", category=1, year=last_year(),
                              policy="wenzhou-2018", owner_id=users["organiser"].id, status="finalized")
    competition.results = [Result(position=1, name="陈浩", id_number=person_id(1), rank=2, local=True)]
    db.session.add(competition)
    db.session.commit()
    studio = make_studio()
    report = client.put(report_url(studio.id), json=sample_content(), headers=api_token("lead")).get_json()
    assert "linked_results" not in report
    staff_view = client.get(report_url(studio.id), headers=api_token("admin")).get_json()
    assert [(link["name"], link["competition"], link["rank"]) for link in staff_view["linked_results"]] == [
        ("陈浩", "温州市数控车工技能竞赛", 2)]
    competition.status = "published"
    db.session.commit()
    assert "linked_results" not in client.get(report_url(studio.id), headers=api_token("lead")).get_json()
