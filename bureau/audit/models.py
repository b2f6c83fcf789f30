from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bureau.db import db, utcnow


class AuditEntry(db.Model):
    """One change to one object. Rows are never updated or deleted (a database trigger refuses it)."""

    __tablename__ = "audit_entry"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)  # no FK: the log outlives accounts
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20), index=True)  # create | update | delete
    object_type: Mapped[str] = mapped_column(String(50), index=True)
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")  # why, e.g. a reopening reason
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
