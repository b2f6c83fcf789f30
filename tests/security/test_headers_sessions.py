"""Security headers on every page, and sessions: idle timeout, logout, login throttling.

Already tested in tests/platform and not repeated here: the headers of the login page
(test_access.test_security_headers_on_pages); an idle session ending on /home
(test_accounts.test_idle_session_ends); a copied cookie dead after logout
(test_accounts.test_logout_invalidates_a_copied_session_cookie); the fifth failure throttling an
account from one address, other accounts and addresses unaffected, four failures allowed
(test_accounts.test_fifth_failure_..., test_fewer_failures_...); HttpOnly, SameSite and Secure cookies (test_accounts). This module
walks every route for the headers and extends the session checks to what those leave open.
"""
from __future__ import annotations

import re
import time
from datetime import timedelta

from itsdangerous import TimestampSigner
from sqlalchemy import func, select, update

from bureau.accounts.models import LoginFailure, User
from bureau.db import db, utcnow
from tests.conftest import PASSWORD, csrf_token_from, login
from tests.security.access_expectations import EXPECTATIONS, OK, PUBLIC
from tests.security.test_access_matrix import route_methods, url_for_rule
from tests.security.world import ACTORS, bearer_headers, build_world, logged_in_clients

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


def header_problems(response) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    if directives.get("script-src") != ["'self'"]:
        problems.append(f"script-src is {directives.get('script-src')}")
    if "'unsafe-inline'" in csp or "'unsafe-eval'" in csp:
        problems.append("CSP allows unsafe-inline or unsafe-eval")
    for directive, wanted in (("frame-ancestors", ["'none'"]), ("object-src", ["'none'"]),
                              ("default-src", ["'self'"]), ("style-src", ["'self'"])):
        if directives.get(directive) != wanted:
            problems.append(f"{directive} is {directives.get(directive)}")
    expected = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}
    for name, value in expected.items():
        if response.headers.get(name) != value:
            problems.append(f"{name} is {response.headers.get(name)!r}")
    return problems


def page_problems(html: str) -> list[str]:
    """What the CSP would silently block (so the page would break), and anything from elsewhere."""
    problems = []
    for name, pattern in (("inline script", INLINE_SCRIPT), ("event handler attribute", EVENT_HANDLER),
                          ("style attribute", STYLE_ATTRIBUTE), ("style element", STYLE_ELEMENT),
                          ("javascript: URL", JAVASCRIPT_URL), ("asset or link from another site", EXTERNAL)):
        if match := pattern.search(html):
            problems.append(f"{name}: {html[max(0, match.start() - 40):match.end() + 40]!r}")
    return problems


def test_every_response_carries_the_security_headers(app, users):
    """Every route as every actor: pages, redirects, refusals, downloads and JSON alike."""
    world = build_world(app, users)
    clients = logged_in_clients(app)
    bearer = bearer_headers(users)
    problems, pages, responses = [], 0, 0
    for rule, method in route_methods(app):
        if method != "GET":
            continue
        url = url_for_rule(rule, world)
        api = rule.rule.startswith("/api/")
        for actor in ACTORS:
            response = clients[actor].get(url, headers=bearer[actor] if api else {})
            responses += 1
            label = f"GET {url} as {actor} ({response.status_code})"
            problems += [f"{label}: {problem}" for problem in header_problems(response)]
            private = actor != "anonymous" and EXPECTATIONS[rule.endpoint] is not PUBLIC
            if private and "no-store" not in response.headers.get("Cache-Control", ""):
                problems.append(f"{label}: no Cache-Control: no-store on a signed-in answer")
            if response.mimetype == "text/html":
                pages += 1
                problems += [f"{label}: {problem}" for problem in page_problems(response.get_data(as_text=True))]
            elif response.status_code == 200 and not api and response.mimetype != "text/css" \
                    and response.mimetype != "text/javascript" and EXPECTATIONS[rule.endpoint][actor] == OK:
                if rule.endpoint != "static" and "attachment" not in response.headers.get("Content-Disposition", "") \
                        and rule.endpoint not in INLINE_DOWNLOADS:
                    problems.append(f"{label}: a {response.mimetype} download not sent as an attachment")
            response.close()
    # Error pages the walk does not produce: 405, 413, a failed CSRF check.
    staff = clients["staff"]
    for response in (staff.put("/home"), staff.post("/admin/users", data={"csrf_token": "forged"}),
                     staff.post("/admin/users", data={"x": "y" * (app.config["MAX_CONTENT_LENGTH"] + 1)})):
        problems += [f"{response.status_code}: {problem}" for problem in header_problems(response)]
        assert response.status_code in (400, 405, 413)
    print(f"security headers: {responses} responses, {pages} HTML pages checked")
    assert pages > 100
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])


