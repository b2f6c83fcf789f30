"""The JSON API under /api/v1: blueprint, error shape, OpenAPI registry.

Areas (competition, studios, certificates) add endpoints with ``api_route``, which registers
the Flask route and its OpenAPI operation together, so the document cannot fall behind.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify

api = Blueprint("api", __name__, url_prefix="/api/v1")

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


def api_route(rule: str, method: str, *, summary: str, tag: str, request_body: dict | None = None,
              response: dict | None = None, status: int = 200, query: list[dict] | None = None,
              errors: tuple[int, ...] = (401, 403)):
    """Register ``view`` at ``/api/v1{rule}`` for ``method`` and describe it in the OpenAPI document."""

    def decorate(view):
        api.add_url_rule(rule, view_func=view, methods=[method], endpoint=f"{view.__name__}")
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
        for code in sorted(set(errors) | {422} if request_body else set(errors)):
            operation["responses"][str(code)] = {"$ref": f"#/components/responses/E{code}"}
        if request_body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": request_body}}}
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
