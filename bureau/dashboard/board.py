"""Everything one dashboard shows for a jurisdiction and a year, gathered once for the page, the
exports and the PDF: targets with their counts and status, the tables, the money and the charts."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import gettext as _

from bureau import charts
from bureau.certificates.operations import KIND_ORDER as CERTIFICATE_KIND_ORDER
from bureau.dashboard import metrics, queries
from bureau.dashboard.metrics import (BUDGET_CATEGORIES, METRICS, MONEY_KINDS, MONEY_PAYEES, STATUSES,
                                      Scope, number_text, wan)
from bureau.dashboard.models import Target
from bureau.dashboard.regions import SPECIAL_REGION_LABELS, Contest, QuotaTable, quota_document, quota_table
from bureau.policies import load_policies
from bureau.text import N_
from bureau.policies.model import STUDIO_KINDS, STUDIO_LEVELS, TIERS, PolicyDocument
from competition.awards import CATEGORY_LABELS, TIER_LABELS
from studios.models import KIND_LABELS as STUDIO_KIND_LABELS
from studios.models import LEVEL_LABELS as STUDIO_LEVEL_LABELS

AWARD_KIND_LABELS = {"skill_level": N_("技能等级"), "title": N_("称号"), "cash": N_("奖金")}
AWARD_KINDS = tuple(AWARD_KIND_LABELS)
MONTHS = tuple(range(1, 13))
# A what-if recomputation converts a year's results again; above this many it is left to the
# what-if page itself rather than slowing every dashboard view.
WHAT_IF_RESULT_LIMIT = 5000


@dataclass(frozen=True)
class TargetLine:
    target: Target
    metric_label: str
    scope_label: str
    actual: float | None
    status: str
    share: float | None
    expected: float | None  # share of the period gone by, while it runs
    target_text: str
    actual_text: str

    @property
    def status_label(self) -> str:
        return _(STATUSES[self.status])

    @property
    def percent(self) -> str:
        return f"{self.share * 100:.0f}%" if self.share is not None else ""


@dataclass(frozen=True)
class BudgetLine:
    category: str
    label: str
    budget: int | None
    committed: int
    approved: int

    @property
    def left(self) -> int | None:
        return self.budget - self.committed if self.budget is not None else None

    @property
    def percent(self) -> str:
        return f"{self.committed / self.budget * 100:.0f}%" if self.budget else ""


@dataclass(frozen=True)
class WhatIf:
    code: str
    name: str
    competitions: int
    stored: int | None
    recomputed: int | None
    url: str

    @property
    def difference(self) -> int | None:
        return None if self.stored is None or self.recomputed is None else self.recomputed - self.stored


@dataclass
class Board:
    jurisdiction: str
    year: int
    today: date
    scope: Scope
    targets: list[TargetLine]
    tiers: list[tuple[str, queries.TierRow]]
    competition_months: dict[int | None, int]
    studios: list[tuple[str, str, queries.StudioRow]]
    certificates: list[tuple[str, int, int]]
    money: list[queries.MoneyRow]
    money_by: dict[str, list[tuple[object, str, int, int, int]]]
    budget: list[BudgetLine]
    budget_rows: dict
    what_if: list[WhatIf]
    quotas: list[QuotaTable]
    figures: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def committed(self) -> int:
        return sum(row.committed for row in self.money)

    @property
    def approved(self) -> int:
        return sum(row.approved for row in self.money)

    @property
    def withheld(self) -> int:
        return sum(row.withheld for row in self.money)

    @property
    def budget_total(self) -> int | None:
        line = next((line for line in self.budget if line.category == "total"), None)
        return line.budget if line is not None else None


# --- wording -------------------------------------------------------------------------------------------


def tier_text(tier: str, category: int | None = None) -> str:
    return _(TIER_LABELS.get(tier, tier)) + (_(CATEGORY_LABELS[category]) if category in CATEGORY_LABELS else "")


def filters_text(target: Target) -> str:
    parts = []
    if target.tier:
        parts.append(tier_text(target.tier, target.category))
    elif target.category:
        parts.append(_(CATEGORY_LABELS[target.category]))
    if target.award_kind:
        parts.append(_(AWARD_KIND_LABELS[target.award_kind]))
    if target.studio_level:
        parts.append(_(STUDIO_LEVEL_LABELS[target.studio_level]))
    if target.studio_kind:
        parts.append(_(STUDIO_KIND_LABELS[target.studio_kind]))
    return "·".join(parts)


def target_text(target: Target) -> str:
    unit = target.unit or _(METRICS[target.metric].unit)
    if target.comparison == "range" and target.value_max is not None:
        return f"{number_text(target.value)}—{number_text(target.value_max)}{unit}"
    if target.comparison == "about":
        return _("%(value)s%(unit)s左右", value=number_text(target.value), unit=unit)
    return f"{number_text(target.value)}{unit}"


def years_text(target: Target) -> str:
    if target.from_year == target.year:
        return _("%(year)s年", year=target.year)
    return _("%(first)s—%(last)s年累计", first=target.from_year, last=target.year)


# --- gathering -------------------------------------------------------------------------------------------


def target_lines(items: list[Target], scope: Scope, today: date) -> list[TargetLine]:
    lines = []
    for target in items:
        counted = queries.count_metric(target.metric, target.filters, scope, target.from_year, target.year, today)
        actual = float(target.manual_actual) if target.metric == "manual" and target.manual_actual is not None \
            else (float(counted) if counted is not None else None)
        value = float(target.value)
        value_max = float(target.value_max) if target.value_max is not None else None
        elapsed = metrics.elapsed_share(target.from_year, target.year, today)
        status = metrics.status_of(actual, value, value_max, target.comparison, elapsed)
        unit = target.unit or _(METRICS[target.metric].unit)
        lines.append(TargetLine(
            target=target, metric_label=_(METRICS[target.metric].label), scope_label=filters_text(target),
            actual=actual, status=status, share=metrics.share(actual, value),
            expected=elapsed if 0 < elapsed < 1 else None, target_text=target_text(target),
            actual_text=(number_text(actual) + unit) if actual is not None else _("待填报")))
    return lines


def _what_if(scope: Scope, year: int, policies: dict[str, PolicyDocument]) -> list[WhatIf]:
    from competition.award_queries import finalized_competitions
    from competition.policy_views import run_what_if

    found = []
    for code in scope.policy_codes:
        document = policies.get(code)
        # The what-if page edits tables of amounts by rank or medal; other documents have none.
        if document is None or not any(table.basis in ("ranks", "medals") for table in document.cash):
            continue
        url = url_for("policy.what_if", policy=code, year=year)
        count = queries.finalized_result_count(code, year)
        if count == 0:
            continue
        if count > WHAT_IF_RESULT_LIMIT:
            found.append(WhatIf(code, document.short_name, 0, None, None, url))
            continue
        competitions = finalized_competitions(code, year)
        outcome = run_what_if(document, document, competitions)
        found.append(WhatIf(code, document.short_name, len(competitions), outcome["total"]["stored"],
                            outcome["total"]["current"], url))
    return found


def quota_tables(scope: Scope, year: int, policies: dict[str, PolicyDocument]) -> list[QuotaTable]:
    """The per-region tables that concern the scope's jurisdiction: a province's whole table, a
    region's own row."""
    tables = []
    for code, document in sorted(policies.items()):
        if not quota_document(document):
            continue
        regions = {row.region for row in document.region_targets}
        if document.jurisdiction == scope.jurisdiction:
            only = None
        elif scope.jurisdiction in regions:
            only = scope.jurisdiction
        else:
            continue
        quota_scope = metrics.scope_for(document.jurisdiction, policies)
        marked = queries.quota_contests(code, quota_scope, year)
        contests = [Contest(competition.id, competition.name) for _mark, competition in marked]
        counts = queries.contestants_by_region([contest.id for contest in contests])
        tables.append(quota_table(document, contests, counts, only))
    return tables


