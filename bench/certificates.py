"""How fast certificates render, against bare WeasyPrint on the same HTML in the same run.

    .venv/bin/python bench/certificates.py [--batch 1000] [--single-runs 10] [--only render,request,worker]

"Bare" is ``HTML(string=...).write_pdf()`` with the stylesheet inlined and no extras: the
floor our own code (sandboxed templates, URL fetcher, page-count check) is measured against.
Wall-clock and CPU times are both printed because the machine is shared.

Sections:

- ``render``: the renderer alone, one certificate and ``--batch`` in one document.
- ``request``: one certificate on request through the whole path: ``POST /api/v1/certificates``
  (token check, award read, certificate and audit rows written, commit) then ``GET`` its PDF,
  in a migrated SQLite database; beside bare WeasyPrint rendering that certificate alone.
  Aim: at most 0.5 s.
- ``worker``: a ``--batch`` certificate batch of a finalized competition through the worker path
  (``POST /api/v1/certificates/batches``, then ``run_pending_batches`` with one rendering process
  per CPU: issue, render in chunks, merge); time to the merged PDF, beside bare WeasyPrint
  rendering the same certificates as one document. Aim: at most 30 s and 1.5× bare. The ZIP
  of single PDFs follows the merged PDF; its time is printed too.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from weasyprint import HTML  # noqa: E402
from weasyprint.text import ffi  # noqa: E402

from bureau.certificates.render import (  # noqa: E402
    render_certificate_pdf,
    render_certificates_pdf,
    render_html,
)
from tests.certificates.samples import KINDS, make_certificate  # noqa: E402


def timed(function):
    """(wall seconds, CPU seconds, result) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def bare_pdf(items) -> bytes:
    return HTML(string=render_html(items, embed_css=True)).write_pdf()


def report(label, ours, bare, pages):
    (our_wall, our_cpu, our_pdf), (bare_wall, bare_cpu, bare_pdf_bytes) = ours, bare
    print(
        f"{label}: ours {our_wall:.3f} s wall / {our_cpu:.3f} s CPU"
        f" ({our_wall / pages * 1000:.1f} ms a page), {len(our_pdf) / 1e6:.2f} MB\n"
        f"{' ' * len(label)}  bare {bare_wall:.3f} s wall / {bare_cpu:.3f} s CPU"
        f" ({bare_wall / pages * 1000:.1f} ms a page), {len(bare_pdf_bytes) / 1e6:.2f} MB\n"
        f"{' ' * len(label)}  ratio ours/bare: {our_wall / bare_wall:.2f}× wall,"
        f" {our_cpu / bare_cpu:.2f}× CPU"
    )


def bench_render(arguments) -> None:
    print(f"HarfBuzz subsetting: {'yes' if ffi.harfbuzz_subset else 'NO (fontTools, slow)'}")
    render_certificate_pdf(make_certificate("title"))  # warm-up: fonts, stylesheet, templates
    bare_pdf([make_certificate("title")])

    singles_ours, singles_bare = [], []
    for run in range(arguments.single_runs):
        data = make_certificate(KINDS[run % len(KINDS)])
        singles_ours.append(timed(lambda: render_certificate_pdf(data)))
        singles_bare.append(timed(lambda: bare_pdf([data])))

    report("one certificate (median)", median_run(singles_ours), median_run(singles_bare), 1)

    items = [make_certificate(KINDS[index % len(KINDS)]) for index in range(arguments.batch)]
    batch_ours = timed(lambda: render_certificates_pdf(items))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB
    print(f"peak memory after our {arguments.batch}-page document: {peak_mb:.0f} MB")
    batch_bare = timed(lambda: bare_pdf(items))
    report(f"{arguments.batch} in one document", batch_ours, batch_bare, arguments.batch)


def median_run(runs):
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[0][2])


# --- the whole path: database, API, worker ------------------------------------------------------


def bench_app(folder: Path):
    """An app on a migrated SQLite file in ``folder``, with staff and an organiser."""
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    from flask_migrate import upgrade

    from bureau.accounts.operations import create_user, issue_token
    from bureau.app import create_app
    from bureau.db import db

    folder.mkdir(parents=True, exist_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
                      "PUBLIC_BASE_URL": "https://zs.rsj.wenzhou.gov.cn", "CERTIFICATE_DIR": str(folder / "files"),
                      "TESTING": True})
    context = app.app_context()
    context.push()
    upgrade()
    admin = create_user("admin", "admin", "Bench-passw0rd-42")
    organiser = create_user("organiser", "organiser", "Bench-passw0rd-42", display_name="温州市总工会")
    token = issue_token(admin)
    db.session.commit()
    return app, {"Authorization": f"Bearer {token}"}, organiser


def finalized(organiser, count: int):
    """A finalized Xiamen city competition: ``count`` skill levels and one title."""
    from bureau.db import db
    from competition import operations
    from tests.certificates.test_issue import XIAMEN_CITY, people

    competition = operations.create_competition(XIAMEN_CITY, organiser)
    operations.replace_results(competition, people(count))
    operations.finalize(competition)
    db.session.commit()
    return competition


