"""Competitions, their results, awards and public notices."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bureau.accounts.models import User
from bureau.db import Versioned, db, utcnow

TIERS = ("world", "national", "provincial", "city", "county")
GROUPS = ("worker", "student")


class Status(str, enum.Enum):
    draft = "draft"
    results_entered = "results_entered"
    finalized = "finalized"
    published = "published"


class Competition(Versioned, db.Model):
    __tablename__ = "competition"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[int | None]  # 1 = 一类, 2 = 二类, None for WorldSkills
    occupation: Mapped[str] = mapped_column(String(100), default="")
    year: Mapped[int] = mapped_column(index=True)
    held_on: Mapped[date | None]
    entry_group: Mapped[str | None] = mapped_column(String(20))  # the API's "group"
    policy: Mapped[str] = mapped_column(String(40), index=True)
    practical_only: Mapped[bool] = mapped_column(default=False)
    national_games: Mapped[bool] = mapped_column(default=False)
    theory_weight: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.3"))
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(60))
    promotions: Mapped[list] = mapped_column(JSON, default=list)
    prizes: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=Status.draft.value, index=True)
    organiser_name: Mapped[str] = mapped_column(String(200), default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalized_at: Mapped[datetime | None]
    # Touched by every change of results, so the competition's version moves and a form or upload
    # prepared against the older results is refused.
    results_changed_at: Mapped[datetime | None]

    owner: Mapped[User] = relationship()
    results: Mapped[list[Result]] = relationship(back_populates="competition", cascade="all, delete-orphan",
                                                 order_by="Result.position", passive_deletes=True)
    notice: Mapped[PublicNotice | None] = relationship(back_populates="competition", cascade="all, delete-orphan")

    @property
    def locked(self) -> bool:
        return self.status in (Status.finalized.value, Status.published.value)


class Result(Versioned, db.Model):
    __tablename__ = "result"
    __table_args__ = (
        UniqueConstraint("competition_id", "id_number"),
        Index("ix_result_competition_rank", "competition_id", "entry_group", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"))
    position: Mapped[int]  # order of entry: the upload's row order
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18))
    employer: Mapped[str] = mapped_column(String(200), default="")
    local: Mapped[bool] = mapped_column(default=False)
    entry_group: Mapped[str | None] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(100))
    theory: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    practical: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    total_given: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    total: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    rank: Mapped[int | None]
    rank_given: Mapped[bool] = mapped_column(default=False)
    medal: Mapped[str | None] = mapped_column(String(20))
    medal_derived: Mapped[bool] = mapped_column(default=False)
    passed: Mapped[bool | None]
    base_id: Mapped[int | None]  # a competition training base (竞赛集训基地), for Quanzhou's subsidy

    competition: Mapped[Competition] = relationship(back_populates="results")


class AwardStatus(str, enum.Enum):
    proposed = "proposed"  # computed on finalize, awaiting staff approval
    approved = "approved"


class Award(db.Model):
    """An award the policy engine proposed; recomputed on each finalize until approved."""

    __tablename__ = "award"
    # Awards are deleted and computed again when results are reopened; their ids must never be
    # handed out twice (SQLite reuses the highest id unless AUTOINCREMENT is asked for).
    __table_args__ = (UniqueConstraint("competition_id", "rule_key", "result_id", "payee", "kind"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("result.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # skill_level | title | cash
    level: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[int | None]
    table_amount: Mapped[int | None]
    payee: Mapped[str] = mapped_column(String(20), index=True)  # person | team | base | organiser
    policy: Mapped[str] = mapped_column(String(40), index=True)
    clause: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(Text)
    rule_key: Mapped[str] = mapped_column(String(100))
    series: Mapped[str | None] = mapped_column(String(50))
    paid: Mapped[bool] = mapped_column(default=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    needs_review: Mapped[bool] = mapped_column(default=False)
    team: Mapped[str | None] = mapped_column(String(100))
    base_id: Mapped[int | None]
    awarded_on: Mapped[date]
    achievement: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default=AwardStatus.proposed.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    competition: Mapped[Competition] = relationship()
    result: Mapped[Result | None] = relationship()


class NoticeStatus(str, enum.Enum):
    open = "open"  # within the notice period, objections may be filed
    final = "final"  # period over with no open objection
    withdrawn = "withdrawn"


class PublicNotice(Versioned, db.Model):
    """公示: a competition's list published for a notice period."""

    __tablename__ = "public_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]  # last day objections are accepted
    status: Mapped[str] = mapped_column(String(20), default=NoticeStatus.open.value, index=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalised_at: Mapped[datetime | None]
    contact: Mapped[str] = mapped_column(String(200), default="")

    competition: Mapped[Competition] = relationship(back_populates="notice")
    objections: Mapped[list[Objection]] = relationship(back_populates="notice", cascade="all, delete-orphan",
                                                       order_by="Objection.id")


class Objection(Versioned, db.Model):
    """A written objection received during a notice period, and the bureau's decision on it."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("public_notice.id", ondelete="CASCADE"), index=True)
    received_on: Mapped[date]
    objector: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(Text)  # what is objected to
    evidence: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | upheld | dismissed
    decided_at: Mapped[datetime | None]

    notice: Mapped[PublicNotice] = relationship(back_populates="objections")


class ResultUpload(db.Model):
    """A parsed upload waiting for the organiser to confirm it after the preview.

    Nothing reaches ``result`` until confirmation, and confirmation refuses an upload made against
    an older version of the competition (someone else saved in between).
    """

    __tablename__ = "result_upload"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filename: Mapped[str] = mapped_column(String(255))
    competition_version: Mapped[int]
    rows: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
