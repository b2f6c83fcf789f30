"""A studio lead learns nothing about other people's competition results from the annual report.

A lead types any ID number and name into the report. If any answer told the lead about the
competition results of the person with that ID number (results, or even matched / not matched),
a lead could unmask an ID number of a public notice (3303**********0013) by trying the few
candidates that fit the mask and the check digit. Staff, who review the report, see the link.
Reports are bounded (a studio's apprentices, not thousands of guesses) and every save is audited.
"""
import json
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from bureau.audit.models import AuditEntry
from bureau.clock import local_today
from bureau.db import db
from competition import operations as competition_operations
from bureau.idnumber import mask_id_number
from studios import queries
from studios.models import AnnualReport
from studios.report import MAX_ROWS_PER_SECTION
from tests.competition.ids import person_id
from tests.conftest import form_fields_from
from tests.studios.conftest import items_totalling, last_year, sample_content

COMPETITION = "温州市数控车工技能竞赛"
NOTICED = {"name": "郑国强", "id_number": person_id(13, birth="19950505")}  # in a published notice
STRANGER = {"name": "郑国强", "id_number": person_id(14, birth="19950505")}  # in no competition at all


@pytest.fixture
def public_notice(users):
    """A finalized competition in a published public notice, where NOTICED is 2nd (ID masked there)."""
    competition = competition_operations.create_competition(
        {"name": COMPETITION, "tier": "city", "category": 1, "occupation": "数控车工", "year": last_year(),
         "group": "worker", "policy": "wenzhou-2018"}, users["organiser"])
    competition_operations.replace_results(competition, [
        {"name": "王立新", "id_number": person_id(12, birth="19950505"), "employer": "温州某机械有限公司",
         "local": True, "theory": 95, "practical": 96},
        {**NOTICED, "employer": "温州某机械有限公司", "local": True, "theory": 90, "practical": 91},
    ])
    competition_operations.finalize(competition)
    competition_operations.publish_notice(competition, starts_on=local_today())
    db.session.commit()
    return competition


def content_naming(person: dict) -> dict:
    """A report whose apprentice and award winner is ``person``, as a lead would type it."""
    content = sample_content()
    content["apprentices"][0] |= person
    content["awards"][0] |= person | {"competition": COMPETITION, "award": "二等奖"}
    return content


def report_url(studio, year=None):
    return f"/api/v1/studios/{studio.id}/reports/{year or last_year()}"


def report_path(studio, year=None):
    return f"/studios/{studio.id}/reports/{year or last_year()}"


def _typed(text: str, studio, person: dict) -> str:
    """An answer with what the lead chose (the studio, the ID number typed) replaced by placeholders."""
    text = text.replace(person["id_number"], "<ID>").replace(studio.name, "<STUDIO>")
    text = re.sub(rf"/studios/{studio.id}\b", "/studios/<N>", text)
    return re.sub(r'("studio_id": )\d+', r"\1<N>", text)


def _without_tokens(page: str) -> str:
    return re.sub(r'(name="(?:csrf_token|form_token)"[^>]*value=")[^"]+', r"\1", page)


def _json(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False, sort_keys=True)


def test_a_lead_is_told_nothing_about_a_real_persons_results_in_any_api_answer(
        client, api_token, make_studio, public_notice):
    studio, lead = make_studio(), api_token("lead")
    answers = [client.put(report_url(studio), json=content_naming(NOTICED), headers=lead),
               client.get(report_url(studio), headers=lead),
               client.post(report_url(studio) + "/submit", headers=lead)]
    for answer in answers:
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert "linked_results" not in body  # not even an empty list, which would read as "no results"
        text = _json(answer)
        assert "王立新" not in text and '"rank"' not in text and '"competition_id"' not in text


def test_a_lead_is_told_nothing_about_a_real_persons_results_on_the_report_page(
        client, api_token, login_as, make_studio, public_notice):
    studio, lead = make_studio(), api_token("lead")
    client.put(report_url(studio), json=content_naming(NOTICED), headers=lead)
    login_as("lead")
    editing = client.get(report_path(studio)).get_data(as_text=True)
    client.post(report_url(studio) + "/submit", headers=lead)
    submitted = client.get(report_path(studio)).get_data(as_text=True)
    for page in (editing, submitted):
        assert NOTICED["id_number"] in page  # the lead's own typing is shown back
        assert "系统中的徒弟竞赛成绩" not in page and "系统竞赛成绩" not in page and "✔" not in page
        assert "第2名" not in page and "王立新" not in page
    # The award row the lead typed names the competition; nothing else on the page does.
    assert submitted.count(COMPETITION) == 1


