"""API tokens: an expiry (90 days by default), their last use, and their end on a password change or
deactivation."""
from datetime import timedelta

from sqlalchemy import select, update

from bureau.accounts import operations
from bureau.accounts.models import ApiToken, User
from bureau.db import db, utcnow
from tests.conftest import PASSWORD, csrf_token_from


def token_of(user: User) -> ApiToken:
    return db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))


def test_a_token_expires_after_90_days_by_default(app, users, api_token):
    headers = api_token("organiser")
    token = token_of(users["organiser"])
    assert timedelta(days=90) - timedelta(minutes=1) < token.expires_at - token.created_at <= timedelta(days=90)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = app.test_client().get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "unauthorized" and "过期" in error["message"] and error["details"] == []


def test_the_token_lifetime_is_configurable(app, users, api_token):
    app.config["API_TOKEN_DAYS"] = 7
    api_token("organiser")
    token = token_of(users["organiser"])
    assert token.expires_at - token.created_at <= timedelta(days=7)


def test_a_password_change_ends_the_users_tokens(app, users, api_token, login_as):
    headers = api_token("lead")
    other = api_token("organiser")
    client = login_as("lead")
    token = csrf_token_from(client, "/account/password")
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "new_password": "Another-good-one-7", "csrf_token": token})
    assert response.status_code == 302
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert token_of(users["lead"]).revoked_at is not None
    assert app.test_client().get("/api/v1/me", headers=other).status_code == 200  # others' tokens stay


def test_deactivation_ends_the_tokens_for_good(app, users, api_token, runner):
    headers = api_token("organiser")
    result = runner.invoke(args=["users", "deactivate", "organiser"])
    assert result.exit_code == 0, result.output
    assert token_of(users["organiser"]).revoked_at is not None
    # Switching the account back on does not bring its old tokens back.
    db.session.execute(update(User).where(User.username == "organiser").values(active=True))
    db.session.commit()
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(app, users, api_token):
    headers = api_token("admin")
    assert token_of(users["admin"]).last_used_at is None
    client = app.test_client()
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # a GET: its own work rolls back
    db.session.expire_all()
    first = token_of(users["admin"]).last_used_at
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    client.get("/api/v1/me", headers=headers)
    db.session.expire_all()
    assert token_of(users["admin"]).last_used_at == first  # within the minute: not written again
    db.session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    client.get("/api/v1/me", headers=headers)
    db.session.expire_all()
    assert utcnow() - token_of(users["admin"]).last_used_at < timedelta(minutes=1)


def test_the_cli_prints_the_expiry_before_the_token(runner, users):
    result = runner.invoke(args=["users", "token", "admin"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    token = token_of(users["admin"])
    assert lines[-1].startswith(operations.TOKEN_PREFIX) and lines[-1][:12] == token.prefix
    expiry_line = next(line for line in lines[:-1] if "expires" in line)
    from bureau.web import datetime_local

    assert datetime_local(token.expires_at) in expiry_line


def test_the_tokens_page_shows_expiry_and_last_use(app, users, api_token, login_as):
    api_token("organiser")
    token = token_of(users["organiser"])
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id)
                       .values(last_used_at=utcnow() - timedelta(hours=3)))
    db.session.commit()
    db.session.expire_all()
    from bureau.web import datetime_local

    page = login_as("organiser").get("/account/tokens").get_data(as_text=True)
    assert "到期时间" in page and datetime_local(token_of(users["organiser"]).expires_at) in page
    assert "最近使用" in page and datetime_local(token_of(users["organiser"]).last_used_at) in page