def bench_request(arguments, folder: Path) -> None:
    from sqlalchemy import select

    from competition.models import Award

    app, headers, organiser = bench_app(folder / "request")
    from bureau.db import db

    competition = finalized(organiser, arguments.single_runs + 1)
    award_ids = list(db.session.scalars(select(Award.id).where(Award.competition_id == competition.id,
                                                              Award.kind == "skill_level").order_by(Award.id)))
    client = app.test_client()
    data_for = {}

    def one(award_id):
        response = client.post("/api/v1/certificates", json={"award_id": award_id}, headers=headers)
        assert response.status_code in (200, 201), response.get_json()
        body = response.get_json()
        pdf = client.get(body["pdf_url"], headers=headers)
        assert pdf.status_code == 200
        data_for[award_id] = body["serial"]
        return pdf.data

    one(award_ids.pop())  # warm-up: fonts, templates, first queries
    ours = [timed(lambda: one(award_id)) for award_id in award_ids]
    again = [timed(lambda: one(award_id)) for award_id in award_ids]  # already issued: read and render

    from bureau.certificates import operations
    from bureau.certificates.models import Certificate

    items = [operations.certificate_data(db.session.scalar(select(Certificate).where(Certificate.serial == serial)))
             for serial in data_for.values()]
    bare_pdf(items[:1])
    bare = [timed(lambda: bare_pdf([item])) for item in items[:len(ours)]]
    report("one certificate on request: issue + PDF (median)", median_run(ours), median_run(bare), 1)
    report("same, already issued: read + PDF (median)", median_run(again), median_run(bare), 1)
    worst = max(run[0] for run in ours)
    print(f"  aim ≤ 0.5 s: median {median_run(ours)[0]:.3f} s, slowest {worst:.3f} s"
          f" → {'met' if median_run(ours)[0] <= 0.5 else 'NOT met'}")
    db.session.remove()


def bench_worker(arguments, folder: Path) -> None:
    from sqlalchemy import select

    from bureau.certificates import operations
    from bureau.certificates.batches import run_pending_batches
    from bureau.certificates.models import Certificate, CertificateBatch
    from bureau.db import db

    app, headers, organiser = bench_app(folder / "worker")
    competition = finalized(organiser, arguments.batch - 1)  # batch - 1 skill levels and one title
    client = app.test_client()
    processes = os.cpu_count() or 1

    started = time.perf_counter()
    response = client.post("/api/v1/certificates/batches", json={"competition_id": competition.id}, headers=headers)
    assert response.status_code == 202, response.get_json()
    batch_id = response.get_json()["id"]
    request_seconds = time.perf_counter() - started

    # The worker runs in a thread of its own; this one notes when the merged PDF appears.
    coordinator_cpu: list[float] = []

    def work():
        cpu = time.thread_time()
        run_pending_batches(app, processes=processes)
        coordinator_cpu.append(time.thread_time() - cpu)

    worker = threading.Thread(target=work)
    started = time.perf_counter()
    worker.start()
    pdf_at = None
    while worker.is_alive():
        db.session.rollback()
        if pdf_at is None and db.session.scalar(select(CertificateBatch.pdf_path)
                                                .where(CertificateBatch.id == batch_id)):
            pdf_at = time.perf_counter()
        time.sleep(0.5)
    finished = time.perf_counter()
    worker.join()
    db.session.rollback()
    batch = db.session.get(CertificateBatch, batch_id)
    assert batch.status == "done" and batch.done == batch.total == arguments.batch, (batch.status, batch.error)
    pdf_at = pdf_at or finished
    to_pdf = pdf_at - started
    last_chunk = max(chunk.finished_at for chunk in batch.chunks if chunk.phase == "pdf")
    merge_seconds = (pdf_at - started) - (last_chunk - batch.started_at).total_seconds()
    pdf_size = (Path(app.config["CERTIFICATE_DIR"]) / batch.pdf_path).stat().st_size
    zip_size = (Path(app.config["CERTIFICATE_DIR"]) / batch.zip_path).stat().st_size

    certificates = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    items = [operations.certificate_data(certificate) for certificate in certificates]
    bare_wall, bare_cpu, bare_bytes = timed(lambda: bare_pdf(items))
    print(f"{arguments.batch} certificates through the worker path ({processes} rendering processes,"
          f" chunks of {batch.chunk_size}):\n"
          f"  starting the batch (web request): {request_seconds:.3f} s\n"
          f"  to the merged PDF: {to_pdf:.2f} s wall ({to_pdf / arguments.batch * 1000:.1f} ms a certificate),"
          f" {pdf_size / 1e6:.2f} MB, of which merging the chunks about {merge_seconds:.1f} s\n"
          f"  bare WeasyPrint, the same {arguments.batch} as one document: {bare_wall:.2f} s wall / {bare_cpu:.2f} s CPU,"
          f" {len(bare_bytes) / 1e6:.2f} MB\n"
          f"  ratio ours/bare: {to_pdf / bare_wall:.2f}× wall (aim ≤ 1.5×, and ≤ 30 s:"
          f" {'met' if to_pdf <= 30 and to_pdf / bare_wall <= 1.5 else 'NOT met'})\n"
          f"  then the ZIP of {arguments.batch} single PDFs: done {finished - pdf_at:.2f} s later"
          f" ({finished - started:.2f} s in all), {zip_size / 1e6:.1f} MB;"
          f" the coordinating thread (database, merging) used {coordinator_cpu[0]:.2f} s CPU")
    db.session.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000, help="certificates in one document / one batch")
    parser.add_argument("--single-runs", type=int, default=10, help="runs for one certificate")
    parser.add_argument("--only", default="render,request,worker", help="sections to run, comma-separated")
    arguments = parser.parse_args()
    sections = set(arguments.only.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as folder:
        if "render" in sections:
            bench_render(arguments)
        if "request" in sections:
            bench_request(arguments, Path(folder))
        if "worker" in sections:
            bench_worker(arguments, Path(folder))


if __name__ == "__main__":
    main()
