"""Batches: all certificates of a competition or an assessment, made by workers, resumable.

The worker runs here as ``run_pending_batches`` (rendering in this process, ``processes=0``,
except where the process pool itself is under test) and, for the crash test, as the real
``flask certificates work`` command in a process of its own that is killed with SIGKILL.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bureau.certificates.batches import MAX_ATTEMPTS, run_pending_batches
from bureau.certificates.models import Certificate, CertificateBatch, CertificateBatchChunk
from bureau.db import db
from competition import operations as competition_operations
from tests.certificates.test_issue import XIAMEN_CITY, excellent_studio_result, finalized_competition
from tests.certificates.test_render import _page_count, _pdf_text, _run
from tests.conftest import ON_POSTGRES, csrf_token_from

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def certificate_dir(app, tmp_path):
    folder = tmp_path / "certificates"
    app.config["CERTIFICATE_DIR"] = str(folder)
    return folder


def start(client, headers, competition_id):
    response = client.post("/api/v1/certificates/batches", json={"competition_id": competition_id}, headers=headers)
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def state(client, headers, batch_id):
    return client.get(f"/api/v1/certificates/batches/{batch_id}", headers=headers).get_json()


def check_outputs(client, headers, batch_id, tmp_path) -> list[str]:
    """The merged PDF has one page per certificate and every serial once; the ZIP one PDF each."""
    body = state(client, headers, batch_id)
    assert body["status"] == "done" and body["done"] == body["total"] == body["zip_done"]
    serials = list(db.session.scalars(select(Certificate.serial).order_by(Certificate.id)))
    assert len(serials) == len(set(serials)) == body["total"]

    merged = tmp_path / f"batch-{batch_id}.pdf"
    response = client.get(body["pdf_url"], headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    merged.write_bytes(response.data)
    assert _page_count(merged) == body["total"]
    pages = _pdf_text(merged).split("\f")
    for serial in serials:
        assert sum(serial in page for page in pages) == 1, serial

    archive = tmp_path / f"batch-{batch_id}.zip"
    archive.write_bytes(client.get(body["zip_url"], headers=headers).data)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        assert len(names) == body["total"]
        assert sorted(name.split("-", 1)[0] for name in names) == [f"{n:04d}" for n in range(1, body["total"] + 1)]
        first = tmp_path / "single.pdf"
        first.write_bytes(opened.read(names[0]))
    assert _page_count(first) == 1
    serial_in_name = names[0][-len(serials[0]) - 4:-4]
    assert serial_in_name in serials and serial_in_name in _pdf_text(first)
    fonts = _run("pdffonts", str(first)).splitlines()[2:]
    assert any("CJK" in line and line.split()[-5] == "yes" for line in fonts), fonts
    return serials


def test_batch_is_made_in_the_background_as_one_pdf_and_a_zip(app, client, users, api_token, certificate_dir,
                                                               tmp_path):
    app.config["CERTIFICATE_CHUNK_SIZE"] = 4
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=9)  # 9 levels + 1 title
    headers = api_token("admin")
    batch_id = start(client, headers, competition.id)
    pending = state(client, headers, batch_id)
    assert pending == {**pending, "status": "pending", "done": 0, "total": 10, "pdf_url": None, "zip_url": None}
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0  # nothing issued in the request
    again = client.post("/api/v1/certificates/batches", json={"competition_id": competition.id}, headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == batch_id  # one batch at a time per competition

    assert run_pending_batches(app, processes=0) == 6  # 3 PDF chunks and 3 ZIP chunks
    serials = check_outputs(client, headers, batch_id, tmp_path)
    assert sorted(path.name for path in (certificate_dir / f"batch-{batch_id}").iterdir()) == [
        "certificates.pdf", "certificates.zip"]  # the chunk files are gone

    # A second batch reuses every serial: issuing is idempotent per award.
    second = start(client, headers, competition.id)
    assert second != batch_id
    run_pending_batches(app, processes=0)
    assert check_outputs(client, headers, second, tmp_path) == serials


def test_an_interrupted_batch_resumes_where_it_stopped(app, client, users, api_token, certificate_dir, tmp_path):
    app.config["CERTIFICATE_CHUNK_SIZE"] = 2
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=6)  # 7 certificates
    headers = api_token("admin")
    batch_id = start(client, headers, competition.id)
    assert run_pending_batches(app, max_chunks=2, processes=0) == 2
    midway = state(client, headers, batch_id)
    assert midway["status"] == "running" and midway["done"] == 4 and midway["pdf_url"] is None
    issued = set(db.session.scalars(select(Certificate.serial)))
    assert len(issued) == 4

    # A worker that died after issuing a chunk's certificates but before rendering them: its
    # claim is on the next chunk, its lease ran out.
    from bureau.certificates import operations
    chunk = db.session.scalar(select(CertificateBatchChunk).where(
        CertificateBatchChunk.batch_id == batch_id, CertificateBatchChunk.status == "pending")
        .order_by(CertificateBatchChunk.phase, CertificateBatchChunk.position).limit(1))
    for item in chunk.items:
        operations.issue(operations.plan_for_item(item))
    chunk.status, chunk.claimed_by, chunk.attempts = "running", "elsewhere:1:dead", 1
    chunk.claimed_at = datetime(2000, 1, 1)
    db.session.commit()
    issued |= set(db.session.scalars(select(Certificate.serial)))

    assert run_pending_batches(app, processes=0) == 8 - 2
    serials = check_outputs(client, headers, batch_id, tmp_path)
    assert issued <= set(serials) and len(serials) == 7
    attempts = db.session.scalar(select(CertificateBatchChunk.attempts).where(CertificateBatchChunk.id == chunk.id))
    assert attempts == 2


def start_worker_command(app, certificate_dir, *, processes: int) -> subprocess.Popen:
    """``flask certificates work --once`` as its own process on the test's database."""
    environment = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                   "CERTIFICATE_DIR": str(certificate_dir), "PUBLIC_BASE_URL": "http://localhost",
                   "SECRET_KEY": "test-secret-key"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "certificates", "work", "--once",
                             "--processes", str(processes)], cwd=PROJECT, env=environment, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh snapshot each look, and no lock held on SQLite
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_a_killed_worker_process_is_resumed_without_duplicates(app, client, users, api_token, certificate_dir,
                                                               tmp_path):
    """The real command in a process of its own, killed (SIGKILL) after its first chunk."""
    app.config["CERTIFICATE_CHUNK_SIZE"] = 3
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=14)  # 15 certificates
    headers = api_token("admin")
    batch_id = start(client, headers, competition.id)
    worker = start_worker_command(app, certificate_dir, processes=1)
    try:
        def one_chunk_done():
            return db.session.scalar(select(CertificateBatch.done).where(CertificateBatch.id == batch_id)) >= 3
        _wait_for(one_chunk_done, 120, "the worker's first chunk")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    db.session.rollback()
    before = set(db.session.scalars(select(Certificate.serial)))
    batch = db.session.get(CertificateBatch, batch_id)
    assert batch.status == "running" and 3 <= batch.done < 15 and batch.pdf_path is None
    left_running = db.session.scalars(select(CertificateBatchChunk.claimed_by).where(
        CertificateBatchChunk.batch_id == batch_id, CertificateBatchChunk.status == "running")).all()
    assert all(claimed.split(":")[1] == str(worker.pid) for claimed in left_running)

    run_pending_batches(app, processes=0)  # same host, the claiming process is gone: resumed at once
    db.session.rollback()
    serials = check_outputs(client, headers, batch_id, tmp_path)
    assert before <= set(serials) and len(serials) == 15


