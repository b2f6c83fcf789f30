"""The one-page A4 summary for the bureau head: key figures, targets, money and charts, as a PDF.

Laid out by WeasyPrint as the certificates are (``bureau.certificates.render``): the same URL
fetcher that loads ``data:`` URIs only and refuses everything else, the system's Noto CJK fonts,
and a per-thread font configuration. The charts are the dashboard's own SVG, embedded as
``data:`` images. The page must stay one page: if the content overflows, fewer target rows and
then fewer charts are shown, and the PDF is refused if even that does not fit.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from bureau import charts
from bureau.certificates.render import DataURIOnlyFetcher, ForbiddenResourceError, PageCountError
from bureau.dashboard import board as dashboard_board
from bureau.dashboard.board import Board
from bureau.dashboard.metrics import STATUSES, wan, WAN

STYLESHEET = Path(__file__).resolve().parents[2] / "templates" / "dashboard" / "summary.css"

# Tried in order until the summary fits on one page: every chart with as many target rows as will
# go (targets still waiting for a manual figure go last), then without the competitions chart,
# then without the month chart too. The key figures and the points for the head always stay.
LAYOUTS = tuple({"targets": rows, "months": True, "competitions": True} for rows in (16, 14, 12, 10, 8)) + \
    tuple({"targets": rows, "months": True, "competitions": False} for rows in (12, 10, 8)) + \
    tuple({"targets": rows, "months": False, "competitions": False} for rows in (10, 8, 6))


def highlights(board: Board) -> list[str]:
    """What the head should know, in sentences."""
    lines = []
    if board.targets:
        counts = {status: sum(1 for line in board.targets if line.status == status) for status in STATUSES}
        parts = [_("%(status)s%(count)s项", status=_(STATUSES[status]), count=count)
                 for status, count in counts.items() if count]
        lines.append(_("指标%(total)s项：%(parts)s。", total=len(board.targets), parts="，".join(parts)))
        lagging = [line.target.label for line in board.targets if line.status in ("behind", "not_met")]
        if lagging:
            lines.append(_("滞后或未完成：%(labels)s。", labels="、".join(lagging[:6]) + (_("等") if len(lagging) > 6 else "")))
    unit = _(WAN)
    budget = board.budget_total
    if budget:
        lines.append(_("资金：已承诺%(committed)s元，占年度预算%(budget)s元的%(percent)s；其中已批准%(approved)s元。",
                       committed=wan(board.committed, unit), budget=wan(budget, unit),
                       percent=f"{board.committed / budget * 100:.0f}%", approved=wan(board.approved, unit)))
    else:
        lines.append(_("资金：已承诺%(committed)s元，其中已批准%(approved)s元；未填年度预算。",
                       committed=wan(board.committed, unit), approved=wan(board.approved, unit)))
    for item in board.what_if:
        if item.difference:
            lines.append(_("%(name)s：按现行政策重算与已登记奖金相差%(diff)s元。", name=item.name,
                           diff=wan(item.difference, unit)))
    for table in board.quotas:
        if table.contests:
            lines.append(_("国赛省级选拔赛%(count)s个：%(short)s个地区有项目未达应选派人数。", count=len(table.contests),
                           short=table.regions_short))
    return lines


class _Assets(threading.local):
    """Font configuration and stylesheet, made once per thread (they wrap Pango objects)."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self.stylesheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"), font_config=self.font_config,
                              url_fetcher=DataURIOnlyFetcher())


@cache
def _assets() -> _Assets:
    return _Assets()


def render_html(board: Board, svg_data_uri: Callable[[charts.Chart], str], layout: dict) -> str:
    progress = dashboard_board.progress_chart(board, limit=layout["targets"], width=760, counted_first=True)
    images = {
        "progress": svg_data_uri(progress) if progress else None,
        "budget": svg_data_uri(dashboard_board.budget_chart(board, width=430)),
        "money_tier": svg_data_uri(dashboard_board.money_tier_chart(board, width=430)),
        "months": svg_data_uri(dashboard_board.month_chart(board, width=760, height=170)) if layout["months"] else None,
        "competitions": svg_data_uri(dashboard_board.competitions_chart(board, width=430))
        if layout["competitions"] else None,
    }
    return render_template("dashboard/summary.html", board=board, images=images, highlights=highlights(board),
                           more_targets=max(len(board.targets) - layout["targets"], 0),
                           bureau=current_app.config["BUREAU_NAME"])


def summary_pdf(board: Board, svg_data_uri: Callable[[charts.Chart], str]) -> bytes:
    """The summary as a one-page PDF (``PageCountError`` if it cannot be made to fit)."""
    assets = _assets()
    for layout in LAYOUTS:
        fetcher = DataURIOnlyFetcher()
        document = HTML(string=render_html(board, svg_data_uri, layout), url_fetcher=fetcher).render(
            font_config=assets.font_config, stylesheets=[assets.stylesheet])
        if len(document.pages) == 1:
            pdf = document.write_pdf()
            if fetcher.refused:
                raise ForbiddenResourceError(fetcher.refused)
            return pdf
    raise PageCountError(f"the summary takes {len(document.pages)} pages even in its shortest layout")
