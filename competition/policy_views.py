"""Pages of the policy engine: the policy documents as readable tables, a competition's awards
with their explanations, the staff award register (filters, totals, approval, payment list) and
what-if runs of an edited cash table.

Endpoints (blueprint ``policy``): ``policy.documents`` and ``policy.document`` (/policies),
``policy.competition_awards`` (/competitions/<id>/awards), ``policy.register``, ``policy.approve``,
``policy.approve_filtered``, ``policy.payment_list`` (/awards...) and ``policy.what_if``.
"""
from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.routing import BuildError

from bureau.access import allow, authenticated_user
from bureau.accounts.models import Role
from bureau.audit.recorder import explain
from bureau.clock import local_today
from bureau.db import db
from bureau.downloads import XLSX, send_download
from bureau.errors import Conflict
from bureau.policies import PolicyFileError, copy_with_changes, load_policies
from bureau.policies.model import PolicyDocument, RankRange
from bureau.text import N_
from bureau.web import add_navigation, local_path
from competition import award_queries as queries
from competition.access import ORGANISER, STAFF, owns_competition
from competition.awards import (CATEGORY_LABELS, MEDAL_LABELS, TIER_LABELS, apply_overlap_rules, awards_for,
                                explain_results)
from competition.models import TIERS, Award, AwardStatus, Competition
from competition.operations import competition_facts, result_facts
from competition.spreadsheet import write_xlsx

blueprint = Blueprint("policy", __name__)

ALL_ROLES = (Role.admin.value, Role.organiser.value, Role.studio_lead.value)

add_navigation(_l("奖励登记"), "policy.register", STAFF)
add_navigation(_l("奖励测算"), "policy.what_if", STAFF)
add_navigation(_l("政策文件"), "policy.documents", *ALL_ROLES)

KIND_LABELS = {"skill_level": N_("技能等级"), "title": N_("称号"), "cash": N_("奖金/补助")}
PAYEE_LABELS = {"person": N_("个人"), "team": N_("团队"), "base": N_("集训基地"), "organiser": N_("承办单位")}
STATUS_LABELS = {AwardStatus.proposed.value: N_("待批准"), AwardStatus.approved.value: N_("已批准")}
COMPETITION_STATUS_LABELS = {"draft": N_("草稿"), "results_entered": N_("已录入成绩"), "finalized": N_("成绩已确认"),
                             "published": N_("已公示")}
STUDIO_KIND_LABELS = {"master_studio": N_("技能大师工作室"), "training_base": N_("公共实训基地"),
                      "technician_station": N_("技师工作站"), "competition_base": N_("竞赛集训基地")}
LEVEL_LABELS = {"national": N_("国家级"), "provincial": N_("省级"), "city": N_("市级"), "county": N_("县级")}
CONFERRAL_LABELS = {"automatic": N_("按名次授予"), "selection": N_("经办人员遴选认定")}
TEAM_PAYMENT_LABELS = {"per_member": N_("团体项目每名成员各计一份"),
                       "once_per_team": N_("团体项目按团队计发一次")}
BASIS_LABELS = {"fixed": N_("定额"), "at_least": N_("不少于")}
GROUP_LABELS = {"worker": N_("职工组"), "student": N_("学生组")}
MAX_WHAT_IF_AMOUNT = 100_000_000  # a typo guard: no table in the seeds comes near 1亿元
MAX_WHAT_IF_RANK = 1000


class CsrfForm(FlaskForm):
    """Only the CSRF token: the approval buttons and the what-if form carry it."""


# --- shared wording -------------------------------------------------------------------------------


@blueprint.app_template_filter("cny")
def cny(amount) -> str:
    """¥50,000 — amounts in yuan with thousands separators; empty for None."""
    if amount is None:
        return ""
    sign = "−" if amount < 0 else ""
    return f"{sign}¥{abs(int(amount)):,}"


def tier_label(tier: str, category: int | None = None) -> str:
    return _(TIER_LABELS.get(tier, tier)) + (_(CATEGORY_LABELS[category]) if category in CATEGORY_LABELS else "")


def scope_label(tiers, categories=()) -> str:
    """E.g. 国家级一类; 市级（一类、二类）; 世界技能大赛、国家级."""
    parts = []
    for tier in tiers:
        if categories and tier != "world":
            parts.append(_(TIER_LABELS[tier]) + "、".join(_(CATEGORY_LABELS[c]) for c in categories))
        else:
            parts.append(_(TIER_LABELS[tier]))
    return "、".join(parts)