def _children(pid: int) -> set[int]:
    """The processes ``pid`` started (from any of its threads), as /proc lists them."""
    found = set()
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found |= {int(child) for child in listing.read_text().split()}
        except FileNotFoundError:  # the thread ended meanwhile
            pass
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left to collect


def _rendering_processes(pid: int) -> set[int]:
    found = set()
    for child in _children(pid):
        try:
            if b"--multiprocessing-fork" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(child)
        except FileNotFoundError:
            pass
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads the process tree from Linux's /proc")
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_stopped_worker_takes_its_rendering_processes_with_it(app, client, users, api_token, certificate_dir,
                                                                stop):
    """The real command, its pid alone signalled (not its process group, as systemd's KillMode=process
    or an out-of-memory kill would): no rendering process outlives it; SIGTERM is a clean stop."""
    app.config["CERTIFICATE_CHUNK_SIZE"] = 5
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=29)  # 30 certificates
    start(client, api_token("admin"), competition.id)
    worker = start_worker_command(app, certificate_dir, processes=2)
    children: set[int] = set()
    try:
        _wait_for(lambda: len(_rendering_processes(worker.pid)) == 2, 120, "the worker's rendering processes")
        children = _children(worker.pid)  # the renderers and multiprocessing's resource tracker
        os.kill(worker.pid, stop)
        returncode = worker.wait(timeout=30)
        _wait_for(lambda: not any(_running(child) for child in children), 10, "the rendering processes to end")
    finally:
        try:
            os.killpg(worker.pid, signal.SIGKILL)  # whatever is left, so a failure leaves nothing behind
        except ProcessLookupError:
            pass
        worker.wait(timeout=30)
    assert children
    if stop == signal.SIGTERM:
        assert returncode == 0, worker.stderr.read().decode()


