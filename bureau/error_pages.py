"""Errors answered in the user's language: JSON of the API's shape under /api, pages elsewhere."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from bureau.access import is_api_request
from bureau.api import ApiError, error_body
from bureau.db import db
from bureau.errors import Conflict, Invalid
from bureau.text import N_

MESSAGES = {
    400: ("bad_request", N_("请求格式错误。")),
    401: ("unauthorized", N_("需要登录或提供有效的 API 令牌。")),
    403: ("forbidden", N_("您没有权限访问此页面或执行此操作。")),
    404: ("not_found", N_("您要找的内容不存在，或您无权查看。")),
    405: ("method_not_allowed", N_("不支持此请求方法。")),
    409: ("conflict", N_("数据已被他人修改或当前状态不允许此操作。")),
    413: ("too_large", N_("上传的内容超过大小限制。")),
    422: ("invalid", N_("提交的数据未通过校验。")),
    429: ("too_many_requests", N_("请求过于频繁，请稍后再试。")),
    500: ("server_error", N_("服务器内部错误，我们已记录此问题。")),
}


def _message(status: int) -> tuple[str, str]:
    code, text = MESSAGES.get(status, ("error", N_("请求未能完成。")))
    return code, _(text)


def problem_details(problems) -> list[dict]:
    details = []
    for problem in problems:
        detail = {"field": problem.field, "message": _(problem.message_template, **problem.params)}
        if getattr(problem, "row", None) is not None:
            detail["row"] = problem.row
        if getattr(problem, "column", None):
            detail["column"] = problem.column
        details.append(detail)
    return details


def render_error(status: int, message: str | None = None, details: list[dict] | None = None):
    code, default_message = _message(status)
    message = message or default_message
    if is_api_request():
        return jsonify(error_body(code, message, details)), status
    return render_template("errors/error.html", status=status, message=message, details=details or []), status


def conflict_response(message: str):
    return make_response(render_error(409, message))


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, CSRFError):
            return render_error(400, _("表单已失效（CSRF 校验失败），请刷新页面后重新提交。"))
        return render_error(error.code or 500)

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return jsonify(error_body(error.code, _(error.message), error.details)), error.status

    @app.errorhandler(Invalid)
    def invalid(error: Invalid):
        return render_error(422, details=problem_details(error.problems))

    @app.errorhandler(Conflict)
    def conflict(error: Conflict):
        return render_error(409, _(error.message_template, **error.params))

    @app.errorhandler(StaleDataError)
    def stale(error: StaleDataError):
        # Raised by a flush: the session must be rolled back before the answer reads anything
        # (the user's language, the menu), or that read fails too and a lost race becomes a 500.
        db.session.rollback()
        return render_error(409, _("保存失败：数据已被他人修改，请刷新后重试。"))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()  # a failed flush leaves the session unusable for the error page
        return render_error(500)
