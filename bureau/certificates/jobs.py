"""Certificate jobs: render pending batches from the scheduler process, never in a web request;
remove the files of batches finished longer ago than ``CERTIFICATE_BATCH_KEEP_DAYS``."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from bureau.audit.recorder import explain
from bureau.clock import utc_from_local
from bureau.db import db
from bureau.scheduler.registry import daily, every_minute, job
from bureau.text import N_


@job("certificate_batches", N_("生成待处理的证书批次"), period=every_minute, every_minutes=1)
def certificate_batches(now: datetime, params: dict) -> str:
    from bureau.certificates.batches import run_pending_batches

    # Commit this minute's run record first: the batch worker commits chunk by chunk on its own
    # connection, and an open write transaction here would block it (SQLite locks the file).
    # Batches resume where they stopped, so a crash after this commit loses nothing.
    db.session.commit()
    chunks = run_pending_batches(current_app._get_current_object())
    return f"{chunks} chunks rendered"


@job("certificate_batch_files", N_("清理超过保留期的批量证书文件"), period=daily, hour=3, minute=30)
def clean_old_batch_files(now: datetime, params: dict) -> str:
    """A 1,000-certificate batch leaves ~280 MB (merged PDF, ZIP); after the retention period they go.

    Batches finished (done or failed) more than ``CERTIFICATE_BATCH_KEEP_DAYS`` (default 30)
    days before ``now`` lose their files and become ``expired`` (audited: the scheduler, the
    paths and status before and after). Issued certificates are untouched; each one's PDF is
    still rendered on demand, and a new batch can be started. Rerunning changes nothing.
    """
    from bureau.certificates.batches import keep_days, remove_old_batch_files

    days = keep_days(current_app)
    outcome = remove_old_batch_files(utc_from_local(now) - timedelta(days=days))
    if outcome.batches:
        # Only with changes to flush: a reason left over would be attached to the next flush's entries.
        explain(db.session, f"批量证书文件超过保留期（{days} 天），已删除")
        db.session.flush()
    return f"keep {days} days: {outcome}"
