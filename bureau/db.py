"""The database handle, the declarative base and the one place where work is committed."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone

from flask import g
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable constraint names, so that Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def insert_unless_taken(row) -> bool:
    """Insert ``row`` unless a unique key says another request inserted the same first (False).

    Check-then-insert races (two tabs, two workers): the INSERT runs alone in a savepoint, so a
    refusal leaves the request's transaction usable; whatever else is pending is flushed first,
    outside the savepoint. On PostgreSQL the INSERT waits for the other transaction to commit."""
    db.session.flush()
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


class Versioned:
    """Optimistic locking: a write carrying an older ``version`` is refused, never overwritten.

    SQLAlchemy adds ``AND version = :old`` to every UPDATE and raises StaleDataError when no row
    matched; the web and API layers turn that into a 409 / a clear message.
    """

    version: Mapped[int] = mapped_column(nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record):
    """SQLite ignores foreign keys unless each connection asks for them."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        # Readers do not block the writer: two gunicorn workers share the file.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(connection, name):
    """pysqlite begins a transaction only before a data change, so a SAVEPOINT as a request's first
    write started one of its own, and its RELEASE committed at once: the request's rollback left
    the row behind. Begin the transaction first, as PostgreSQL's driver always has."""
    raw = connection.connection.dbapi_connection
    if type(raw).__module__.startswith("sqlite3") and not raw.in_transaction:
        raw.execute("BEGIN")


def keep_work_of_refusal() -> None:
    """Commit this web request's work although it answers with a refusal (4xx), which otherwise
    rolls back: a throttled login's failure and audit entries must stay, or nothing would count."""
    g.keep_work_of_refusal = True


@contextmanager
def transaction():
    """Commit the session's work on success, roll it back on any error.

    Web requests commit in one place (``bureau.app``); CLI commands and scheduled jobs use this.
    """
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
