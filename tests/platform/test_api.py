"""The API's conventions: bearer tokens, the error shape, 401/403/422, and a complete OpenAPI document."""
import pytest

from bureau.db import db


def assert_error_shape(response, status: int, code: str):
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}])
def test_no_token_or_a_bad_one_is_401(client, users, headers):
    assert_error_shape(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_a_token_authenticates(client, api_token):
    response = client.get("/api/v1/me", headers=api_token("organiser"))
    assert response.status_code == 200
    assert response.get_json()["username"] == "organiser"
    assert response.get_json()["role"] == "organiser"


def test_the_session_cookie_does_not_authenticate_the_api(client, login_as):
    login_as("admin")
    assert_error_shape(client.get("/api/v1/me"), 401, "unauthorized")


def test_a_revoked_token_is_401(client, api_token, users):
    from bureau.accounts.operations import revoke_token

    headers = api_token("admin")
    revoke_token(users["admin"].tokens[0])
    db.session.commit()
    assert_error_shape(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


def test_a_role_without_permission_gets_403(client, api_token):
    response = client.post("/api/v1/users", headers=api_token("organiser"),
                           json={"username": "x", "role": "admin", "password": "Jiangnan-spring-88"})
    assert_error_shape(response, 403, "forbidden")


def test_validation_errors_are_422_and_name_every_bad_field(client, api_token):
    response = client.post("/api/v1/users", headers=api_token("admin"),
                           json={"username": "organiser", "role": "king", "password": "123"})
    error = assert_error_shape(response, 422, "invalid")
    assert {d["field"] for d in error["details"]} == {"username", "role", "password"}
    assert any("至少需要8个字符" in d["message"] for d in error["details"])


def test_missing_fields_are_422(client, api_token):
    error = assert_error_shape(client.post("/api/v1/users", headers=api_token("admin"), json={}), 422, "invalid")
    assert {d["field"] for d in error["details"]} == {"username", "role", "password"}


def test_a_body_that_is_not_json_is_400(client, api_token):
    response = client.post("/api/v1/users", headers=api_token("admin"), data="username=x",
                           content_type="application/x-www-form-urlencoded")
    assert_error_shape(response, 400, "bad_request")


def test_an_unknown_api_path_is_404_json(client, api_token):
    assert_error_shape(client.get("/api/v1/nothing-here", headers=api_token("admin")), 404, "not_found")


def test_api_posts_need_no_csrf_token_and_create(client, api_token):
    response = client.post("/api/v1/users", headers=api_token("admin"),
                           json={"username": "apiclerk", "role": "organiser", "password": "Jiangnan-spring-88"})
    assert response.status_code == 201
    assert response.get_json()["username"] == "apiclerk"


def test_openapi_document_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}
    import re

    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {path} is not in openapi.json"


def test_error_messages_follow_the_language(client, users):
    response = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert response.get_json()["error"]["message"].startswith("Log in")
