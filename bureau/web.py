"""Home page, language switch and the pieces every page shares (navigation by role)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l

from bureau.access import allow, authenticated_user, public
from bureau.accounts.models import Role
from bureau.clock import LOCAL_TIMEZONE

blueprint = Blueprint("main", __name__)


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: tuple[str, ...]
    group: int = 1  # 0 home, 1 the areas' work, 2 system administration, 3 the user's own settings


# Areas add their entries when they are imported (see bureau.app.BLUEPRINT_MODULES).
NAVIGATION: list[NavItem] = [
    NavItem(_l("首页"), "main.home", tuple(r.value for r in Role), group=0),
    NavItem(_l("用户管理"), "accounts.user_list", (Role.admin.value,), group=2),
    NavItem(_l("审计日志"), "audit.entries", (Role.admin.value,), group=2),
    NavItem(_l("API 令牌"), "accounts.tokens", tuple(r.value for r in Role), group=3),
]


def add_navigation(label, endpoint: str, *roles: str, system: bool = False) -> None:
    """Add a menu entry: the areas' work first, then system administration, in registration order."""
    NAVIGATION.append(NavItem(label, endpoint, roles, group=2 if system else 1))
    NAVIGATION.sort(key=lambda item: item.group)  # stable: keeps registration order within a group


@blueprint.app_context_processor
def navigation_context():
    user = g.get("user")
    items = [item for item in NAVIGATION if user is not None and user.role in item.roles]
    return {"navigation": items, "current_user_obj": user, "active_nav": _active_endpoint(items)}


def _active_endpoint(items: list[NavItem]) -> str | None:
    """The menu entry to highlight: the page itself, else the first entry of the page's area."""
    endpoint = request.endpoint or ""
    if any(item.endpoint == endpoint for item in items):
        return endpoint
    area = endpoint.partition(".")[0]
    return next((item.endpoint for item in items if item.endpoint.partition(".")[0] == area
                 and area not in ("main", "accounts")), None)


@blueprint.route("/")
@public
def index():
    if authenticated_user() is None:
        return redirect(url_for("accounts.login"))
    return redirect(url_for("main.home"))


@blueprint.route("/home")
@allow(Role.admin.value, Role.organiser.value, Role.studio_lead.value)
def home():
    return render_template("home.html")


@blueprint.route("/language/<lang>", methods=["POST"])
@public
def set_language(lang: str):
    if lang in ("zh", "en"):
        session["lang"] = lang
    return redirect(local_path(request.form.get("next")) or url_for("main.index"))


def local_path(target: str | None) -> str | None:
    r"""``target`` if it is a path on this site (safe to redirect to), else None.

    Browsers drop tabs and newlines anywhere in a URL and read a backslash as a slash, so
    "/\t/evil.example" and "/\\evil.example" lead to another site; a newline would also break the
    Location header (a 500). Such targets are refused with the protocol-relative "//…".
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in target):
        return None
    return target


@blueprint.app_template_global()
def page_url(page_number: int, parameter: str = "page", anchor: str | None = None) -> str:
    """The current page's address with ``parameter`` (the page number) replaced, keeping every
    filter and the other lists' pages (a page with two lists pages each by its own parameter)."""
    args = request.args.to_dict()
    args[parameter] = page_number
    return url_for(request.endpoint, **(request.view_args or {}), **args, _anchor=anchor)


@blueprint.app_template_global()
def role_label(role: str) -> str:
    from bureau.accounts.forms import ROLE_LABELS

    return str(ROLE_LABELS.get(role, role))


@blueprint.app_template_filter()
def datetime_local(value: datetime | None) -> str:
    """Stored times are UTC; people read Beijing time."""
    if value is None:
        return ""
    return value.replace(tzinfo=timezone.utc).astimezone(LOCAL_TIMEZONE).strftime("%Y-%m-%d %H:%M")
