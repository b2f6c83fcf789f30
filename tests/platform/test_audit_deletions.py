"""Every deletion leaves an audit entry saying what was deleted, also where rows go in bulk or as
orphans of a collection; ID numbers reach the append-only log masked (the records keep them whole)."""
import json
import re
from datetime import date

from sqlalchemy import select

from bureau.audit.models import AuditEntry
from bureau.audit.recorder import Actor, record_event
from bureau.db import db
from competition import operations as competitions
from bureau.idnumber import mask_id_number
from competition.models import Award, Competition, Result
from studios import operations as studios
from studios.models import AssessmentResult
from tests.competition.ids import person_id
from tests.competition.test_api import WENZHOU_CITY, create, rows
from tests.conftest import csrf_token_from
from tests.studios.conftest import ESTABLISHED, items_totalling, last_year, sample_content

# What an unmasked ID number looks like anywhere in an entry's text.
FULL_ID_NUMBER = re.compile(r"\d{17}[\dXx]")


def deletions(object_type: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                       AuditEntry.action == "delete").order_by(AuditEntry.id)).all()


def results_url(competition: dict) -> str:
    return f"/api/v1/competitions/{competition['id']}/results"


def test_a_results_put_that_drops_rows_records_each_removed_row(client, api_token):
    headers = api_token("organiser")
    competition = create(client, headers)
    stored = client.put(results_url(competition), json=rows(5), headers=headers).get_json()
    ids = {result["name"]: result["id"] for result in stored}
    assert client.put(results_url(competition), json=rows(3), headers=headers).status_code == 200

    deleted = {entry.before["name"]: entry for entry in deletions("result")}
    assert set(deleted) == {"选手4", "选手5"}
    fourth = deleted["选手4"]
    assert fourth.object_id == str(ids["选手4"]) and fourth.actor_name == "organiser"
    assert fourth.before["competition_id"] == competition["id"] and fourth.before["employer"] == "温州某机械有限公司"
    assert fourth.before["id_number"] == mask_id_number(person_id(4))
    assert fourth.after is None


def test_the_delete_button_records_the_deleted_result(client, api_token, login_as):
    competition = create(client, api_token("organiser"))
    client.put(results_url(competition), json=rows(3), headers=api_token("organiser"))
    second = db.session.scalar(select(Result).where(Result.name == "选手2"))
    version = db.session.get(Competition, competition["id"]).version
    login_as("organiser")
    detail = f"/competitions/{competition['id']}"
    response = client.post(f"{detail}/results/{second.id}/delete",
                           data={"version": version, "csrf_token": csrf_token_from(client, detail)})
    assert response.status_code == 302

    (entry,) = deletions("result")
    assert entry.object_id == str(second.id) and entry.before["name"] == "选手2"
    assert entry.before["id_number"] == mask_id_number(person_id(2)) and entry.actor_name == "organiser"


def test_reopening_records_every_award_it_deletes(client, api_token):
    organiser, staff = api_token("organiser"), api_token("admin")
    competition = create(client, organiser)
    client.put(results_url(competition), json=rows(3), headers=organiser)
    base = f"/api/v1/competitions/{competition['id']}"
    assert client.post(f"{base}/finalize", headers=staff).status_code == 200
    awards = {award["id"]: award for award in client.get(f"{base}/awards", headers=staff).get_json()}
    assert len(awards) >= 3
    assert client.post(f"{base}/reopen", json={"reason": "成绩复核"}, headers=staff).status_code == 200
    assert db.session.scalar(select(Award.id).limit(1)) is None

    deleted = deletions("award")
    assert {int(entry.object_id) for entry in deleted} == set(awards)
    for entry in deleted:
        award = awards[int(entry.object_id)]
        assert (entry.before["name"], entry.before["kind"], entry.before["amount"]) == \
            (award["name"], award["kind"], award["amount"])
        assert entry.before["id_number"] in (None, mask_id_number(award["id_number"] or ""))
        assert entry.actor_name == "admin" and entry.summary == "重新开放：成绩复核"


def test_recomputing_awards_records_the_awards_it_replaces(app, users):
    competition = competitions.create_competition(dict(WENZHOU_CITY), users["organiser"])
    competitions.replace_results(competition, rows(3))
    competitions.finalize(competition)
    db.session.commit()
    before = set(db.session.scalars(select(Award.id)))
    competitions.compute_awards(competition)
    db.session.commit()
    assert {int(entry.object_id) for entry in deletions("award")} == before


