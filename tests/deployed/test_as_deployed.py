"""Over HTTP against gunicorn, the scheduler and the certificate worker as the README runs them.

Each test here stands for something the test client cannot see: headers as gunicorn writes them,
a flashed message on the page after a redirect in another worker process, a job run by the
scheduler process alone, a batch rendered by the worker command.
"""
from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from pypdf import PdfReader

from tests.competition.ids import person_id
from tests.deployed.conftest import hidden_fields, wait_for

pytestmark = pytest.mark.usefixtures("logs_on_failure")

CITY_COMPETITION = {"tier": "city", "category": 1, "occupation": "电工", "year": 2026, "group": "worker",
                    "policy": "wenzhou-2018",
                    "prizes": [{"from_rank": 1, "to_rank": 1, "amount": 5000},
                               {"from_rank": 2, "to_rank": 3, "amount": 3000}]}
# A name any organiser may type: a percent sign (once a 500 on every page) and markup (once HTML).
HOSTILE_NAME = '焊工赛（实操占70%）<meta http-equiv="refresh" content="0;url=/logout">'


def api(deployment, method: str, path: str, headers: dict, **body) -> requests.Response:
    return requests.request(method, deployment.url(f"/api/v1{path}"), headers=headers, timeout=60, **body)


def finalized_competition(deployment, name: str, people: int) -> int:
    """A city competition registered, filled, finalized and its awards approved, all through the API."""
    organiser, staff = deployment.token("organiser"), deployment.token("admin")
    created = api(deployment, "POST", "/competitions", organiser, json={**CITY_COMPETITION, "name": name})
    assert created.status_code == 201, created.text
    competition_id = created.json()["id"]
    rows = [{"name": f"选手{n}", "id_number": person_id(n + 100 * (competition_id % 9)), "employer": "温州某机械有限公司",
             "local": True, "theory": 90 - n, "practical": 95 - n} for n in range(1, people + 1)]
    stored = api(deployment, "PUT", f"/competitions/{competition_id}/results", organiser, json=rows)
    assert stored.status_code == 200, stored.text
    assert api(deployment, "POST", f"/competitions/{competition_id}/finalize", staff).status_code == 200
    # Approval is a staff page today (its API is the office-workflow issue's).
    browser = deployment.browser_session("admin")
    awards = browser.get(deployment.url(f"/competitions/{competition_id}/awards"), timeout=30)
    approved = browser.post(deployment.url("/awards/approve"), data=hidden_fields(awards, "/awards/approve"), timeout=30)
    assert approved.status_code == 200 and "已批准" in approved.text, approved.text[:1000]
    return competition_id


def start_batch(deployment, competition_id: int) -> int:
    started = api(deployment, "POST", "/certificates/batches", deployment.token("admin"),
                  json={"competition_id": competition_id, "before_notice_ends": True})
    assert started.status_code == 202, started.text
    return started.json()["id"]


def finished_batch(deployment, batch_id: int, timeout: float) -> dict:
    staff = deployment.token("admin")

    def done():
        state = api(deployment, "GET", f"/certificates/batches/{batch_id}", staff).json()
        assert state["status"] != "failed", state
        return state if state["status"] == "done" else None

    return wait_for(done, timeout, f"batch {batch_id} done")


def test_every_answer_carries_the_security_headers_as_gunicorn_sends_them(deployment):
    for path in ("/login", "/verify/XXXX", "/api/v1/openapi.json"):
        answer = requests.get(deployment.url(path), timeout=10)
        assert answer.status_code in (200, 404), (path, answer.status_code)
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"], path
        assert answer.headers["X-Content-Type-Options"] == "nosniff", path


def test_a_flashed_name_with_percent_and_markup_leaves_every_page_working(deployment):
    browser = deployment.browser_session("organiser")
    form = browser.get(deployment.url("/competitions/new"), timeout=10)
    assert form.status_code == 200
    fields = {**hidden_fields(form), "name": HOSTILE_NAME, "tier": "city", "category": "1",
              "year": "2026", "policy": "wenzhou-2018", "theory_weight": "0.3", "pass_mark": "60",
              "prizes": "1-1 5000"}
    registered = browser.post(deployment.url("/competitions/new"), data=fields, timeout=10)
    # The redirect is followed in whichever gunicorn worker answers; the message was flashed in the other.
    assert registered.status_code == 200, registered.text[:2000]
    assert "&lt;meta http-equiv" in registered.text
    assert '<meta http-equiv="refresh"' not in registered.text
    assert "实操占70%" in registered.text
    for path in ("/", "/competitions"):
        assert browser.get(deployment.url(path), timeout=10).status_code == 200, path
    page = browser.get(deployment.url("/competitions"), timeout=10)
    logout = browser.post(deployment.url("/logout"), data=hidden_fields(page, "/logout"), timeout=10)
    assert logout.status_code == 200 and "/login" in logout.url


def test_downloads_with_chinese_names_reach_the_browser(deployment):
    competition_id = finalized_competition(deployment, "2026年温州市电工职业技能竞赛（下载）", people=3)
    browser = deployment.browser_session("admin")
    for path in (f"/competitions/{competition_id}/results.xlsx", "/competitions/results-template.xlsx"):
        answer = browser.get(deployment.url(path), timeout=30)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
        disposition = answer.raw.headers.get("Content-Disposition")
        # RFC 6266: an ASCII header with the real name percent-encoded in filename*.
        assert disposition.isascii(), disposition
        assert "filename*=UTF-8''" in disposition, disposition
        assert answer.content[:2] == b"PK", path
    named = browser.get(deployment.url(f"/competitions/{competition_id}/results.xlsx"), timeout=30)
    assert quote("2026年温州市电工职业技能竞赛（下载）") in named.headers["Content-Disposition"]


def test_the_scheduler_process_alone_renders_a_certificate_batch(deployment):
    # No worker is running: the scheduler's every-minute job is the only thing that can do it.
    assert "worker" not in deployment.processes
    competition_id = finalized_competition(deployment, "2026年温州市钳工职业技能竞赛", people=3)
    batch_id = start_batch(deployment, competition_id)
    state = finished_batch(deployment, batch_id, timeout=150)
    assert state["done"] == state["total"] > 0
    pdf = requests.get(deployment.url(state["pdf_url"]), headers=deployment.token("admin"), timeout=60)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.status_code
    assert pdf.headers["Content-Disposition"].isascii()


def test_the_jobs_page_of_a_fresh_install_shows_every_job_enabled(deployment):
    page = deployment.browser_session("admin").get(deployment.url("/admin/jobs"), timeout=10)
    assert page.status_code == 200
    assert "已停用" not in page.text, "a fresh install must run its jobs"


def test_the_worker_command_renders_a_batch_and_stops_cleanly(deployment):
    deployment.stop("scheduler")  # only the worker may do it now
    deployment.start_worker()
    competition_id = finalized_competition(deployment, "2026年温州市焊工职业技能竞赛", people=4)
    batch_id = start_batch(deployment, competition_id)
    state = finished_batch(deployment, batch_id, timeout=120)
    pdf = requests.get(deployment.url(state["pdf_url"]), headers=deployment.token("admin"), timeout=60)
    assert pdf.status_code == 200
    reader_path = deployment.instance / "batch.pdf"
    reader_path.write_bytes(pdf.content)
    assert len(PdfReader(reader_path).pages) == state["total"]
    worker = deployment.processes["worker"]
    deployment.stop("worker")
    assert worker.returncode is not None
