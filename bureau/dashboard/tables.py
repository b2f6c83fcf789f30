"""Every table of the dashboard, defined once: the page draws it, the .xlsx export writes it.

A table is its columns (header and kind) and rows of plain values; the page formats the values
by kind (money as ¥, statuses as badges) and the export keeps them as numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from bureau.certificates.operations import KIND_LABELS as CERTIFICATE_KIND_LABELS
from bureau.dashboard.board import AWARD_KINDS, Board, region_label, tier_text, years_text
from bureau.dashboard.metrics import METRICS, STATUSES
from bureau.dashboard.regions import QuotaTable
from bureau.text import N_
from studios.models import KIND_LABELS as STUDIO_KIND_LABELS
from studios.models import LEVEL_LABELS as STUDIO_LEVEL_LABELS

TEXT, NUMBER, MONEY, PERCENT, STATUS = "text", "number", "money", "percent", "status"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    nowrap: bool = False


@dataclass
class Table:
    name: str  # the export's address: /dashboard/export/<name>.xlsx
    title: str
    columns: list[Column]
    rows: list[list]
    footer: list | None = None
    classes: list[list[str]] = field(default_factory=list)  # a CSS class per cell (optional)
    footer_classes: list[str] = field(default_factory=list)
    note: str = ""

    def export_rows(self) -> list[list]:
        """Rows as the spreadsheet gets them: statuses in words, everything else as is."""
        rows = self.rows + ([self.footer] if self.footer else [])
        return [[_(STATUSES[value]) if column.kind == STATUS and value in STATUSES else value
                 for column, value in zip(self.columns, row)] for row in rows]


def targets_table(board: Board) -> Table:
    columns = [Column(_("指标")), Column(_("统计口径")), Column(_("范围")), Column(_("统计期"), nowrap=True),
               Column(_("目标"), nowrap=True),
               Column(_("完成"), NUMBER), Column(_("完成率"), PERCENT), Column(_("状态"), STATUS), Column(_("依据"))]
    rows = []
    for line in board.targets:
        target = line.target
        rows.append([target.label, line.metric_label, line.scope_label, years_text(target), line.target_text,
                     line.actual, line.share, line.status, target.note.splitlines()[0] if target.note else ""])
    return Table("targets", _("年度指标完成情况"), columns, rows)


def competitions_table(board: Board) -> Table:
    columns = [Column(_("级别")), Column(_("一类"), NUMBER), Column(_("二类"), NUMBER), Column(_("不分类"), NUMBER),
               Column(_("竞赛合计"), NUMBER), Column(_("参赛人次"), NUMBER)]
    columns += [Column(_("奖励：%(kind)s", kind=_(label)), NUMBER) for label in
                (N_("技能等级"), N_("称号"), N_("奖金"))]
    columns += [Column(_("奖励已批准"), NUMBER)]
    rows, totals = [], [0] * 9
    for tier, row in board.tiers:
        values = [row.competitions.get(1, 0), row.competitions.get(2, 0), row.competitions.get(None, 0),
                  row.competition_count, row.contestants, *(row.awards.get(kind, 0) for kind in AWARD_KINDS),
                  row.approved]
        totals = [a + b for a, b in zip(totals, values)]
        rows.append([tier_text(tier), *values])
    return Table("competitions", _("竞赛、参赛选手与奖励（按级别）"), columns, rows, [_("合计"), *totals],
                 note=_(METRICS["competitions"].counts) + _(METRICS["awards"].counts))


def studios_table(board: Board) -> Table:
    columns = [Column(_("类型"), nowrap=True), Column(_("级别"), nowrap=True), Column(_("新建"), NUMBER), Column(_("有效总数"), NUMBER),
               Column(_("应报年度报告"), NUMBER), Column(_("已报送"), NUMBER), Column(_("其中逾期"), NUMBER),
               Column(_("已通过"), NUMBER), Column(_("考评优秀"), NUMBER)]
    rows, totals = [], [0] * 7
    for kind, level, row in board.studios:
        values = [row.new, row.in_force, row.due, row.filed, row.late, row.accepted, row.excellent]
        totals = [a + b for a, b in zip(totals, values)]
        rows.append([_(STUDIO_KIND_LABELS[kind]), _(STUDIO_LEVEL_LABELS[level]), *values])
    return Table("studios", _("工作室与基地（按类型和级别）"), columns, rows, [_("合计"), "", *totals] if rows else None)


def certificates_table(board: Board) -> Table:
    columns = [Column(_("证书类别")), Column(_("有效"), NUMBER), Column(_("已吊销"), NUMBER)]
    rows = [[_(CERTIFICATE_KIND_LABELS.get(kind, kind)), valid, revoked] for kind, valid, revoked in board.certificates]
    footer = [_("合计"), sum(r[1] for r in rows), sum(r[2] for r in rows)] if rows else None
    return Table("certificates", _("发放证书（按类别）"), columns, rows, footer)


MONEY_TITLES = {"kind": N_("奖补资金（按类别）"), "tier": N_("奖补资金（按级别）"), "payee": N_("奖补资金（按领取方）"),
                "month": N_("奖补资金（按月份）")}
MONEY_HEADERS = {"kind": N_("类别"), "tier": N_("级别"), "payee": N_("领取方"), "month": N_("月份")}


def money_table(board: Board, dimension: str) -> Table:
    columns = [Column(_(MONEY_HEADERS[dimension])), Column(_("已承诺（待批准+已批准）"), MONEY),
               Column(_("其中已批准"), MONEY), Column(_("按就高规则不发"), MONEY)]
    rows = [[label, committed, approved, withheld] for _key, label, committed, approved, withheld
            in board.money_by[dimension]]
    footer = [_("合计"), board.committed, board.approved, board.withheld]
    return Table(f"money-{dimension}", _(MONEY_TITLES[dimension]), columns, rows, footer)


def budget_table(board: Board) -> Table:
    columns = [Column(_("类别")), Column(_("预算"), MONEY), Column(_("已承诺"), MONEY), Column(_("其中已批准"), MONEY),
               Column(_("预算余额"), MONEY), Column(_("执行率"), PERCENT)]
    rows = [[line.label, line.budget, line.committed, line.approved, line.left,
             line.committed / line.budget if line.budget else None] for line in board.budget]
    return Table("budget", _("资金：预算与执行"), columns, rows)


def what_if_table(board: Board) -> Table:
    columns = [Column(_("政策文件")), Column(_("已确认竞赛"), NUMBER), Column(_("已登记奖金"), MONEY),
               Column(_("按现行政策重算"), MONEY), Column(_("差额"), MONEY)]
    rows = [[item.name, item.competitions, item.stored, item.recomputed, item.difference] for item in board.what_if]
    return Table("what-if", _("政策测算"), columns, rows)


def quota_export(table: QuotaTable) -> Table:
    columns = [Column(_("地区")), Column(_("每项应选派"))]
    columns += [Column(contest.name, NUMBER) for contest in table.contests] + [Column(_("合计"), NUMBER),
                                                                              Column(_("未达数的项目"), NUMBER)]
    rows, classes = [], []
    for row in table.rows:
        quota = "" if row.quota is None else (_("%(n)s人以上", n=row.quota) if row.at_least else str(row.quota))
        rows.append([region_label(row.region), quota, *(cell.sent for cell in row.cells), row.total, row.short])
        classes.append(["", "", *(f"quota-{cell.status}" for cell in row.cells), "", ""])
    footer = [_("各项目参赛人数"), _("%(low)s—%(high)s人", low=table.size_min, high=table.size_max)
              if table.size_min is not None else "", *(total.sent for total in table.totals),
              sum(total.sent for total in table.totals), ""]
    footer_classes = ["", "", *(f"quota-{total.status}" for total in table.totals), "", ""]
    return Table(f"quota-{table.document_code}", _("分地区选派参赛选手（%(citation)s）", citation=table.citation),
                 columns, rows, footer, classes, footer_classes)


def all_tables(board: Board) -> list[Table]:
    tables = [targets_table(board), competitions_table(board), studios_table(board), certificates_table(board),
              budget_table(board)]
    tables += [money_table(board, dimension) for dimension in MONEY_TITLES]
    tables.append(what_if_table(board))
    tables += [quota_export(table) for table in board.quotas]
    return tables


def find_table(board: Board, name: str) -> Table | None:
    return next((table for table in all_tables(board) if table.name == name), None)
