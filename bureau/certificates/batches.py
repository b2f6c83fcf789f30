"""Batches: every certificate of a competition or an assessment, made in the background.

A web request only *starts* a batch: it lists the certificates due (``operations.*_plans``) and
stores them as chunks of ``CERTIFICATE_CHUNK_SIZE`` (default 100), twice: ``pdf`` chunks (issue
the certificates, lay each chunk out as one PDF, merged into the batch PDF) and ``zip`` chunks
(one PDF per certificate, for the batch ZIP; taken up once the merged PDF is written). Workers
do the rest:

    run_pending_batches(app)                    # from the scheduler, or
    flask --app wsgi certificates work [--once] # a worker process of its own

A worker claims one chunk at a time (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several workers on several machines share a batch; on SQLite run one worker), issues its
certificates in the database (idempotent per subject), renders them in a pool of worker
processes and marks the chunk done. The worker that finds every chunk done merges the files.
A chunk's certificates are reserved (serials drawn, committed) before rendering and marked issued
(valid) in the transaction that marks their chunk done, so a serial is valid only once its PDF
exists; a chunk that fails leaves them reserved, and its rerun issues them with the same serials.

Crash safety: a claim is a lease (``claimed_at``, renewed while the chunk renders). A chunk
whose worker died is claimed again when the lease runs out, or at once by the next worker on the
same host when the process that held it is gone. Certificates it had issued are found again
(same serials), files are replaced whole, so a rerun produces no duplicates. A chunk that fails
``MAX_ATTEMPTS`` times fails its batch, with the error shown to staff.

With several machines, ``CERTIFICATE_DIR`` must be storage they share with the web servers.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import re
import secrets
import shutil
import socket
import threading
import zipfile
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import and_, or_, select, update

from bureau.accounts.models import User
from bureau.audit.recorder import Actor, current_actor, set_actor
from bureau.certificates import operations
from bureau.certificates.models import (BatchStatus, CertificateBatch, CertificateBatchChunk, ChunkPhase,
                                        ChunkStatus)
from bureau.certificates.worker import end_with_parent, render_chunk_pdf, render_chunk_zip
from bureau.clock import LOCAL_TIMEZONE
from bureau.db import db, insert_unless_taken, transaction, utcnow
from bureau.errors import Conflict, Invalid
from bureau.text import N_

log = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 100  # ~100 MB of memory per rendering process; 1,000 pages in one take ~680 MB
DEFAULT_LEASE_SECONDS = 120
MAX_ATTEMPTS = 3
PDF_NAME = "certificates.pdf"
ZIP_NAME = "certificates.zip"


# --- starting a batch (web request or API) ------------------------------------------------------


def start_competition_batch(competition, user: User) -> tuple[CertificateBatch, bool]:
    """A batch of the competition's certificates: the one still under way, or a new one."""
    plans, _skipped = operations.competition_plans(competition)
    return _start(plans, title=competition.name, user=user, competition_id=competition.id)


def start_assessment_batch(assessment, user: User) -> tuple[CertificateBatch, bool]:
    plans = operations.assessment_plans(assessment)
    title = f"{assessment.year}年度{assessment.jurisdiction}{assessment.kind_label}考评"
    return _start(plans, title=title, user=user, assessment_id=assessment.id)