def test_rendering_in_worker_processes(app, client, users, api_token, certificate_dir, tmp_path):
    app.config["CERTIFICATE_CHUNK_SIZE"] = 3
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=5)
    headers = api_token("admin")
    batch_id = start(client, headers, competition.id)
    assert run_pending_batches(app, processes=2) == 4
    check_outputs(client, headers, batch_id, tmp_path)


def test_a_chunk_that_keeps_failing_fails_the_batch_with_its_reason(app, client, users, api_token, certificate_dir,
                                                                    monkeypatch):
    from bureau.certificates import batches

    def broken(items, path):
        raise RuntimeError("排版引擎故障")

    monkeypatch.setattr(batches, "render_chunk_pdf", broken)
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=2)
    headers = api_token("admin")
    batch_id = start(client, headers, competition.id)
    for _ in range(MAX_ATTEMPTS):
        run_pending_batches(app, processes=0)
    body = state(client, headers, batch_id)
    assert body["status"] == "failed" and "排版引擎故障" in body["error"]


def test_a_batch_of_a_reopened_competition_fails_and_says_why(app, client, users, api_token, certificate_dir):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=3)
    headers = api_token("admin")
    batch_id = start(client, headers, competition.id)
    competition_operations.reopen(competition, "成绩有误")
    db.session.commit()
    run_pending_batches(app, processes=0)
    body = state(client, headers, batch_id)
    assert body["status"] == "failed" and "重新生成" in body["error"]
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_batches_refuse_unfinished_competitions_and_other_roles(app, client, users, api_token):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=2)
    competition_operations.reopen(competition, "成绩有误")
    db.session.commit()
    headers = api_token("admin")
    response = client.post("/api/v1/certificates/batches", json={"competition_id": competition.id}, headers=headers)
    assert response.status_code == 409
    assert client.post("/api/v1/certificates/batches", json={"competition_id": 999}, headers=headers).status_code == 404
    assert client.post("/api/v1/certificates/batches", json={}, headers=headers).status_code == 422
    organiser = api_token("organiser")
    assert client.post("/api/v1/certificates/batches", json={"competition_id": competition.id},
                       headers=organiser).status_code == 403
    assert client.get("/api/v1/certificates/batches/1", headers=organiser).status_code == 403


def test_an_assessment_batch(app, client, users, api_token, certificate_dir, tmp_path):
    result = excellent_studio_result(users)
    headers = api_token("admin")
    response = client.post("/api/v1/certificates/batches", json={"assessment_id": result.assessment_id},
                           headers=headers)
    assert response.status_code == 202
    run_pending_batches(app, processes=0)
    check_outputs(client, headers, response.get_json()["id"], tmp_path)


def test_staff_start_a_batch_from_the_page_and_follow_its_status(app, client, users, login_as, certificate_dir):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=3)
    login_as("admin")
    page = f"/certificates/competitions/{competition.id}"
    response = client.post("/certificates/batches", data={"csrf_token": csrf_token_from(client, page),
                                                          "competition_id": competition.id})
    assert response.status_code == 302
    batch_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "js/certificates.js" in batch_page and "data-batch-status" in batch_page and "<progress" in batch_page
    batch_id = db.session.scalar(select(CertificateBatch.id))
    status = client.get(f"/certificates/batches/{batch_id}/status").get_json()
    assert status["status"] == "pending" and status["status_label"] == "排队等待" and status["pdf_url"] is None
    run_pending_batches(app, processes=0)
    status = client.get(f"/certificates/batches/{batch_id}/status").get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 4
    assert client.get(status["pdf_url"]).data.startswith(b"%PDF")
    assert client.get(status["zip_url"]).data.startswith(b"PK")