def region_label(region: str) -> str:
    return _(SPECIAL_REGION_LABELS[region]) if region in SPECIAL_REGION_LABELS else region


def _money_by(rows: list[queries.MoneyRow]) -> dict[str, list[tuple[object, str, int, int, int]]]:
    """Money rolled up by kind, tier, payee and month, in a fixed order, with labels."""
    labelled: dict[str, list] = {}
    orders: dict[str, tuple[tuple[object, Callable[[], str]], ...]] = {
        "kind": tuple((k, lambda k=k: _(MONEY_KINDS[k])) for k in MONEY_KINDS),
        "tier": tuple((t, lambda t=t: _(TIER_LABELS[t])) for t in TIERS),
        "payee": tuple((p, lambda p=p: _(MONEY_PAYEES[p])) for p in MONEY_PAYEES),
        "month": tuple((m, lambda m=m: _("%(month)s月", month=m)) for m in MONTHS) + ((None, lambda: _("不分月份")),),
    }
    for dimension, order in orders.items():
        totals = queries.roll_up(rows, dimension)
        lines = []
        for key, label in order:
            committed, approved, withheld = totals.pop(key, (0, 0, 0))
            if committed or approved or withheld or dimension in ("kind", "tier") or \
                    (dimension == "month" and key is not None):
                lines.append((key, label(), committed, approved, withheld))
        for key, (committed, approved, withheld) in totals.items():  # anything unforeseen stays visible
            lines.append((key, str(key), committed, approved, withheld))
        labelled[dimension] = lines
    return labelled


