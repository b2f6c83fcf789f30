"""Server-made SVG charts: the geometry in plain Python, drawn by a template (no script, no library).

Pages must work offline and under a strict CSP (no inline script, no ``style`` attributes), and
the same charts go into PDFs as ``data:`` images, where the page's stylesheet does not reach.
So a chart is computed here as plain shapes — rectangles, lines and labels in SVG user units,
each carrying its own colour — and ``templates/dashboard/chart.svg`` writes them out with SVG
presentation attributes only. No Flask or database import: the geometry is tested directly.

Shared pieces (``Frame``, ``Tick``, ``nice_step``) also serve the studio charts (``studios.charts``).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

# Colours: the app's palette (bureau/static/css/app.css), dark enough to read in black-and-white print.
INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#e3e7eb"
TRACK = "#e6e9ed"
BLUE = "#1d4f91"
LIGHT_BLUE = "#9fb8d9"
GREEN = "#2e7d32"
AMBER = "#b26a00"
RED = "#b71c1c"
GREY = "#9aa5b1"
PALE_RED = "#e8a6a6"
FONT_FAMILY = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"

# Colours of progress bars by status (see bureau.dashboard.metrics.STATUSES).
STATUS_COLORS = {"met": GREEN, "on_track": BLUE, "behind": AMBER, "not_met": RED, "over": AMBER,
                 "no_data": GREY, "not_started": GREY}


# --- shared with the studio charts --------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """An SVG's size and its plot area's edges, for axes and gridlines."""

    width: int = 640
    height: int = 260
    left: int = 44
    right: int = 640 - 16
    top: int = 40
    bottom: int = 260 - 36


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


def nice_step(top: int, lines: int = 5) -> tuple[int, int]:
    """A whole-number gridline step for counts up to ``top`` (at most about ``lines`` lines) and
    ``top`` rounded up to a multiple of it: ``nice_step(7) == (2, 8)``."""
    top = max(int(top), 1)
    step = max(1, -(-top // lines))
    return step, -(-top // step) * step


def nice_scale(maximum: float, lines: int = 5) -> tuple[float, float]:
    """The axis top and gridline step for values up to ``maximum``: steps of 1, 2 or 5 × 10ⁿ,
    so the labels read well (0, 20万, 40万 …). ``nice_scale(0)`` is ``(1, 1)``."""
    if maximum <= 0:
        return 1.0, 1.0
    raw = maximum / lines
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if step >= raw:
            break
    top = math.ceil(maximum / step - 1e-9) * step
    return float(top), float(step)


def text_width(text: str, size: float) -> float:
    """About how wide ``text`` is at font size ``size``: CJK and full-width characters one em,
    others a little over half. Enough to lay out labels without measuring fonts."""
    return sum(size if unicodedata.east_asian_width(ch) in ("W", "F") else size * 0.58 for ch in text)


def fit_text(text: str, max_width: float, size: float) -> str:
    """``text`` cut with an ellipsis so that it fits in ``max_width``."""
    if text_width(text, size) <= max_width:
        return text
    while text and text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text + "…"


# --- shapes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    kind: ClassVar[str] = "rect"
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str = ""  # a tooltip (SVG <title>)
    rx: float = 0


@dataclass(frozen=True)
class Line:
    kind: ClassVar[str] = "line"
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    stroke_width: float = 1
    dash: str = ""


@dataclass(frozen=True)
class Label:
    kind: ClassVar[str] = "text"
    x: float
    y: float
    text: str
    size: float = 12
    fill: str = INK
    anchor: str = "start"  # start | middle | end
    weight: str = "normal"


@dataclass(frozen=True)
class Chart:
    """A whole chart: its size, an accessible title, and its shapes in drawing order."""

    width: float
    height: float
    title: str
    shapes: tuple[Rect | Line | Label, ...]
    font_family: str = FONT_FAMILY

    @property
    def empty(self) -> bool:
        return not any(isinstance(shape, Rect) for shape in self.shapes)


def _r(value: float) -> float:
    return round(value, 1)


@dataclass(frozen=True)
class LegendItem:
    label: str
    color: str
    line: bool = False  # a marker line rather than a filled square


def _legend(items: Sequence[LegendItem], x: float, y: float, size: float = 12) -> list:
    shapes: list = []
    for item in items:
        if item.line:
            shapes.append(Line(_r(x + 5), _r(y - size + 1), _r(x + 5), _r(y + 2), item.color, 2))
        else:
            shapes.append(Rect(_r(x), _r(y - size + 2), size - 2, size - 2, item.color))
        shapes.append(Label(_r(x + size + 2), _r(y), item.label, size - 1, MUTED))
        x += size + 10 + text_width(item.label, size - 1)
    return shapes


# --- progress against targets -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    """One target: ``actual`` against ``target`` (or the range ``target``–``target_max``).

    ``expected`` is the share of the period gone by (0–1), drawn as a dashed mark so a reader sees
    at once whether the count keeps pace; None when the period is over or not begun.
    ``status`` picks the colour (``STATUS_COLORS``); ``value_text`` is printed at the right.
    """

    label: str
    actual: float | None
    target: float
    status: str
    value_text: str
    target_max: float | None = None
    expected: float | None = None


PROGRESS_ROW = 30
PROGRESS_BAR = 14
OVERSHOOT = 1.25  # the track runs to 125% of the target, so some overshoot shows


def progress_chart(rows: Sequence[ProgressRow], *, title: str, width: float = 760, label_size: float = 13,
                   legend: Sequence[LegendItem] = ()) -> Chart:
    """Horizontal progress bars, one per target, with a mark at the target and one at the time gone by."""
    label_width = min(max((text_width(row.label, label_size) for row in rows), default=60) + 16, width * 0.36)
    value_width = min(max((text_width(row.value_text, 12) for row in rows), default=60) + 14, width * 0.3)
    track_x = label_width
    track_width = max(width - label_width - value_width, 80)
    top = 24 if legend else 6
    shapes: list = list(_legend(legend, track_x, 14)) if legend else []
    for index, row in enumerate(rows):
        y = top + index * PROGRESS_ROW
        bar_y = y + (PROGRESS_ROW - PROGRESS_BAR) / 2
        goal = row.target_max if row.target_max is not None else row.target
        scale = goal * OVERSHOOT if goal > 0 else max(row.actual or 0, 1)
        shapes.append(Label(_r(label_width - 10), _r(bar_y + PROGRESS_BAR - 2),
                            fit_text(row.label, label_width - 12, label_size), label_size, INK, "end"))
        shapes.append(Rect(_r(track_x), _r(bar_y), _r(track_width), PROGRESS_BAR, TRACK, rx=2))
        if row.actual:
            filled = min(row.actual / scale, 1.0) * track_width
            shapes.append(Rect(_r(track_x), _r(bar_y), _r(max(filled, 2)), PROGRESS_BAR,
                               STATUS_COLORS.get(row.status, BLUE), row.value_text, rx=2))
        for mark in (row.target, row.target_max):
            if mark is not None and goal > 0:
                x = track_x + mark / scale * track_width
                shapes.append(Line(_r(x), _r(bar_y - 4), _r(x), _r(bar_y + PROGRESS_BAR + 4), INK, 2))
        if row.expected is not None and 0 < row.expected < 1 and goal > 0:
            x = track_x + row.expected * row.target / scale * track_width
            shapes.append(Line(_r(x), _r(bar_y - 3), _r(x), _r(bar_y + PROGRESS_BAR + 3), MUTED, 1.5, "3 2"))
        shapes.append(Label(_r(track_x + track_width + 8), _r(bar_y + PROGRESS_BAR - 2),
                            fit_text(row.value_text, value_width - 10, 12), 12, INK))
    height = top + max(len(rows), 1) * PROGRESS_ROW + 4
    return Chart(_r(width), _r(height), title, tuple(shapes))


# --- bars -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """Values of one series, one per category, with its colour and legend label."""

    label: str
    values: tuple[float, ...]
    color: str


@dataclass(frozen=True)
class BarOptions:
    """``mode``: ``overlay`` draws each series from zero, later ones over earlier ones (paid
    inside committed); ``stacked`` puts them end to end (一类 + 二类). ``markers`` (one per
    category, or None) draw a red line such as a budget. ``notes`` are printed at each bar's end
    (horizontal) or above it (vertical); ``axis_format`` writes the vertical axis' labels."""

    mode: str = "overlay"
    markers: tuple[float | None, ...] = ()
    marker_label: str = ""
    notes: tuple[str, ...] = ()
    axis_format: Callable[[float], str] = field(default=lambda value: f"{value:g}")


