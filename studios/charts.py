"""Geometry for the two studio charts, drawn as SVG by ``templates/studios/_charts.html``.

Plain arithmetic, no Flask: the page must work offline and under a strict CSP, so there is no
chart library — the server computes where each bar, point and label goes and the template
writes the SVG elements. Coordinates are in SVG user units (the viewBox). The frame, ticks and
gridline steps are shared with the other charts (``bureau.charts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from bureau.charts import Frame, Tick, nice_step
from studios.messages import format_points

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 40, 36  # margins for the axes' labels
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MAX_SCORE = 100
LINE_INSET = 30


FRAME = Frame(width=WIDTH, height=HEIGHT, left=LEFT, right=WIDTH - RIGHT, top=TOP, bottom=TOP + PLOT_HEIGHT)


@dataclass(frozen=True)
class Bar:
    lower: int
    upper: int
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    bars: tuple[Bar, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    cut_x: float | None
    cut_label: str
    total: int
    frame: Frame = FRAME


@dataclass(frozen=True)
class Point:
    year: int
    score: str
    x: float
    y: float


@dataclass(frozen=True)
class LineChart:
    points: tuple[Point, ...]
    polyline: str
    y_ticks: tuple[Tick, ...]
    frame: Frame = FRAME


def _x_for_score(score: Decimal | float, start: int = 0) -> float:
    return round(LEFT + (float(score) - start) / (MAX_SCORE - start) * PLOT_WIDTH, 1)


def _y_for(value: float, top_value: float) -> float:
    return round(TOP + PLOT_HEIGHT - value / top_value * PLOT_HEIGHT, 1)


def histogram_start(scores: Sequence[Decimal], bin_width: int = 5) -> int:
    """Where the x-axis begins: at 50 or lower, so the pass line (60) is always in view, and
    lower only as far as the lowest score needs; the usual 70–95 cluster is not squeezed."""
    if not scores:
        return 0
    lowest = int(min(scores)) // 10 * 10
    return max(0, min(50, lowest)) // bin_width * bin_width


def score_histogram(scores: Sequence[Decimal], cut_score: Decimal | None, *, bin_width: int = 5) -> Histogram:
    """Counts of scores in bins of ``bin_width`` points up to 100 (the last bin includes 100),
    and the x position of the cut line (the score of the last studio rated 优秀), if any."""
    start = histogram_start(scores, bin_width)
    bins = (MAX_SCORE - start) // bin_width
    counts = [0] * bins
    for score in scores:
        counts[min(int((score - start) // bin_width), bins - 1)] += 1
    step, top = nice_step(max(counts, default=0))  # at most about 5 gridlines, whole numbers only
    bar_width = PLOT_WIDTH / bins
    bars = tuple(
        Bar(start + i * bin_width, start + (i + 1) * bin_width, count, round(LEFT + i * bar_width + 1, 1),
            _y_for(count, top), round(bar_width - 2, 1), round(count / top * PLOT_HEIGHT, 1))
        for i, count in enumerate(counts)
    )
    x_ticks = tuple(Tick(_x_for_score(value, start), str(value)) for value in range(start, MAX_SCORE + 1, 10))
    y_ticks = tuple(Tick(_y_for(value, top), str(value)) for value in range(0, top + 1, step))
    cut_x = _x_for_score(cut_score, start) if cut_score is not None else None
    return Histogram(bars, x_ticks, y_ticks, cut_x, format_points(cut_score) if cut_score is not None else "",
                     len(scores))


def scores_by_year(points: Sequence[tuple[int, Decimal]]) -> LineChart:
    """A studio's total score per year, as points on a 0–100 scale, years spread evenly."""
    ordered = sorted(points)
    count = len(ordered)
    span = PLOT_WIDTH - 2 * LINE_INSET
    placed = []
    for index, (year, score) in enumerate(ordered):
        # Inset from the axes so the first and last labels do not sit on the y-axis or the edge.
        x = LEFT + LINE_INSET + (span / 2 if count == 1 else index * span / (count - 1))
        placed.append(Point(year, format_points(score), round(x, 1), _y_for(float(score), MAX_SCORE)))
    y_ticks = tuple(Tick(_y_for(value, MAX_SCORE), str(value)) for value in range(0, MAX_SCORE + 1, 20))
    return LineChart(tuple(placed), " ".join(f"{p.x},{p.y}" for p in placed), y_ticks)
