from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bureau.db import Versioned, db, utcnow


class Role(str, enum.Enum):
    admin = "admin"  # 人社局工作人员 (bureau staff)
    organiser = "organiser"  # 竞赛组织单位
    studio_lead = "studio_lead"  # 工作室领办人 / 基地负责人


class User(Versioned, UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200))  # for reminders, when SMTP is configured
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Bumped on logout and password change: every older session cookie stops working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    AUDIT_REDACT = ("password_hash",)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the epoch makes old cookies invalid after logout
        return f"{self.id}:{self.session_epoch}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class ApiToken(db.Model):
    """An API token; only its SHA-256 is kept, so a leaked database does not leak tokens.

    It works until ``expires_at`` (API_TOKEN_DAYS after issue) unless revoked first, which a
    password change or a deactivation does to every token of the user.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists so a user can tell tokens apart
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    # Written at most once a minute, outside the request's transaction and the audit log (see access).
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    AUDIT_REDACT = ("token_hash",)


class LoginFailure(db.Model):
    """One failed login: the name as typed, lower-cased, and the address. Counted over a sliding
    window per name and address, per name, and per address for names with no account.

    Kept in the database (not in process memory) so the limits hold across gunicorn workers.
    """

    __tablename__ = "login_failure"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
