"""``flask backup create`` and ``flask backup restore``: a round trip on SQLite (the normal suite)
and on PostgreSQL (the PG pass; skipped where pg_dump is missing). After the restore the data is
exactly what it was at the backup: what was deleted since is back, what was added since is gone.
"""
from __future__ import annotations

import shutil
import sqlite3

import pytest
from sqlalchemy import func, select

from bureau.accounts.models import User
from bureau.audit.models import AuditEntry
from bureau.db import db
from competition import operations as competitions
from competition.models import Competition, Result
from tests.conftest import ON_POSTGRES, login
from tests.security.world import competition_spec, contestants


def snapshot() -> dict:
    return {
        "users": sorted(db.session.scalars(select(User.username))),
        "competitions": sorted(db.session.scalars(select(Competition.name))),
        "results": sorted(db.session.scalars(select(Result.id_number))),
        "audit": db.session.scalar(select(func.count()).select_from(AuditEntry)),
    }


def round_trip(app, runner, users, tmp_path, suffix: str):
    competition = competitions.create_competition(competition_spec("备份前的竞赛"), users["organiser"])
    competitions.replace_results(competition, contestants(5, start=500))
    db.session.commit()
    before = snapshot()

    target = tmp_path / f"bureau{suffix}"
    made = runner.invoke(args=["backup", "create", "--output", str(target)])
    assert made.exit_code == 0, made.output
    assert made.output.strip().splitlines()[-1] == str(target) and target.stat().st_size > 0

    # After the backup: a user deleted, a competition added, results replaced.
    db.session.delete(db.session.scalar(select(User).where(User.username == "lead_b")))
    competitions.create_competition(competition_spec("备份后的竞赛"), users["organiser"])
    competitions.replace_results(db.session.get(Competition, competition.id), contestants(2, start=600))
    db.session.commit()
    assert snapshot() != before

    db.session.remove()
    restored = runner.invoke(args=["backup", "restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "restored" in restored.output
    assert snapshot() == before
    # The app works on the restored database: lead_b logs in again.
    assert login(app.test_client(), "lead_b").status_code == 302
    return target


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite commands; the PostgreSQL round trip is below")
def test_sqlite_backup_and_restore_round_trip(app, runner, users, tmp_path):
    round_trip(app, runner, users, tmp_path, ".sqlite3")


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite commands")
def test_sqlite_restore_refuses_what_is_not_our_backup(app, runner, users, tmp_path):
    before = snapshot()
    not_sqlite = tmp_path / "notes.sqlite3"
    not_sqlite.write_text("hello")
    foreign = tmp_path / "foreign.sqlite3"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    for file, words in ((not_sqlite, "not an SQLite database"), (foreign, "not a backup of this application")):
        result = runner.invoke(args=["backup", "restore", str(file), "--yes"])
        assert result.exit_code != 0 and words in result.output, result.output
    unconfirmed = runner.invoke(args=["backup", "restore", str(foreign)], input="n\n")
    assert unconfirmed.exit_code != 0
    assert snapshot() == before


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite commands")
def test_backup_create_writes_to_the_backup_folder_and_never_overwrites(app, runner, users, tmp_path):
    app.config["BACKUP_DIR"] = str(tmp_path / "backups")
    first = runner.invoke(args=["backup", "create"])
    assert first.exit_code == 0, first.output
    written = (tmp_path / "backups").glob("bureau-*.sqlite3")
    path = next(written)
    again = runner.invoke(args=["backup", "create", "--output", str(path)])
    assert again.exit_code != 0 and "exists already" in again.output


pg_dump_missing = shutil.which("pg_dump") is None


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL: runs in the PostgreSQL pass")
@pytest.mark.skipif(pg_dump_missing, reason="pg_dump is not installed (postgresql-client)")
def test_postgres_backup_and_restore_round_trip(app, runner, users, tmp_path):
    target = round_trip(app, runner, users, tmp_path, ".dump")
    assert target.read_bytes().startswith(b"PGDMP")


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL: runs in the PostgreSQL pass")
@pytest.mark.skipif(pg_dump_missing, reason="pg_dump is not installed (postgresql-client)")
def test_postgres_restore_refuses_a_file_that_is_not_a_dump(app, runner, users, tmp_path):
    before = snapshot()
    bogus = tmp_path / "bogus.dump"
    bogus.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    result = runner.invoke(args=["backup", "restore", str(bogus), "--yes"])
    assert result.exit_code != 0 and "not a pg_dump" in result.output
    assert snapshot() == before


def test_the_client_program_must_match_the_server(app, monkeypatch):
    """An older pg_dump is named, not run: it would refuse a newer server mid-backup."""
    from bureau import backup

    monkeypatch.setattr(backup.shutil, "which", lambda name: "/bin/echo")
    monkeypatch.setattr(backup.os, "access", lambda path, mode: path == "/bin/echo")
    monkeypatch.setattr(backup.subprocess, "run", lambda *a, **k: type("Done", (), {"stdout": "pg_dump (PostgreSQL) 13.4"})())
    with pytest.raises(backup.BackupError, match="older than the server"):
        backup.client_program("pg_dump", 15)
