"""Shared fixtures: ``app``, ``client``, ``runner``, users of each role, and the database.

The database is chosen by ``TEST_DATABASE_URL`` (default: a SQLite file). The schema is always
created by the Alembic migrations, never by ``create_all``, so the tests exercise what deploys.
SQLite: each test gets a copy of a freshly migrated file. PostgreSQL: each test starts from
truncated tables.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key")

from hypothesis import settings as hypothesis_settings  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bureau.app import create_app  # noqa: E402
from bureau.db import db  # noqa: E402

# CI is never a lottery: every property test and fuzzer draws the same examples on every run
# (a seed fixed per test). FUZZ_EXPLORE=1 (scripts/fuzz.sh) draws fresh ones and keeps what fails
# in .hypothesis/; each failure found that way becomes a fixed example in the repository.
hypothesis_settings.register_profile("fixed", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, print_blob=True)
FUZZ_EXPLORE = os.environ.get("FUZZ_EXPLORE") == "1"
hypothesis_settings.load_profile("explore" if FUZZ_EXPLORE else "fixed")

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
PASSWORD = "Test-passw0rd-42"

ROLE_USERS = {
    "admin": "admin",
    "organiser": "organiser",
    "organiser_b": "organiser",
    "lead": "studio_lead",
    "lead_b": "studio_lead",
}


@pytest.hookimpl(tryfirst=True)  # before -m selects: the marker must exist by then
def pytest_collection_modifyitems(config, items):
    # Tests that touch the database carry the marker, so the PostgreSQL pass runs only those.
    for item in items:
        if "app" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)


def pytest_configure(config):
    config.addinivalue_line("markers", "database: uses the application database")


def _config(database_uri: str) -> dict:
    return {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "test-secret-key",
            "PUBLIC_BASE_URL": "http://localhost"}


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """A database with the schema made by ``flask db upgrade``; for SQLite, a template file."""
    if ON_POSTGRES:
        # A schema of this run's own, so that two test runs on one server do not collide.
        schema = f"test_{os.getpid()}"
        base_url = TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
        separator = "&" if "?" in base_url else "?"
        url = f"{base_url}{separator}options=-csearch_path%3D{schema}"
        app = create_app(_config(url))
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            upgrade()
            db.engine.dispose()
        yield url
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            db.engine.dispose()
        return
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    app = create_app(_config(f"sqlite:///{template}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield template


@pytest.fixture
def app(migrated_database, tmp_path):
    if ON_POSTGRES:
        application = create_app(_config(migrated_database))
    else:
        database_file = tmp_path / "test.sqlite3"
        shutil.copy(migrated_database, database_file)
        application = create_app(_config(f"sqlite:///{database_file}"))
    with application.app_context():
        yield application
        db.session.remove()
        if ON_POSTGRES:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """One user of each role (two organisers and two leads, for ownership tests), keyed by name."""
    from bureau.accounts.operations import create_user

    made = {name: create_user(name, role, PASSWORD, display_name=f"测试{name}") for name, role in ROLE_USERS.items()}
    db.session.commit()
    return made


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


FORM_TOKEN_PATTERN = re.compile(r'name="form_token"[^>]*value="([^"]+)"')


def form_fields_from(client, path: str) -> dict:
    """The hidden fields a browser sends with the form on ``path``: the CSRF token and, where the
    form creates a record, its one-time token (``bureau.forms.OneTimeForm``)."""
    page = client.get(path).get_data(as_text=True)
    csrf = CSRF_PATTERN.search(page)
    assert csrf, f"no CSRF token on {path}"
    fields = {"csrf_token": csrf.group(1)}
    if form_token := FORM_TOKEN_PATTERN.search(page):
        fields["form_token"] = form_token.group(1)
    return fields


def login(client, username: str, password: str = PASSWORD):
    token = csrf_token_from(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(client, users):
    def do_login(name: str):
        response = login(client, name)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


@pytest.fixture
def api_token(app, users):
    """``api_token(name)`` → an Authorization header for that user."""
    from bureau.accounts.operations import issue_token

    def make(name: str) -> dict:
        token = issue_token(users[name])
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
