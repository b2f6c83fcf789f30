"""The application as the README deploys it: real processes on a database made by the migrations.

``deployment`` runs ``flask --app wsgi db upgrade`` on a fresh database (a SQLite file, or a schema
of its own on PostgreSQL when ``TEST_DATABASE_URL`` names one), creates users with the command
line, and starts gunicorn (2 workers), ``flask scheduler run`` and, on request,
``flask certificates work`` as processes of their own. Tests talk to them over HTTP only, so
they see what a browser and another system see: real headers, real worker processes, jobs run by
the scheduler alone. The test client checks none of that.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit
from pathlib import Path

import pytest
import requests

from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL

PROJECT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
FLASK = [str(VENV_BIN / "flask"), "--app", "wsgi"]
STARTUP_SECONDS = 60
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DEPLOYED_TESTS = Path(__file__).resolve().parent
# Strong enough for any password rule the accounts module has: long, random, mixed.
PASSWORD = "Dq7#" + secrets.token_urlsafe(12) + "!x"
USERS = {"admin": "admin", "organiser": "organiser", "lead": "studio_lead"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # These tests use the database through their own processes, so the PostgreSQL pass runs them too.
    for item in items:
        if DEPLOYED_TESTS in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.database)
            item.add_marker(pytest.mark.deployed)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Deployment:
    instance: Path
    environment: dict
    base_url: str = ""
    processes: dict = field(default_factory=dict)
    logs: dict = field(default_factory=dict)

    def cli(self, *arguments: str) -> str:
        """Run one ``flask --app wsgi`` command to its end; its standard output."""
        finished = subprocess.run([*FLASK, *arguments], cwd=PROJECT, env=self.environment, capture_output=True,
                                  text=True, timeout=300)
        assert finished.returncode == 0, f"flask {' '.join(arguments)}:\n{finished.stdout}\n{finished.stderr}"
        return finished.stdout

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = self.instance / f"{name}.log"
        self.logs[name] = log
        with log.open("ab") as output:
            process = subprocess.Popen(command, cwd=PROJECT, env=self.environment, stdout=output,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def start_web(self) -> None:
        port = free_port()
        process = self.start("gunicorn", [str(VENV_BIN / "gunicorn"), "--workers", "2", "--bind",
                                          f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"])
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{self.log_text('gunicorn')}")
            try:
                requests.get(f"{self.base_url}/login", timeout=10)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{self.log_text('gunicorn')}")

    def start_scheduler(self) -> None:
        self.start("scheduler", [*FLASK, "scheduler", "run"])

    def start_worker(self) -> None:
        self.start("worker", [*FLASK, "certificates", "work"])

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log_text(self, name: str) -> str:
        log = self.logs.get(name)
        return log.read_text(errors="replace")[-6000:] if log and log.exists() else ""

    def all_logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.log_text(name)}" for name in self.logs)

    def url(self, path: str) -> str:
        return self.base_url + path

    def token(self, username: str) -> dict:
        """A bearer header for ``username``, made by ``flask users token`` (the token is its last line)."""
        token = self.cli("users", "token", username).strip().splitlines()[-1].strip()
        return {"Authorization": f"Bearer {token}"}

    def browser_session(self, username: str) -> requests.Session:
        """A logged-in cookie session, as a browser gets it from the login form."""
        session = requests.Session()
        token = csrf_token(session.get(self.url("/login"), timeout=10).text)
        answer = session.post(self.url("/login"), data={"username": username, "password": PASSWORD,
                                                          "csrf_token": token}, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, (answer.status_code, answer.text[:500])
        return session


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


class _HiddenFields(HTMLParser):
    def __init__(self, action: str, page_path: str):
        super().__init__()
        self.action, self.page_path, self.inside, self.fields = action, page_path, False, {}

    def handle_starttag(self, tag, attributes):
        attributes = dict(attributes)
        if tag == "form":
            self.inside = (attributes.get("action") or self.page_path) == self.action
        elif tag == "input" and self.inside and attributes.get("type") == "hidden" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def hidden_fields(page: requests.Response, action: str | None = None) -> dict:
    """The hidden inputs (CSRF token, one-time token, version) of the page's form that posts to
    ``action`` (default: the form posting back to the page itself), as a browser sends them back."""
    page_path = urlsplit(page.url).path
    parser = _HiddenFields(action or page_path, page_path)
    parser.feed(page.text)
    assert parser.fields, f"no form posting to {action or page_path} on {page_path}"
    return parser.fields


def _database_url(instance: Path) -> tuple[str, str | None]:
    if not ON_POSTGRES:
        return f"sqlite:///{instance / 'bureau.sqlite3'}", None
    schema = f"deployed_{os.getpid()}"
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}", schema


def _postgres(statement: str) -> None:
    import psycopg

    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A fresh install: migrated database, users made by the CLI, gunicorn and the scheduler running.

    The certificate worker is not started: a test that wants it calls ``start_worker()``.
    """
    instance = tmp_path_factory.mktemp("deployed")
    database_url, schema = _database_url(instance)
    if schema:
        _postgres(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        _postgres(f"CREATE SCHEMA {schema}")
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "TEST_"))}
    environment.update({
        "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32),
        "BACKUP_DIR": str(instance / "backups"), "CERTIFICATE_DIR": str(instance / "certificates"),
        "PUBLIC_BASE_URL": "http://127.0.0.1", "PYTHONUNBUFFERED": "1", "TZ": "UTC",
    })
    deployment = Deployment(instance, environment)
    deployment.cli("db", "upgrade")
    for username, role in USERS.items():
        deployment.cli("users", "create", username, "--role", role, "--password", PASSWORD, "--name", f"部署{username}")
    try:
        deployment.start_web()
        deployment.start_scheduler()
        yield deployment
    finally:
        for name in list(deployment.processes):
            deployment.stop(name)
        if schema:
            _postgres(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def logs_on_failure(deployment, request):
    """Print the processes' logs when the test using this fixture fails."""
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(deployment.all_logs())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


def wait_for(condition, timeout: float, what: str, every: float = 0.5):
    """Poll ``condition`` until it returns something true; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(every)
