"""A certificate is valid only once its PDF exists (issue 13, item 5).

Its serial is reserved first (status ``reserved``: the public page and the API know no such
certificate), the PDF is rendered, and only then is it marked issued (``valid``). A single issue
answers only after rendering; a batch marks a chunk's certificates issued when its PDF is written,
and a chunk that fails leaves them reserved until a rerun issues them with the same serials.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from bureau.audit.models import AuditEntry
from bureau.certificates import batches, operations
from bureau.certificates.batches import MAX_ATTEMPTS, run_pending_batches
from bureau.certificates.models import Certificate
from bureau.certificates.render import PageCountError
from bureau.db import db
from tests.certificates.test_batches import certificate_dir, check_outputs, start, state  # noqa: F401 (fixture)
from tests.certificates.test_issue import XIAMEN_CITY, awards_of, finalized_competition, issue


def statuses() -> dict[str, str]:
    db.session.rollback()  # a fresh look at what the workers committed
    return dict(db.session.execute(select(Certificate.serial, Certificate.status).order_by(Certificate.id)).all())


def public_answer(client, serial: str) -> tuple[int, str]:
    response = client.get(f"/verify/{serial}")
    return response.status_code, response.get_data(as_text=True)


def _layout_fails(*args, **kwargs):
    raise PageCountError("expected 1 pages, laid out 2")


# --- one certificate --------------------------------------------------------------------------


def test_a_certificate_whose_pdf_cannot_be_made_is_not_issued(app, client, users, api_token, monkeypatch):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY)
    award = awards_of(competition, "skill_level")[0]
    headers = api_token("admin")
    monkeypatch.setattr(operations, "render_certificate_pdf", _layout_fails)
    response = issue(client, headers, award_id=award.id)
    assert response.status_code == 500
    assert "未签发" in response.get_json()["error"]["message"]
    assert statuses() == {}  # the request rolled back its reservation: no serial anybody could look up

    monkeypatch.undo()
    response = issue(client, headers, award_id=award.id)
    assert response.status_code == 201
    serial = response.get_json()["serial"]
    assert statuses() == {serial: "valid"} and public_answer(client, serial)[0] == 200
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "certificate")
                                 .order_by(AuditEntry.id)).all()
    assert [(entry.action, entry.after["status"]) for entry in entries] == [("create", "reserved"),
                                                                            ("update", "valid")]


def test_staff_are_told_when_a_certificate_cannot_be_made(app, client, users, login_as, monkeypatch):
    from tests.conftest import csrf_token_from

    competition = finalized_competition(users["organiser"], XIAMEN_CITY)
    award = awards_of(competition, "skill_level")[0]
    login_as("admin")
    page = f"/certificates/competitions/{competition.id}"
    token = csrf_token_from(client, page)
    monkeypatch.setattr(operations, "render_certificate_pdf", _layout_fails)
    response = client.post("/certificates/issue", data={"csrf_token": token, "award_id": award.id})
    assert response.status_code == 500 and "未签发" in response.get_data(as_text=True)
    assert statuses() == {}


# --- batches ----------------------------------------------------------------------------------


def test_a_failed_chunk_leaves_its_certificates_reserved_and_a_rerun_issues_the_same_serials(
        app, client, users, api_token, certificate_dir, tmp_path, monkeypatch):
    app.config["CERTIFICATE_CHUNK_SIZE"] = 2
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=3)  # 4 certificates
    headers = api_token("admin")
    batch_id = start(client, headers, competition.id)
    monkeypatch.setattr(batches, "render_chunk_pdf", _layout_fails)
    run_pending_batches(app, max_chunks=1, processes=0)  # the first chunk, once

    reserved = statuses()
    assert len(reserved) == 2 and set(reserved.values()) == {"reserved"}
    for serial in reserved:
        code, page = public_answer(client, serial)
        assert code == 404 and "未查到" in page  # the public sees no such certificate
        assert client.get(f"/api/v1/certificates/{serial}", headers=headers).status_code == 404
    assert state(client, headers, batch_id)["status"] == "running"  # the chunks will be tried again

    monkeypatch.undo()
    run_pending_batches(app, processes=0)
    serials = check_outputs(client, headers, batch_id, tmp_path)
    assert serials[:2] == list(reserved) and len(serials) == 4  # the same serials, none twice
    assert set(statuses().values()) == {"valid"}
    assert all(public_answer(client, serial)[0] == 200 for serial in reserved)


def test_a_failed_batch_leaves_reserved_serials_that_a_new_batch_or_a_single_issue_takes_up(
        app, client, users, api_token, certificate_dir, tmp_path, monkeypatch):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=2)  # 3 certificates
    headers = api_token("admin")
    failed = start(client, headers, competition.id)
    monkeypatch.setattr(batches, "render_chunk_pdf", _layout_fails)
    for _ in range(MAX_ATTEMPTS):
        run_pending_batches(app, processes=0)
    assert state(client, headers, failed)["status"] == "failed"
    reserved = statuses()
    assert len(reserved) == 3 and set(reserved.values()) == {"reserved"}
    monkeypatch.undo()

    award = awards_of(competition, "skill_level")[0]
    single = issue(client, headers, award_id=award.id)
    assert single.status_code == 201 and single.get_json()["serial"] in reserved  # its reserved serial, now valid
    again = start(client, headers, competition.id)
    run_pending_batches(app, processes=0)
    assert sorted(check_outputs(client, headers, again, tmp_path)) == sorted(reserved)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 3


def test_certificates_of_a_chunk_become_valid_only_when_its_pdf_is_written(
        app, client, users, api_token, certificate_dir, monkeypatch):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=2)
    headers = api_token("admin")
    start(client, headers, competition.id)
    seen = []
    render = batches.render_chunk_pdf

    def looking(items, path):
        seen.append(statuses())  # what the database says while the chunk renders
        return render(items, path)

    monkeypatch.setattr(batches, "render_chunk_pdf", looking)
    run_pending_batches(app, processes=0)
    assert len(seen) == 1 and set(seen[0].values()) == {"reserved"}
    assert set(statuses().values()) == {"valid"}


# --- the schema ---------------------------------------------------------------------------------


def test_upgrading_keeps_issued_certificates_valid_and_stops_a_second_running_batch(tmp_path):
    from flask_migrate import downgrade, upgrade

    from bureau.app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as connection:
            connection.execute(text("PRAGMA foreign_keys=OFF"))  # rows without the competition they name
            connection.execute(text(
                "INSERT INTO certificate (serial, kind, subject_key, holder_name, id_number_masked, snapshot, "
                "issuer, issued_on, issued_at, status, revoked_reason, version) VALUES "
                "('2026-JN-2222-2222-2222-22', 'skill_level', 'k', '张晓明', '', '{}', '局', '2026-11-21', "
                "'2026-11-21 08:00:00', 'valid', '', 1)"))
            for _ in range(2):  # two batches of one competition started at once before the fix
                connection.execute(text(
                    "INSERT INTO certificate_batch (competition_id, title, status, total, done, zip_done, "
                    "chunk_size, error, created_at) VALUES (1, '竞赛', 'pending', 1, 0, 0, 100, '', "
                    "'2026-11-21 08:00:00')"))
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT status FROM certificate")).scalars().all() == ["valid"]
            batches_left = connection.execute(text("SELECT id, status FROM certificate_batch ORDER BY id")).all()
        assert [status for _, status in batches_left] == ["failed", "pending"]  # the newer one goes on
        downgrade(revision="0007")
        db.engine.dispose()


@pytest.mark.parametrize("status", ["reserved", "valid"])
def test_one_reserved_or_valid_certificate_per_subject(app, status):
    from sqlalchemy.exc import IntegrityError

    from bureau.certificates.serials import new_serial

    def row(serial_status):
        return Certificate(serial=new_serial(2026, "title"), kind="title", subject_key="same", holder_name="张晓明",
                           snapshot={}, issuer="局", issued_on=date(2026, 11, 21), status=serial_status)

    db.session.add(row(status))
    db.session.flush()
    db.session.add(row("reserved"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_reserved_certificates_are_counted_nowhere(app, users):
    from bureau.clock import local_today
    from bureau.dashboard import metrics, queries
    from bureau.policies import load_policies

    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=2)
    plans, _ = operations.competition_plans(competition)
    for plan in plans:
        operations.reserve(plan, users["admin"])
    db.session.commit()
    scope, year = metrics.scope_for("厦门市", load_policies()), local_today().year
    assert queries.certificates_by_kind(scope, year) == {}  # neither valid nor revoked
    assert queries.count_metric("certificates", {}, scope, year, year, local_today()) == 0
    from competition.operations import valid_certificates_count
    assert valid_certificates_count(competition) == 0


def test_a_reservation_issued_days_later_is_dated_the_day_it_becomes_valid(
        app, client, users, api_token, certificate_dir, monkeypatch):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=1)
    headers = api_token("admin")
    failed = start(client, headers, competition.id)
    with monkeypatch.context() as broken:
        broken.setattr(batches, "render_chunk_pdf", _layout_fails)
        for _ in range(MAX_ATTEMPTS):
            run_pending_batches(app, processes=0)
    assert state(client, headers, failed)["status"] == "failed"
    reserved_on = db.session.scalars(select(Certificate.issued_on)).first()

    later = date.fromordinal(reserved_on.toordinal() + 9)
    monkeypatch.setattr(operations, "local_today", lambda: later)
    award = awards_of(competition, "skill_level")[0]
    answer = issue(client, headers, award_id=award.id)
    assert answer.status_code == 201
    certificate = db.session.scalar(select(Certificate).where(Certificate.serial == answer.get_json()["serial"]))
    assert certificate.status == "valid"
    assert certificate.issued_on == later and certificate.snapshot["issued_on"] == later.isoformat()