BAR_ROW = 30
BAR_HEIGHT = 16


def _extent(series: Sequence[Series], options: BarOptions, count: int) -> float:
    if options.mode == "stacked":
        largest = max((sum(s.values[i] for s in series) for i in range(count)), default=0)
    else:
        largest = max((value for s in series for value in s.values), default=0)
    marked = max((m for m in options.markers if m is not None), default=0)
    return max(largest, marked)


def _segments(series: Sequence[Series], index: int, mode: str) -> list[tuple[float, float, Series]]:
    """(start, length) of each series' piece of one bar, in value units."""
    pieces, start = [], 0.0
    for s in series:
        value = s.values[index]
        if not value:
            continue
        pieces.append((start if mode == "stacked" else 0.0, value, s))
        if mode == "stacked":
            start += value
    return pieces


def horizontal_bars(categories: Sequence[str], series: Sequence[Series], *, title: str, width: float = 560,
                    options: BarOptions | None = None, label_size: float = 13) -> Chart:
    """One bar per category, categories down the left; series overlaid or stacked."""
    options = options or BarOptions()
    notes = options.notes or ("",) * len(categories)
    label_width = min(max((text_width(c, label_size) for c in categories), default=40) + 16, width * 0.3)
    note_width = min(max((text_width(n, 12) for n in notes), default=0) + 12, width * 0.4)
    plot_x, plot_width = label_width, max(width - label_width - note_width, 60)
    scale = _extent(series, options, len(categories)) or 1
    legend = [LegendItem(s.label, s.color) for s in series]
    if any(m is not None for m in options.markers):
        legend.append(LegendItem(options.marker_label, RED, line=True))
    shapes: list = _legend(legend, plot_x, 14)
    top = 24
    for index, category in enumerate(categories):
        y = top + index * BAR_ROW
        bar_y = y + (BAR_ROW - BAR_HEIGHT) / 2
        shapes.append(Label(_r(label_width - 10), _r(bar_y + BAR_HEIGHT - 3),
                            fit_text(category, label_width - 12, label_size), label_size, INK, "end"))
        shapes.append(Rect(_r(plot_x), _r(bar_y), _r(plot_width), BAR_HEIGHT, TRACK, rx=2))
        end = 0.0
        for start, value, s in _segments(series, index, options.mode):
            x = plot_x + start / scale * plot_width
            shapes.append(Rect(_r(x), _r(bar_y), _r(max(value / scale * plot_width, 1.5)), BAR_HEIGHT, s.color,
                               f"{category} · {s.label}：{options.axis_format(value)}"))
            end = max(end, start + value)
        marker = options.markers[index] if index < len(options.markers) else None
        if marker is not None:
            x = plot_x + marker / scale * plot_width
            shapes.append(Line(_r(x), _r(bar_y - 4), _r(x), _r(bar_y + BAR_HEIGHT + 4), RED, 2.5))
        if notes[index]:
            shapes.append(Label(_r(plot_x + plot_width + 8), _r(bar_y + BAR_HEIGHT - 3),
                                fit_text(notes[index], note_width - 10, 12), 12, INK))
    height = top + max(len(categories), 1) * BAR_ROW + 4
    return Chart(_r(width), _r(height), title, tuple(shapes))


