"""Deny by default: every route declares who may use it; CSRF on every form post."""
import pytest

from bureau.access import access_rule_for
from tests.conftest import csrf_token_from, form_fields_from


def test_every_route_declares_an_access_rule(app):
    missing = [rule.endpoint for rule in app.url_map.iter_rules()
               if rule.endpoint != "static" and access_rule_for(rule.endpoint) is None]
    assert missing == []


def test_a_route_without_a_rule_is_refused(app, client, login_as):
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    assert client.get("/forgotten").status_code == 403
    login_as("admin")
    assert client.get("/forgotten").status_code == 403


@pytest.mark.parametrize("path", ["/home", "/admin/users", "/admin/audit", "/account/tokens"])
def test_anonymous_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["organiser", "lead"])
@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit"])
def test_staff_pages_are_forbidden_to_others(client, login_as, role, path):
    login_as(role)
    response = client.get(path)
    assert response.status_code == 403
    assert "没有权限" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, login_as):
    login_as("admin")
    response = client.post("/admin/users", data={"username": "sneaky", "role": "admin",
                                                  "password": "Jiangnan-spring-88"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert "sneaky" not in client.get("/admin/users").get_data(as_text=True)


def test_post_with_csrf_token_is_accepted(client, login_as):
    login_as("admin")
    response = client.post("/admin/users", data={"username": "newclerk", "role": "admin", "display_name": "新职员",
                                                  "password": "Jiangnan-spring-88",
                                                  **form_fields_from(client, "/admin/users")})
    assert response.status_code == 302
    assert "newclerk" in client.get("/admin/users").get_data(as_text=True)


def test_a_token_can_only_be_revoked_by_its_owner(app, client, login_as, users):
    from bureau.accounts.operations import issue_token
    from bureau.db import db

    issue_token(users["organiser_b"])
    db.session.commit()
    login_as("organiser")
    token = csrf_token_from(client, "/account/tokens")
    assert client.post("/account/tokens/1/revoke", data={"csrf_token": token}).status_code == 404


def test_security_headers_on_pages(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_unknown_page_answers_in_chinese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "不存在" in response.get_data(as_text=True)
