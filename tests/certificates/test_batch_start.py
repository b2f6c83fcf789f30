"""Starting a batch twice (a double click, two staff at once) makes one batch (issue 13, item 11).

The contract (../shared/API.md): starting a batch while one for the same competition is pending or
running returns that batch (200, the same body as its GET), not a second one. A partial unique
index keeps it so when the two requests race, which PostgreSQL shows with two threads held at the
same point.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bureau.certificates import operations
from bureau.certificates.batches import run_pending_batches
from bureau.certificates.models import CertificateBatch
from bureau.db import db
from tests.certificates.test_batches import certificate_dir  # noqa: F401 (fixture)
from tests.certificates.test_issue import XIAMEN_CITY, excellent_studio_result, finalized_competition
from tests.conftest import ON_POSTGRES, csrf_token_from, login

BATCHES = "/api/v1/certificates/batches"


def batch_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(CertificateBatch))


def test_starting_again_through_the_api_returns_the_batch_under_way(app, client, users, api_token,
                                                                    certificate_dir):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=2)
    headers = api_token("admin")
    first = client.post(BATCHES, json={"competition_id": competition.id}, headers=headers)
    assert first.status_code == 202
    again = client.post(BATCHES, json={"competition_id": competition.id}, headers=headers)
    assert again.status_code == 200
    assert again.get_json() == client.get(f"{BATCHES}/{first.get_json()['id']}", headers=headers).get_json()
    assert batch_count() == 1

    run_pending_batches(app, processes=0)  # done: the next start is a new batch
    assert client.post(BATCHES, json={"competition_id": competition.id}, headers=headers).status_code == 202
    assert batch_count() == 2


def test_an_assessment_batch_started_twice_is_one(app, client, users, api_token):
    result = excellent_studio_result(users)
    headers = api_token("admin")
    answers = [client.post(BATCHES, json={"assessment_id": result.assessment_id}, headers=headers)
               for _ in range(2)]
    assert [answer.status_code for answer in answers] == [202, 200]
    assert answers[0].get_json()["id"] == answers[1].get_json()["id"] and batch_count() == 1


def test_a_double_click_on_the_page_makes_one_batch(app, client, users, login_as):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=2)
    login_as("admin")
    token = csrf_token_from(client, f"/certificates/competitions/{competition.id}")
    answers = [client.post("/certificates/batches", data={"csrf_token": token, "competition_id": competition.id})
               for _ in range(2)]
    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert "正在生成中" in client.get(answers[1].headers["Location"]).get_data(as_text=True)
    assert batch_count() == 1


def test_the_database_admits_one_pending_or_running_batch_per_source(app, users):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=1)

    def batch(status: str) -> CertificateBatch:
        return CertificateBatch(competition_id=competition.id, title="竞赛", status=status, total=1, chunk_size=1)

    db.session.add_all([batch("done"), batch("failed"), batch("pending")])
    db.session.flush()  # finished batches do not count
    db.session.add(batch("running"))
    with pytest.raises(IntegrityError):
        db.session.flush()


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
@pytest.mark.parametrize("through", ["api", "page"])
def test_two_starts_at_the_same_moment_make_one_batch(app, users, api_token, monkeypatch, through):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=2)
    competition_id = competition.id
    headers = api_token("admin")
    clients = []
    for _ in range(2):
        client = app.test_client()
        if through == "page":
            assert login(client, "admin").status_code == 302
            clients.append((client, csrf_token_from(client, f"/certificates/competitions/{competition_id}")))
        else:
            clients.append((client, None))
    db.session.commit()
    db.session.remove()
    # Both requests have listed the certificates and are about to look for a batch under way.
    barrier = threading.Barrier(2, timeout=60)
    plans = operations.competition_plans

    def listed_together(*args, **kwargs):
        result = plans(*args, **kwargs)
        barrier.wait()
        return result

    monkeypatch.setattr(operations, "competition_plans", listed_together)
    answers: list = [None, None]
    errors: list[BaseException] = []

    def start(index: int) -> None:
        client, token = clients[index]
        try:
            with app.app_context():
                if token is None:
                    response = client.post(BATCHES, json={"competition_id": competition_id}, headers=headers)
                    answers[index] = (response.status_code, response.get_json()["id"])
                else:
                    response = client.post("/certificates/batches",
                                           data={"csrf_token": token, "competition_id": competition_id})
                    answers[index] = (response.status_code, response.headers.get("Location"))
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=start, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    expected = [200, 202] if through == "api" else [302, 302]
    assert sorted(status for status, _ in answers) == expected, answers
    assert answers[0][1] == answers[1][1]  # the same batch (its id, or its page)
    assert batch_count() == 1