def places_label(places: RankRange | None) -> str:
    if places is None:
        return ""
    if places.from_rank == places.to_rank:
        return _("第%(rank)d名", rank=places.from_rank)
    return _("第%(first)d—%(last)d名", first=places.from_rank, last=places.to_rank)


def range_label(low, high, unit: str = "") -> str:
    """An amount or a range the document gives: 2万—5万, 不超过10万, 不少于10万."""
    def money(value):
        return cny(value) if not unit or unit == "元" else f"{value:,}"

    if low is not None and high is not None:
        text = _("%(low)s—%(high)s", low=money(low), high=money(high))
    elif high is not None:
        text = _("不超过%(high)s", high=money(high))
    elif low is not None:
        text = _("不少于%(low)s", low=money(low))
    else:
        text = _("未定金额")
    return Markup("{} <span class=\"muted\">{}</span>").format(text, unit) if unit and unit != "元" else text


def target_value(target) -> str:
    def number(value):
        return f"{value:,}" if isinstance(value, int) else f"{value:g}"

    if target.value is not None:
        return number(target.value)
    if target.value_min is not None and target.value_max is not None:
        return f"{number(target.value_min)}—{number(target.value_max)}"
    if target.value_min is not None:
        return _("%(value)s以上", value=number(target.value_min))
    return _("不超过%(value)s", value=number(target.value_max))


@blueprint.context_processor
def labels():
    return {"tier_label": tier_label, "scope_label": scope_label, "places_label": places_label,
            "range_label": range_label, "target_value": target_value, "KIND_LABELS": KIND_LABELS,
            "PAYEE_LABELS": PAYEE_LABELS, "STATUS_LABELS": STATUS_LABELS, "MEDAL_LABELS": MEDAL_LABELS,
            "STUDIO_KIND_LABELS": STUDIO_KIND_LABELS, "LEVEL_LABELS": LEVEL_LABELS,
            "CONFERRAL_LABELS": CONFERRAL_LABELS, "TEAM_PAYMENT_LABELS": TEAM_PAYMENT_LABELS,
            "BASIS_LABELS": BASIS_LABELS, "GROUP_LABELS": GROUP_LABELS,
            "COMPETITION_STATUS_LABELS": COMPETITION_STATUS_LABELS}


def _policy_or_404(code: str) -> PolicyDocument:
    policy = load_policies().get(code)
    if policy is None:
        abort(404)
    return policy


def _policy_names() -> dict[str, str]:
    return {code: document.short_name for code, document in sorted(load_policies().items())}


def _safe_return(target: str | None, fallback: str) -> str:
    return local_path(target) or fallback


# --- policy documents (every logged-in role) -------------------------------------------------------


@blueprint.route("/policies")
@allow(*ALL_ROLES)
def documents():
    return render_template("policies/index.html", policies=sorted(load_policies().values(), key=lambda p: p.code))


@blueprint.route("/policies/<code>")
@allow(*ALL_ROLES)
def document(code: str):
    policy = _policy_or_404(code)
    return render_template("policies/show.html", policy=policy)


# --- a competition's awards and why not (staff, the owning organiser) -------------------------------