def test_a_rerun_assessment_records_the_results_it_replaces(app, users):
    for number in (1, 2):
        studio = studios.create_studio({"name": f"测试技能大师工作室{number}", "kind": "master_studio", "level": "city",
                                        "jurisdiction": "温州市", "lead": "lead", "established": ESTABLISHED})
        report = studios.save_report(studio, last_year(), sample_content(apprentice=10 * number))
        studios.submit_report(report)
        studios.accept_report(report, users["admin"])
        studios.score_report(report, items_totalling(90 - number), users["admin"])
    run = dict(year=last_year(), kind="master_studio", level="city", jurisdiction="温州市", run_by=users["admin"])
    studios.run_assessment(reward_amount=30000, **run)
    db.session.commit()
    first = {row.id: (row.studio_id, row.reward) for row in db.session.scalars(select(AssessmentResult))}
    studios.run_assessment(reward_amount=20000, **run)
    db.session.commit()

    deleted = deletions("assessment_result")
    assert {int(entry.object_id): (entry.before["studio_id"], entry.before["reward"]) for entry in deleted} == first


def test_removing_an_attachment_records_it(app, users):
    studio = studios.create_studio({"name": "测试技能大师工作室", "kind": "master_studio", "level": "city",
                                    "jurisdiction": "温州市", "lead": "lead", "established": ESTABLISHED})
    report = studios.save_report(studio, last_year(), sample_content())
    attachment = studios.add_attachment(report, "证明.pdf", b"%PDF-1.4\n%%EOF\n", users["lead"])
    db.session.commit()
    studios.remove_attachment(attachment)
    db.session.commit()
    (entry,) = deletions("report_attachment")
    assert entry.before["filename"] == "证明.pdf" and entry.before["data"] == "***"


def test_an_explicit_event_is_recorded_with_who_what_and_details_masked(app, users):
    typed = person_id(7)  # someone typing their ID number as the user name
    record_event(db.session, "login_failed", "user_account", details={"username": typed, "reason": "password"},
                 actor=Actor(None, "anonymous", "203.0.113.9"))
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "login_failed"))
    assert (entry.actor_name, entry.remote_addr, entry.object_type) == ("anonymous", "203.0.113.9", "user_account")
    assert entry.after == {"username": mask_id_number(typed), "reason": "password"}


def entry_text(entry: AuditEntry) -> str:
    return json.dumps([entry.object_id, entry.summary, entry.before, entry.after], ensure_ascii=False)


def test_no_audit_entry_holds_a_whole_id_number_after_a_typical_flow(client, api_token, login_as, users):
    organiser, staff = api_token("organiser"), api_token("admin")
    competition = create(client, organiser)
    base = f"/api/v1/competitions/{competition['id']}"
    client.put(f"{base}/results", json=rows(4), headers=organiser)
    client.put(f"{base}/results", json=rows(3), headers=organiser)  # one removed
    assert client.post(f"{base}/finalize", headers=staff).status_code == 200
    stored = db.session.get(Competition, competition["id"])
    notice = competitions.publish_notice(stored, starts_on=date(2026, 11, 2))
    competitions.record_objection(notice, objector="李某", subject=f"{person_id(2)}的工作单位不属实",
                                  received_on=date(2026, 11, 3))
    db.session.commit()
    reason = f"复核{person_id(1)}的成绩"  # reasons are free text and may quote a number
    assert client.post(f"{base}/reopen", json={"reason": reason}, headers=staff).status_code == 200
    studio = studios.create_studio({"name": "测试技能大师工作室", "kind": "master_studio", "level": "city",
                                    "jurisdiction": "温州市", "lead": "lead", "established": ESTABLISHED})
    studios.save_report(studio, last_year(), sample_content(apprentice=20))
    db.session.commit()

    entries = db.session.scalars(select(AuditEntry)).all()
    assert {"result", "award", "annual_report", "objection"} <= {entry.object_type for entry in entries}
    leaks = [entry_text(entry) for entry in entries if FULL_ID_NUMBER.search(entry_text(entry))]
    assert leaks == []
    masked = mask_id_number(person_id(1))
    assert any(masked in entry_text(entry) for entry in entries if entry.object_type == "result")
    assert any(masked in entry.summary for entry in entries)
    # The audited records keep the whole number.
    assert db.session.scalar(select(Result.id_number).where(Result.name == "选手1")) == person_id(1)