def build(jurisdiction: str, year: int, today: date) -> Board:
    policies = load_policies()
    scope = metrics.scope_for(jurisdiction, policies)
    targets = target_lines(queries.targets(jurisdiction, year), scope, today)
    by_tier = queries.competitions_by_tier(scope, year)
    tiers = [(tier, by_tier.get(tier, queries.TierRow())) for tier in TIERS]
    studio_map = queries.studios_by_kind(scope, year, today)
    studios = [(kind, level, studio_map[(kind, level)]) for kind in STUDIO_KINDS for level in STUDIO_LEVELS
               if (kind, level) in studio_map]
    certificate_map = queries.certificates_by_kind(scope, year)
    certificates = [(kind, *certificate_map[kind]) for kind in sorted(certificate_map,
                                                                       key=lambda k: CERTIFICATE_KIND_ORDER.get(k, 9))]
    money = queries.money_rows(scope, year, policies)
    money_by = _money_by(money)
    budget_rows = queries.budgets(jurisdiction, year)
    by_kind = {key: (committed, approved) for key, _label, committed, approved, _w in money_by["kind"]}
    committed_total = sum(row.committed for row in money)
    approved_total = sum(row.approved for row in money)
    budget = [BudgetLine("total", _(BUDGET_CATEGORIES["total"]),
                         budget_rows["total"].amount if "total" in budget_rows else None,
                         committed_total, approved_total)]
    budget += [BudgetLine(kind, _(label), budget_rows[kind].amount if kind in budget_rows else None,
                          *by_kind.get(kind, (0, 0))) for kind, label in MONEY_KINDS.items()]
    board = Board(
        jurisdiction=jurisdiction, year=year, today=today, scope=scope, targets=targets, tiers=tiers,
        competition_months=queries.competitions_by_month(scope, year), studios=studios,
        certificates=certificates, money=money, money_by=money_by, budget=budget, budget_rows=budget_rows,
        what_if=_what_if(scope, year, policies), quotas=quota_tables(scope, year, policies))
    board.figures = _figures(board)
    return board


def _figures(board: Board) -> list[tuple[str, str, str]]:
    """The key figures across the top: (label, value, note)."""
    competitions = sum(row.competition_count for _tier, row in board.tiers)
    contestants = sum(row.contestants for _tier, row in board.tiers)
    awards = sum(row.award_count for _tier, row in board.tiers)
    new_studios = sum(row.new for *_key, row in board.studios)
    filed = sum(row.filed for *_key, row in board.studios)
    due = sum(row.due for *_key, row in board.studios)
    excellent = sum(row.excellent for *_key, row in board.studios)
    certificates = sum(valid for _kind, valid, _revoked in board.certificates)
    met = sum(1 for line in board.targets if line.status == "met")
    budget = board.budget_total
    return [
        (_("指标完成"), f"{met} / {len(board.targets)}", _("项已完成")),
        (_("举办竞赛"), number_text(competitions), _("场")),
        (_("参赛选手"), number_text(contestants), _("人次")),
        (_("奖励"), number_text(awards), _("项")),
        (_("新建工作室/基地"), number_text(new_studios), _("家")),
        (_("报送年度报告"), f"{filed} / {due}", _("份（已报/应报）")),
        (_("考评优秀"), number_text(excellent), _("家")),
        (_("发放证书"), number_text(certificates), _("份")),
        (_("已承诺资金"), wan(board.committed, _(metrics.WAN)) + _("元"),
         _("预算 %(budget)s元", budget=wan(budget, _(metrics.WAN))) if budget else _("未填预算")),
    ]


# --- charts ----------------------------------------------------------------------------------------------