def _start(plans, *, title: str, user: User, competition_id=None, assessment_id=None):
    """The source's active batch, or a new one. Two requests at once (a double click, two staff)
    get one batch: a partial unique index admits one pending or running batch per source, so the
    later INSERT fails in its savepoint (on PostgreSQL once the first has committed) and the
    batch that won is returned."""
    source = (CertificateBatch.competition_id == competition_id if competition_id is not None
              else CertificateBatch.assessment_id == assessment_id)

    def active() -> CertificateBatch | None:
        return db.session.scalar(select(CertificateBatch).where(
            source, CertificateBatch.status.in_([BatchStatus.pending.value, BatchStatus.running.value])))

    running = active()
    if running is not None:
        return running, False
    if not plans:
        raise Conflict(N_("没有可签发证书的奖励或考评结果。"))
    size = max(1, int(current_app.config.get("CERTIFICATE_CHUNK_SIZE") or DEFAULT_CHUNK_SIZE))
    batch = CertificateBatch(competition_id=competition_id, assessment_id=assessment_id, title=title[:200],
                             status=BatchStatus.pending.value, total=len(plans), chunk_size=size,
                             created_by_id=user.id)
    for phase in (ChunkPhase.pdf.value, ChunkPhase.zip.value):
        for position, start in enumerate(range(0, len(plans), size)):
            part = plans[start:start + size]
            batch.chunks.append(CertificateBatchChunk(
                phase=phase, position=position, first_index=start, size=len(part),
                items=[plan.item for plan in part], status=ChunkStatus.pending.value))
    if insert_unless_taken(batch):
        return batch, True
    winner = active()
    if winner is None:  # it finished in the meantime
        raise Conflict(N_("同一来源的另一批证书刚刚生成，请刷新页面查看。"))
    return winner, False


def batch_state(batch: CertificateBatch) -> dict:
    """Plain progress figures; the views add their own download addresses."""
    return {"id": batch.id, "status": batch.status, "done": batch.done, "total": batch.total,
            "zip_done": batch.zip_done, "pdf_ready": batch.pdf_path is not None,
            "zip_ready": batch.zip_path is not None, "error": batch.error,
            "files_removed": batch.status == BatchStatus.expired.value}


def certificate_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    configured = app.config.get("CERTIFICATE_DIR") or os.environ.get("CERTIFICATE_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "certificates"


def batch_file(batch: CertificateBatch, which: str) -> Path | None:
    relative = batch.pdf_path if which == "pdf" else batch.zip_path
    return _inside(certificate_dir(), relative) if relative else None


def _inside(directory: Path, relative: str) -> Path | None:
    """``directory / relative`` with links and ``..`` resolved, or None when that leaves ``directory``."""
    root = directory.resolve()
    path = (root / relative).resolve()
    return path if path != root and path.is_relative_to(root) else None


# --- retention: old batches' files are removed, their certificates stay -------------------------

DEFAULT_KEEP_DAYS = 30
# What a worker writes into a batch's folder: chunk files, the merged files, and their temporaries.
_BATCH_FILE = re.compile(r"\.?(?:pdf-\d+\.pdf|zip-\d+\.zip|certificates\.(?:pdf|zip))(?:\.\d+\.tmp)?")


def keep_days(app: Flask | None = None) -> int:
    app = app or current_app
    return max(1, int(app.config.get("CERTIFICATE_BATCH_KEEP_DAYS") or DEFAULT_KEEP_DAYS))


@dataclass
class CleanUp:
    batches: int = 0
    files: int = 0
    bytes: int = 0
    refused: int = 0  # batches with a stored path outside CERTIFICATE_DIR: left alone, logged
    failed: int = 0  # batches with a file that could not be deleted: tried again next time

    def __str__(self) -> str:
        return (f"{self.batches} batches cleaned, {self.files} files removed ({self.bytes / 1e6:.1f} MB), "
                f"{self.refused} refused, {self.failed} failed")


def remove_old_batch_files(cutoff: datetime) -> CleanUp:
    """Delete the files of batches finished (done or failed) before ``cutoff`` (UTC) and mark them expired.

    The merged PDF, the ZIP and any chunk files left in the batch's folder go; the batch keeps
    its row, figures and error, with no paths and status ``expired`` (audited at the caller's
    flush). A file already gone is no error, and an expired batch is not looked at again, so
    running this twice changes nothing. Pending and running batches are never touched, nor
    anything outside ``CERTIFICATE_DIR``: a batch whose stored path leads out of it is refused
    whole. The certificates themselves are not touched: each one's PDF is rendered on demand.
    """
    outcome = CleanUp()
    directory = certificate_dir()
    candidates = db.session.scalars(select(CertificateBatch).where(
        CertificateBatch.status.in_([BatchStatus.done.value, BatchStatus.failed.value]),
        CertificateBatch.finished_at < cutoff,
        # a done batch has both paths until cleaned; a failed one may have left chunk files only
        or_(CertificateBatch.pdf_path.is_not(None), CertificateBatch.zip_path.is_not(None),
            CertificateBatch.status == BatchStatus.failed.value))
        .order_by(CertificateBatch.id)).all()
    for batch in candidates:
        stored = [relative for relative in (batch.pdf_path, batch.zip_path) if relative]
        paths = [_inside(directory, relative) for relative in stored]
        folder = _inside(directory, f"batch-{batch.id}")
        if folder is None or None in paths:
            log.warning("certificates: batch %s has a file path outside %s (%r); its files are left alone",
                        batch.id, directory, stored)
            outcome.refused += 1
            continue
        if folder.is_dir():
            paths += [entry for entry in sorted(folder.iterdir())
                      if _BATCH_FILE.fullmatch(entry.name) and not entry.is_dir()]
        existing = [path for path in dict.fromkeys(paths) if path.exists() or path.is_symlink()]
        if not existing and not stored:
            continue  # a failed batch that never wrote anything: nothing to clean, it stays failed
        try:
            for path in existing:
                outcome.bytes += _unlink(path)
                outcome.files += 1
        except OSError as error:
            log.warning("certificates: batch %s: could not delete %s: %s", batch.id, path, error)
            outcome.failed += 1
            continue
        try:
            folder.rmdir()
        except OSError:
            pass  # not there, or holds something that is not ours
        batch.pdf_path = batch.zip_path = None
        batch.status = BatchStatus.expired.value
        outcome.batches += 1
        log.info("certificates: batch %s files removed (finished %s)", batch.id, batch.finished_at)
    return outcome


def _unlink(path: Path) -> int:
    """Delete ``path`` (a link itself, never what it points to); its size, 0 if it was gone already."""
    try:
        size = path.lstat().st_size
        path.unlink()
    except FileNotFoundError:
        return 0
    return size


def files_removed_on(batch: CertificateBatch) -> date | None:
    """The (Beijing) day an expired batch's files were removed, from its audit entry."""
    from bureau.audit.models import AuditEntry

    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == CertificateBatch.__tablename__, AuditEntry.object_id == str(batch.id),
        AuditEntry.action == "update").order_by(AuditEntry.id.desc()).limit(20))
    for entry in entries:
        if (entry.after or {}).get("status") == BatchStatus.expired.value:
            return entry.at.replace(tzinfo=timezone.utc).astimezone(LOCAL_TIMEZONE).date()
    return None