@blueprint.route("/competitions/<int:competition_id>/awards")
@allow(STAFF, ORGANISER, owns=owns_competition)
def competition_awards(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    stored = queries.competition_awards(competition.id)
    by_result = queries.group_by_result(stored, competition.results)
    policy = load_policies().get(competition.policy)
    reasons: dict[int, list[str]] = {}
    if policy is not None and competition.results:
        reasons = explain_results(competition_facts(competition), [result_facts(r) for r in competition.results],
                                  policy)
    unexplained = [r for r in competition.results if r.id in reasons or r.id not in by_result]
    unexplained.sort(key=lambda r: (r.entry_group or "", r.rank is None, r.rank or 0, r.position))
    approvable, through_id = queries.approvable_summary(queries.RegisterFilters(competition=competition.id))
    paid = sum(a.amount or 0 for a in stored if a.kind == "cash" and a.paid)
    withheld = sum(a.amount or 0 for a in stored if a.kind == "cash" and not a.paid)
    return render_template("awards/competition.html", competition=competition, policy=policy, awards=stored,
                           by_result=by_result, reasons=reasons, unexplained=unexplained, paid=paid,
                           withheld=withheld, form=CsrfForm(), is_staff=_is_staff(),
                           detail_url=_competition_page(competition.id), approvable=approvable, through_id=through_id)


def _competition_page(competition_id: int) -> str | None:
    """The competition's own page (competition.views), when that module is installed."""
    try:
        return url_for("competitions.detail", competition_id=competition_id)
    except BuildError:
        return None


def _is_staff() -> bool:
    user = authenticated_user()
    return bool(user and user.is_admin)


# --- the award register (staff) ---------------------------------------------------------------------


def _filters(source) -> queries.RegisterFilters:
    return queries.RegisterFilters.from_args(source, load_policies())


def tier_chart(by_tier: dict[str, int]) -> dict:
    """Bars for an SVG chart of paid amounts by tier (drawn by the template, no script)."""
    label_width, bar_space, row_height = 120, 420, 30
    largest = max(by_tier.values(), default=0) or 1
    bars = []
    for index, tier in enumerate(TIERS):
        amount = by_tier.get(tier, 0)
        width = round(bar_space * amount / largest) if amount else 0
        bars.append({"label": tier_label(tier), "amount": amount, "y": index * row_height + 6,
                     "width": max(width, 1 if amount else 0), "text_x": label_width + max(width, 0) + 8})
    return {"bars": bars, "width": label_width + bar_space + 130, "height": len(TIERS) * row_height + 6,
            "label_width": label_width, "bar_height": row_height - 12}


@blueprint.route("/awards")
@allow(STAFF)
def register():
    filters = _filters(request.args)
    page = db.paginate(queries.register_query(filters), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    totals = queries.register_totals(filters)
    approvable, through_id = queries.approvable_summary(filters)
    competition = db.session.get(Competition, filters.competition) if filters.competition else None
    return render_template(
        "awards/register.html", competition=competition, page=page, filters=filters, totals=totals, chart=tier_chart(totals.paid_by_tier),
        approvable=approvable, through_id=through_id, policies=_policy_names(), years=queries.competition_years(),
        form=CsrfForm(), here=request.full_path, export_url=url_for(".payment_list", **filters.as_args()))


def _approve(rows: list[Award], why: str) -> int:
    changed = 0
    for award in rows:
        if award.status != AwardStatus.proposed.value:
            continue
        award.status = AwardStatus.approved.value
        changed += 1
    if changed:
        explain(db.session, why)
        db.session.flush()
    return changed


def _describe(award: Award) -> str:
    what = award.level or award.title or (cny(award.amount) if award.amount is not None else "")
    return f"#{award.id} {award.name} {what}（{award.competition.name}）"


@blueprint.route("/awards/<int:award_id>/approve", methods=["POST"])
@allow(STAFF)
def approve(award_id: int):
    # The CSRF token is checked before any view by CSRFProtect (bureau.extensions), for every POST.
    award = db.get_or_404(Award, award_id)
    back = _safe_return(request.form.get("next"), url_for(".register"))
    if award.competition.status not in queries.FINALIZED:
        raise Conflict(N_("该竞赛的成绩已重新开放，奖励须在重新确认后批准。"))
    if award.status == AwardStatus.approved.value:
        flash(_("该奖励已批准，无需重复操作。"), "info")
        return redirect(back)
    _approve([award], f"批准奖励：{_describe(award)}" + ("（按上限预列金额，经办人员已核定）" if award.needs_review else ""))
    flash(_("已批准：%(award)s", award=_describe(award)), "success")
    return redirect(back)


@blueprint.route("/awards/approve", methods=["POST"])
@allow(STAFF)
def approve_filtered():
    """Approve every proposed award of the filter the clerk was looking at.

    The form carries how many awards the clerk was shown and the highest id among them; if the
    set changed in between (a competition reopened or finalized), nothing is approved.
    """
    filters = _filters(request.form)
    back = _safe_return(request.form.get("next"), url_for(".register", **filters.as_args()))
    try:
        expected = int(request.form.get("expected", ""))
        through_id = int(request.form.get("through_id", ""))
        if abs(through_id) >= 2**31:  # no id is this large; the driver would overflow
            raise ValueError(through_id)
    except ValueError:
        abort(400)
    rows = list(db.session.scalars(queries.approvable_query(filters, through_id=through_id)))
    if len(rows) != expected:
        raise Conflict(N_("待批准的奖励在您查看后已有变化，未作任何批准；请刷新列表后重试。"))
    described = "；".join(f"{key}={value}" for key, value in filters.as_args().items()) or "全部"
    count = _approve(rows, f"批量批准奖励 {len(rows)} 项（筛选：{described}）")
    flash(_("已批准 %(count)d 项奖励。", count=count), "success")
    return redirect(back)


PAYMENT_HEADERS = (N_("序号"), N_("领取人"), N_("领取方"), N_("身份证号"), N_("工作单位"), N_("金额（元）"),
                   N_("政策文件"), N_("条款"), N_("竞赛"), N_("年度"), N_("依据"), N_("奖励编号"))


def _payment_row(number: int, award: Award, policies: dict[str, PolicyDocument]) -> list:
    result, competition = award.result, award.competition
    document = policies.get(award.policy)
    if award.payee == "base":
        payee = _("竞赛集训基地（编号%(base)s）", base=award.base_id)
        id_number, employer = "", ""
    elif award.payee == "organiser":
        payee, id_number, employer = award.name, "", ""
    else:
        payee = award.name
        id_number = award.id_number or ""
        employer = result.employer if result is not None else ""
    return [number, payee, _(PAYEE_LABELS[award.payee]), id_number, employer, award.amount,
            document.citation_name if document else award.policy, award.clause, competition.name, competition.year,
            award.rule, award.id]


@blueprint.route("/awards/payments.xlsx")
@allow(STAFF)
def payment_list():
    """The internal payment list: approved, payable cash awards of the filter, full ID numbers."""
    filters = _filters(request.args)
    policies = load_policies()
    rows = db.session.scalars(queries.payment_query(filters))
    data = write_xlsx(_("支付清单"), [_(header) for header in PAYMENT_HEADERS],
                      (_payment_row(number, award, policies) for number, award in enumerate(rows, start=1)))
    name = f"{_('奖励支付清单')}-{local_today():%Y%m%d}.xlsx"
    return send_download(data, name, XLSX)


# --- what-if (staff) ----------------------------------------------------------------------------------


def _editable_tables(policy: PolicyDocument):
    return [table for table in policy.cash if table.basis in ("ranks", "medals")]


def _field(table_key: str, kind: str, index: int, part: str) -> str:
    return f"{table_key}.{kind}{index}.{part}"


PART_LABELS = {"from_rank": N_("起始名次"), "to_rank": N_("截止名次"), "amount": N_("金额")}


def _read_changes(policy: PolicyDocument, form) -> tuple[dict, dict[str, str], dict[str, str], list[dict]]:
    """The form's edits as ``copy_with_changes`` entries, the values as typed, field errors, and
    the edits described for people (table, band, what, from → to)."""
    changes, values, errors, described = {}, {}, {}, []

    def change(path: str, table, where: str, part: str, old: int, new: int) -> None:
        changes[path] = new
        money = part == "amount"
        described.append({"path": path, "table": table.label, "where": where, "what": _(PART_LABELS[part]),
                          "old": cny(old) if money else old, "new": cny(new) if money else new})

    def number(name: str, original: int, largest: int) -> int | None:
        text = (form.get(name) or "").replace(",", "").replace("，", "").replace("¥", "").strip()
        values[name] = text
        if text == "":
            return original
        if not text.isdecimal() or not 1 <= int(text) <= largest:  # "²" passes isdigit(), not int()
            errors[name] = _("须为1至%(largest)s的整数", largest=f"{largest:,}")
            return None
        return int(text)

    for table in _editable_tables(policy):
        for index, band in enumerate(table.bands):
            for part, original, largest in (("from_rank", band.from_rank, MAX_WHAT_IF_RANK),
                                            ("to_rank", band.to_rank, MAX_WHAT_IF_RANK),
                                            ("amount", band.amount, MAX_WHAT_IF_AMOUNT)):
                value = number(_field(table.key, "b", index, part), original, largest)
                if value is not None and value != original:
                    change(f"cash.{table.key}.bands[{index}].{part}", table, places_label(band), part, original, value)
        for index, medal in enumerate(table.medals):
            value = number(_field(table.key, "m", index, "amount"), medal.amount, MAX_WHAT_IF_AMOUNT)
            if value is not None and value != medal.amount:
                change(f"cash.{table.key}.medals[{index}].amount", table, _(MEDAL_LABELS[medal.medal]), "amount",
                       medal.amount, value)
    return changes, values, errors, described


def _rule_labels(policy: PolicyDocument) -> dict[str, str]:
    labels = {f"cash.{t.key}": t.label for t in policy.cash}
    labels.update({f"titles.{t.key}": t.label for t in policy.titles})
    labels.update({f"base_subsidies.{t.key}": t.label for t in policy.base_subsidies})
    labels.update({f"hosting_subsidies.{t.key}": t.label for t in policy.hosting_subsidies})
    return labels


def run_what_if(policy: PolicyDocument, changed: PolicyDocument, competitions: list[Competition]) -> dict:
    """Convert the competitions under the document as it is and as changed; nothing is stored.

    Both runs convert the whole set together with the people's awards from other competitions as
    history (what finalize reads), so the overlap rules act alike in both.
    """
    pairs = queries.facts_for(competitions)
    history = queries.history_outside(competitions)
    tier_of = {c.id: c.tier for c in competitions}

    def run(document: PolicyDocument):
        proposed = [award for facts, results in pairs for award in awards_for(facts, results, document)]
        converted = apply_overlap_rules(proposed, history, {document.code: document})
        by_tier: dict[str, int] = defaultdict(int)
        by_rule: dict[str, int] = defaultdict(int)
        for award in converted:
            if award.kind == "cash" and award.paid:
                by_tier[tier_of[award.competition_id]] += award.amount or 0
                by_rule[award.rule_key] += award.amount or 0
        return dict(by_tier), dict(by_rule)

    stored_tier, stored_rule = queries.stored_cash_by_tier(competitions)
    current_tier, current_rule = run(policy)
    changed_tier, changed_rule = run(changed)

    def rows(keys, stored, current, what_if, label):
        table = []
        for key in keys:
            if not (stored.get(key) or current.get(key) or what_if.get(key)):
                continue
            table.append({"label": label(key), "stored": stored.get(key, 0), "current": current.get(key, 0),
                          "what_if": what_if.get(key, 0), "difference": what_if.get(key, 0) - stored.get(key, 0)})
        return table

    rule_labels = _rule_labels(policy)
    rule_keys = sorted(set(stored_rule) | set(current_rule) | set(changed_rule),
                       key=lambda key: list(rule_labels).index(key) if key in rule_labels else len(rule_labels))
    total = {"stored": sum(stored_tier.values()), "current": sum(current_tier.values()),
             "what_if": sum(changed_tier.values())}
    total["difference"] = total["what_if"] - total["stored"]
    return {"by_tier": rows(TIERS, stored_tier, current_tier, changed_tier, tier_label),
            "by_rule": rows(rule_keys, stored_rule, current_rule, changed_rule, lambda k: rule_labels.get(k, k)),
            "total": total, "competitions": len(competitions),
            "results": sum(len(c.results) for c in competitions)}


@blueprint.route("/awards/what-if", methods=["GET", "POST"])
@allow(STAFF)
def what_if():
    """Staff edit a copy of a cash table and see what a year's results would have cost.

    The POST changes no data: it only reads the year's competitions, converts them under the
    edited copy in memory and renders the comparison. (It is a POST because the edited table is
    a long form and carries a CSRF token like every form; the request's commit finds nothing to
    write.) Award rows are never touched.
    """
    policies = {code: document for code, document in sorted(load_policies().items())
                if _editable_tables(document)}
    source = request.form if request.method == "POST" else request.args
    code = source.get("policy") if source.get("policy") in policies else next(iter(policies), None)
    if code is None:
        abort(404)
    policy = policies[code]
    years = queries.competition_years(code)
    try:
        year = int(source.get("year") or (years[0] if years else local_today().year - 1))
        if not 0 < year < 10000:  # no competition's year; the driver would overflow past 2**63
            raise ValueError(year)
    except ValueError:
        year = years[0] if years else local_today().year - 1
    csrf = CsrfForm()
    changes, values, errors, described, problem, outcome = {}, {}, {}, [], None, None
    if request.method == "POST" and csrf.validate_on_submit():
        changes, values, errors, described = _read_changes(policy, request.form)
        if not errors:
            try:
                changed = copy_with_changes(policy, changes)
            except (PolicyFileError, KeyError) as error:
                problem = str(error)
            else:
                outcome = run_what_if(policy, changed, queries.finalized_competitions(code, year))
    return render_template("awards/what_if.html", policies=policies, policy=policy, years=years, year=year,
                           tables=_editable_tables(policy), values=values, errors=errors, changes=described,
                           problem=problem, outcome=outcome, form=csrf, field=_field)

