"""Concurrency on PostgreSQL: simultaneous saves of results, and the assessment run twice at once.

Real requests from threads, each with its own client and database session. Where the timing
matters, a barrier inside the operation holds every request at the same point (after it has read
what it will change, before it writes), so the race is certain rather than likely. Certificates
have their own concurrency tests (tests/certificates/test_issue.py).
"""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from bureau.db import db
from competition import operations as competitions
from competition.models import Competition, Result
from studios import operations as studios
from studios.models import Assessment, AssessmentResult
from tests.conftest import FORM_TOKEN_PATTERN, ON_POSTGRES, csrf_token_from, login
from tests.security.world import competition_spec, contestants

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
TIMEOUT = 60


def at_once(app, work, count: int) -> list:
    """Run ``work(index)`` in ``count`` threads, each in an app context; their answers in order."""
    answers, errors = [None] * count, []

    def run(index: int) -> None:
        try:
            with app.app_context():
                answers[index] = work(index)
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    db.session.commit()
    db.session.remove()
    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request hung (lock wait?)"
    assert not errors, errors
    return answers


def hold_every_request_at(monkeypatch, module, name: str, parties: int) -> None:
    """Make ``module.name`` wait until ``parties`` requests have all reached it."""
    barrier = threading.Barrier(parties, timeout=TIMEOUT)
    original = getattr(module, name)

    def waiting(*args, **kwargs):
        result = original(*args, **kwargs)
        barrier.wait()
        return result

    monkeypatch.setattr(module, name, waiting)


def stored_results(competition_id: int) -> list[str]:
    return sorted(db.session.scalars(select(Result.name).where(Result.competition_id == competition_id)))


def named(rows: list[dict], prefix: str) -> list[dict]:
    return [{**row, "name": f"{prefix}{index}"} for index, row in enumerate(rows)]


@pytest.fixture
def competition(app, users):
    made = competitions.create_competition(competition_spec("并发保存测试竞赛"), users["organiser"])
    competitions.replace_results(made, contestants(3, start=700))
    db.session.commit()
    return made.id, made.version


def test_two_saves_of_the_same_results_at_once_one_is_refused_and_nothing_is_lost(app, competition, api_token,
                                                                                  monkeypatch):
    competition_id, version = competition
    headers = [{**api_token("organiser"), "If-Match": str(version)} for _ in range(2)]
    sets = [named(contestants(5, start=710), "甲表"), named(contestants(4, start=720), "乙表")]
    hold_every_request_at(monkeypatch, competitions, "_require_editable", 2)  # both have read version v

    def save(index):
        response = app.test_client().put(f"/api/v1/competitions/{competition_id}/results", json=sets[index],
                                          headers=headers[index])
        return response.status_code

    statuses = at_once(app, save, 2)
    assert sorted(statuses) == [200, 409], statuses
    winner = sets[statuses.index(200)]
    assert stored_results(competition_id) == sorted(row["name"] for row in winner)  # all of it, nothing mixed
    assert db.session.get(Competition, competition_id).version == version + 1


def test_two_saves_without_a_version_at_once_never_mix_the_two_lists(app, competition, api_token, monkeypatch):
    """Without If-Match the later save may win or be refused, but the stored list is one of the two, whole."""
    competition_id, _version = competition
    headers = api_token("organiser")
    sets = [named(contestants(5, start=730), "甲表"), named(contestants(4, start=740), "乙表")]
    hold_every_request_at(monkeypatch, competitions, "_require_editable", 2)

    def save(index):
        return app.test_client().put(f"/api/v1/competitions/{competition_id}/results", json=sets[index],
                                     headers=headers).status_code

    statuses = at_once(app, save, 2)
    assert 200 in statuses and set(statuses) <= {200, 409}, statuses
    assert stored_results(competition_id) in [sorted(row["name"] for row in rows) for rows in sets]


