"""Certificate job: render pending batches from the scheduler process, never in a web request."""
from __future__ import annotations

from datetime import datetime

from flask import current_app

from bureau.db import db
from bureau.scheduler.registry import every_minute, job
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