# --- working ------------------------------------------------------------------------------------


def run_pending_batches(app: Flask, max_chunks: int | None = None, processes: int | None = None) -> int:
    """Work through pending batch chunks until none is left (or ``max_chunks`` were done).

    For the scheduler: call it every few seconds; it returns at once when there is nothing to
    do, and otherwise when every chunk it could claim is done (a 1,000-certificate batch: tens
    of seconds for the PDF, a minute or two more for the ZIP). ``processes`` is the number of
    rendering processes (default: one per CPU; 0 renders in this process). They are started
    with ``spawn``, which imports the caller's ``__main__`` again: a script calling this needs
    the ``if __name__ == "__main__":`` guard (the ``flask`` command has it). Returns the number
    of chunks completed.
    """
    with app.app_context():
        return BatchWorker(app, processes).run(max_chunks)


_background_lock = threading.Lock()
_background: threading.Thread | None = None


def run_pending_batches_in_background(app: Flask, processes: int | None = None) -> bool:
    """Start ``run_pending_batches`` in a thread of this process unless one is still running.

    Returns at once (True if it started a thread). For a scheduled job that must not hold its
    own transaction open while batches are made: on SQLite the job's uncommitted write would
    keep the worker's writes waiting.
    """
    global _background
    with _background_lock:
        if _background is not None and _background.is_alive():
            return False
        _background = threading.Thread(target=run_pending_batches, args=(app,), kwargs={"processes": processes},
                                       name="certificate-batches", daemon=True)
        _background.start()
        return True


