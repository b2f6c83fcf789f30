"""Scoring rubrics for the annual assessment, one TOML file per kind of studio or base.

Each ``<kind>.toml`` beside this module lists the scoring items (key, Chinese label, maximum
points, what earns the points) and the order of items used to break ties in total score; its
comments say why the items differ from kind to kind. The files are data so that bureau staff
can review them line by line; this module loads them and refuses any that could not be scored
fairly (maxima not summing to 100, duplicate keys, a tie-break on an item that does not exist).

Public interface::

    load_rubric(kind) -> Rubric
    read_rubric(path) -> Rubric
    validate_item_scores(rubric, {key: points}) -> list[ScoreProblem]
"""

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bureau.text import N_
from studios.messages import Message, format_points

KINDS: tuple[str, ...] = ("master_studio", "training_base", "technician_station", "competition_base")
"""Kinds of place that are assessed, as named in the API (``kind`` of a studio)."""

TOTAL_POINTS = 100
RUBRIC_DIR = Path(__file__).parent

_ONE_DECIMAL_PLACE = Decimal("0.1")
_ITEM_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*\Z")
_RUBRIC_FIELDS = {"kind", "label", "tie_break", "items"}
_ITEM_FIELDS = {"key", "label", "max", "description"}


class RubricError(ValueError):
    """A rubric file that must not be used; the message names the file and every problem."""

    def __init__(self, source: Path | str, problems: list[str]):
        self.source = str(source)
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class RubricItem:
    key: str
    label: str
    max: int
    description: str


@dataclass(frozen=True)
class Rubric:
    kind: str
    label: str
    items: tuple[RubricItem, ...]
    tie_break: tuple[str, ...]
    """Item keys compared one by one, higher points first, when total scores are equal."""

    def item(self, key: str) -> RubricItem:
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)


@dataclass(frozen=True)
class ScoreProblem:
    """One reason a set of item scores cannot be accepted; ``key`` is the item it concerns."""

    key: str
    message: Message

    def __str__(self) -> str:
        return str(self.message)


def load_rubric(kind: str) -> Rubric:
    """The rubric for ``kind`` (one of ``KINDS``), read from ``<kind>.toml`` and validated."""
    if kind not in KINDS:
        raise RubricError(RUBRIC_DIR, [f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}"])
    return read_rubric(RUBRIC_DIR / f"{kind}.toml")


def read_rubric(path: Path) -> Rubric:
    """Read and validate one rubric file; raise ``RubricError`` listing every problem in it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise RubricError(path, [str(error)]) from error
    problems = _rubric_problems(data, expected_kind=path.stem)
    if problems:
        raise RubricError(path, problems)
    return Rubric(
        kind=data["kind"],
        label=data["label"],
        items=tuple(RubricItem(**item) for item in data["items"]),
        tie_break=tuple(data["tie_break"]),
    )


def _rubric_problems(data: dict[str, Any], expected_kind: str) -> list[str]:
    problems = [f"unknown field {name!r}" for name in sorted(data.keys() - _RUBRIC_FIELDS)]
    problems += [f"missing field {name!r}" for name in sorted(_RUBRIC_FIELDS - data.keys())]
    if problems:
        return problems

    if data["kind"] != expected_kind:
        problems.append(f"kind is {data['kind']!r} but the file is named for {expected_kind!r}")
    if not _is_text(data["label"]):
        problems.append("label must be non-empty text")

    items = data["items"]
    if not isinstance(items, list) or not items:
        return problems + ["items must be a non-empty list of [[items]] tables"]
    seen_keys: set[str] = set()
    for number, item in enumerate(items, start=1):
        problems += _item_problems(number, item, seen_keys)
    if not problems:
        total = sum(item["max"] for item in items)
        if total != TOTAL_POINTS:
            problems.append(f"item maxima sum to {total}, not {TOTAL_POINTS}")

    tie_break = data["tie_break"]
    if not isinstance(tie_break, list) or not all(isinstance(key, str) for key in tie_break):
        problems.append("tie_break must be a list of item keys")
    else:
        problems += [f"tie_break names unknown item {key!r}" for key in tie_break if key not in seen_keys]
        problems += [f"tie_break names item {key!r} twice" for key in sorted(set(tie_break)) if tie_break.count(key) > 1]
    return problems


def _item_problems(number: int, item: Any, seen_keys: set[str]) -> list[str]:
    if not isinstance(item, dict):
        return [f"item {number} must be a table"]
    where = f"item {number} ({item.get('key', '?')!r})"
    problems = [f"{where}: unknown field {name!r}" for name in sorted(item.keys() - _ITEM_FIELDS)]
    problems += [f"{where}: missing field {name!r}" for name in sorted(_ITEM_FIELDS - item.keys())]
    if problems:
        return problems

    key, maximum = item["key"], item["max"]
    if not isinstance(key, str) or not _ITEM_KEY_PATTERN.match(key):
        problems.append(f"{where}: key must be lower-case letters, digits and '_'")
    elif key in seen_keys:
        problems.append(f"{where}: duplicate key")
    else:
        seen_keys.add(key)
    # bool is an int subclass; `max = true` must not count as 1 point.
    if isinstance(maximum, bool) or not isinstance(maximum, int) or maximum <= 0:
        problems.append(f"{where}: max must be a positive integer, got {maximum!r}")
    for name in ("label", "description"):
        if not _is_text(item[name]):
            problems.append(f"{where}: {name} must be non-empty text")
    return problems


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def validate_item_scores(rubric: Rubric, item_scores: Mapping[str, Decimal | int]) -> list[ScoreProblem]:
    """Problems with an assessor's item scores, in rubric order; an empty list means acceptable.

    Every rubric item must be scored, no other key may appear, and each score must be an
    ``int`` or finite ``Decimal`` from 0 to the item's maximum with at most one decimal place.
    Floats are refused rather than guessed at: parse JSON with ``parse_float=Decimal``.
    """
    problems: list[ScoreProblem] = []
    for item in rubric.items:
        if item.key not in item_scores:
            problems.append(ScoreProblem(item.key, Message(N_("缺少评分项“%(label)s”的得分"), {"label": item.label})))
            continue
        problem = _point_problem(item, item_scores[item.key])
        if problem is not None:
            problems.append(ScoreProblem(item.key, problem))
    known_keys = {item.key for item in rubric.items}
    for key in item_scores:
        if key not in known_keys:
            problems.append(
                ScoreProblem(key, Message(N_("“%(key)s”不是%(rubric)s的评分项"), {"key": str(key), "rubric": rubric.label}))
            )
    return problems


def _point_problem(item: RubricItem, points: object) -> Message | None:
    params = {"label": item.label, "max": format_points(item.max)}
    if isinstance(points, bool) or not isinstance(points, int | Decimal) or not Decimal(points).is_finite():
        return Message(N_("评分项“%(label)s”的得分应为数字"), params)
    if not 0 <= points <= item.max:
        return Message(N_("评分项“%(label)s”的得分应在0到%(max)s分之间"), params)
    # Compared after the range check, so quantize never sees a huge exponent.
    if Decimal(points) != Decimal(points).quantize(_ONE_DECIMAL_PLACE):
        return Message(N_("评分项“%(label)s”的得分最多保留一位小数"), params)
    return None
