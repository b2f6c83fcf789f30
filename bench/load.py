"""Load: gunicorn with 2 workers on PostgreSQL, against a bare Flask endpoint served the same way.

Run from the project root:  .venv/bin/python -m bench.load [--duration 10] [--connections 8]

What it does, and undoes:
1. creates a scratch database ``bench_load_<pid>`` on the PostgreSQL server of BENCH_POSTGRES_URL
   (else TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/test), migrates it and
   loads one finalized competition of 200 results with its public notice and a certificate;
2. starts gunicorn with 2 sync workers for the app (wsgi:app) and for the floor
   (bench.bare_app:app) on free loopback ports;
3. for each target, a few warm-up requests and then a bounded load from wrk (Debian's ``wrk``;
   a Lua hook reports p95) or, without wrk, a pool of Python threads sending a fixed number of
   requests: the public verification page (or, without certificates, the public notice page),
   a competition's results page logged in as its organiser, and the bare endpoint;
4. prints requests per second and p50/p95 latency for each, and the ratio to the floor;
5. stops both servers and drops the database, also after a failure or Ctrl-C.

Traffic goes to 127.0.0.1 only. Every phase is bounded in time or in count.
"""
from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PASSWORD = "Bench-passw0rd-2026"
SECRET_KEY = "bench-load-secret"
RESULTS = 200
WARM_UP_REQUESTS = 30
STARTUP_SECONDS = 60
# Flask-Login's strong session protection ties a session to the browser: every request of the
# bench, the login included, sends the same User-Agent.
USER_AGENT = "bench-load/1"

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH requests %d\\n", summary.requests))
  io.write(string.format("BENCH seconds %.3f\\n", summary.duration / 1e6))
  io.write(string.format("BENCH errors %d\\n", errors))
  io.write(string.format("BENCH p50 %.3f\\n", latency:percentile(50) / 1000))
  io.write(string.format("BENCH p95 %.3f\\n", latency:percentile(95) / 1000))