# Shown in the browser on purpose: SVG charts and status JSON served to the app's own pages.
INLINE_DOWNLOADS = {"certificates.batch_status", "dashboard.summary_pdf"}


# --- idle timeout -------------------------------------------------------------------------------------


def go_idle(app, client, seconds=None):
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - (seconds or app.config["SESSION_IDLE_SECONDS"]) - 1


def test_an_idle_session_cannot_post_and_is_over_on_public_pages_too(app, users):
    client = app.test_client()
    login(client, "admin")
    token = csrf_token_from(client, "/admin/users")
    go_idle(app, client)
    response = client.post("/admin/users", data={"username": "after_idle", "role": "admin", "display_name": "x",
                                                  "password": "Jiangnan-spring-88", "csrf_token": token})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).where(User.username == "after_idle")) == 0
    # Logged out for good: the next signed-in page asks for the login again, not only the first.
    assert client.get("/home").status_code == 302

    other = app.test_client()
    login(other, "organiser")
    go_idle(app, other)
    public = other.get("/notices")
    assert public.status_code == 200 and "退出" not in public.get_data(as_text=True)  # shown as a visitor
    assert other.get("/home").status_code == 302


def test_activity_keeps_a_session_alive_and_the_api_has_no_idle_timeout(app, users, api_token):
    client = app.test_client()
    login(client, "lead")
    idle = app.config["SESSION_IDLE_SECONDS"]
    for _ in range(3):  # three times most of the idle limit, with a request in between each
        go_idle(app, client, seconds=idle - 120)
        assert client.get("/home").status_code == 200
    headers = api_token("lead")
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_the_idle_clock_starts_at_login(app, users, monkeypatch):
    """The cookie of the login answer itself (before any other request) also goes idle."""
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    idle = app.config["SESSION_IDLE_SECONDS"]
    later = time.time() + idle + 60
    monkeypatch.setattr("bureau.access.time.time", lambda: later)
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_cookie_older_than_a_working_day_is_refused(app, users, monkeypatch):
    """The cookie's signed timestamp is checked against PERMANENT_SESSION_LIFETIME (8 hours)."""
    client = app.test_client()
    login(client, "admin")
    assert client.get("/home").status_code == 200
    later = int(time.time()) + int(app.permanent_session_lifetime.total_seconds()) + 60
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_busy_session_still_ends_a_working_day_after_login(app, users, monkeypatch):
    """Every answer renews the cookie, so activity alone could keep a stolen session for ever; the
    time since login is capped (SESSION_ABSOLUTE_SECONDS) whatever the activity."""
    client = app.test_client()
    login(client, "admin")
    absolute, idle = app.config["SESSION_ABSOLUTE_SECONDS"], app.config["SESSION_IDLE_SECONDS"]
    start = time.time()
    for step in range(1, absolute // (idle - 60) + 1):  # a request every 29 minutes, never idle
        moment = start + step * (idle - 60)
        monkeypatch.setattr("bureau.access.time.time", lambda moment=moment: moment)
        if moment - start <= absolute:
            assert client.get("/home").status_code == 200, f"ended early, after {moment - start:.0f} s"
    monkeypatch.setattr("bureau.access.time.time", lambda: start + absolute + 60)
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "登录已超过8小时，请重新登录。" in page
    assert client.get("/home").status_code == 302  # over for good, not only for one request


# --- logout and other ways a session ends -------------------------------------------------------------


def test_logout_ends_the_users_other_sessions_and_its_csrf_token(app, users):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "organiser")
    login(phone, "organiser")
    old_token = csrf_token_from(laptop, "/competitions/new")
    stolen = laptop.get_cookie("bureau_session").value
    assert laptop.post("/logout", data={"csrf_token": old_token}).status_code == 302
    assert phone.get("/home").status_code == 302  # every session of the account ends
    thief = app.test_client()
    thief.set_cookie("bureau_session", stolen)
    response = thief.post("/competitions/new", data={"name": "登出后", "tier": "city", "year": "2026",
                                                     "policy": "wenzhou-2018", "csrf_token": old_token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert laptop.get("/logout").status_code == 405  # only a form post logs out (no logout by <img>)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, users):
    here, elsewhere = app.test_client(), app.test_client()
    login(here, "lead")
    login(elsewhere, "lead")
    token = csrf_token_from(here, "/account/password")
    response = here.post("/account/password", data={"current_password": PASSWORD,
                                                    "new_password": "Another-good-one-7", "csrf_token": token})
    assert response.status_code == 302
    assert here.get("/home").status_code == 200
    assert elsewhere.get("/home").status_code == 302


def test_a_deactivated_account_loses_its_session_and_its_tokens(app, users, api_token):
    client = app.test_client()
    login(client, "organiser")
    headers = api_token("organiser")
    db.session.execute(update(User).where(User.username == "organiser").values(active=False))
    db.session.commit()
    assert client.get("/home").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert login(app.test_client(), "organiser").status_code == 200  # the login form again, not a session


# --- login throttling ---------------------------------------------------------------------------------
# Failures count per account and address: a guesser is stopped, the account's owner elsewhere is not.


def failed_login(app, username: str, address: str):
    client = app.test_client()
    token = csrf_token_from(client, "/login")
    return client.post("/login", data={"username": username, "password": "Wrong-password-1", "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def login_from(app, username: str, address: str, password: str = PASSWORD):
    client = app.test_client()
    token = csrf_token_from(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def throttled(response) -> bool:
    return (response.status_code == 429 and int(response.headers["Retry-After"]) > 0
            and "登录尝试过于频繁" in response.get_data(as_text=True))


def test_throttling_follows_the_account_across_spellings_but_not_to_a_clean_address(app, users):
    limit = app.config["LOGIN_FAILURE_LIMIT"]
    for n in range(limit):  # a guesser varying the name's case
        failed_login(app, "Organiser" if n % 2 else "ORGANISER", "10.0.0.1")
    assert throttled(login_from(app, "organiser", "10.0.0.1"))
    assert login_from(app, "organiser", "10.9.9.9").status_code == 302  # the owner, elsewhere


def test_five_failures_cannot_lock_the_administrator_out(app, users):
    limit = app.config["LOGIN_FAILURE_LIMIT"]
    for _ in range(limit * 3):
        failed_login(app, "admin", "10.0.0.66")
    assert login_from(app, "admin", "10.0.0.67").status_code == 302


def test_an_account_guessed_at_from_many_addresses_admits_only_clean_addresses(app, users):
    """Rotating addresses buys a guesser one try per new address, while the owner still gets in."""
    limit = app.config["LOGIN_ACCOUNT_FAILURE_LIMIT"]
    for n in range(limit):
        failed_login(app, "lead", f"10.0.5.{n + 1}")
    assert throttled(login_from(app, "lead", "10.0.5.1"))  # an address that failed for this account
    assert throttled(failed_login(app, "lead", "10.0.6.1"))  # a new address: one try, then throttled
    assert throttled(login_from(app, "lead", "10.0.6.1"))
    assert login_from(app, "lead", "10.0.7.1").status_code == 302


def test_throttling_says_the_same_for_an_unknown_name(app, users):
    """Whether an account exists must not show through the throttle."""
    limit = app.config["LOGIN_FAILURE_LIMIT"]
    answers = {"nobody-here": [], "admin": []}
    for _ in range(limit + 1):
        for name in answers:
            response = failed_login(app, name, "10.0.1.1")
            answers[name].append((response.status_code, response.headers.get("Retry-After") is not None))
    assert answers["nobody-here"] == answers["admin"]
    assert answers["admin"][-1] == (429, True)


def test_throttling_lifts_after_the_window_and_a_good_login_clears_the_count(app, users):
    limit, window = app.config["LOGIN_FAILURE_LIMIT"], app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    for _ in range(limit):
        failed_login(app, "lead", "10.0.2.1")
    assert throttled(login_from(app, "lead", "10.0.2.1"))
    db.session.execute(update(LoginFailure).values(at=utcnow() - timedelta(seconds=window + 1)))
    db.session.commit()
    assert login_from(app, "lead", "10.0.2.1").status_code == 302
    for _ in range(limit - 1):  # the good login wiped the old failures: four more do not throttle
        failed_login(app, "lead", "10.0.2.1")
    assert login_from(app, "lead", "10.0.2.1").status_code == 302


def test_one_address_guessing_names_is_stopped_without_locking_its_real_users(app, users):
    """Made-up names from one address (an office behind NAT, or a proxy without TRUST_PROXY) throttle
    that address for unknown names only; its real users' right passwords still get in."""
    limit = app.config["LOGIN_UNKNOWN_NAME_LIMIT"]
    for n in range(limit):
        failed_login(app, f"guess{n}", "10.0.3.1")
    assert throttled(failed_login(app, "guess-more", "10.0.3.1"))
    assert login_from(app, "lead_b", "10.0.3.1").status_code == 302
    assert login_from(app, "admin", "10.0.3.1").status_code == 302
    # A real name's wrong password there is answered like an unknown name's: no oracle of names.
    assert throttled(failed_login(app, "organiser", "10.0.3.1"))
    assert failed_login(app, "guess-more", "10.0.3.2").status_code == 200  # another address is not affected
