"""Retention of batch files, and the certificates overview a page at a time.

A finished batch keeps its merged PDF and ZIP for ``CERTIFICATE_BATCH_KEEP_DAYS`` (30); then the
daily job ``certificate_batch_files`` deletes them and marks the batch ``expired``. Its
certificates stay valid, each one's PDF is still rendered on demand, and a new batch can be
made. Only batches that are over (done, failed) lose files, and only files under
``CERTIFICATE_DIR``.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bureau.audit.models import AuditEntry
from bureau.certificates import batches
from bureau.certificates.batches import run_pending_batches
from bureau.certificates.models import BatchStatus, Certificate, CertificateBatch
from bureau.clock import local_now, local_today
from bureau.db import db, utcnow
from bureau.scheduler.process import load_jobs
from bureau.scheduler.registry import JOBS, run_job
from competition.models import Competition
from tests.certificates.test_issue import XIAMEN_CITY, awards_of, finalized_competition, issue
from tests.conftest import csrf_token_from

JOB = "certificate_batch_files"


@pytest.fixture
def certificate_dir(app, tmp_path):
    folder = tmp_path / "certificates"
    app.config["CERTIFICATE_DIR"] = str(folder)
    return folder


def clean(now: datetime | None = None):
    load_jobs()
    return run_job(JOB, now or local_now())


def fake_batch(folder, *, status="done", days_ago=40, files=True, competition_id=None, pdf_path=None,
               zip_path=None) -> CertificateBatch:
    """A batch row with small stand-in files: what is under test is which files go, not rendering."""
    batch = CertificateBatch(title="测试批次", status=status, total=2, done=2, zip_done=2, chunk_size=100,
                             competition_id=competition_id,
                             finished_at=utcnow() - timedelta(days=days_ago) if days_ago is not None else None)
    db.session.add(batch)
    db.session.flush()
    if files:
        own = folder / f"batch-{batch.id}"
        own.mkdir(parents=True, exist_ok=True)
        (own / batches.PDF_NAME).write_bytes(b"%PDF-1.7 merged")
        (own / batches.ZIP_NAME).write_bytes(b"PK merged")
        (own / "pdf-00000.pdf").write_bytes(b"%PDF-1.7 chunk")
        batch.pdf_path = pdf_path or f"batch-{batch.id}/{batches.PDF_NAME}"
        batch.zip_path = zip_path or f"batch-{batch.id}/{batches.ZIP_NAME}"
    else:
        batch.pdf_path, batch.zip_path = pdf_path, zip_path
    db.session.commit()
    return batch


def files_of(folder, batch) -> list[str]:
    own = folder / f"batch-{batch.id}"
    return sorted(path.name for path in own.iterdir()) if own.is_dir() else []


# --- the job ------------------------------------------------------------------------------------


def test_the_clean_up_is_a_daily_job(app):
    load_jobs()
    job = JOBS[JOB]
    assert job.every_minutes is None and job.period(datetime(2026, 11, 21, 3, 30)) == "2026-11-21"
    assert app.config["CERTIFICATE_BATCH_KEEP_DAYS"] == 30


def test_an_old_batch_loses_its_files_keeps_its_certificates_and_says_so(app, client, users, login_as,
                                                                         certificate_dir):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=3)
    login_as("admin")
    source = f"/certificates/competitions/{competition.id}"
    client.post("/certificates/batches", data={"csrf_token": csrf_token_from(client, source),
                                               "competition_id": competition.id})
    run_pending_batches(app, processes=0)
    batch = db.session.scalar(select(CertificateBatch))
    assert batch.status == "done" and batch.total == 4
    folder = certificate_dir / f"batch-{batch.id}"
    # What a crashed worker can leave behind: a chunk file and a temporary.
    (folder / "zip-00003.zip").write_bytes(b"PK")
    (folder / ".pdf-00004.pdf.4242.tmp").write_bytes(b"%PDF")
    assert {"certificates.pdf", "certificates.zip", "zip-00003.zip"} <= set(files_of(certificate_dir, batch))
    serials = sorted(db.session.scalars(select(Certificate.serial)))

    assert clean().result.startswith("keep 30 days: 0 batches cleaned")  # finished just now: kept
    assert (folder / "certificates.pdf").exists()

    batch.finished_at = utcnow() - timedelta(days=31)
    db.session.commit()
    outcome = clean(local_now() + timedelta(days=1))
    assert outcome.ran and "1 batches cleaned, 4 files removed" in outcome.result, outcome.result
    assert not folder.exists()
    db.session.expire_all()
    batch = db.session.get(CertificateBatch, batch.id)
    assert batch.status == BatchStatus.expired.value and batch.pdf_path is None and batch.zip_path is None
    assert batch.done == batch.total == 4  # the figures stay
    # The certificates are untouched: same serials, all valid.
    assert sorted(db.session.scalars(select(Certificate.serial).where(Certificate.status == "valid"))) == serials

    # Audited at the flush: who (the scheduler), why, and the status and paths before and after.
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "certificate_batch",
                                                        AuditEntry.object_id == str(batch.id),
                                                        AuditEntry.action == "update")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.actor_name == f"scheduler:{JOB}" and "保留期（30 天）" in entry.summary
    assert entry.before["status"] == "done" and entry.after["status"] == "expired"
    assert entry.before["pdf_path"] == f"batch-{batch.id}/certificates.pdf" and entry.after["pdf_path"] is None

    notice = f"批量文件已于 {local_today().isoformat()} 按保留期（30 天）清理；已签发的证书仍有效，可重新批量生成。"
    page = client.get(f"/certificates/batches/{batch.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert notice in html and "文件已清理" in html
    assert 'data-testid="download-pdf"' not in html and 'data-testid="download-zip"' not in html
    assert f"/certificates/batches/{batch.id}/pdf" not in html and f"/certificates/batches/{batch.id}/zip" not in html
    assert "data-batch-status" not in html  # nothing left to poll for
    status = client.get(f"/certificates/batches/{batch.id}/status").get_json()
    assert status["status"] == "expired" and status["status_label"] == "文件已清理"
    assert status["pdf_url"] is None and status["zip_url"] is None
    assert status["files_removed"] is True and status["notice"] == notice

    for which in ("pdf", "zip"):
        gone = client.get(f"/certificates/batches/{batch.id}/{which}")
        assert gone.status_code == 410 and notice in gone.get_data(as_text=True)
    # Lists of batches show the new state and offer no files.
    listing = client.get(source).get_data(as_text=True)
    assert "文件已清理" in listing and f"/certificates/batches/{batch.id}/pdf" not in listing
    overview = client.get("/certificates")
    assert overview.status_code == 200 and "文件已清理" in overview.get_data(as_text=True)
    # Each certificate's own PDF is still made on demand.
    single = client.get(f"/certificates/{serials[0]}/pdf")
    assert single.status_code == 200 and single.data.startswith(b"%PDF")


def test_the_api_answers_for_a_cleaned_batch_without_files(app, client, users, api_token, certificate_dir):
    batch = fake_batch(certificate_dir)
    clean()
    headers = api_token("admin")
    body = client.get(f"/api/v1/certificates/batches/{batch.id}", headers=headers).get_json()
    assert body["status"] == "expired" and body["pdf_url"] is None and body["zip_url"] is None
    for which in ("pdf", "zip"):
        gone = client.get(f"/api/v1/certificates/batches/{batch.id}/{which}", headers=headers)
        assert gone.status_code == 410 and gone.get_json()["error"]["code"] == "gone"
        assert "已按保留期清理" in gone.get_json()["error"]["message"]


def test_recent_running_and_pending_batches_keep_their_files(app, certificate_dir):
    recent = fake_batch(certificate_dir, days_ago=29)
    # A running or pending batch is never cleaned, whatever its timestamps say.
    running = fake_batch(certificate_dir, status="running", days_ago=90)
    pending = fake_batch(certificate_dir, status="pending", days_ago=90)
    old_failed = fake_batch(certificate_dir, status="failed", days_ago=90, files=False)  # wrote nothing
    kept = {batch.id: files_of(certificate_dir, batch) for batch in (recent, running, pending)}
    outcome = clean()
    assert outcome.ran and "0 batches cleaned, 0 files removed" in outcome.result
    db.session.expire_all()
    for batch in (recent, running, pending, old_failed):
        batch = db.session.get(CertificateBatch, batch.id)
        assert batch.status in ("done", "running", "pending", "failed")
        if batch.id in kept:
            assert files_of(certificate_dir, batch) == kept[batch.id] != []
            assert batch.pdf_path and batch.zip_path
    assert db.session.get(CertificateBatch, old_failed.id).status == "failed"  # nothing to remove: stays failed

    # The period is the setting's: with 10 days, the 29-day-old batch goes too (but not the others).
    app.config["CERTIFICATE_BATCH_KEEP_DAYS"] = 10
    outcome = clean(local_now() + timedelta(days=1))
    assert outcome.result.startswith("keep 10 days: 1 batches cleaned"), outcome.result
    assert files_of(certificate_dir, recent) == []
    assert files_of(certificate_dir, running) == kept[running.id]
    assert files_of(certificate_dir, pending) == kept[pending.id]


def test_a_failed_batch_loses_its_chunk_files(app, certificate_dir):
    failed = fake_batch(certificate_dir, status="failed", files=False)
    own = certificate_dir / f"batch-{failed.id}"
    own.mkdir(parents=True)
    (own / "pdf-00000.pdf").write_bytes(b"%PDF")
    (own / "pdf-00001.pdf").write_bytes(b"%PDF")
    (own / "notes.txt").write_text("not a batch file")  # not ours: left, and so is the folder
    assert "1 batches cleaned, 2 files removed" in clean().result
    assert files_of(certificate_dir, failed) == ["notes.txt"]
    assert db.session.get(CertificateBatch, failed.id).status == "expired"


def test_rerunning_is_harmless_and_a_missing_file_is_no_error(app, certificate_dir):
    batch = fake_batch(certificate_dir)
    already_gone = fake_batch(certificate_dir, files=False, pdf_path="batch-999/certificates.pdf",
                              zip_path="batch-999/certificates.zip")  # deleted by hand, say
    first = clean(datetime(2031, 1, 1, 3, 30))
    assert first.ran and "2 batches cleaned, 3 files removed" in first.result, first.result
    assert not run_job(JOB, datetime(2031, 1, 1, 9, 0)).ran  # once a day
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                .where(AuditEntry.object_type == "certificate_batch"))
    again = clean(datetime(2031, 1, 2, 3, 30))
    assert again.ran and "0 batches cleaned, 0 files removed" in again.result and "0 failed" in again.result
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.object_type == "certificate_batch")) == entries
    for row in (batch, already_gone):
        assert db.session.get(CertificateBatch, row.id).status == "expired"


@pytest.mark.parametrize("stored", ["../../etc/passwd", "../outside/secret.pdf", "/etc/passwd",
                                    "batch-1/../../outside/secret.pdf"])
def test_a_stored_path_outside_the_directory_is_refused(app, client, users, login_as, certificate_dir, tmp_path,
                                                        stored):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.pdf"
    secret.write_bytes(b"%PDF not a batch's")
    certificate_dir.mkdir()
    batch = fake_batch(certificate_dir, files=False, pdf_path=stored)
    outcome = clean()
    assert "0 batches cleaned" in outcome.result and "1 refused" in outcome.result, outcome.result
    assert secret.read_bytes() == b"%PDF not a batch's" and os.path.exists("/etc/passwd")
    assert db.session.get(CertificateBatch, batch.id).status == "done"  # left as it is, for somebody to look at
    # Nor is such a path ever served.
    login_as("admin")
    assert client.get(f"/certificates/batches/{batch.id}/pdf").status_code == 404


@pytest.mark.parametrize("status", ["done", "failed"])
def test_a_batch_folder_linked_outside_the_directory_is_refused(app, certificate_dir, tmp_path, status):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for name in ("pdf-00000.pdf", "certificates.pdf", "certificates.zip"):
        (outside / name).write_bytes(b"not under CERTIFICATE_DIR")
    certificate_dir.mkdir()
    batch = fake_batch(certificate_dir, status=status, files=False)
    if status == "done":
        batch.pdf_path, batch.zip_path = f"batch-{batch.id}/certificates.pdf", f"batch-{batch.id}/certificates.zip"
        db.session.commit()
    (certificate_dir / f"batch-{batch.id}").symlink_to(outside, target_is_directory=True)
    assert "1 refused" in clean().result
    assert sorted(path.name for path in outside.iterdir()) == ["certificates.pdf", "certificates.zip", "pdf-00000.pdf"]
    assert db.session.get(CertificateBatch, batch.id).status == status


def test_a_new_batch_can_be_started_after_the_clean_up(app, client, users, login_as, certificate_dir):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=3)
    old, created = batches.start_competition_batch(competition, users["admin"])
    assert created
    # As if made 45 days ago (what the worker writes is tested elsewhere).
    own = certificate_dir / f"batch-{old.id}"
    own.mkdir(parents=True)
    for name in (batches.PDF_NAME, batches.ZIP_NAME):
        (own / name).write_bytes(b"stand-in")
    old.pdf_path, old.zip_path = f"batch-{old.id}/{batches.PDF_NAME}", f"batch-{old.id}/{batches.ZIP_NAME}"
    old.status, old.finished_at = BatchStatus.done.value, utcnow() - timedelta(days=45)
    db.session.commit()
    assert "1 batches cleaned" in clean().result
    login_as("admin")
    source = f"/certificates/competitions/{competition.id}"
    response = client.post("/certificates/batches", data={"csrf_token": csrf_token_from(client, source),
                                                          "competition_id": competition.id})
    assert response.status_code == 302
    new = db.session.scalar(select(CertificateBatch).order_by(CertificateBatch.id.desc()))
    assert new.id != old.id and new.status == "pending" and new.total == 4
    assert response.headers["Location"].endswith(f"/certificates/batches/{new.id}")


# --- the overview, a page at a time ---------------------------------------------------------------


def _competitions(owner, count: int) -> list[Competition]:
    made = [Competition(name=f"2026年第{n}届测试竞赛", tier="city", category=1, year=2026, policy="wenzhou-2018",
                        status="finalized", owner_id=owner.id) for n in range(1, count + 1)]
    db.session.add_all(made)
    db.session.commit()
    return made


def test_the_overview_lists_competitions_a_page_at_a_time(app, client, users, api_token, login_as):
    app.config["PAGE_SIZE"] = 2
    with_certificate = finalized_competition(users["organiser"], XIAMEN_CITY, count=1, year=2025)
    award = awards_of(with_certificate, "skill_level")[0]
    assert issue(client, api_token("admin"), award_id=award.id).status_code == 201
    made = _competitions(users["organiser"], 4)  # 2026, newest first: 4 3 | 2 1 | then 2025's
    login_as("admin")

    def shown(query: str = "") -> list[str]:
        page = client.get(f"/certificates{query}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        places = {c.name: html.find(f'data-testid="competition-certificates-{c.id}"')
                  for c in [*made, with_certificate]}
        return sorted((name for name, place in places.items() if place >= 0), key=places.get)

    first = client.get("/certificates").get_data(as_text=True)
    assert shown() == [made[3].name, made[2].name]
    assert "第 1 / 3 页，共 5 条" in first and "cpage=2" in first and "apage" not in first
    assert shown("?cpage=2") == [made[1].name, made[0].name]
    last = client.get("/certificates?cpage=3").get_data(as_text=True)
    assert shown("?cpage=3") == [with_certificate.name]
    assert '<td class="num">1</td>' in last  # its one certificate is counted
    # Past the end, and numbers that are no page: the last page, or the first; never an error.
    assert shown("?cpage=99") == [with_certificate.name]
    assert shown(f"?cpage={10 ** 30}") == shown("?cpage=abc") == shown("?cpage=-1") == shown("?cpage=0") \
        == [made[3].name, made[2].name]


def test_the_overview_lists_assessments_a_page_at_a_time(app, client, users, login_as):
    from decimal import Decimal

    from studios.models import Assessment

    app.config["PAGE_SIZE"] = 2
    _competitions(users["organiser"], 3)
    db.session.add_all([Assessment(year=year, kind="master_studio", level="city", jurisdiction="温州市",
                                   policy="wenzhou-2018", run_by_id=users["admin"].id, pass_score=Decimal(60),
                                   excellent_percent=15, excellent_cap=1, reward_amount=50000, reward_cap=50000,
                                   status="published") for year in (2021, 2022, 2023)])
    db.session.commit()
    login_as("admin")
    first = client.get("/certificates?cpage=2").get_data(as_text=True)
    assert "2023年度温州市" in first and "2022年度温州市" in first and "2021年度温州市" not in first
    # Each list keeps the other's page: the assessments' next page stays on competitions page 2.
    assert "cpage=2&amp;apage=2#assessments" in first or "apage=2&amp;cpage=2#assessments" in first
    second = client.get("/certificates?cpage=2&apage=2").get_data(as_text=True)
    assert "2021年度温州市" in second and "2023年度温州市" not in second
    assert "第 2 / 2 页，共 3 条" in second  # both lists: 3 competitions and 3 assessments
    assert client.get("/certificates?apage=500").status_code == 200