def test_clerks_adding_results_at_once_lose_nothing_when_they_retry_on_409(app, competition, users):
    """Four clerks each add one contestant through the form; a refused save is read again and retried."""
    competition_id, _version = competition
    clients = []
    for _ in range(4):
        client = app.test_client()
        assert login(client, "organiser").status_code == 302
        clients.append(client)
    newcomers = named(contestants(4, start=750), "新增")
    page = f"/competitions/{competition_id}/results/new"

    def add(index):
        client, row = clients[index], newcomers[index]
        refused = 0
        for _attempt in range(20):
            form = client.get(page).get_data(as_text=True)
            token = csrf_token_from(client, page)
            version = form.split('name="version"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
            response = client.post(page, data={"name": row["name"], "id_number": row["id_number"],
                                               "employer": row["employer"], "local": "y", "theory": row["theory"],
                                               "practical": row["practical"], "version": version,
                                               "csrf_token": token,
                                               "form_token": FORM_TOKEN_PATTERN.search(form).group(1)})
            if response.status_code == 302:
                return refused
            assert response.status_code == 409, response.status_code
            refused += 1
        raise AssertionError("never saved")

    refusals = at_once(app, add, 4)
    names = stored_results(competition_id)
    assert all(row["name"] in names for row in newcomers) and len(names) == 3 + 4
    print(f"saves refused and retried: {sum(refusals)}")


def test_confirming_the_same_upload_twice_at_once_stores_it_once(app, competition, users, monkeypatch):
    """A double click on "confirm": one save, one refusal, no duplicate rows."""
    competition_id, _version = competition
    staged, parsed, problems = competitions.stage_upload(
        db.session.get(Competition, competition_id), users["organiser"], "成绩.csv",
        ("姓名,身份证号,工作单位,是否本地,理论成绩,实操成绩\n" + "\n".join(
            f"{row['name']},{row['id_number']},{row['employer']},是,{row['theory']},{row['practical']}"
            for row in named(contestants(6, start=760), "上传"))).encode())
    assert staged is not None and not problems, problems
    token = staged.token
    db.session.commit()  # requests in this thread share the test's session and roll back what is not
    clients = []
    for _ in range(2):
        client = app.test_client()
        assert login(client, "organiser").status_code == 302
        clients.append((client, csrf_token_from(client, f"/competitions/{competition_id}/upload")))
    hold_every_request_at(monkeypatch, competitions, "check_version", 2)

    def confirm(index):
        client, csrf = clients[index]
        return client.post(f"/competitions/{competition_id}/upload/{token}", data={"csrf_token": csrf}).status_code

    statuses = at_once(app, confirm, 2)
    assert sorted(statuses) == [302, 409], statuses
    names = stored_results(competition_id)
    assert len(names) == len(set(names)) == 6 and all(name.startswith("上传") for name in names)


# --- the annual assessment ----------------------------------------------------------------------------


@pytest.fixture
def scored_studios(app, users):
    from tests.studios.conftest import ESTABLISHED, items_totalling, last_year, sample_content

    for number, total in enumerate((95, 91, 88, 84, 80, 77, 73), start=1):
        studio = studios.create_studio({"name": f"并发考评工作室{number}", "kind": "master_studio", "level": "city",
                                        "jurisdiction": "温州市", "lead": "lead", "established": ESTABLISHED})
        report = studios.save_report(studio, last_year(), sample_content())
        studios.submit_report(report)
        studios.accept_report(report, users["admin"])
        studios.score_report(report, items_totalling(total), users["admin"])
    db.session.commit()
    return {"year": last_year(), "kind": "master_studio", "level": "city", "jurisdiction": "温州市",
            "reward_amount": 50000}


def one_assessment_with_one_result_per_studio(body: dict) -> None:
    assessments = db.session.scalars(select(Assessment)).all()
    assert len(assessments) == 1
    per_studio = Counter(db.session.scalars(select(AssessmentResult.studio_id)))
    assert len(per_studio) == 7 and set(per_studio.values()) == {1}
    grades = Counter(db.session.scalars(select(AssessmentResult.grade)))
    assert grades["excellent"] == assessments[0].excellent_cap == 1  # 15% of 7, rounded down


@pytest.mark.parametrize("runs", [2, 4])
def test_the_first_assessment_run_at_once_makes_one_assessment(app, users, scored_studios, api_token, monkeypatch,
                                                               runs):
    headers = api_token("admin")
    from studios import queries

    hold_every_request_at(monkeypatch, queries, "find_assessment", runs)  # all have looked and found none

    def run(_index):
        return app.test_client().post("/api/v1/assessments", json=scored_studios, headers=headers).status_code

    statuses = at_once(app, run, runs)
    assert statuses.count(201) == 1 and statuses.count(409) == runs - 1, statuses
    one_assessment_with_one_result_per_studio(scored_studios)


# The loser's DELETE of the old results finds them gone (the winner deleted them); it is then refused.
@pytest.mark.filterwarnings("ignore:DELETE statement on table 'assessment_result' expected")
def test_a_rerun_twice_at_once_replaces_the_draft_once(app, users, scored_studios, api_token, monkeypatch):
    headers = api_token("admin")
    client = app.test_client()
    first = client.post("/api/v1/assessments", json=scored_studios, headers=headers)
    assert first.status_code == 201
    from studios import queries

    hold_every_request_at(monkeypatch, queries, "find_assessment", 2)  # both have the draft in hand

    def rerun(_index):
        return app.test_client().post("/api/v1/assessments", json=scored_studios, headers=headers).status_code

    statuses = at_once(app, rerun, 2)
    assert 201 in statuses and set(statuses) <= {201, 409}, statuses
    one_assessment_with_one_result_per_studio(scored_studios)
    assert db.session.scalar(select(Assessment.id)) == first.get_json()["id"]


def test_two_first_saves_of_the_same_report_at_once_one_is_refused_and_the_other_kept(app, users, api_token,
                                                                                      monkeypatch):
    """Two tabs (here two API clients) start the same year's report at the same moment."""
    from studios import queries
    from studios.models import AnnualReport
    from tests.studios.conftest import ESTABLISHED, last_year, sample_content

    studio = studios.create_studio({"name": "并发报告工作室", "kind": "master_studio", "level": "city",
                                    "jurisdiction": "温州市", "lead": "lead", "established": ESTABLISHED})
    db.session.commit()
    studio_id, year, headers = studio.id, last_year(), api_token("lead")
    bodies = [{**sample_content(1), "summary": "甲窗口的总结", "version": 0},
              {**sample_content(5), "summary": "乙窗口的总结", "version": 0}]
    hold_every_request_at(monkeypatch, queries, "find_report", 2)  # both have looked and found none

    def save(index):
        return app.test_client().put(f"/api/v1/studios/{studio_id}/reports/{year}", json=bodies[index],
                                     headers=headers).status_code

    statuses = at_once(app, save, 2)
    assert sorted(statuses) == [200, 409], statuses
    reports = db.session.scalars(select(AnnualReport).where(AnnualReport.studio_id == studio_id)).all()
    assert [report.content["summary"] for report in reports] == [bodies[statuses.index(200)]["summary"]]
