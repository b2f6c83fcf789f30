"""The bureau dashboard's pages (staff only): the dashboard, targets, budget, selection contests,
.xlsx exports of every table and the one-page PDF summary.

Endpoints (blueprint ``dashboard``, under /dashboard): ``index``, ``targets``, ``create_target``,
``edit_target``, ``delete_target``, ``load_targets``, ``budget``, ``quota``, ``mark_contest``,
``unmark_contest``, ``export`` and ``summary_pdf``. Every page takes ``?jurisdiction=&year=``.
"""
from __future__ import annotations

import base64

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from bureau import charts
from bureau.access import allow
from bureau.accounts.models import Role
from bureau.clock import local_today
from bureau.dashboard import board as dashboard_board
from bureau.dashboard import metrics, operations, queries, tables
from bureau.dashboard.demo import load_demo_dashboard
from bureau.dashboard.forms import ActionForm, QuotaMarkForm, TargetForm, budget_form_class
from bureau.dashboard.models import QuotaContest, Target
from bureau.dashboard.regions import quota_document
from bureau.db import db
from bureau.downloads import XLSX, send_download
from bureau.demo import LOADERS
from bureau.errors import Invalid
from bureau.forms import show_problems, submitted_once
from bureau.policies import load_policies
from bureau.web import add_navigation
from competition.models import Competition
from competition.spreadsheet import write_xlsx

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard")
STAFF = Role.admin.value

add_navigation(_l("工作看板"), "dashboard.index", STAFF)
LOADERS.append(load_demo_dashboard)


# --- the jurisdiction and year every page is about ----------------------------------------------------


def known_jurisdictions() -> list[str]:
    names = set(metrics.jurisdictions(load_policies())) | set(queries.target_jurisdictions())
    return sorted(names)


def _place_and_year(source) -> tuple[str, int]:
    names = known_jurisdictions()
    jurisdiction = (source.get("jurisdiction") or "").strip()
    if jurisdiction not in names:
        jurisdiction = metrics.default_jurisdiction(current_app.config["BUREAU_NAME"], load_policies())
    text = (source.get("year") or "").strip()
    year = int(text) if text.isdecimal() and 2000 <= int(text) <= 2100 else local_today().year
    return jurisdiction, year


def _years(year: int) -> list[int]:
    today = local_today().year
    return sorted(queries.years_with_data() | {today, today - 1, year}, reverse=True)


def _here(endpoint: str, jurisdiction: str, year: int, **extra) -> str:
    return url_for(endpoint, jurisdiction=jurisdiction, year=year, **extra)


@blueprint.app_template_global()
def dashboard_svg(chart: charts.Chart | None) -> Markup:
    """A chart as inline SVG (presentation attributes only: no style attribute, no script)."""
    if chart is None:
        return Markup("")
    return Markup(render_template("dashboard/chart.svg", chart=chart))


def svg_data_uri(chart: charts.Chart) -> str:
    """A chart as a ``data:`` URI, the only kind of resource the PDF may load."""
    svg = render_template("dashboard/chart.svg", chart=chart)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@blueprint.context_processor
def dashboard_labels():
    return {"STATUSES": metrics.STATUSES, "METRICS": metrics.METRICS, "COMPARISONS": metrics.COMPARISONS,
            "number_text": metrics.number_text, "region_label": dashboard_board.region_label,
            "tier_text": dashboard_board.tier_text}


# --- the dashboard ------------------------------------------------------------------------------------------


@blueprint.route("")
@allow(STAFF)
def index():
    jurisdiction, year = _place_and_year(request.args)
    board = dashboard_board.build(jurisdiction, year, local_today())
    # Sized in SVG units for the page's columns, so that text is drawn at about its nominal size.
    chart_set = {
        "progress": dashboard_board.progress_chart(board, width=1080),
        "competitions": dashboard_board.competitions_chart(board, width=540),
        "money_tier": dashboard_board.money_tier_chart(board, width=540),
        "budget": dashboard_board.budget_chart(board, width=560),
        "months": dashboard_board.month_chart(board, width=1080),
    }
    by_name = {table.name: table for table in tables.all_tables(board)}
    return render_template("dashboard/index.html", board=board, charts=chart_set, tables=by_name,
                           jurisdictions=known_jurisdictions(), years=_years(year),
                           args={"jurisdiction": jurisdiction, "year": year})


@blueprint.route("/export/<table>.xlsx")
@allow(STAFF)
def export(table: str):
    jurisdiction, year = _place_and_year(request.args)
    board = dashboard_board.build(jurisdiction, year, local_today())
    table = tables.find_table(board, table)
    if table is None:
        abort(404)
    data = write_xlsx(table.title[:31], [column.header for column in table.columns], table.export_rows())
    filename = f"{jurisdiction}{year}{_('年')}-{table.title}.xlsx"
    return send_download(data, filename, XLSX)


