"""Studios and bases, their annual reports with attachments, report windows and assessments."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bureau.accounts.models import User
from bureau.db import Versioned, db, utcnow
from bureau.text import N_
from studios.messages import Message
from studios.terms import DEFAULT_TERM_YEARS, TermStatus, term_status

KIND_LABELS = {
    "master_studio": N_("技能大师工作室"),
    "training_base": N_("公共实训基地"),
    "technician_station": N_("技师工作站"),
    "competition_base": N_("竞赛集训基地"),
}
LEVEL_LABELS = {"national": N_("国家级"), "provincial": N_("省级"), "city": N_("市级"), "county": N_("县级")}


class StudioStatus(str, enum.Enum):
    active = "active"
    expired = "expired"
    revoked = "revoked"  # 摘牌: the plaque was taken away


STATUS_LABELS = {StudioStatus.active.value: N_("有效"), StudioStatus.expired.value: N_("已到期"),
                 StudioStatus.revoked.value: N_("已摘牌")}


class KindAndLevelLabels:
    """Labels of ``kind`` and ``level`` (studios and assessments both carry them)."""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


class Studio(KindAndLevelLabels, Versioned, db.Model):
    """A master studio (技能大师工作室), public training base, technician station or competition base."""

    __tablename__ = "studio"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    level: Mapped[str] = mapped_column(String(20), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(100), index=True)
    policy: Mapped[str] = mapped_column(String(40))  # code of the policy document that governs it
    lead_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    occupation: Mapped[str] = mapped_column(String(100), default="")
    host_employer: Mapped[str] = mapped_column(String(200), default="")
    established: Mapped[date]
    term_years: Mapped[int] = mapped_column(default=DEFAULT_TERM_YEARS)
    term_ends: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default=StudioStatus.active.value, index=True)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    # When the one-time grant was paid; until then the studio counts as new for ``grants_due``.
    grant_paid_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lead: Mapped[User] = relationship()
    reports: Mapped[list[AnnualReport]] = relationship(back_populates="studio", order_by="AnnualReport.year")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def term_state(self, today: date) -> TermStatus:
        """Where the term stands on ``today`` (active, expiring within 90 days, expired, revoked)."""
        return term_status(self.term_ends, today, self.status == StudioStatus.revoked.value)


class ReportWindow(Versioned, db.Model):
    """When annual reports for ``year`` may be submitted; after ``deadline`` a submission is late."""

    __tablename__ = "report_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    opens_on: Mapped[date]
    deadline: Mapped[date]  # last day on time (Beijing date)


class ReportStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    accepted = "accepted"


REPORT_STATUS_LABELS = {"draft": N_("草稿"), "submitted": N_("已提交"), "returned": N_("已退回"),
                        "accepted": N_("已通过")}
EDITABLE_REPORT_STATUSES = (ReportStatus.draft.value, ReportStatus.returned.value)


class AnnualReport(Versioned, db.Model):
    """A studio's annual report (年度报告) for one year; ``content`` holds the structured sections
    as cleaned by ``studios.report.clean_content``."""

    __tablename__ = "annual_report"
    __table_args__ = (UniqueConstraint("studio_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studio.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.draft.value, index=True)
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    first_submitted_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None]
    # Item scores as strings ("12.5"): exact decimals through JSON on every database.
    item_scores: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    scored_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    studio: Mapped[Studio] = relationship(back_populates="reports")
    attachments: Mapped[list[ReportAttachment]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportAttachment.id")

    @property
    def status_label(self) -> str:
        return REPORT_STATUS_LABELS[self.status]

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_REPORT_STATUSES

    def decimal_item_scores(self) -> dict[str, Decimal] | None:
        if self.item_scores is None:
            return None
        return {key: Decimal(points) for key, points in self.item_scores.items()}


class ReportAttachment(db.Model):
    """A file attached to a report, kept in the database row itself.

    In the database rather than under instance/: it is saved or rolled back with the report in
    one transaction (no orphan files after a failed request), is in every backup (pg_dump / the
    SQLite file), and works with several gunicorn workers or hosts without a shared disk. Files
    are small (limited per file and per report), so the rows stay modest.
    """

    __tablename__ = "report_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("annual_report.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(50))  # from the content's magic bytes, not the browser
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[AnnualReport] = relationship(back_populates="attachments")

    AUDIT_REDACT = ("data",)  # the audit log records that a file came or went, not its bytes


class AssessmentStatus(str, enum.Enum):
    draft = "draft"
    published = "published"


class Assessment(KindAndLevelLabels, Versioned, db.Model):
    """One run of the annual assessment (年度考评) over the studios of a year, kind, level and place."""

    __tablename__ = "assessment"
    __table_args__ = (UniqueConstraint("year", "kind", "level", "jurisdiction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    jurisdiction: Mapped[str] = mapped_column(String(100))
    policy: Mapped[str] = mapped_column(String(40))
    run_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    pass_score: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    excellent_percent: Mapped[int]
    excellent_cap: Mapped[int]
    ties_at_cap: Mapped[list] = mapped_column(JSON, default=list)  # studio ids awaiting the bureau's decision
    tie_decision: Mapped[str] = mapped_column(Text, default="")
    reward_amount: Mapped[int]
    reward_cap: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=AssessmentStatus.draft.value, index=True)
    published_at: Mapped[datetime | None]
    notice_ends_on: Mapped[date | None]  # last day objections to the public list are received

    run_by: Mapped[User] = relationship()
    results: Mapped[list[AssessmentResult]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan",
        # Ranked first by place (NULLs sort differently on SQLite and PostgreSQL), unranked last.
        order_by=lambda: [AssessmentResult.rank.is_(None), AssessmentResult.rank, AssessmentResult.studio_id])

    @property
    def published(self) -> bool:
        return self.status == AssessmentStatus.published.value


class AssessmentResult(db.Model):
    """One studio's place in an assessment. ``note`` is an untranslated message template
    (``N_``) with ``note_params``, so each reader sees it in their language."""

    __tablename__ = "assessment_result"
    __table_args__ = (UniqueConstraint("assessment_id", "studio_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studio.id"), index=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    rank: Mapped[int | None]
    grade: Mapped[str] = mapped_column(String(20))
    reward: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    note_params: Mapped[dict] = mapped_column(JSON, default=dict)

    assessment: Mapped[Assessment] = relationship(back_populates="results")
    studio: Mapped[Studio] = relationship()

    @property
    def note_message(self) -> Message | None:
        return Message(self.note, self.note_params or {}) if self.note else None