def test_answers_for_a_matching_and_a_non_matching_id_differ_only_in_what_the_lead_typed(
        client, api_token, login_as, make_studio, public_notice):
    lead = api_token("lead")
    matching, other = make_studio(), make_studio()
    people = {matching.id: NOTICED, other.id: STRANGER}

    def answers(studio) -> list[str]:
        person = people[studio.id]
        saved = client.put(report_url(studio), json={**content_naming(person), "version": 0}, headers=lead)
        resaved = client.put(report_url(studio), json={**content_naming(person), "version": 1}, headers=lead)
        read = client.get(report_url(studio), headers=lead)
        editing_page = client.get(report_path(studio))
        submitted = client.post(report_url(studio) + "/submit", headers=lead)
        submitted_page = client.get(report_path(studio))
        for answer in (saved, resaved, read, editing_page, submitted, submitted_page):
            assert answer.status_code == 200
        texts = [_json(answer) for answer in (saved, resaved, read, submitted)]
        texts += [_without_tokens(page.get_data(as_text=True)) for page in (editing_page, submitted_page)]
        # The time of submission is the clock's, not the lead's.
        texts = [re.sub(r'"submitted_at": "[^"]+"|提交时间：[^<]+', "", text) for text in texts]
        return [_typed(text, studio, person) for text in texts]

    login_as("lead")
    assert answers(matching) == answers(other)


def test_staff_reviewing_the_report_see_the_link_on_the_web_and_in_the_api(
        client, api_token, login_as, make_studio, public_notice):
    studio = make_studio()
    client.put(report_url(studio), json=content_naming(NOTICED), headers=api_token("lead"))
    client.post(report_url(studio) + "/submit", headers=api_token("lead"))
    staff = client.get(report_url(studio), headers=api_token("admin")).get_json()
    assert [(link["id_number"], link["name"], link["competition"], link["rank"])
            for link in staff["linked_results"]] == [(NOTICED["id_number"], NOTICED["name"], COMPETITION, 2)]
    accepted = client.post(report_url(studio) + "/accept", headers=api_token("admin")).get_json()
    assert [link["competition"] for link in accepted["linked_results"]] == [COMPETITION]
    login_as("admin")
    page = client.get(report_path(studio)).get_data(as_text=True)
    assert "系统中的徒弟竞赛成绩" in page and "系统竞赛成绩：温州市数控车工技能竞赛" in page


def _apprentices(count: int) -> list[dict]:
    return [{"name": f"徒弟{n}", "id_number": person_id(n), "level_after": "中级工"} for n in range(1, count + 1)]


def test_a_report_with_too_many_rows_in_a_list_is_refused_whole_in_the_api(client, api_token, make_studio):
    studio, lead = make_studio(), api_token("lead")
    assert client.put(report_url(studio), json=sample_content(), headers=lead).status_code == 200
    too_many = {**sample_content(), "apprentices": _apprentices(MAX_ROWS_PER_SECTION + 1), "summary": "改过的总结"}
    response = client.put(report_url(studio), json=too_many, headers=lead)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert [(detail["field"], detail["message"]) for detail in error["details"]] == [
        ("apprentices", f"带徒情况最多填写{MAX_ROWS_PER_SECTION}行，本次有{MAX_ROWS_PER_SECTION + 1}行")]
    db.session.expire_all()
    assert queries.find_report(studio.id, last_year()).content["summary"] == sample_content()["summary"]
    at_the_limit = {**sample_content(), "apprentices": _apprentices(MAX_ROWS_PER_SECTION)}
    assert client.put(report_url(studio), json=at_the_limit, headers=lead).status_code == 200


