"""The JSON API under /api/v1: blueprint, error shape, OpenAPI registry.

Areas (competition, studios, certificates) add endpoints with ``api_route``, which registers
the Flask route and its OpenAPI operation together, so the document cannot fall behind.
"""
from __future__ import annotations

import functools
import re
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import BadRequest

from bureau.api.bodies import BODY_MESSAGES, top_level_type, type_problems
from bureau.errors import Invalid
from bureau.text import N_

api = Blueprint("api", __name__, url_prefix="/api/v1")
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))

_OPERATIONS: dict[tuple[str, str], dict] = {}
_SCHEMAS: dict[str, dict] = {}


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message", "details"}}``."""

    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []


def error_body(code: str, message: str, details: list[dict] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_response(status: int, code: str, message: str, details: list[dict] | None = None):
    return jsonify(error_body(code, message, details)), status


def schema(name: str, definition: dict) -> dict:
    """Register a named component schema; returns a $ref to it."""
    _SCHEMAS[name] = definition
    return {"$ref": f"#/components/schemas/{name}"}


def _openapi_path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def replace(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        params.append({"name": name, "in": "path", "required": True,
                       "schema": {"type": "integer" if converter == "int" else "string"}})
        return "{" + name + "}"

    path = re.sub(r"<(?:(\w+):)?(\w+)>", replace, rule)
    return path, params


def request_json():
    """The request's parsed JSON body; ``None`` when there is none (no bytes); 400 when it is not
    JSON (or nested past reason: ``bodies.BoundedJSONProvider``)."""
    if not request.get_data(cache=True).strip():
        return None
    if not request.is_json:
        raise ApiError(400, "bad_request", N_("请求体须为 JSON（Content-Type: application/json）。"))
    try:
        return request.get_json()
    except BadRequest:
        raise ApiError(400, "bad_request", N_("请求体不是有效的 JSON，或嵌套过深。")) from None


def check_body(request_body: dict | None, body_required: bool) -> None:
    """Refuse a body of the wrong shape before the handler runs: the wrong kind at the top is 400,
    fields of the wrong type are 422 naming each. Without a declared body, a body given must be
    a JSON object (clients may send ``{}``)."""
    raw = request.get_data(cache=True).strip()
    body = request_json()
    schema = request_body or {"type": "object"}
    expected = top_level_type(schema, _SCHEMAS)
    if not raw:
        if request_body is not None and body_required:
            raise ApiError(400, "bad_request", BODY_MESSAGES.get(expected, BODY_MESSAGES["object"]))
        return
    problems = type_problems(body, schema, _SCHEMAS)
    if any(problem.field == "" and problem.row is None for problem in problems):
        raise ApiError(400, "bad_request", BODY_MESSAGES.get(expected, BODY_MESSAGES["object"]))
    if problems:
        raise Invalid(problems)


def api_route(rule: str, method: str, *, summary: str, tag: str, request_body: dict | None = None,
              body_required: bool = True, response: dict | None = None, status: int = 200,
              query: list[dict] | None = None, errors: tuple[int, ...] = (401, 403)):
    """Register ``view`` at ``/api/v1{rule}`` for ``method`` and describe it in the OpenAPI document.

    A write's body is checked against ``request_body`` (see ``check_body``) before ``view`` runs;
    ``body_required=False`` lets a client leave it out."""

    def decorate(view):
        handler = view
        if method in WRITE_METHODS:
            @functools.wraps(view)  # keeps the access rule on the handler
            def handler(**values):
                check_body(request_body, body_required)
                return view(**values)
        api.add_url_rule(rule, view_func=handler, methods=[method], endpoint=f"{view.__name__}")
        path, params = _openapi_path(api.url_prefix + rule)
        operation: dict[str, Any] = {
            "summary": summary,
            "tags": [tag],
            "operationId": view.__name__,
            "parameters": params + list(query or []),
            "responses": {str(status): {"description": "OK",
                                        "content": {"application/json": {"schema": response or {"type": "object"}}}}},
            "security": [] if getattr(view, "access_rule", None) and view.access_rule.public else [{"bearer": []}],
        }
        access_rule = getattr(view, "access_rule", None)
        if access_rule is not None:
            operation["x-access"] = access_rule.describe()
        codes = set(errors) | ({400} if method in WRITE_METHODS else set()) | ({422} if request_body else set())
        for code in sorted(codes):
            operation["responses"][str(code)] = {"$ref": f"#/components/responses/E{code}"}
        if request_body is not None:
            operation["requestBody"] = {"required": body_required,
                                        "content": {"application/json": {"schema": request_body}}}
        _OPERATIONS[(path, method.lower())] = operation
        return view

    return decorate


ERROR_STATUSES = {400: "请求格式错误", 401: "未登录或令牌无效", 403: "无权访问", 404: "不存在",
                  409: "数据已被他人修改或状态冲突", 410: "已按保留期删除", 413: "上传内容过大", 422: "数据校验未通过"}


def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    for (path, method), operation in sorted(_OPERATIONS.items()):
        paths.setdefault(path, {})[method] = operation
    error_schema = {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message", "details"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "details": {"type": "array", "items": {"type": "object", "properties": {
                "field": {"type": "string"}, "row": {"type": "integer"}, "message": {"type": "string"}}}}}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "职业技能竞赛与技能大师工作室管理系统 API", "version": "1"},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": error_schema, **_SCHEMAS},
            "responses": {f"E{code}": {"description": text, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}} for code, text in ERROR_STATUSES.items()},
        },
    }
