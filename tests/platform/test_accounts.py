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


def test_fifth_failure_locks_the_account_even_for_the_right_password(client, users, app):
    limit = app.config["LOGIN_FAILURE_LIMIT"]
    for _ in range(limit):
        login(client, "organiser", "Wrong-password-1")
    response = login(client, "organiser", PASSWORD)
    assert response.status_code == 200
    assert "已暂时锁定" in response.get_data(as_text=True)
    # Another account is not affected by one account's lockout.
    assert login(client, "admin").status_code == 302


def test_fewer_failures_than_the_limit_still_allow_login(client, users, app):
    for _ in range(app.config["LOGIN_FAILURE_LIMIT"] - 1):
        login(client, "organiser", "Wrong-password-1")
    assert login(client, "organiser").status_code == 302


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