@dataclass
class _Claim:
    chunk_id: int
    batch_id: int
    phase: str
    path: Path
    certificate_ids: list[int] = field(default_factory=list)  # reserved by ``_start``, issued by ``_complete``


class _InProcessExecutor(Executor):
    """Runs each task at once in this process: ``processes=0``."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # handed to the caller through the future, as a pool does
            future.set_exception(error)
        return future


class BatchWorker:
    def __init__(self, app: Flask, processes: int | None = None):
        self.app = app
        self.processes = (os.cpu_count() or 1) if processes is None else max(0, processes)
        self.host = socket.gethostname()
        self.id = f"{self.host}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease = timedelta(seconds=int(app.config.get("CERTIFICATE_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS))
        self.directory = certificate_dir(app)
        self._executor: Executor | None = None

    # The pool starts with the first chunk, so an idle poll costs no process start.
    def _pool(self) -> Executor:
        if self._executor is None:
            if self.processes == 0:
                self._executor = _InProcessExecutor()
            else:
                # spawn: children import only the renderer, and share no database connection.
                self._executor = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                                     initializer=end_with_parent, initargs=(os.getpid(),))
        return self._executor

    def run(self, max_chunks: int | None = None) -> int:
        completed = claimed = 0
        slots = 1 if self.processes == 0 else self.processes + 1  # one queued so no process waits
        in_flight: dict[Future, _Claim] = {}
        try:
            self._release_claims_of_dead_processes()
            self._fail_exhausted_chunks()
            while True:
                while len(in_flight) < slots and (max_chunks is None or claimed < max_chunks):
                    claim = self._claim()
                    if claim is None:
                        break
                    claimed += 1
                    future = self._start(claim)
                    if future is not None:
                        in_flight[future] = claim
                if not in_flight:
                    break
                finished, _ = wait(list(in_flight), timeout=self.lease.total_seconds() / 4,
                                   return_when=FIRST_COMPLETED)
                self._renew_leases()
                broken = False
                for future in finished:
                    claim = in_flight.pop(future)
                    if self._complete(claim, future):
                        completed += 1
                    broken |= isinstance(future.exception(), BrokenProcessPool)
                if broken:
                    # A rendering process died (killed, out of memory): every task of the pool
                    # fails with it. Their chunks go back to pending; a new pool takes over.
                    for future in list(in_flight):
                        wait([future])
                        self._complete(in_flight.pop(future), future)
                    self._drop_pool()
            self._finish_ready_batches()
        except BaseException:
            # Stopped (SIGTERM, Ctrl-C) or failed: the chunks under way will not be collected, so
            # their rendering ends now, not when they are done; the chunks are claimed again later.
            self._terminate_pool()
            raise
        finally:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None
        return completed

    def _terminate_pool(self) -> None:
        if isinstance(self._executor, ProcessPoolExecutor):
            # No public way to do this before Python 3.14's terminate_workers().
            for process in list((self._executor._processes or {}).values()):
                process.terminate()

    def _drop_pool(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    # -- claims --

    def _claimable(self, now):
        stale = now - self.lease
        return and_(
            CertificateBatchChunk.attempts < MAX_ATTEMPTS,
            or_(CertificateBatchChunk.status == ChunkStatus.pending.value,
                and_(CertificateBatchChunk.status == ChunkStatus.running.value,
                     CertificateBatchChunk.claimed_at < stale)))

    def _claim(self) -> _Claim | None:
        """Take the next chunk: merged-PDF chunks first, oldest batch first, in page order."""
        while True:
            now = utcnow()
            with transaction():
                row = db.session.execute(
                    select(CertificateBatchChunk.id, CertificateBatchChunk.batch_id, CertificateBatchChunk.phase,
                           CertificateBatchChunk.position)
                    .join(CertificateBatch)
                    .where(CertificateBatch.status.in_([BatchStatus.pending.value, BatchStatus.running.value]),
                           self._claimable(now),
                           # ZIP chunks wait for the merged PDF, so that merging, on the way to
                           # what staff wait for, does not share the processors with them.
                           or_(CertificateBatchChunk.phase == ChunkPhase.pdf.value,
                               CertificateBatch.pdf_path.is_not(None)))
                    .order_by(CertificateBatchChunk.phase, CertificateBatchChunk.batch_id,
                              CertificateBatchChunk.position)
                    .limit(1)
                    .with_for_update(skip_locked=True, of=CertificateBatchChunk)).first()
                if row is None:
                    return None
                taken = db.session.execute(
                    update(CertificateBatchChunk)
                    .where(CertificateBatchChunk.id == row.id, self._claimable(now))
                    .values(status=ChunkStatus.running.value, claimed_by=self.id, claimed_at=now,
                            attempts=CertificateBatchChunk.attempts + 1)).rowcount
                if taken:
                    db.session.execute(update(CertificateBatch).where(
                        CertificateBatch.id == row.batch_id, CertificateBatch.status == BatchStatus.pending.value)
                        .values(status=BatchStatus.running.value, started_at=now))
            if taken:
                suffix = "pdf" if row.phase == ChunkPhase.pdf.value else "zip"
                path = self.directory / f"batch-{row.batch_id}" / f"{row.phase}-{row.position:05d}.{suffix}"
                return _Claim(row.id, row.batch_id, row.phase, path)
            # another worker (SQLite has no SKIP LOCKED) took it between our read and write: next

    def _renew_leases(self) -> None:
        with transaction():
            db.session.execute(update(CertificateBatchChunk).where(
                CertificateBatchChunk.claimed_by == self.id,
                CertificateBatchChunk.status == ChunkStatus.running.value).values(claimed_at=utcnow()))

    def _release_claims_of_dead_processes(self) -> None:
        """Chunks claimed on this host by a process that no longer exists are free again now."""
        with transaction():
            rows = db.session.execute(select(CertificateBatchChunk.id, CertificateBatchChunk.claimed_by).where(
                CertificateBatchChunk.status == ChunkStatus.running.value,
                CertificateBatchChunk.claimed_by.like(f"{self.host}:%"))).all()
            for chunk_id, claimed_by in rows:
                if not _process_alive(claimed_by):
                    log.info("certificates: chunk %s was claimed by %s, which is gone; releasing it",
                             chunk_id, claimed_by)
                    db.session.execute(update(CertificateBatchChunk).where(
                        CertificateBatchChunk.id == chunk_id, CertificateBatchChunk.claimed_by == claimed_by,
                        CertificateBatchChunk.status == ChunkStatus.running.value)
                        .values(status=ChunkStatus.pending.value, claimed_by=None, claimed_at=None))

    def _fail_exhausted_chunks(self) -> None:
        """A chunk interrupted ``MAX_ATTEMPTS`` times without finishing fails its batch."""
        now = utcnow()
        with transaction():
            rows = db.session.execute(select(CertificateBatchChunk.id, CertificateBatchChunk.batch_id).join(
                CertificateBatch).where(
                CertificateBatch.status.in_([BatchStatus.pending.value, BatchStatus.running.value]),
                CertificateBatchChunk.attempts >= MAX_ATTEMPTS,
                or_(CertificateBatchChunk.status == ChunkStatus.pending.value,
                    and_(CertificateBatchChunk.status == ChunkStatus.running.value,
                         CertificateBatchChunk.claimed_at < now - self.lease)))).all()
        for chunk_id, batch_id in rows:
            self._fail(chunk_id, batch_id, N_("证书生成多次中断，已停止，请重新生成。"))

    # -- one chunk --

    def _start(self, claim: _Claim) -> Future | None:
        """Reserve the chunk's certificates (committed before rendering) and hand the rendering over."""
        try:
            with transaction():
                chunk = db.session.get(CertificateBatchChunk, claim.chunk_id)
                with _acting_for(chunk.batch):
                    certificates = []
                    for item in chunk.items:
                        certificate, _created = operations.reserve(operations.plan_for_item(item),
                                                                   chunk.batch.created_by)
                        certificates.append(certificate)
                    db.session.flush()
                claim.certificate_ids = [certificate.id for certificate in certificates]
                data = [operations.certificate_data(certificate) for certificate in certificates]
                names = [_entry_name(chunk.first_index + offset + 1, certificate)
                         for offset, certificate in enumerate(certificates)]
        except (operations.SourceGone, Invalid, Conflict) as error:
            log.warning("certificates: batch %s chunk %s cannot be issued: %s", claim.batch_id, claim.chunk_id, error)
            self._fail(claim.chunk_id, claim.batch_id, N_("竞赛奖励或考评结果已变更（可能已重新开放），请重新生成。"))
            return None
        claim.path.parent.mkdir(parents=True, exist_ok=True)
        if claim.phase == ChunkPhase.pdf.value:
            return self._pool().submit(render_chunk_pdf, data, str(claim.path))
        return self._pool().submit(render_chunk_zip, list(zip(names, data)), str(claim.path))

    def _complete(self, claim: _Claim, future: Future) -> bool:
        error = future.exception()
        if error is not None:
            log.error("certificates: batch %s chunk %s failed: %r", claim.batch_id, claim.chunk_id, error)
            with transaction():
                chunk = db.session.get(CertificateBatchChunk, claim.chunk_id)
                if chunk.claimed_by != self.id or chunk.status != ChunkStatus.running.value:
                    return False
                exhausted = chunk.attempts >= MAX_ATTEMPTS
                chunk.error = f"{type(error).__name__}: {error}"[:2000]
                chunk.status = ChunkStatus.pending.value
                chunk.claimed_by = chunk.claimed_at = None
            if exhausted:
                self._fail(claim.chunk_id, claim.batch_id, N_("证书排版失败：%(error)s"), error=str(error)[:500])
            return False
        with transaction():
            marked = db.session.execute(update(CertificateBatchChunk).where(
                CertificateBatchChunk.id == claim.chunk_id, CertificateBatchChunk.claimed_by == self.id,
                CertificateBatchChunk.status == ChunkStatus.running.value)
                .values(status=ChunkStatus.done.value, finished_at=utcnow(), error="")).rowcount
            if not marked:
                return False  # our lease ran out and another worker took the chunk over
            chunk = db.session.get(CertificateBatchChunk, claim.chunk_id)
            with _acting_for(chunk.batch):
                operations.mark_issued(claim.certificate_ids)  # their PDF exists now
            # Only the worker that marked the chunk done counts it; the increment is evaluated on
            # the row as it is after any concurrent increment (a sum in a subquery would not be).
            _count(claim.batch_id, claim.phase, chunk.size)
        self._finish(claim.batch_id)
        return True

    def _fail(self, chunk_id: int, batch_id: int, message: str, **params) -> None:
        text = message % params if params else message
        with transaction():
            db.session.execute(update(CertificateBatchChunk).where(CertificateBatchChunk.id == chunk_id)
                               .values(status=ChunkStatus.failed.value, claimed_by=None))
            db.session.execute(update(CertificateBatch).where(
                CertificateBatch.id == batch_id,
                CertificateBatch.status.in_([BatchStatus.pending.value, BatchStatus.running.value]))
                .values(status=BatchStatus.failed.value, error=text, finished_at=utcnow()))

    # -- finishing a batch --

    def _finish_ready_batches(self) -> None:
        """Finish running batches whose chunks are all done (e.g. their finisher died)."""
        with transaction():
            ids = db.session.scalars(select(CertificateBatch.id).where(
                CertificateBatch.status == BatchStatus.running.value)).all()
        for batch_id in ids:
            self._finish(batch_id)

    def _finish(self, batch_id: int) -> None:
        """Merge the chunk PDFs once all are done, then the ZIPs; one worker at a time per batch."""
        with transaction():
            batch = db.session.scalar(select(CertificateBatch).where(
                CertificateBatch.id == batch_id, CertificateBatch.status == BatchStatus.running.value)
                .with_for_update(skip_locked=True))
            if batch is None:
                return
            chunks = db.session.execute(select(CertificateBatchChunk.phase, CertificateBatchChunk.position,
                                               CertificateBatchChunk.status)
                                        .where(CertificateBatchChunk.batch_id == batch_id)).all()
            folder = self.directory / f"batch-{batch_id}"

            def ready(phase: str) -> list[Path] | None:
                mine = sorted((chunk for chunk in chunks if chunk.phase == phase), key=lambda chunk: chunk.position)
                if any(chunk.status != ChunkStatus.done.value for chunk in mine):
                    return None
                suffix = "pdf" if phase == ChunkPhase.pdf.value else "zip"
                return [folder / f"{phase}-{chunk.position:05d}.{suffix}" for chunk in mine]

            pdf_parts = ready(ChunkPhase.pdf.value)
            if batch.pdf_path is None and pdf_parts is not None:
                if not all(part.exists() for part in pdf_parts):
                    self._redo_missing(batch_id, ChunkPhase.pdf.value, pdf_parts)
                    return
                _merge_pdfs(pdf_parts, folder / PDF_NAME)
                batch.pdf_path = f"batch-{batch_id}/{PDF_NAME}"
            zip_parts = ready(ChunkPhase.zip.value)
            if batch.zip_path is None and zip_parts is not None:
                if not all(part.exists() for part in zip_parts):
                    self._redo_missing(batch_id, ChunkPhase.zip.value, zip_parts)
                    return
                _merge_zips(zip_parts, folder / ZIP_NAME)
                batch.zip_path = f"batch-{batch_id}/{ZIP_NAME}"
            finished = bool(batch.pdf_path and batch.zip_path)
            if finished:
                batch.status = BatchStatus.done.value
                batch.finished_at = utcnow()
        if finished:
            for part in (pdf_parts or []) + (zip_parts or []):
                part.unlink(missing_ok=True)
            log.info("certificates: batch %s done", batch_id)

    def _redo_missing(self, batch_id: int, phase: str, parts: list[Path]) -> None:
        """A chunk marked done whose file is gone (e.g. written on another machine's disk): redo it."""
        missing = [int(part.stem.rsplit("-", 1)[1]) for part in parts if not part.exists()]
        chunks = db.session.scalars(select(CertificateBatchChunk).where(
            CertificateBatchChunk.batch_id == batch_id, CertificateBatchChunk.phase == phase,
            CertificateBatchChunk.position.in_(missing), CertificateBatchChunk.status == ChunkStatus.done.value)).all()
        for chunk in chunks:
            chunk.status, chunk.claimed_by, chunk.attempts = ChunkStatus.pending.value, None, 0
            _count(batch_id, phase, -chunk.size)


