"""Backup and restore: ``flask --app wsgi backup create [--output FILE]`` and ``backup restore FILE``.

SQLite: the online backup API copies the live file consistently while the app runs; a restore
copies a backup back over the live database's contents (stop the app first), after checking
that the file is one of ours. PostgreSQL: ``pg_dump -Fc`` (custom format) and ``pg_restore
--clean --if-exists --single-transaction`` (all or nothing). The client programs must be of
the server's major version or newer: Debian's versioned ones under /usr/lib/postgresql/N/bin
are preferred, then those on PATH, and a mismatch is named instead of attempted. The
connection is passed in libpq's environment variables (no password on a command line). When
the database URL sets a ``search_path`` (a schema of its own), only that schema is dumped.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote

import click
from flask import current_app
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bureau.clock import local_now
from bureau.db import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
LOCK_TIMEOUT_MS = 60_000  # a restore waiting on a running app gives up (and changes nothing)


class BackupError(click.ClickException):
    pass


# --- which database ----------------------------------------------------------------------------------


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def sqlite_path() -> Path | None:
    url = _url()
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def default_target(now: datetime | None = None) -> Path:
    folder = Path(current_app.config["BACKUP_DIR"])
    suffix = ".sqlite3" if sqlite_path() else ".dump"
    return folder / f"bureau-{(now or local_now()):%Y%m%d-%H%M%S}{suffix}"


def _current_revision(connection) -> str | None:
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - no such table: not one of our databases
        return None


# --- SQLite ---------------------------------------------------------------------------------------------


def backup_sqlite(target: Path) -> Path:
    source = sqlite3.connect(sqlite_path())
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"the copy in {target} failed SQLite's integrity check")
    finally:
        copy.close()
        source.close()
    return target


def _read_only(path: Path) -> str:
    return f"file:{quote(str(path.resolve()))}?mode=ro"


def check_sqlite_backup(path: Path) -> str:
    """The backup's schema revision; refuses a file that is not one of our SQLite databases."""
    with open(path, "rb") as file:
        if file.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupError(f"{path} is not an SQLite database")
    connection = sqlite3.connect(_read_only(path), uri=True)
    try:
        if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is damaged (SQLite's integrity check failed)")
        revision = _sqlite_revision(connection)
    finally:
        connection.close()
    if revision is None:
        raise BackupError(f"{path} is not a backup of this application (no alembic_version)")
    return revision


def _sqlite_revision(connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def restore_sqlite(path: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    source = sqlite3.connect(_read_only(path), uri=True)
    target = sqlite3.connect(sqlite_path())
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


# --- PostgreSQL ----------------------------------------------------------------------------------------


def _server_major() -> int:
    with db.engine.connect() as connection:
        return int(connection.execute(text("SHOW server_version_num")).scalar()) // 10000


def client_program(name: str, server_major: int) -> str:
    """pg_dump or pg_restore of the server's major version (or newer), else a BackupError."""
    candidates = [f"/usr/lib/postgresql/{server_major}/bin/{name}", shutil.which(name)]
    found = []
    for candidate in candidates:
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        output = subprocess.run([candidate, "--version"], capture_output=True, text=True).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", output)
        major = int(match.group(1)) if match else 0
        if major >= server_major:
            return candidate
        found.append(f"{candidate} ({major})")
    if found:
        raise BackupError(f"{name} is older than the server (PostgreSQL {server_major}): {', '.join(found)}; "
                          f"install postgresql-client-{server_major}")
    raise BackupError(f"{name} not found: install postgresql-client-{server_major} (Debian)")


def libpq_environment() -> tuple[dict[str, str], str | None]:
    """The connection as libpq environment variables, and the schema if the URL sets one."""
    url = _url()
    environment = dict(os.environ)
    for variable, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                            ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            environment[variable] = str(value)
    options = unquote(str(url.query.get("options", "")))
    match = re.search(r"-c\s*search_path\s*=\s*([\w]+)", options)
    schema = match.group(1) if match else None
    environment["PGOPTIONS"] = f"{options} -c lock_timeout={LOCK_TIMEOUT_MS}".strip()
    return environment, schema


def _run(command: list[str], environment: dict) -> None:
    done = subprocess.run(command, env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup_postgres(target: Path) -> Path:
    environment, schema = libpq_environment()
    pg_dump = client_program("pg_dump", _server_major())
    command = [pg_dump, "--format=custom", "--no-owner", f"--file={target}"]
    if schema:
        command.append(f"--schema={schema}")
    _run(command, environment)
    return target


def restore_postgres(path: Path) -> None:
    with open(path, "rb") as file:
        if file.read(len(PG_DUMP_MAGIC)) != PG_DUMP_MAGIC:
            raise BackupError(f"{path} is not a pg_dump custom-format archive")
    environment, _schema = libpq_environment()
    server_major = _server_major()
    pg_restore = client_program("pg_restore", server_major)
    listing = subprocess.run([pg_restore, "--list", str(path)], capture_output=True, text=True)
    if listing.returncode != 0 or "alembic_version" not in listing.stdout:
        raise BackupError(f"{path} is not a backup of this application")
    db.session.remove()
    db.engine.dispose()  # our own pooled connections must not hold locks the restore needs
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
          f"--dbname={environment.get('PGDATABASE', '')}", str(path)], environment)


# --- the commands --------------------------------------------------------------------------------------

backup_cli = click.Group("backup", help="Back up the database to a file, or restore it from one.")


@backup_cli.command("create")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (default: BACKUP_DIR/bureau-YYYYMMDD-HHMMSS.sqlite3 or .dump).")
def create_command(output: Path | None) -> None:
    """Back up the live database (consistent while the app runs). Prints the file as its last line."""
    target = output or default_target()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"{target} exists already")
    try:
        made = backup_sqlite(target) if sqlite_path() else backup_postgres(target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    click.echo(f"backup written ({made.stat().st_size:,} bytes):")
    click.echo(str(made))


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(file: Path, yes: bool) -> None:
    """Replace everything in the database with FILE's contents. Stop the app (web and scheduler) first."""
    where = str(sqlite_path() or _url().render_as_string(hide_password=True))
    if not yes:
        click.confirm(f"Replace ALL data in {where} with {file}?", abort=True)
    if sqlite_path():
        revision = check_sqlite_backup(file)
        restore_sqlite(file)
    else:
        restore_postgres(file)
        with db.engine.connect() as connection:
            revision = _current_revision(connection)
    click.echo(f"restored {file} (schema revision {revision}); run `flask --app wsgi db upgrade` "
               "if this backup is older than the code")
