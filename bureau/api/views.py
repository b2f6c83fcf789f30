"""Platform endpoints of the API: the OpenAPI document, who am I, user management."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from sqlalchemy import select

from bureau.access import ALL_ROLES, allow, authenticated_user, public
from bureau.accounts import operations
from bureau.accounts.models import Role, User
from bureau.api import ApiError, api_route, openapi_document, request_json, schema
from bureau.db import db
from bureau.errors import Invalid, Problem
from bureau.text import N_

USER_SCHEMA = schema("User", {"type": "object", "properties": {
    "id": {"type": "integer"}, "username": {"type": "string"}, "display_name": {"type": "string"},
    "organisation": {"type": "string"}, "role": {"type": "string", "enum": list(ALL_ROLES)}}})
NEW_USER_SCHEMA = schema("NewUser", {"type": "object", "required": ["username", "role", "password"], "properties": {
    "username": {"type": "string"}, "role": {"type": "string", "enum": list(ALL_ROLES)},
    "password": {"type": "string"}, "display_name": {"type": "string"}, "organisation": {"type": "string"}}})


def json_object(*, required: bool = True) -> dict:
    """The request's JSON object (its types already checked by ``api_route``), or a 400 in the
    API's error shape; ``{}`` when the body may be left out (``required=False``) and was."""
    body = request_json()
    if body is None and not required:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", _("请求体必须是 JSON 对象。"))
    return body


def require_fields(body: dict, *names: str) -> None:
    missing = [Problem(name, N_("缺少必填字段")) for name in names if body.get(name) in (None, "")]
    if missing:
        raise Invalid(missing)


def user_json(user: User) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "organisation": user.organisation, "role": user.role}


@api_route("/openapi.json", "GET", summary="OpenAPI 3 document of this API", tag="meta", errors=())
@public
def openapi():
    return jsonify(openapi_document())


@api_route("/me", "GET", summary="The user behind the token", tag="accounts", response=USER_SCHEMA, errors=(401,))
@allow(*ALL_ROLES)
def me():
    return jsonify(user_json(authenticated_user()))


@api_route("/users", "GET", summary="List users (bureau staff)", tag="accounts",
           response={"type": "array", "items": USER_SCHEMA})
@allow(Role.admin.value)
def list_users():
    users = db.session.scalars(select(User).order_by(User.id)).all()
    return jsonify([user_json(user) for user in users])


@api_route("/users", "POST", summary="Create a user (bureau staff)", tag="accounts",
           request_body=NEW_USER_SCHEMA, response=USER_SCHEMA, status=201)
@allow(Role.admin.value)
def create_user():
    body = json_object()
    require_fields(body, "username", "role", "password")
    user = operations.create_user(str(body["username"]), str(body["role"]), str(body["password"]),
                                  display_name=str(body.get("display_name") or ""),
                                  organisation=str(body.get("organisation") or ""))
    return jsonify(user_json(user)), 201