@pytest.mark.skipif(not ON_POSTGRES, reason="several workers need PostgreSQL (SKIP LOCKED)")
def test_several_workers_share_a_batch_each_chunk_once(app, client, users, api_token, certificate_dir, tmp_path):
    app.config["CERTIFICATE_CHUNK_SIZE"] = 2
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=11)  # 12 certificates, 12 chunks
    headers = api_token("admin")
    batch_id = start(client, headers, competition.id)
    counts, errors = [], []

    def worker():
        try:
            counts.append(run_pending_batches(app, processes=0))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert sum(counts) == 12 and sum(count > 0 for count in counts) >= 2, counts  # shared, each chunk once
    attempts = db.session.scalars(select(CertificateBatchChunk.attempts).where(
        CertificateBatchChunk.batch_id == batch_id)).all()
    assert attempts == [1] * 12  # no chunk was claimed twice
    check_outputs(client, headers, batch_id, tmp_path)


def test_the_work_command_runs_pending_batches(app, runner, users, certificate_dir):
    from bureau.certificates.batches import start_competition_batch

    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=2)
    batch, _ = start_competition_batch(competition, users["admin"])
    db.session.commit()
    result = runner.invoke(args=["certificates", "work", "--once", "--processes", "0"])
    assert result.exit_code == 0, result.output
    assert "2 chunk(s) done" in result.output
    db.session.rollback()
    assert db.session.get(CertificateBatch, batch.id).status == "done"
    again = runner.invoke(args=["certificates", "work", "--once", "--processes", "0"])
    assert again.exit_code == 0 and again.output == ""  # nothing left to do


def test_the_openapi_document_describes_the_certificate_endpoints(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/api/v1/certificates"]) == {"post"}
    assert set(paths["/api/v1/certificates/batches"]) == {"post"}
    assert "get" in paths["/api/v1/certificates/batches/{batch_id}"]
    assert "post" in paths["/api/v1/certificates/{serial}/revoke"]
    assert paths["/api/v1/certificates/batches"]["post"]["responses"].keys() >= {"202", "401", "403", "409", "422"}


def _die_the_first_time(items, path):
    """Stands in for the chunk renderer in a worker process: the first call kills its process."""
    marker = Path(os.environ["CERTIFICATE_TEST_MARKER"])
    if not marker.exists():
        marker.write_text("died")
        os._exit(1)
    from bureau.certificates.worker import render_chunk_pdf
    return render_chunk_pdf(items, path)


def test_a_rendering_process_that_dies_is_replaced_and_its_chunk_redone(app, client, users, api_token,
                                                                       certificate_dir, tmp_path, monkeypatch):
    from bureau.certificates import batches

    monkeypatch.setenv("CERTIFICATE_TEST_MARKER", str(tmp_path / "died"))
    monkeypatch.setattr(batches, "render_chunk_pdf", _die_the_first_time)
    app.config["CERTIFICATE_CHUNK_SIZE"] = 2
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=3)  # 4 certificates
    headers = api_token("admin")
    batch_id = start(client, headers, competition.id)
    run_pending_batches(app, processes=1)
    assert (tmp_path / "died").exists()
    check_outputs(client, headers, batch_id, tmp_path)
    attempts = db.session.scalars(select(CertificateBatchChunk.attempts).where(
        CertificateBatchChunk.batch_id == batch_id, CertificateBatchChunk.phase == "pdf")
        .order_by(CertificateBatchChunk.position)).all()
    assert attempts[0] == 2 and max(attempts) <= 2


def test_batches_can_be_run_in_a_background_thread_one_at_a_time(app, client, users, api_token, certificate_dir,
                                                                  tmp_path):
    from bureau.certificates import batches

    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=2)
    headers = api_token("admin")
    batch_id = start(client, headers, competition.id)
    assert batches.run_pending_batches_in_background(app, processes=0) is True
    assert batches.run_pending_batches_in_background(app, processes=0) is False  # still at work
    batches._background.join(timeout=60)
    check_outputs(client, headers, batch_id, tmp_path)
