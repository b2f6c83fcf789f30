"""Login, logout, the failed-login limit, password rules and the session cookie."""
import pytest

from bureau.accounts.operations import create_user
from bureau.accounts.passwords import password_problem
from bureau.errors import Invalid
from tests.conftest import CSRF_PATTERN, PASSWORD, csrf_token_from, login


def test_login_lands_on_home_in_chinese(client, users):
    response = login(client, "organiser")
    assert response.status_code == 302
    page = client.get("/home").get_data(as_text=True)
    assert "您好，测试organiser" in page
    assert "竞赛组织单位" in page


def test_wrong_password_is_refused_with_a_message(client, users):
    response = login(client, "organiser", "Wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still logged out


def test_fifth_failure_throttles_the_account_from_that_address_with_429(client, users, app):
    limit, window = app.config["LOGIN_FAILURE_LIMIT"], app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    for _ in range(limit):
        login(client, "organiser", "Wrong-password-1")
    response = login(client, "organiser", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= window
    assert "登录尝试过于频繁" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # not logged in
    # Another account is not affected, nor this account from an address with no failures for it.
    assert login(client, "admin").status_code == 302
    elsewhere = client.application.test_client()
    token = csrf_token_from(elsewhere, "/login")
    response = elsewhere.post("/login", data={"username": "organiser", "password": PASSWORD, "csrf_token": token},
                              environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert response.status_code == 302


def test_fewer_failures_than_the_limit_still_allow_login(client, users, app):
    for _ in range(app.config["LOGIN_FAILURE_LIMIT"] - 1):
        login(client, "organiser", "Wrong-password-1")
    assert login(client, "organiser").status_code == 302


def test_a_throttled_login_does_not_sleep_in_the_worker(client, users, app, monkeypatch):
    import time

    slept = []
    monkeypatch.setattr(time, "sleep", lambda seconds: slept.append(seconds))
    for _ in range(app.config["LOGIN_FAILURE_LIMIT"] + 2):
        login(client, "organiser", "Wrong-password-1")
    assert slept == []


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash check, as (method and parameters of the hash, password)."""
    from bureau.accounts import passwords

    calls = []
    real = passwords.check_password_hash

    def spy(pwhash, password):
        calls.append((pwhash.split("$")[0], password))
        return real(pwhash, password)

    monkeypatch.setattr(passwords, "check_password_hash", spy)
    return calls


def test_an_unknown_name_costs_one_hash_check_like_a_known_one(client, users, hash_checks):
    """Timing must not tell which names exist: every name gets exactly one check of the same hash kind."""
    from bureau.accounts.models import User
    from bureau.db import db

    users["lead_b"].active = False
    db.session.commit()
    method = users["admin"].password_hash.split("$")[0]
    for name in ("admin", "no-such-person", "lead_b"):
        hash_checks.clear()
        response = login(client, name, "Wrong-password-1")
        assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)
        assert hash_checks == [(method, "Wrong-password-1")], name
    hash_checks.clear()
    login(client, "lead_b", PASSWORD)  # a deactivated account with its right password: one check, refused
    assert len(hash_checks) == 1 and client.get("/home").status_code == 302
    assert db.session.get(User, users["lead_b"].id).active is False


def login_audit(action: str):
    from sqlalchemy import select

    from bureau.audit.models import AuditEntry
    from bureau.db import db

    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_logins_failures_throttling_and_logouts_are_audited_with_the_address(app, users):
    import json

    limit = app.config["LOGIN_FAILURE_LIMIT"]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    token = csrf_token_from(client, "/login")
    client.post("/login", data={"username": "Lead", "password": PASSWORD, "csrf_token": token})
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/home")})
    for _ in range(limit + 2):  # the last two are throttled before any password check
        token = csrf_token_from(client, "/login")
        client.post("/login", data={"username": "Organiser", "password": "Wrong-password-1", "csrf_token": token})

    (entry,) = login_audit("login")
    assert (entry.actor_id, entry.actor_name, entry.remote_addr) == (users["lead"].id, "lead", "198.51.100.7")
    assert (entry.object_type, entry.object_id) == ("user_account", str(users["lead"].id))
    (entry,) = login_audit("logout")
    assert (entry.actor_name, entry.object_id, entry.remote_addr) == ("lead", str(users["lead"].id), "198.51.100.7")
    failures = login_audit("login_failed")
    assert len(failures) == limit
    assert all(f.after["username"] == "Organiser" and f.remote_addr == "198.51.100.7" for f in failures)
    assert all(f.object_id == str(users["organiser"].id) for f in failures)
    (throttled,) = login_audit("login_throttled")  # once, when the limit is reached
    assert throttled.after["username"] == "Organiser" and throttled.remote_addr == "198.51.100.7"
    everything = json.dumps([[e.summary, e.before, e.after] for e in failures + [throttled]], ensure_ascii=False)
    assert "Wrong-password-1" not in everything and PASSWORD not in everything


@pytest.mark.parametrize("password, expected", [
    ("short1!", "至少需要8个字符"),
    ("password", "过于常见"),
    ("12345678", "过于常见"),
    ("woaini1314", "过于常见"),
    ("aaaaaaaaaa", "过于常见"),
    ("zhangsan-2026", "不能包含用户名"),
])
def test_weak_passwords_are_refused(password, expected):
    assert expected in password_problem(password, "zhangsan")


def test_a_reasonable_password_is_accepted():
    assert password_problem("Jiangnan-spring-88", "zhangsan") is None


def test_create_user_reports_every_problem_at_once(app, users):
    with pytest.raises(Invalid) as raised:
        create_user("organiser", "emperor", "123")
    fields = {problem.field for problem in raised.value.problems}
    assert fields == {"username", "role", "password"}


def test_passwords_are_stored_hashed(app, users):
    assert PASSWORD not in users["admin"].password_hash
    assert users["admin"].password_hash.startswith("scrypt:")


def test_session_cookie_is_httponly_and_samesite(client, users):
    response = login(client, "admin")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in development


def test_session_cookie_is_secure_over_https(app, users):
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = CSRF_PATTERN.search(page).group(1)
    # Over HTTPS, Flask-WTF also checks that the Referer is this site.
    response = client.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                           data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert "Secure" in response.headers.get("Set-Cookie")


def test_logout_invalidates_a_copied_session_cookie(app, users):
    client = app.test_client()
    login(client, "admin")
    stolen = client.get_cookie("bureau_session").value
    token = csrf_token_from(client, "/home")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("bureau_session", stolen)
    assert thief.get("/home").status_code == 302  # back to the login page


def test_idle_session_ends(app, users):
    client = app.test_client()
    login(client, "admin")
    assert client.get("/home").status_code == 200
    with client.session_transaction() as session:
        session["seen"] -= app.config["SESSION_IDLE_SECONDS"] + 1
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_needs_the_current_password(client, users):
    login(client, "lead")
    token = csrf_token_from(client, "/account/password")
    response = client.post("/account/password", data={
        "current_password": "not-it-at-all", "new_password": "Another-good-one-7", "csrf_token": token})
    assert "当前密码不正确" in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Another-good-one-7", "csrf_token": token})
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/home")})
    assert login(client, "lead", "Another-good-one-7").status_code == 302