@blueprint.route("/summary.pdf")
@allow(STAFF)
def summary_pdf():
    from bureau.dashboard.pdf import summary_pdf as make_pdf

    jurisdiction, year = _place_and_year(request.args)
    board = dashboard_board.build(jurisdiction, year, local_today())
    pdf = make_pdf(board, svg_data_uri)
    filename = f"{jurisdiction}{year}{_('年')}-{_('工作看板摘要')}.pdf"
    return send_download(pdf, filename, "application/pdf", inline=request.args.get("download") != "1")


# --- targets -----------------------------------------------------------------------------------------------


def _targets_page(jurisdiction: str, year: int, form: TargetForm, status: int = 200):
    policies = load_policies()
    documents = [document for document in sorted(policies.values(), key=lambda d: d.code)
                 if document.jurisdiction == jurisdiction and document.targets]
    lines = dashboard_board.target_lines(queries.targets(jurisdiction, year),
                                         metrics.scope_for(jurisdiction, policies), local_today())
    policy_names = {code: document.citation_name for code, document in policies.items()}
    return render_template("dashboard/targets.html", lines=lines, form=form, documents=documents,
                           policy_names=policy_names,
                           action=ActionForm(), jurisdictions=known_jurisdictions(), years=_years(year),
                           args={"jurisdiction": jurisdiction, "year": year}), status


@blueprint.route("/targets")
@allow(STAFF)
def targets():
    jurisdiction, year = _place_and_year(request.args)
    form = TargetForm(formdata=None, data={"year": year})
    return _targets_page(jurisdiction, year, form)


@blueprint.route("/targets", methods=["POST"])
@allow(STAFF)
@submitted_once
def create_target():
    jurisdiction, year = _place_and_year(request.args)
    form = TargetForm()
    if form.validate_on_submit():
        try:
            target = operations.create_target({**request.form.to_dict(), "jurisdiction": jurisdiction})
        except Invalid as error:
            show_problems(form, error)
        else:
            flash(_("已新增指标：%(label)s", label=target.label), "success")
            return redirect(_here(".targets", jurisdiction, target.year))
    return _targets_page(jurisdiction, year, form, 422)


def _target_or_404(target_id: int) -> Target:
    return db.get_or_404(Target, target_id)


@blueprint.route("/targets/<int:target_id>", methods=["GET", "POST"])
@allow(STAFF)
def edit_target(target_id: int):
    target = _target_or_404(target_id)
    if request.method == "POST":
        form = TargetForm()
        if form.validate_on_submit():
            try:
                operations.update_target(target, request.form.to_dict(), version=form.version.data)
            except Invalid as error:
                show_problems(form, error)
            else:
                flash(_("已保存指标：%(label)s", label=target.label), "success")
                return redirect(_here(".targets", target.jurisdiction, target.year))
        status = 422
    else:
        data = {key: getattr(target, key) for key in ("label", "metric", "tier", "award_kind", "studio_kind",
                                                      "studio_level", "comparison", "unit", "year", "note")}
        data.update(version=str(target.version), category=str(target.category or ""),
                    value=metrics.number_text(target.value).replace(",", ""),
                    value_max=metrics.number_text(target.value_max).replace(",", ""),
                    manual_actual=metrics.number_text(target.manual_actual).replace(",", ""),
                    from_year=target.from_year if target.from_year != target.year else None)
        form = TargetForm(formdata=None, data={key: value if value is not None else "" for key, value in data.items()})
        status = 200
    return render_template("dashboard/target_form.html", form=form, target=target, action=ActionForm(),
                           args={"jurisdiction": target.jurisdiction, "year": target.year}), status


@blueprint.route("/targets/<int:target_id>/delete", methods=["POST"])
@allow(STAFF)
def delete_target(target_id: int):
    target = _target_or_404(target_id)
    form = ActionForm()
    jurisdiction, year, label = target.jurisdiction, target.year, target.label
    operations.delete_target(target, version=form.version.data)
    flash(_("已删除指标：%(label)s", label=label), "success")
    return redirect(_here(".targets", jurisdiction, year))