@contextmanager
def _acting_for(batch: CertificateBatch):
    """Audit entries of a batch's certificates name the staff member who started the batch."""
    creator = batch.created_by
    previous = current_actor()
    set_actor(Actor(creator.id, f"{creator.username}（批量证书）") if creator else Actor(None, "worker"))
    try:
        yield
    finally:
        set_actor(previous)


def _count(batch_id: int, phase: str, size: int) -> None:
    counter = CertificateBatch.done if phase == ChunkPhase.pdf.value else CertificateBatch.zip_done
    db.session.execute(update(CertificateBatch).where(CertificateBatch.id == batch_id)
                       .values({counter: counter + size}))


def _merge_pdfs(parts: list[Path], target: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(str(part), import_outline=False)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as file:
        writer.write(file)
    os.replace(temporary, target)


def _merge_zips(parts: list[Path], target: Path) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED) as merged:
        for part in parts:
            with zipfile.ZipFile(part) as chunk:
                for info in chunk.infolist():
                    with chunk.open(info) as source, merged.open(info.filename, "w") as sink:
                        shutil.copyfileobj(source, sink, 1024 * 1024)
    os.replace(temporary, target)


_UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _entry_name(number: int, certificate) -> str:
    holder = _UNSAFE_IN_NAMES.sub("_", certificate.holder_name).strip(" .")[:60] or "certificate"
    return f"{number:04d}-{holder}-{certificate.serial}.pdf"


def _process_alive(claimed_by: str) -> bool:
    try:
        pid = int(claimed_by.split(":")[1])
    except (IndexError, ValueError):
        return True  # not ours to judge: wait for the lease
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
