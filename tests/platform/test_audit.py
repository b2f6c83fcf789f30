"""Every state change lands in an append-only audit log with who, when, before and after."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from bureau.audit.models import AuditEntry
from bureau.db import db
from tests.conftest import csrf_token_from, form_fields_from


def entries_for(object_type: str):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type)
                              .order_by(AuditEntry.id)).all()


def test_creating_a_user_on_the_web_is_audited_with_who_and_after(client, login_as, users):
    login_as("admin")
    client.post("/admin/users", data={"username": "clerk2", "role": "organiser", "display_name": "周敏",
                                      "password": "Jiangnan-spring-88", **form_fields_from(client, "/admin/users")})
    created = [e for e in entries_for("user_account") if e.action == "create" and e.after["username"] == "clerk2"]
    assert len(created) == 1
    entry = created[0]
    assert entry.actor_name == "admin" and entry.actor_id == users["admin"].id
    assert entry.after["display_name"] == "周敏"
    assert entry.after["password_hash"] == "***"  # secrets never reach the log
    assert entry.before is None
    assert entry.at is not None


def test_an_update_records_before_and_after(client, login_as, users):
    login_as("lead")
    token = csrf_token_from(client, "/account/password")
    from tests.conftest import PASSWORD

    client.post("/account/password", data={"current_password": PASSWORD, "new_password": "Another-good-one-7",
                                           "csrf_token": token})
    update = [e for e in entries_for("user_account") if e.action == "update" and e.object_id == str(users["lead"].id)][-1]
    assert update.actor_name == "lead"
    assert update.before["session_epoch"] == 0 and update.after["session_epoch"] == 1
    assert update.before["password_hash"] == "***" and update.after["password_hash"] == "***"


def test_a_delete_records_the_values_before(app, users):
    from bureau.accounts.models import ApiToken
    from bureau.accounts.operations import issue_token

    issue_token(users["admin"])
    db.session.commit()
    token = db.session.scalar(select(ApiToken))
    db.session.delete(token)
    db.session.commit()
    deleted = [e for e in entries_for("api_token") if e.action == "delete"]
    assert len(deleted) == 1
    assert deleted[0].before["prefix"] == token.prefix and deleted[0].before["token_hash"] == "***"


@pytest.mark.parametrize("statement", ["UPDATE audit_entry SET actor_name = 'nobody'", "DELETE FROM audit_entry"])
def test_the_database_refuses_to_change_the_log(app, users, statement):
    assert db.session.scalar(select(AuditEntry.id).limit(1)) is not None
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as connection:
            connection.execute(text(statement))


def test_staff_can_filter_the_log(client, login_as, users):
    login_as("admin")
    page = client.get("/admin/audit?object_type=user_account&action=create").get_data(as_text=True)
    assert "测试lead_b" in page
    page = client.get("/admin/audit?object_type=api_token").get_data(as_text=True)
    assert "测试lead_b" not in page and "没有符合条件的记录" in page


def test_login_events_are_named_on_the_log_page_and_can_be_filtered(client, login_as, users):
    from tests.conftest import login

    assert login(client, "organiser", "not-the-password").status_code == 200
    login_as("admin")
    page = client.get("/admin/audit?action=login_failed").get_data(as_text=True)
    assert page.count("<td>登录失败</td>") == 1 and "login_failed" not in page.split("<table")[1]
    assert '<option value="login_failed" selected>登录失败</option>' in page
    assert "<td>登录</td>" in client.get("/admin/audit?action=login").get_data(as_text=True)