def vertical_bars(categories: Sequence[str], series: Sequence[Series], *, title: str, width: float = 760,
                  height: float = 240, options: BarOptions | None = None) -> Chart:
    """Columns along the bottom (e.g. months), with a value axis and gridlines on the left."""
    options = options or BarOptions()
    notes = options.notes or ("",) * len(categories)
    top_value, step = nice_scale(_extent(series, options, len(categories)))
    axis_labels = [options.axis_format(step * i) for i in range(int(round(top_value / step)) + 1)]
    left = max((text_width(label, 11) for label in axis_labels), default=20) + 12
    frame = Frame(width=int(width), height=int(height), left=int(left), right=int(width - 8), top=34,
                  bottom=int(height - 24))
    plot_height = frame.bottom - frame.top
    legend = [LegendItem(s.label, s.color) for s in series]
    shapes: list = _legend(legend, frame.left, 14)
    for i, label in enumerate(axis_labels):
        y = frame.bottom - (step * i) / top_value * plot_height
        shapes.append(Line(frame.left, _r(y), frame.right, _r(y), GRID))
        shapes.append(Label(frame.left - 6, _r(y + 4), label, 11, MUTED, "end"))
    slot = (frame.right - frame.left) / max(len(categories), 1)
    bar_width = min(slot * 0.64, 48)
    for index, category in enumerate(categories):
        x = frame.left + index * slot + (slot - bar_width) / 2
        end = 0.0
        for start, value, s in _segments(series, index, options.mode):
            bar_top = frame.bottom - (start + value) / top_value * plot_height
            bar_height = value / top_value * plot_height
            shapes.append(Rect(_r(x), _r(bar_top), _r(bar_width), _r(max(bar_height, 1.5)), s.color,
                               f"{category} · {s.label}：{options.axis_format(value)}"))
            end = max(end, start + value)
        if notes[index]:
            shapes.append(Label(_r(x + bar_width / 2), _r(frame.bottom - end / top_value * plot_height - 4),
                                notes[index], 10, INK, "middle"))
        shapes.append(Label(_r(x + bar_width / 2), frame.bottom + 16, category, 11, MUTED, "middle"))
    shapes.append(Line(frame.left, frame.bottom, frame.right, frame.bottom, MUTED))
    return Chart(_r(width), _r(height), title, tuple(shapes))