end
"""


@dataclass
class Figures:
    target: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- the database ---------------------------------------------------------------------------------


def server_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or \
        "postgresql://postgres@127.0.0.1:5432/test"


def scratch_url(name: str) -> str:
    parts = urllib.parse.urlsplit(server_url())
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(server_url(), autocommit=True, connect_timeout=5) as connection:
        connection.execute(statement)


def load_data(database_url: str) -> dict:
    """Migrate the scratch database and load what the pages show; returns the paths to load."""
    from flask_migrate import upgrade

    from bureau.app import create_app
    from bureau.db import db

    os.environ["DATABASE_URL"] = database_url
    app = create_app({"SECRET_KEY": SECRET_KEY, "TESTING": False})
    with app.app_context():
        upgrade()
        from bureau.accounts.operations import create_user
        from competition import operations as competitions
        from competition.models import Award

        organiser = create_user("bench_organiser", "organiser", PASSWORD, display_name="压测组织单位")
        create_user("bench_admin", "admin", PASSWORD, display_name="压测人社局")
        rows = []
        for n in range(1, RESULTS + 1):
            base = f"33030219900101{n:03d}"
            rows.append({"name": f"压测选手{n}", "id_number": base + _check(base), "employer": "温州某机械有限公司",
                         "local": True, "theory": 60 + n % 40, "practical": 55 + (n * 7) % 45})
        competition = competitions.create_competition(
            {"name": "2026年温州市电工职业技能竞赛（压测）", "tier": "city", "category": 1, "occupation": "电工",
             "year": 2026, "group": "worker", "policy": "wenzhou-2018",
             "prizes": [{"from_rank": 1, "to_rank": 1, "amount": 5000}, {"from_rank": 2, "to_rank": 3, "amount": 3000}]},
            organiser)
        competitions.replace_results(competition, rows)
        competitions.finalize(competition)
        import datetime as dt

        notice = competitions.publish_notice(competition, starts_on=dt.date.today(), working_days=5)
        db.session.commit()
        paths = {"results": f"/competitions/{competition.id}", "notice": f"/notices/{notice.id}",
                 "competition_name": competition.name}
        try:
            from bureau.certificates import operations as certificates
        except ImportError:
            certificates = None
        if certificates is not None:
            award = db.session.scalar(db.select(Award).where(Award.competition_id == competition.id,
                                                             Award.kind == "title").limit(1))
            certificate, _created = certificates.issue_for_award(award.id)
            db.session.commit()
            paths["verify"] = f"/verify/{certificate.serial}"
        db.session.remove()
        db.engine.dispose()
    return paths


def _check(body17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights)) % 11]


# --- the servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(module: str, port: int, environment: dict) -> subprocess.Popen:
    command = [str(VENV_BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", "--timeout", "60", module]
    return subprocess.Popen(command, cwd=PROJECT, env=environment, start_new_session=True)


def wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn on port {port} did not start within {STARTUP_SECONDS} s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # the arbiter and its two workers, started by us
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# --- a session for the logged-in page -------------------------------------------------------------


def login_cookie(port: int, username: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(f"http://127.0.0.1:{port}/login", data=form, timeout=10).read()
    cookie = next((c for c in jar if c.name == "bureau_session"), None)
    if cookie is None:
        raise RuntimeError("login failed: no session cookie")
    return f"bureau_session={cookie.value}"


def fetch(port: int, path: str, cookie: str | None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


# --- load -------------------------------------------------------------------------------------------


def with_wrk(wrk: str, port: int, path: str, cookie: str | None, duration: int, connections: int,
             script: str) -> Figures:
    command = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script,
               "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    values = dict(line.split()[1:3] for line in done.stdout.splitlines() if line.startswith("BENCH "))
    if done.returncode != 0 or "requests" not in values:
        raise RuntimeError(f"wrk failed: {done.stdout}\n{done.stderr}")
    return Figures(path, int(values["requests"]), float(values["seconds"]), int(values["errors"]),
                   float(values["p50"]), float(values["p95"]))


def with_threads(port: int, path: str, cookie: str | None, count: int, connections: int) -> Figures:
    """Without wrk: ``count`` requests from ``connections`` threads, one connection per request
    (gunicorn's sync workers close each connection anyway)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def one(_):
        nonlocal errors
        started = time.perf_counter()
        try:
            status, _body = fetch(port, path, cookie)
        except OSError:
            status = 0
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed)
            errors += not 200 <= status < 400

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=connections) as pool:
        list(pool.map(one, range(count)))
    seconds = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return Figures(path, count, seconds, errors, statistics.median(latencies), cuts[94])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per target with wrk (default 10)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per target without wrk (default 2000)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    arguments = parser.parse_args()
    if not 1 <= arguments.duration <= 120 or not 1 <= arguments.connections <= 64 or not 1 <= arguments.requests <= 50_000:
        parser.error("keep it bounded: --duration 1..120, --connections 1..64, --requests 1..50000")

    name = f"bench_load_{os.getpid()}"
    database_url = scratch_url(name)
    app_server = bare_server = None
    admin_sql(f'CREATE DATABASE "{name}"')
    try:
        print(f"==> scratch database {name}: migrating and loading {RESULTS} results", flush=True)
        paths = load_data(database_url)
        environment = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
                       "PUBLIC_BASE_URL": "http://127.0.0.1"}
        app_port, bare_port = free_port(), free_port()
        app_server = start_gunicorn("wsgi:app", app_port, environment)
        bare_server = start_gunicorn("bench.bare_app:app", bare_port, environment)
        wait_until_up(app_port, app_server)
        wait_until_up(bare_port, bare_server)
        cookie = login_cookie(app_port, "bench_organiser")

        public_path = paths.get("verify") or paths["notice"]
        targets = [
            ("public verification page" if "verify" in paths else "public notice page (no certificates)",
             app_port, public_path, None),
            ("competition results page, logged in", app_port, paths["results"], cookie),
            ("bare Flask endpoint (floor)", bare_port, "/", None),
        ]
        for label, port, path, cookie_header in targets:
            status, body = fetch(port, path, cookie_header)
            if status != 200 or (path == paths["results"] and paths["competition_name"] not in body):
                raise RuntimeError(f"{label}: {path} answered {status} before the load")
            for _ in range(WARM_UP_REQUESTS):
                fetch(port, path, cookie_header)

        wrk = shutil.which("wrk")
        tool = f"wrk, 2 threads, {arguments.connections} connections, {arguments.duration} s per target" if wrk \
            else f"Python threads ({arguments.connections}), {arguments.requests} requests per target (wrk not installed)"
        print(f"==> load with {tool}; gunicorn 2 sync workers each; {os.cpu_count()} CPUs", flush=True)
        figures = []
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        try:
            for label, port, path, cookie_header in targets:
                if wrk:
                    result = with_wrk(wrk, port, path, cookie_header, arguments.duration, arguments.connections,
                                      script.name)
                else:
                    result = with_threads(port, path, cookie_header, arguments.requests, arguments.connections)
                result.target = label
                figures.append(result)
                print(f"    {label}: {result.rps:,.0f} req/s, p95 {result.p95_ms:.1f} ms", flush=True)
        finally:
            os.unlink(script.name)

        floor = figures[-1]
        print()
        print(f"{'target':40} {'requests':>9} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'req/s ÷ floor':>14} {'p95 × floor':>12}")
        for result in figures:
            print(f"{result.target:40} {result.requests:>9,} {result.errors:>6} {result.rps:>8,.0f} "
                  f"{result.p50_ms:>8.1f} {result.p95_ms:>8.1f} {result.rps / floor.rps:>14.2f} "
                  f"{result.p95_ms / floor.p95_ms:>12.1f}")
        if any(result.errors for result in figures):
            print("\nerrors (non-2xx/3xx, connection or timeouts) during the load", file=sys.stderr)
            return 1
        return 0
    finally:
        stop(app_server)
        stop(bare_server)
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"==> servers stopped, {name} dropped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
