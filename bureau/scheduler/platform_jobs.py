"""Platform jobs: the nightly SQLite backup (the copy itself is bureau.backup's, as for `flask backup`)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bureau import backup
from bureau.scheduler.registry import job
from bureau.text import N_


def keep_newest(folder: Path, keep: int) -> None:
    """Delete all but the ``keep`` newest nightly SQLite backups in ``folder`` (names sort by time)."""
    backups = sorted(folder.glob("bureau-*.sqlite3"))
    for old in backups[:-keep] if keep > 0 else []:
        old.unlink()


@job("backup", N_("数据库夜间备份"), hour=1, minute=30, params={"keep": 14})
def nightly_backup(now: datetime, params: dict) -> str:
    if backup.sqlite_path() is None:
        return "PostgreSQL: back up with pg_dump (README)"
    target = backup.default_target(now)
    target.parent.mkdir(parents=True, exist_ok=True)
    backup.backup_sqlite(target)
    keep_newest(target.parent, int(params.get("keep", 14)))
    return f"backup {target.name}"
