"""Days that differ from the ordinary week, as the State Council's yearly notice sets them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bureau.db import Versioned, db, utcnow
from bureau.text import N_

KIND_LABELS = {"rest": N_("放假"), "work": N_("调休上班")}


class CalendarDay(Versioned, db.Model):
    """One holiday or make-up working day. ``name`` is the holiday it belongs to (春节, 国庆节 …)."""

    __tablename__ = "calendar_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(Text, default="")  # the notice it comes from
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)
