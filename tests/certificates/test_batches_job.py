"""The scheduler's certificate job renders pending batches in the background process."""
from datetime import datetime

from bureau.scheduler.process import load_jobs
from bureau.scheduler.registry import JOBS, run_job


def test_the_scheduler_has_a_certificate_job_every_minute(app):
    load_jobs()
    job = JOBS["certificate_batches"]
    assert job.every_minutes == 1
    assert job.period(datetime(2026, 11, 21, 9, 30, 15)) == "2026-11-21T09:30"


def test_with_nothing_pending_the_job_renders_nothing(app):
    load_jobs()
    outcome = run_job("certificate_batches", datetime(2026, 11, 21, 9, 30))
    assert outcome.ran and outcome.result == "0 chunks rendered"
    assert not run_job("certificate_batches", datetime(2026, 11, 21, 9, 30, 40)).ran


def test_a_started_batch_is_rendered_by_the_scheduler_job(app, client, users, api_token, tmp_path, monkeypatch):
    import bureau.certificates.batches as batches
    from tests.certificates.test_issue import finalized_competition

    app.config["CERTIFICATE_DIR"] = str(tmp_path / "certificates")
    real = batches.run_pending_batches
    # Render in this process: the job's behaviour, not the process pool, is under test here.
    monkeypatch.setattr(batches, "run_pending_batches", lambda app_, **kw: real(app_, processes=0, **kw))
    competition = finalized_competition(users["organiser"], count=3)
    headers = api_token("admin")
    batch_id = client.post("/api/v1/certificates/batches", json={"competition_id": competition.id},
                           headers=headers).get_json()["id"]
    assert client.get(f"/api/v1/certificates/batches/{batch_id}", headers=headers).get_json()["status"] == "pending"
    load_jobs()
    outcome = run_job("certificate_batches", datetime(2026, 11, 21, 9, 31))
    assert outcome.ran and not outcome.result.startswith("0 ")
    body = client.get(f"/api/v1/certificates/batches/{batch_id}", headers=headers).get_json()
    assert body["status"] == "done" and body["done"] == body["total"] > 0
