"""The application factory."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, abort, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from bureau import config as bureau_config
from bureau.api.bodies import BoundedJSONProvider
from bureau.db import db
from bureau.extensions import babel, csrf, login_manager, migrate
from bureau.policies import load_policies

# Blueprints of every area; each module exposes ``blueprint`` (and may add API routes on import).
BLUEPRINT_MODULES = [
    "bureau.web",
    "bureau.accounts.views",
    "bureau.audit.views",
    "bureau.api.views",
    "bureau.scheduler.views",
    "competition.api",
    "competition.views",
    "competition.policy_views",
    "studios.views",
    "studios.api",
    "bureau.certificates.views",
    "bureau.dashboard.views",
    "bureau.calendar.views",
]


class RecordIdConverter(IntegerConverter):
    """``<int:...>`` up to the largest id the databases store (PostgreSQL ``integer``): a longer
    number in a URL is no record (404), not an overflow inside the database driver (500)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = 2**31 - 1,
                 signed: bool = False):
        super().__init__(map, fixed_digits, min, max, signed)


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS, not only by config."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (request and request.is_secure))


def create_app(config: dict | None = None) -> Flask:
    project_root = bureau_config.PROJECT_ROOT
    app = Flask(
        "bureau",
        instance_path=str(project_root / "instance"),
        template_folder=str(project_root / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
    )
    app.config.update(bureau_config.DEFAULTS)
    app.config.update(bureau_config.from_environment(Path(app.instance_path)))
    app.config.update(config or {})
    app.session_interface = HttpsAwareSessionInterface()
    app.json = BoundedJSONProvider(app)  # request bodies: no NaN, no nesting that overflows the parser
    app.url_map.converters["int"] = RecordIdConverter  # before any route is added
    # First of all before-request hooks: ``g`` lives on the app context, which outlives a request
    # when one was already pushed (CLI, tests); per-request caches (login, CSRF) must not leak.
    app.before_request(_start_with_fresh_globals)
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    logging.basicConfig(level=logging.INFO)

    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    from bureau import cli, error_pages

    error_pages.register(app)
    cli.register(app)
    return app


def _start_with_fresh_globals() -> None:
    g.__dict__.clear()


def _select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    user = g.get("user")
    if user is not None and user.locale in languages:
        return user.locale
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(bureau_config.PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.add_extension("jinja2.ext.do")  # {% do %}: build a lookup once before a long loop
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    load_policies()  # check every policy file now: a broken one stops start-up with PolicyFileError (file, entry)

    from bureau.accounts.models import User

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _, epoch = session_id.partition(":")
        if not user_id.isdigit() or not epoch.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_epoch != int(epoch):
            return None
        return user

    # Model modules must be imported so that Alembic and the audit recorder see every table.
    import bureau.audit.recorder  # noqa: F401
    import bureau.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    import importlib

    from bureau.api import api

    for module_name in BLUEPRINT_MODULES:
        module = importlib.import_module(module_name)
        if hasattr(module, "blueprint"):
            app.register_blueprint(module.blueprint)
    # The API authenticates by bearer token only (never by cookie), so CSRF does not apply to it.
    csrf.exempt(api)
    app.register_blueprint(api)


SECURITY_HEADERS = {
    # No inline script anywhere: every script is a vendored file under /static.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


MAX_RECORD_ID = 2**31 - 1  # PostgreSQL integer: the ids, and a bound on anything counted


def _refuse_page_numbers_past_any_list():
    """``?page=`` of a paginated list past any list there can be is 404, before its row offset
    overflows the database's integers (a 500 on SQLite and PostgreSQL alike)."""
    page = request.args.get("page", type=int)
    if page is not None and page > MAX_RECORD_ID:
        abort(404)


def _unstorable(value) -> bool:
    """Text PostgreSQL cannot store (NUL) or no driver can encode (a lone surrogate from a JSON escape)."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(key) or _unstorable(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_unstorable(item) for item in value)
    return False


def _refuse_text_no_database_stores():
    """400 at the door for such text in the URL, query, form or JSON body, on SQLite and PostgreSQL
    alike, instead of a 500 from the database driver deep inside a view. Uploaded files are bytes
    and are checked by their readers."""
    texts = [*(request.view_args or {}).values(), *(text for pair in request.args.items(multi=True) for text in pair)]
    if request.method in STATE_CHANGING:
        texts += [text for pair in request.form.items(multi=True) for text in pair]
        if request.is_json:
            texts.append(request.get_json(silent=True))
    if any(_unstorable(text) for text in texts):
        abort(400)


def _register_request_hooks(app: Flask) -> None:
    from bureau.access import access_rule_for, enforce_access, is_api_request

    app.before_request(_refuse_text_no_database_stores)
    app.before_request(_refuse_page_numbers_past_any_list)
    app.before_request(enforce_access)

    @app.after_request
    def commit_or_roll_back(response):
        """The one place a web request commits: after a successful state-changing request.

        A refused or failed request rolls back, so nothing is half-saved, unless it asked to keep
        its work (``keep_work_of_refusal``: a throttled login). A commit that finds a stale version
        answers 409 instead of overwriting.
        """
        refused = response.status_code >= 400 and not (response.status_code < 500 and g.get("keep_work_of_refusal"))
        if request.method not in STATE_CHANGING or refused:
            db.session.rollback()
            return _with_headers(response)
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            from bureau.error_pages import conflict_response

            return _with_headers(conflict_response(_("保存失败：数据已被他人修改，请刷新后重试。")))
        return _with_headers(response)

    def _with_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if current_user and getattr(current_user, "is_authenticated", False) or is_api_request():
            # Not public: never stored, downloads too (send_file's "no-cache" still lets a shared
            # computer's browser keep a payment list). Public pages and assets set their own.
            rule = access_rule_for(request.endpoint) if request.endpoint not in (None, "static") else None
            if rule is not None and not rule.public:
                response.headers["Cache-Control"] = "no-store"
            else:
                response.headers.setdefault("Cache-Control", "no-store")
        return response
