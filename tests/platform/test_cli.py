"""The command line exactly as ../shared/API.md gives it."""
from sqlalchemy import select

from bureau.accounts.models import ApiToken, User
from bureau.db import db


def test_users_create_and_token_authenticate_an_api_call(runner, client):
    result = runner.invoke(args=["users", "create", "hrclerk", "--role", "admin", "--password", "Jiangnan-spring-88"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.username == "hrclerk")) == "admin"

    result = runner.invoke(args=["users", "token", "hrclerk"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored) == 1  # only the hash is kept

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["username"] == "hrclerk"

    result = runner.invoke(args=["users", "revoke-tokens", "hrclerk"])
    assert result.exit_code == 0 and "revoked 1" in result.output
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_users_create_refuses_a_weak_password(runner):
    result = runner.invoke(args=["users", "create", "weak", "--role", "organiser", "--password", "password"])
    assert result.exit_code != 0
    assert "过于常见" in result.output
    assert db.session.scalar(select(User).where(User.username == "weak")) is None


def test_users_create_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "x", "--role", "emperor", "--password", "Jiangnan-spring-88"])
    assert result.exit_code != 0


def test_users_token_for_an_unknown_user_fails(runner):
    result = runner.invoke(args=["users", "token", "ghost"])
    assert result.exit_code != 0 and "no such user" in result.output


def test_demo_is_idempotent_and_prints_logins(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin" in first.output and "Nanxi-jiang-58" in first.output
    count = db.session.query(User).count()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert db.session.query(User).count() == count
