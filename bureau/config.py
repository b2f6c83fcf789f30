"""Configuration read from the environment, with safe defaults for the embedded (SQLite) set-up."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder.

    A key regenerated at every start would log everybody out on each restart.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def from_environment(instance_path: Path) -> dict:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'bureau.sqlite3'}"
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we install; SQLAlchemy's bare postgresql:// means psycopg2.
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "SECRET_KEY": _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BUREAU_NAME": os.environ.get("BUREAU_NAME", "温州市人力资源和社会保障局"),
        # The bureau's own policy document, preselected when a competition is registered.
        "DEFAULT_POLICY": os.environ.get("DEFAULT_POLICY", "wenzhou-2018"),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Behind a reverse proxy that terminates HTTPS, trust one X-Forwarded-* hop.
        "TRUST_PROXY": _bool("TRUST_PROXY", False),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)),
        "SMTP_HOST": os.environ.get("SMTP_HOST"),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 25)),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "noreply@localhost"),
        "BACKUP_DIR": os.environ.get("BACKUP_DIR", str(instance_path / "backups")),
        # Days a finished certificate batch keeps its merged PDF and ZIP; the certificates stay.
        "CERTIFICATE_BATCH_KEEP_DAYS": int(os.environ.get("CERTIFICATE_BATCH_KEEP_DAYS", 30)),
        "CERTIFICATE_CHUNK_SIZE": int(os.environ.get("CERTIFICATE_CHUNK_SIZE", 100)),
        "CERTIFICATE_LEASE_SECONDS": int(os.environ.get("CERTIFICATE_LEASE_SECONDS", 120)),
        # Hours an upload waits for confirmation after its preview; it holds every row's whole ID number.
        "STAGED_UPLOAD_KEEP_HOURS": int(os.environ.get("STAGED_UPLOAD_KEEP_HOURS", 24)),
        # Days an API token works after it is issued (a password change or deactivation ends it sooner).
        "API_TOKEN_DAYS": int(os.environ.get("API_TOKEN_DAYS", 90)),
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "bureau_session",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,  # a working day; idle sessions end sooner (below)
    "SESSION_IDLE_SECONDS": 30 * 60,
    "SESSION_ABSOLUTE_SECONDS": 8 * 3600,  # from login, however active: a stolen session cannot be kept alive
    "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: a long form must not expire mid-entry
    "BABEL_DEFAULT_LOCALE": "zh",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": ["zh", "en"],
    # Failed logins within the window: this many for one name from one address answer 429 there;
    # past the account limit (from any addresses), only addresses with no failure for the name may
    # try; past the unknown-name limit, one address is refused all but right passwords.
    "LOGIN_FAILURE_LIMIT": 5,
    "LOGIN_ACCOUNT_FAILURE_LIMIT": 20,
    "LOGIN_UNKNOWN_NAME_LIMIT": 20,
    "LOGIN_FAILURE_WINDOW_SECONDS": 15 * 60,
    "PAGE_SIZE": 50,
}