def progress_chart(board: Board, *, limit: int | None = None, width: float = 760,
                   counted_first: bool = False) -> charts.Chart | None:
    """Progress bars of the targets; ``counted_first`` puts the ones still waiting for a manual
    figure last (before ``limit`` cuts the list, as the one-page summary does)."""
    lines = sorted(board.targets, key=lambda line: line.actual is None) if counted_first else board.targets
    lines = lines[:limit] if limit else lines
    if not lines:
        return None
    rows = []
    for line in lines:
        target = line.target
        value = float(target.value)
        label = target.label
        text = f"{line.actual_text} / {line.target_text}"
        if line.percent:
            text += f" {line.percent}"
        rows.append(charts.ProgressRow(label, line.actual, value, line.status, text,
                                       float(target.value_max) if target.value_max is not None else None,
                                       line.expected))
    legend = (charts.LegendItem(_("目标"), charts.INK, line=True),
              charts.LegendItem(_("按时间应达进度"), charts.MUTED, line=True),
              charts.LegendItem(_(STATUSES["met"]), charts.GREEN), charts.LegendItem(_(STATUSES["on_track"]), charts.BLUE),
              charts.LegendItem(_(STATUSES["behind"]), charts.AMBER), charts.LegendItem(_(STATUSES["not_met"]), charts.RED))
    return charts.progress_chart(rows, title=_("年度指标完成情况"), width=width, legend=legend)


def competitions_chart(board: Board, *, width: float = 560) -> charts.Chart:
    labels = [_(TIER_LABELS[tier]) for tier, _row in board.tiers]
    series = (
        charts.Series(_("一类"), tuple(row.competitions.get(1, 0) for _t, row in board.tiers), charts.BLUE),
        charts.Series(_("二类"), tuple(row.competitions.get(2, 0) for _t, row in board.tiers), charts.LIGHT_BLUE),
        charts.Series(_("不分类"), tuple(row.competitions.get(None, 0) for _t, row in board.tiers), charts.GREY),
    )
    notes = tuple(_("%(count)s场，%(people)s人次", count=row.competition_count, people=row.contestants)
                  if row.competition_count else "" for _t, row in board.tiers)
    return charts.horizontal_bars(labels, series, title=_("按级别统计的竞赛场次"), width=width,
                                  options=charts.BarOptions(mode="stacked", notes=notes))


def money_tier_chart(board: Board, *, width: float = 560) -> charts.Chart:
    lines = board.money_by["tier"]
    unit = _(metrics.WAN)
    series = (charts.Series(_("已承诺"), tuple(c for *_x, c, _a, _w in lines), charts.LIGHT_BLUE),
              charts.Series(_("已批准"), tuple(a for *_x, _c, a, _w in lines), charts.BLUE))
    notes = tuple(wan(c, unit) if c else "" for *_x, c, _a, _w in lines)
    return charts.horizontal_bars([label for _k, label, *_rest in lines], series, title=_("按级别统计的奖补资金（元）"),
                                  width=width, options=charts.BarOptions(notes=notes, axis_format=lambda v: wan(v, unit)))


def budget_chart(board: Board, *, width: float = 560) -> charts.Chart:
    unit = _(metrics.WAN)
    lines = [line for line in board.budget if line.category == "total" or line.budget or line.committed]
    series = (charts.Series(_("已承诺"), tuple(line.committed for line in lines), charts.LIGHT_BLUE),
              charts.Series(_("已批准"), tuple(line.approved for line in lines), charts.BLUE))
    notes = tuple(_("%(used)s / %(budget)s", used=wan(line.committed, unit), budget=wan(line.budget, unit))
                  if line.budget else wan(line.committed, unit) for line in lines)
    options = charts.BarOptions(markers=tuple(line.budget for line in lines), marker_label=_("预算"), notes=notes,
                                axis_format=lambda v: wan(v, unit))
    return charts.horizontal_bars([line.label for line in lines], series, title=_("资金：预算与执行（元）"),
                                  width=width, options=options)


def month_chart(board: Board, *, width: float = 760, height: float = 220) -> charts.Chart:
    unit = _(metrics.WAN)
    lines = [line for line in board.money_by["month"] if line[0] is not None or line[2]]
    series = (charts.Series(_("已承诺"), tuple(c for _k, _l, c, _a, _w in lines), charts.LIGHT_BLUE),
              charts.Series(_("已批准"), tuple(a for _k, _l, _c, a, _w in lines), charts.BLUE))
    notes = tuple(wan(c, unit) if c else "" for _k, _l, c, _a, _w in lines)
    return charts.vertical_bars([label for _k, label, *_rest in lines], series, title=_("按月统计的奖补资金（元）"),
                                width=width, height=height,
                                options=charts.BarOptions(notes=notes, axis_format=lambda v: wan(v, unit)))