@blueprint.route("/targets/load", methods=["POST"])
@allow(STAFF)
def load_targets():
    document = load_policies().get(request.form.get("policy", ""))
    if document is None:
        abort(404)
    _jurisdiction, year = _place_and_year(request.form)
    added, present, skipped = operations.load_policy_targets(document, year)
    flash(_("按%(document)s载入%(year)s年指标：新增%(added)s项，已有%(present)s项未改动。",
            document=document.citation_name, year=year, added=len(added), present=present), "success")
    if skipped:
        reasons = "；".join(f"{item.label}（{_(item.reason, year=item.year)}）" for item in skipped)
        flash(_("未载入：%(reasons)s", reasons=reasons), "info")
    return redirect(_here(".targets", document.jurisdiction, year))


# --- budget ------------------------------------------------------------------------------------------------


@blueprint.route("/budget", methods=["GET", "POST"])
@allow(STAFF)
@submitted_once
def budget():
    jurisdiction, year = _place_and_year(request.args)
    form_class = budget_form_class()
    rows = queries.budgets(jurisdiction, year)
    status = 200
    if request.method == "POST":
        form = form_class()
        if form.validate_on_submit():
            versions = {category: request.form.get(f"version_{category}") for category in metrics.BUDGET_CATEGORIES}
            try:
                operations.save_budget(jurisdiction, year, request.form, versions, note=form.note.data or "")
            except Invalid as error:
                show_problems(form, error)
            else:
                flash(_("已保存%(place)s%(year)s年预算。", place=jurisdiction, year=year), "success")
                return redirect(_here(".index", jurisdiction, year))
        status = 422
    else:
        data = {"note": next((row.note for row in rows.values() if row.note), "")}
        for category in metrics.BUDGET_CATEGORIES:
            row = rows.get(category)
            data[category] = str(row.amount) if row is not None else ""
            data[f"version_{category}"] = str(row.version) if row is not None else "0"
        form = form_class(formdata=None, data=data)
    return render_template("dashboard/budget.html", form=form, categories=metrics.BUDGET_CATEGORIES,
                           jurisdictions=known_jurisdictions(), years=_years(year),
                           args={"jurisdiction": jurisdiction, "year": year}), status


# --- selection contests ------------------------------------------------------------------------------------


def _quota_documents(jurisdiction: str):
    return [document for document in sorted(load_policies().values(), key=lambda d: d.code)
            if quota_document(document) and document.jurisdiction == jurisdiction]


@blueprint.route("/quota")
@allow(STAFF)
def quota():
    jurisdiction, year = _place_and_year(request.args)
    policies = load_policies()
    sections = []
    for document in _quota_documents(jurisdiction):
        scope = metrics.scope_for(document.jurisdiction, policies)
        form = QuotaMarkForm(formdata=None)
        form.competition.choices = [(str(c.id), f"{c.name}（{dashboard_board.tier_text(c.tier, c.category)}）")
                                    for c in queries.quota_candidates(document.code, scope, year)]
        sections.append({"document": document, "marked": queries.quota_contests(document.code, scope, year),
                         "form": form})
    quota_tables = [tables.quota_export(table) for table in dashboard_board.quota_tables(
        metrics.scope_for(jurisdiction, policies), year, policies)]
    return render_template("dashboard/quota.html", sections=sections, quota_tables=quota_tables, action=ActionForm(),
                           jurisdictions=known_jurisdictions(), years=_years(year),
                           args={"jurisdiction": jurisdiction, "year": year})


@blueprint.route("/quota/<code>/mark", methods=["POST"])
@allow(STAFF)
def mark_contest(code: str):
    document = load_policies().get(code)
    if document is None or not quota_document(document):
        abort(404)
    _jurisdiction, year = _place_and_year(request.args)
    # CSRFProtect has checked the form's token before the view.
    competition_id = request.form.get("competition", "")
    competition = db.session.get(Competition, int(competition_id)) \
        if competition_id.isdecimal() and len(competition_id) < 10 else None
    scope = metrics.scope_for(document.jurisdiction, load_policies())
    if competition is None or competition.policy not in scope.policy_codes:
        flash(_("请选择本地区的竞赛。"), "danger")
    else:
        operations.mark_contest(code, competition)
        flash(_("已标记为国赛省级选拔赛：%(name)s", name=competition.name), "success")
        year = competition.year
    return redirect(_here(".quota", document.jurisdiction, year))


@blueprint.route("/quota/marks/<int:mark_id>/delete", methods=["POST"])
@allow(STAFF)
def unmark_contest(mark_id: int):
    mark = db.get_or_404(QuotaContest, mark_id)
    document = load_policies().get(mark.policy_code)
    year, name = mark.competition.year, mark.competition.name
    operations.unmark_contest(mark)
    flash(_("已取消选拔赛标记：%(name)s", name=name), "success")
    return redirect(_here(".quota", document.jurisdiction if document else "", year))
