"""Platform jobs: the nightly SQLite backup."""
from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from flask import current_app

from bureau.db import db
from bureau.scheduler.registry import job
from bureau.text import N_

BACKUP_PREFIX = "bureau-"


def sqlite_path() -> Path | None:
    url = db.engine.url
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def backup_sqlite(destination_folder: Path, now: datetime, keep: int) -> Path:
    """Copy the live database with SQLite's online backup API (consistent while in use); keep ``keep``."""
    destination_folder.mkdir(parents=True, exist_ok=True)
    target = destination_folder / f"{BACKUP_PREFIX}{now:%Y%m%d-%H%M%S}.sqlite3"
    source = sqlite3.connect(sqlite_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    backups = sorted(destination_folder.glob(f"{BACKUP_PREFIX}*.sqlite3"))
    for old in backups[:-keep] if keep > 0 else []:
        old.unlink()
    return target


def restore_sqlite(backup: Path) -> None:
    """Replace the live database's contents with ``backup`` (run with the app stopped)."""
    db.session.remove()
    db.engine.dispose()
    source = sqlite3.connect(backup)
    target = sqlite3.connect(sqlite_path())
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


@job("backup", N_("数据库夜间备份"), hour=1, minute=30, params={"keep": 14})
def nightly_backup(now: datetime, params: dict) -> str:
    if sqlite_path() is None:
        return "PostgreSQL: back up with pg_dump (README)"
    target = backup_sqlite(Path(current_app.config["BACKUP_DIR"]), now, int(params.get("keep", 14)))
    return f"backup {target.name}"
