"""The dashboard's writes: targets, loading a document's targets, budgets, selection contests.

The web request commits (``bureau.app``); these functions add, change and flush. A write made
against an older version of a row is refused (``Conflict``), and inserts that may race (two
clerks loading the same document, saving the same budget line) run in a savepoint, so the
loser finds the winner's row instead of failing.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from bureau.audit.recorder import explain
from bureau.dashboard.metrics import BUDGET_CATEGORIES, COMPARISONS, METRICS, plan_policy_targets
from bureau.dashboard.models import Budget, QuotaContest, Target
from bureau.db import db, insert_unless_taken
from bureau.errors import STALE_FORM, Conflict, Invalid, Problem, check_version
from bureau.policies.model import STUDIO_KINDS, STUDIO_LEVELS, TIERS, PolicyDocument
from bureau.text import N_
from competition.models import Competition

AWARD_KINDS = ("skill_level", "title", "cash")
MAX_VALUE = Decimal("999999999999")
MAX_BUDGET = 10_000_000_000  # 100亿元: a typo guard
YEARS = (2000, 2100)


# --- targets -------------------------------------------------------------------------------------------


def _number(raw, field: str, problems: list[Problem], *, required: bool) -> Decimal | None:
    text = str(raw if raw is not None else "").replace(",", "").replace("，", "").strip()
    if text == "":
        if required:
            problems.append(Problem(field, N_("请填写数值")))
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(Problem(field, N_("须为数字")))
        return None
    if not value.is_finite() or value < 0 or value > MAX_VALUE or value != round(value, 2):
        problems.append(Problem(field, N_("须为不小于0的数，最多两位小数")))
        return None
    return value


def _year(raw, field: str, problems: list[Problem]) -> int | None:
    try:
        year = int(str(raw).strip())
    except (TypeError, ValueError):
        year = None
    if year is None or not YEARS[0] <= year <= YEARS[1]:
        problems.append(Problem(field, N_("年度必须是2000至2100之间的年份")))
        return None
    return year


def target_values(raw: Mapping) -> dict:
    """Checked target fields from a form: every problem reported at once (``Invalid``)."""
    problems: list[Problem] = []
    jurisdiction = str(raw.get("jurisdiction") or "").strip()
    if not jurisdiction or len(jurisdiction) > 100:
        problems.append(Problem("jurisdiction", N_("请填写地区（不超过100字）")))
    label = str(raw.get("label") or "").strip()
    if not label or len(label) > 200:
        problems.append(Problem("label", N_("请填写指标名称（不超过200字）")))
    metric = raw.get("metric")
    if metric not in METRICS:
        problems.append(Problem("metric", N_("请选择统计口径")))
    comparison = raw.get("comparison") or "at_least"
    if comparison not in COMPARISONS:
        problems.append(Problem("comparison", N_("请选择目标类型")))
    year = _year(raw.get("year"), "year", problems)
    from_text = str(raw.get("from_year") or "").strip()
    from_year = _year(from_text, "from_year", problems) if from_text else year
    if year is not None and from_year is not None and from_year > year:
        problems.append(Problem("from_year", N_("起始年度不能晚于目标年度")))
    value = _number(raw.get("value"), "value", problems, required=True)
    value_max = _number(raw.get("value_max"), "value_max", problems, required=comparison == "range")
    if comparison == "range" and value is not None and value_max is not None and value_max < value:
        problems.append(Problem("value_max", N_("上限不能小于下限")))
    manual_actual = _number(raw.get("manual_actual"), "manual_actual", problems, required=False)
    unit = str(raw.get("unit") or "").strip()
    if len(unit) > 20:
        problems.append(Problem("unit", N_("单位不超过20字")))
    allowed = METRICS[metric].filters if metric in METRICS else ()
    filters = {"tier": raw.get("tier") or None, "category": raw.get("category") or None,
               "award_kind": raw.get("award_kind") or None, "studio_kind": raw.get("studio_kind") or None,
               "studio_level": raw.get("studio_level") or None}
    choices = {"tier": TIERS, "category": ("1", "2", 1, 2), "award_kind": AWARD_KINDS, "studio_kind": STUDIO_KINDS,
               "studio_level": STUDIO_LEVELS}
    for key, chosen in list(filters.items()):
        if key not in allowed:
            filters[key] = None
        elif chosen is not None and chosen not in choices[key]:
            problems.append(Problem(key, N_("选项无效")))
    if problems:
        raise Invalid(problems)
    return {"jurisdiction": jurisdiction, "label": label, "metric": metric, "comparison": comparison,
            "year": year, "from_year": from_year, "value": value,
            "value_max": value_max if comparison == "range" else None,
            "manual_actual": manual_actual if metric == "manual" else None, "unit": unit,
            "tier": filters["tier"], "category": int(filters["category"]) if filters["category"] else None,
            "award_kind": filters["award_kind"], "studio_kind": filters["studio_kind"],
            "studio_level": filters["studio_level"], "note": str(raw.get("note") or "").strip()[:2000]}


def _next_position(jurisdiction: str, year: int) -> int:
    highest = db.session.scalar(select(func.max(Target.position)).where(
        Target.jurisdiction == jurisdiction, Target.year == year))
    return (highest or 0) + 1


def create_target(raw: Mapping) -> Target:
    values = target_values(raw)
    target = Target(**values, position=_next_position(values["jurisdiction"], values["year"]))
    db.session.add(target)
    explain(db.session, f"新增看板指标：{values['jurisdiction']} {values['year']}年 {values['label']}")
    db.session.flush()
    return target


def update_target(target: Target, raw: Mapping, *, version=None) -> Target:
    check_version(target, version)
    values = target_values({**raw, "jurisdiction": target.jurisdiction})
    if target.policy_key and (values["year"] != target.year):
        raise Invalid([Problem("year", N_("按政策文件载入的指标不能改年度；请删除后在该年度重新载入"))])
    for key, value in values.items():
        setattr(target, key, value)
    explain(db.session, f"修改看板指标：{target.jurisdiction} {target.year}年 {target.label}")
    db.session.flush()
    return target


def set_manual_actual(target: Target, raw, *, version=None) -> Target:
    check_version(target, version)
    if target.metric != "manual":
        raise Invalid([Problem("manual_actual", N_("此指标由系统自动统计，不能填报"))])
    problems: list[Problem] = []
    target.manual_actual = _number(raw, "manual_actual", problems, required=False)
    if problems:
        raise Invalid(problems)
    explain(db.session, f"填报看板指标完成数：{target.jurisdiction} {target.year}年 {target.label}")
    db.session.flush()
    return target


def delete_target(target: Target, *, version=None) -> None:
    check_version(target, version)
    explain(db.session, f"删除看板指标：{target.jurisdiction} {target.year}年 {target.label}")
    db.session.delete(target)
    db.session.flush()


def load_policy_targets(document: PolicyDocument, year: int) -> tuple[list[Target], int, list]:
    """Store the document's targets for ``year`` under its jurisdiction, once: targets already
    loaded (also by someone else a moment ago) are left as they are, whatever staff changed.
    Returns (added, already there, skipped with reasons)."""
    if not YEARS[0] <= year <= YEARS[1]:
        raise Invalid([Problem("year", N_("年度必须是2000至2100之间的年份"))])
    planned, skipped = plan_policy_targets(document, year)
    existing = set(db.session.scalars(select(Target.policy_key).where(
        Target.jurisdiction == document.jurisdiction, Target.year == year, Target.policy_code == document.code)))
    added, present = [], 0
    position = _next_position(document.jurisdiction, year)
    explain(db.session, f"按政策文件载入看板指标：{document.citation_name} {year}年")
    for plan in planned:
        if plan.key in existing:
            present += 1
            continue
        target = Target(
            jurisdiction=document.jurisdiction, year=year, from_year=plan.from_year, label=plan.label[:200],
            metric=plan.metric, comparison=plan.comparison, value=Decimal(str(plan.value)),
            value_max=Decimal(str(plan.value_max)) if plan.value_max is not None else None, unit=plan.unit[:20],
            policy_code=document.code, policy_key=plan.key,
            note=(plan.note + (f"\n{plan.reading}" if plan.reading else ""))[:2000], position=position,
            tier=plan.filters.get("tier"), category=plan.filters.get("category"),
            award_kind=plan.filters.get("award_kind"), studio_kind=plan.filters.get("studio_kind"),
            studio_level=plan.filters.get("studio_level"))
        if not insert_unless_taken(target):
            present += 1  # loaded by another request meanwhile
            continue
        added.append(target)
        position += 1
    db.session.flush()
    return added, present, skipped


# --- budgets -------------------------------------------------------------------------------------------


def budget_amounts(raw: Mapping[str, object]) -> dict[str, int | None]:
    """Amounts in whole yuan by category from a form (blank: no budget line)."""
    problems: list[Problem] = []
    amounts: dict[str, int | None] = {}
    for category in BUDGET_CATEGORIES:
        text = str(raw.get(category) or "").replace(",", "").replace("，", "").replace("¥", "").strip()
        if text == "":
            amounts[category] = None
        elif not text.isdecimal() or int(text) > MAX_BUDGET:
            problems.append(Problem(category, N_("须为不超过100亿的整数（元）")))
        else:
            amounts[category] = int(text)
    if problems:
        raise Invalid(problems)
    return amounts


def save_budget(jurisdiction: str, year: int, raw: Mapping[str, object], versions: Mapping[str, object],
                note: str = "") -> list[Budget]:
    """Set the year's budget lines: each line changes only if nobody saved it since the form was
    read (``versions``: the version seen, ``0`` for a line that did not exist yet)."""
    if not jurisdiction or not YEARS[0] <= year <= YEARS[1]:
        raise Invalid([Problem("year", N_("年度必须是2000至2100之间的年份"))])
    amounts = budget_amounts(raw)
    rows = {row.category: row for row in db.session.scalars(
        select(Budget).where(Budget.jurisdiction == jurisdiction, Budget.year == year))}
    for category in BUDGET_CATEGORIES:
        check_version(rows.get(category), versions.get(category))
    saved = []
    explain(db.session, f"修改年度预算：{jurisdiction} {year}年")
    for category, amount in amounts.items():
        row = rows.get(category)
        if amount is None:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = Budget(jurisdiction=jurisdiction, year=year, category=category, amount=amount, note=note[:2000])
            if not insert_unless_taken(row):
                raise Conflict(STALE_FORM)
        elif row.amount != amount or row.note != note[:2000]:
            row.amount, row.note = amount, note[:2000]
        saved.append(row)
    db.session.flush()
    return saved


# --- selection contests -------------------------------------------------------------------------------


def mark_contest(policy_code: str, competition: Competition) -> QuotaContest:
    """Mark ``competition`` as a selection contest under the document's quota (idempotent)."""
    found = db.session.scalar(select(QuotaContest).where(QuotaContest.policy_code == policy_code,
                                                         QuotaContest.competition_id == competition.id))
    if found is not None:
        return found
    mark = QuotaContest(policy_code=policy_code, competition_id=competition.id)
    explain(db.session, f"标记国赛省级选拔赛：{competition.name}")
    if not insert_unless_taken(mark):
        return db.session.scalar(select(QuotaContest).where(QuotaContest.policy_code == policy_code,
                                                            QuotaContest.competition_id == competition.id))
    db.session.flush()
    return mark


def unmark_contest(mark: QuotaContest) -> None:
    explain(db.session, f"取消国赛省级选拔赛标记：{mark.competition.name}")
    db.session.delete(mark)
    db.session.flush()
