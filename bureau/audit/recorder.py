"""Records every insert, update and delete of audited models, from the ORM's flush.

Recording at the flush (rather than in each operation) means no state change can forget its
audit entry. Operations may add *why* with ``explain(...)``. Statements that bypass the flush go
through ``record_bulk_insert`` and ``bulk_delete``. The log is kept for ever, so ID numbers reach
it masked (the audited records keep them whole) and redacted columns as ``***``.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import enum
from dataclasses import dataclass

from sqlalchemy import delete, event, inspect
from sqlalchemy.orm import Session

from bureau.audit.models import AuditEntry
from bureau.db import utcnow
from bureau.idnumber import mask_id_number, mask_id_numbers_in


@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str
    remote_addr: str | None = None


SYSTEM = Actor(None, "system")
_current_actor: contextvars.ContextVar[Actor] = contextvars.ContextVar("audit_actor", default=SYSTEM)


def set_actor(actor: Actor) -> contextvars.Token:
    return _current_actor.set(actor)


def current_actor() -> Actor:
    return _current_actor.get()


def explain(session: Session, summary: str) -> None:
    """Attach a reason to the audit entries of the next flush (e.g. why results were reopened)."""
    session.info["audit_summary"] = summary


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (str, int, float, bool, type(None), list, dict)):
        return value
    return str(value)


def _masked(value, key: str = ""):
    """``value`` with the ID numbers in it masked, in nested lists and dicts too (report content)."""
    if isinstance(value, str):
        return mask_id_number(value) if key.endswith("id_number") else mask_id_numbers_in(value)
    if isinstance(value, dict):
        return {name: _masked(item, str(name)) for name, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, key) for item in value]
    return value


_MASKED_FIELDS = ("actor_name", "object_id", "summary", "before", "after")


def _insert(executor, entries: list[dict]) -> None:
    """Write entries (the one place that does), masked: ``executor`` is a session or, mid-flush, its connection."""
    for entry in entries:
        for field in _MASKED_FIELDS:
            entry[field] = _masked(entry[field])
    executor.execute(AuditEntry.__table__.insert(), entries)


def _is_audited(obj) -> bool:
    return getattr(type(obj), "__audit__", True)


def _column_attrs(obj):
    mapper = inspect(obj).mapper
    redacted = set(getattr(type(obj), "AUDIT_REDACT", ()))
    for attr in mapper.column_attrs:
        yield attr.key, attr.key in redacted


def _values(obj) -> dict:
    return {key: ("***" if redacted else _plain(getattr(obj, key))) for key, redacted in _column_attrs(obj)}


def _changes(obj) -> tuple[dict, dict]:
    """Before and after values of the columns that changed in this flush."""
    state = inspect(obj)
    before, after = {}, {}
    for key, redacted in _column_attrs(obj):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[key] = "***" if redacted else _plain(old)
        after[key] = "***" if redacted else _plain(new)
    return before, after


def _primary_key(obj) -> str | None:
    # Read from the columns: a just-inserted object has no identity key until after the flush.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    if all(part is None for part in key):
        return None
    return ",".join(str(part) for part in key)


def _entry(actor: Actor, action: str, object_type: str, object_id, summary: str, before, after) -> dict:
    return {
        "at": utcnow(),
        "actor_id": actor.id,
        "actor_name": actor.name,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "summary": summary,
        "before": before,
        "after": after,
        "remote_addr": actor.remote_addr,
    }


def _rows_values(model, rows) -> list[dict]:
    """The audited values of rows given as mappings (bulk statements bypass the ORM objects)."""
    redacted = set(getattr(model, "AUDIT_REDACT", ()))
    keys = [attr.key for attr in inspect(model).column_attrs]
    return [{key: ("***" if key in redacted else _plain(row.get(key))) for key in keys} for row in rows]


def record_bulk_insert(session: Session, model, rows: list[dict], summary: str = "") -> None:
    """Audit rows inserted in bulk (``session.execute(insert(model), rows)``), which bypass the flush.

    Bulk inserts are for imports of thousands of rows, where building ORM objects costs more than
    the rest of the import; their audit entries must still be written, one per row.
    """
    if not rows or not getattr(model, "__audit__", True):
        return
    actor = current_actor()
    _insert(session, [_entry(actor, "create", model.__tablename__, row.get("id"), summary, None, values)
                      for row, values in zip(rows, _rows_values(model, rows))])


def bulk_delete(session: Session, model, *where) -> int:
    """Delete the ``model`` rows matching ``where`` in one statement, auditing each with its values.

    ``DELETE … RETURNING`` hands back the rows it deleted, so every deleted row has its entry, also
    one another transaction added after we last looked. Returns how many were deleted.
    """
    statement = delete(model).where(*where)
    if not getattr(model, "__audit__", True):
        return session.execute(statement).rowcount
    summary = session.info.get("audit_summary", "")  # an explain() just before applies to these too
    mapper = inspect(model)
    keys = [attr.key for attr in mapper.column_attrs]
    primary_keys = [mapper.get_property_by_column(column).key for column in mapper.primary_key]
    returned = session.execute(statement.returning(*(getattr(model, key) for key in keys)))
    rows = [dict(zip(keys, row)) for row in returned]
    if rows:
        actor = current_actor()
        _insert(session, [_entry(actor, "delete", model.__tablename__, ",".join(str(row[key]) for key in primary_keys),
                                 summary, values, None) for row, values in zip(rows, _rows_values(model, rows))])
    return len(rows)


def record_event(session: Session, action: str, object_type: str, object_id: str | int | None = None, *,
                 details: dict | None = None, summary: str = "", actor: Actor | None = None) -> None:
    """Audit an event that changes no audited row: a login, a failed login, a lockout.

    ``actor`` is who did it (by default the request's actor); ``action`` names the event
    (up to 20 characters, e.g. ``"login_failed"``); ``details`` land in the entry's *after*.
    """
    after = {key: _plain(value) for key, value in (details or {}).items()}
    _insert(session, [_entry(actor or current_actor(), action, object_type, object_id, summary, None, after)])


@event.listens_for(Session, "before_flush")
def _capture_changes(session: Session, flush_context, instances) -> None:
    # Before and after values must be read before the flush resets attribute history; deleted
    # objects must be read while their values are still loaded.
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.dirty:
        if not _is_audited(obj):
            continue
        state = inspect(obj)
        # Removed from a delete-orphan collection (results of a replace, an assessment rerun): the
        # flush deletes it though it is not in session.deleted. The check is the flush's own.
        if state.has_identity and state.mapper._is_orphan(state):
            pending.append(("delete", obj, _values(obj), None))
        elif session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if before or after:
                pending.append(("update", obj, before, after))
    for obj in session.deleted:
        if _is_audited(obj):
            pending.append(("delete", obj, _values(obj), None))
    for obj in session.new:
        if _is_audited(obj):
            pending.append(("create", obj, None, None))


@event.listens_for(Session, "after_flush")
def _write_entries(session: Session, flush_context) -> None:
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    actor = current_actor()
    summary = session.info.pop("audit_summary", "")
    rows = []
    for action, obj, before, after in pending:
        if action == "create":
            # Ids and server defaults exist only now, after the INSERT.
            after = _values(obj)
        rows.append(_entry(actor, action, type(obj).__tablename__, _primary_key(obj), summary, before, after))
    # Inserting through the connection, not session.add: the session is mid-flush.
    _insert(session.connection(), rows)
