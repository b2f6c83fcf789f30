"""What staff enter for the dashboard: targets, budgets, and which contests are selection contests.

Everything else the dashboard shows is counted from the other areas' tables at read time.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bureau.db import Versioned, db, utcnow
from competition.models import Competition


class Target(Versioned, db.Model):
    """A yearly (or multi-year) target of a jurisdiction and what counts towards it.

    ``metric`` names the count (``bureau.dashboard.metrics.METRICS``), narrowed by the optional
    filters; ``manual`` targets are not in our data and carry ``manual_actual`` typed by staff.
    The count covers the years ``from_year`` … ``year`` (one year when they are equal).
    ``comparison``: ``at_least`` (以上, or a plain figure), ``about`` (左右) or ``range``
    (``value`` … ``value_max``). Targets loaded from a policy document keep its code and the
    target's key; the unique constraint makes loading idempotent, also when two clerks press
    the button at once.
    """

    __tablename__ = "dashboard_target"
    __table_args__ = (
        UniqueConstraint("jurisdiction", "year", "policy_code", "policy_key"),
        Index("ix_dashboard_target_place_year", "jurisdiction", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(100))
    year: Mapped[int]
    from_year: Mapped[int]
    label: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(30))
    tier: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[int | None]
    award_kind: Mapped[str | None] = mapped_column(String(20))
    studio_kind: Mapped[str | None] = mapped_column(String(30))
    studio_level: Mapped[str | None] = mapped_column(String(20))
    comparison: Mapped[str] = mapped_column(String(10), default="at_least")
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    value_max: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(20), default="")
    manual_actual: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    policy_code: Mapped[str | None] = mapped_column(String(40))
    policy_key: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)  # order on the dashboard
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def filters(self) -> dict[str, object]:
        return {"tier": self.tier, "category": self.category, "award_kind": self.award_kind,
                "studio_kind": self.studio_kind, "studio_level": self.studio_level}


class Budget(Versioned, db.Model):
    """The money a jurisdiction set aside for a year: one row per kind of payment, or ``total``."""

    __tablename__ = "dashboard_budget"
    __table_args__ = (UniqueConstraint("jurisdiction", "year", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(100))
    year: Mapped[int]
    category: Mapped[str] = mapped_column(String(30))  # metrics.BUDGET_CATEGORIES
    amount: Mapped[int]  # yuan
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class QuotaContest(db.Model):
    """A competition staff marked as a national selection contest (国赛省级选拔赛) under the quota
    table of a policy document (``policy_code``, e.g. ``fujian-2023``). Our competitions carry no
    such flag, and a provincial competition is not necessarily a selection contest, so the mark
    is kept here, beside the competition, rather than guessed."""

    __tablename__ = "dashboard_quota_contest"
    __table_args__ = (UniqueConstraint("policy_code", "competition_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_code: Mapped[str] = mapped_column(String(40))
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    competition: Mapped[Competition] = relationship()