def test_a_report_with_too_many_rows_in_a_list_is_refused_whole_on_the_web(client, login_as, make_studio):
    studio = make_studio()
    login_as("lead")

    def form(count: int) -> dict:
        data = {**form_fields_from(client, report_path(studio)), "version": "0", "action": "save",
                "summary": "全年工作总结"}
        for index, row in enumerate(_apprentices(count)):
            data |= {f"apprentices-{index}-{key}": value for key, value in row.items()}
        # The form's spare blank row (and rows the lead emptied) do not count.
        data |= {f"apprentices-{count}-name": "", f"apprentices-{count}-id_number": ""}
        return data

    response = client.post(report_path(studio), data=form(MAX_ROWS_PER_SECTION + 1))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"带徒情况最多填写{MAX_ROWS_PER_SECTION}行，本次有{MAX_ROWS_PER_SECTION + 1}行" in page
    assert queries.find_report(studio.id, last_year()) is None
    assert client.post(report_path(studio), data=form(MAX_ROWS_PER_SECTION)).status_code == 302
    db.session.expire_all()
    assert len(queries.find_report(studio.id, last_year()).content["apprentices"]) == MAX_ROWS_PER_SECTION


def _report_entries(report_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "annual_report", AuditEntry.object_id == str(report_id)).order_by(AuditEntry.id)))


def test_every_report_save_is_audited_with_before_and_after(client, api_token, login_as, make_studio):
    studio, lead, admin = make_studio(), api_token("lead"), api_token("admin")
    client.put(report_url(studio), json=sample_content(), headers=lead)
    report_id = db.session.scalar(select(AnnualReport.id).where(AnnualReport.studio_id == studio.id))
    changed = {**sample_content(), "summary": "修改后的总结"}
    client.put(report_url(studio), json=changed, headers=lead)
    client.post(report_url(studio) + "/submit", headers=lead)
    client.post(report_url(studio) + "/return", json={"reason": "请补充培训记录"}, headers=admin)
    login_as("lead")  # the web form saves and submits the returned report
    data = {**form_fields_from(client, report_path(studio)), "version": "4", "action": "submit",
            "apprentices-0-name": "陈浩", "apprentices-0-id_number": person_id(1), "apprentices-0-level_after": "高级工",
            "summary": "补充后的总结"}
    assert client.post(report_path(studio), data=data).status_code == 302
    client.post(report_url(studio) + "/accept", headers=admin)
    client.put(report_url(studio) + "/score", json={"items": items_totalling(88)}, headers=admin)

    entries = _report_entries(report_id)
    assert [(entry.action, entry.actor_name) for entry in entries] == [
        ("create", "lead"), ("update", "lead"), ("update", "lead"), ("update", "admin"), ("update", "lead"),
        ("update", "lead"), ("update", "admin"), ("update", "admin")]
    created, resaved, submitted, returned, web_saved, resubmitted, accepted, scored = entries
    assert created.after["status"] == "draft" and created.after["content"]["summary"] == sample_content()["summary"]
    assert resaved.before["content"]["summary"] == sample_content()["summary"]
    assert resaved.after["content"]["summary"] == "修改后的总结"
    assert (submitted.before["status"], submitted.after["status"]) == ("draft", "submitted")
    assert returned.after["status"] == "returned" and "请补充培训记录" in returned.summary
    assert web_saved.after["content"]["summary"] == "补充后的总结"
    assert (resubmitted.before["status"], resubmitted.after["status"]) == ("returned", "submitted")
    assert accepted.after["status"] == "accepted"
    assert scored.before["score"] is None and Decimal(scored.after["score"]) == 88


def test_apprentice_id_numbers_are_masked_in_the_audit_log(client, api_token, make_studio):
    studio, lead = make_studio(), api_token("lead")
    client.put(report_url(studio), json=content_naming(NOTICED), headers=lead)
    client.put(report_url(studio), json=content_naming(STRANGER), headers=lead)
    report_id = db.session.scalar(select(AnnualReport.id).where(AnnualReport.studio_id == studio.id))
    logged = json.dumps([(entry.before, entry.after) for entry in _report_entries(report_id)], ensure_ascii=False)
    for person in (NOTICED, STRANGER):
        assert person["id_number"] not in logged
        assert mask_id_number(person["id_number"]) in logged
