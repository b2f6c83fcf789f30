"""Issued certificates, and the batches that print a competition's or an assessment's certificates.

A certificate is issued once per *subject* (what it certifies: one person's level, title or place
in one competition, or one studio's 优秀 grade in one assessment). ``subject_key`` names the
subject; a partial unique index lets only one *live* (reserved or valid) certificate exist per
subject, per award and per assessment result, so issuing the same thing twice, or at the same
moment on two machines, returns the one certificate. A certificate is first ``reserved`` (its
serial drawn, its PDF not yet rendered: nobody outside sees it) and becomes ``valid`` once its
PDF rendered. A revoked certificate keeps its serial for ever (the verification page keeps
answering 已吊销) and no longer blocks a new certificate for the same subject.

``snapshot`` freezes the plain values printed on the certificate at issue; the PDF is rendered
from it on every download and the public page shows it, whatever happens later to the award.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bureau.accounts.models import User
from bureau.db import Versioned, db, utcnow


class CertificateStatus(str, enum.Enum):
    reserved = "reserved"  # serial drawn, PDF not rendered yet: not found by the public or the API
    valid = "valid"  # issued: its PDF rendered
    revoked = "revoked"


LIVE_STATUSES = (CertificateStatus.reserved.value, CertificateStatus.valid.value)
_LIVE = text("status IN ('reserved', 'valid')")


class Certificate(Versioned, db.Model):
    __tablename__ = "certificate"
    __table_args__ = (
        Index("uq_certificate_live_subject", "subject_key", unique=True,
              sqlite_where=_LIVE, postgresql_where=_LIVE),
        Index("uq_certificate_live_award", "award_id", unique=True,
              sqlite_where=_LIVE, postgresql_where=_LIVE),
        Index("uq_certificate_live_assessment_result", "assessment_result_id", unique=True,
              sqlite_where=_LIVE, postgresql_where=_LIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)  # never reused, even after revocation
    kind: Mapped[str] = mapped_column(String(20), index=True)  # serials.KIND_CODES
    # SHA-256 of what is certified (kind, competition or assessment, person or studio, the honour):
    # no ID number in clear in this table.
    subject_key: Mapped[str] = mapped_column(String(64))
    # The award or assessment result it was issued from. Reopening a competition deletes its
    # awards; the certificate stays (SET NULL) and is linked again to the recomputed award.
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id", ondelete="SET NULL"))
    assessment_result_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_result.id", ondelete="SET NULL"))
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competition.id", ondelete="SET NULL"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"), index=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    id_number_masked: Mapped[str] = mapped_column(String(32), default="")
    snapshot: Mapped[dict] = mapped_column(JSON)
    issuer: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(10), default=CertificateStatus.reserved.value, index=True)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def valid(self) -> bool:
        return self.status == CertificateStatus.valid.value


class BatchStatus(str, enum.Enum):
    pending = "pending"  # waiting for a worker
    running = "running"
    done = "done"  # merged PDF and ZIP written
    failed = "failed"
    # Finished long ago: its merged PDF, ZIP and chunk files were deleted after
    # ``CERTIFICATE_BATCH_KEEP_DAYS`` (``jobs.clean_old_batch_files``). Its certificates stand.
    expired = "expired"


class ChunkStatus(str, enum.Enum):
    pending = "pending"
    running = "running"  # claimed by ``claimed_by`` at ``claimed_at`` (a lease, renewed while it works)
    done = "done"
    failed = "failed"  # gave up after ``MAX_ATTEMPTS``


class ChunkPhase(str, enum.Enum):
    pdf = "pdf"  # issue the chunk's certificates and lay them out as one PDF (merged into the batch PDF)
    zip = "zip"  # one PDF per certificate, for the batch ZIP


_ACTIVE = text("status IN ('pending', 'running')")


class CertificateBatch(db.Model):
    """All certificates of a competition or an assessment, made in the background in chunks.

    ``done`` counts certificates whose chunk of the merged PDF is finished (the progress bar);
    ``zip_done`` the same for the ZIP of single PDFs, which follows. Files live under
    ``CERTIFICATE_DIR`` (default ``instance/certificates/``), relative paths stored here. One
    batch at a time per competition or assessment is pending or running (partial unique indexes:
    a double click, or two staff at once, get the one batch).
    """

    __tablename__ = "certificate_batch"
    __table_args__ = (
        Index("uq_certificate_batch_active_competition", "competition_id", unique=True,
              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
        Index("uq_certificate_batch_active_assessment", "assessment_id", unique=True,
              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int | None] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))  # the competition or assessment, for pages and file names
    status: Mapped[str] = mapped_column(String(10), default=BatchStatus.pending.value, index=True)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    zip_done: Mapped[int] = mapped_column(default=0)
    chunk_size: Mapped[int]
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    zip_path: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()
    chunks: Mapped[list[CertificateBatchChunk]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", passive_deletes=True,
        order_by=lambda: [CertificateBatchChunk.phase, CertificateBatchChunk.position])

    @property
    def active(self) -> bool:
        return self.status in (BatchStatus.pending.value, BatchStatus.running.value)


class CertificateBatchChunk(db.Model):
    """A slice of a batch: the subjects at ``position`` in one phase, claimed by one worker at a time.

    ``items`` lists what to certify as plain references (``{"award_id": 7}``, a team member as
    ``{"award_id": 7, "result_id": 12}``, ``{"assessment_result_id": 3}``). Issuing is idempotent
    per subject, so a chunk re-run after a crash or a failed rendering finds the certificates it had
    already reserved or issued, serials and all.
    Not audited: the certificates it issues are.
    """

    __tablename__ = "certificate_batch_chunk"
    __audit__ = False
    __table_args__ = (Index("uq_certificate_batch_chunk", "batch_id", "phase", "position", unique=True),
                      Index("ix_certificate_batch_chunk_claim", "status", "phase", "batch_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certificate_batch.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(10))
    position: Mapped[int]
    first_index: Mapped[int]  # the 0-based place of the chunk's first certificate in the batch
    size: Mapped[int]
    items: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=ChunkStatus.pending.value)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # host:pid:random
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")

    batch: Mapped[CertificateBatch] = relationship(back_populates="chunks")
