"""The annual report's structured sections: one set of checks for the web form and the API.

Plain rules over plain data, no Flask or database::

    content = clean_content(raw)          # raises Invalid listing every problem
    promoted_apprentices(content)         # apprentices who reached 高级工 or above this year

``raw`` is what a client sent (the API's JSON, or the web form's data): lists of rows per
section, ``funds`` and ``summary``. Values may arrive as text (a form) or numbers (JSON). A row
left entirely blank is dropped — a form always shows a spare row — but rows keep their
1-based position in problems, so a message points at the row the person sees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bureau.errors import Invalid, Problem
from bureau.policies.model import SKILL_LEVELS, skill_level_index
from bureau.text import N_
from bureau.idnumber import id_number_problem, normalise_id_number

HIGH_SKILL_FROM = "高级工"  # 高级工 and above are 高技能人才
# Rows one list of a report may hold. A studio has tens of apprentices a year, a large base a
# hundred or so (trainings count their trainees, not a row each); 200 leaves room for any real
# report while refusing a "report" of thousands of ID numbers typed to probe who is who.
MAX_ROWS_PER_SECTION = 200
MAX_TEXT = 200
MAX_LONG_TEXT = 4000
MAX_AMOUNT = 10**10  # yuan; a bound that catches a mistyped figure, far above any studio's funds


@dataclass(frozen=True)
class Column:
    """One field of a section row: its key, label, kind of value, and whether it must be filled."""

    key: str
    label: str
    kind: str  # text | long_text | id_number | level | date | count
    required: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    columns: tuple[Column, ...]
    unique: str | None = None  # a column whose values may not repeat within the section


SECTIONS: tuple[Section, ...] = (
    Section("apprentices", N_("带徒情况"), (
        Column("name", N_("徒弟姓名"), "text", required=True),
        Column("id_number", N_("身份证号"), "id_number", required=True),
        Column("level_before", N_("年初技能等级"), "level"),
        Column("level_after", N_("年末技能等级"), "level", required=True),
    ), unique="id_number"),
    Section("innovations", N_("技术攻关与革新成果"), (
        Column("title", N_("项目名称"), "text", required=True),
        Column("benefit", N_("取得效益"), "long_text"),
    )),
    Section("patents", N_("专利"), (
        Column("title", N_("专利名称"), "text", required=True),
        Column("number", N_("专利号"), "text"),
    )),
    Section("trainings", N_("培训活动"), (
        Column("title", N_("培训内容"), "text", required=True),
        Column("held_on", N_("日期"), "date"),
        Column("trainees", N_("培训人数"), "count", required=True),
    )),
    Section("exchanges", N_("交流与服务"), (
        Column("title", N_("活动名称"), "text", required=True),
        Column("held_on", N_("日期"), "date"),
        Column("description", N_("内容与成效"), "long_text"),
    )),
    Section("awards", N_("徒弟竞赛获奖"), (
        Column("name", N_("获奖徒弟"), "text", required=True),
        Column("id_number", N_("身份证号"), "id_number", required=True),
        Column("competition", N_("竞赛名称"), "text", required=True),
        Column("award", N_("获奖等次"), "text", required=True),
    )),
)
SECTION_BY_KEY = {section.key: section for section in SECTIONS}
FUNDS_FIELDS = (("received", N_("本年度到位经费（元）")), ("spent", N_("本年度使用经费（元）")))
TOP_LEVEL_KEYS = {section.key for section in SECTIONS} | {"funds", "summary"}


def empty_content() -> dict:
    return {**{section.key: [] for section in SECTIONS}, "funds": {"received": 0, "spent": 0, "note": ""},
            "summary": ""}


def clean_content(raw: Mapping, *, today: dt.date | None = None) -> dict:
    """The report content in canonical form, or ``Invalid`` naming every bad field and row.

    Missing sections are empty; unknown keys are refused (a misspelt section would otherwise
    be silently lost).
    """
    if not isinstance(raw, Mapping):
        raise Invalid([Problem("content", N_("报告内容必须是对象"))])
    problems: list[Problem] = [Problem(str(key), N_("未知字段")) for key in raw if key not in TOP_LEVEL_KEYS]
    content = empty_content()
    for section in SECTIONS:
        content[section.key] = _clean_section(section, raw.get(section.key), problems, today)
    content["funds"] = _clean_funds(raw.get("funds"), problems)
    content["summary"] = _clean_text(raw.get("summary"), "summary", None, MAX_LONG_TEXT, problems)
    if problems:
        raise Invalid(problems)
    return content


def promoted_apprentices(content: Mapping) -> list[dict]:
    """Apprentices who rose this year to 高级工 or above (高技能人才): the level at year end is
    高级工 or higher and higher than at the start of the year (or there was none)."""
    threshold = skill_level_index(HIGH_SKILL_FROM)
    promoted = []
    for apprentice in content.get("apprentices", []):
        after = skill_level_index(apprentice["level_after"])
        before = skill_level_index(apprentice["level_before"]) if apprentice.get("level_before") else -1
        if after >= threshold and after > before:
            promoted.append(apprentice)
    return promoted


def total_trainees(content: Mapping) -> int:
    return sum(training["trainees"] for training in content.get("trainings", []))


def id_numbers_in(content: Mapping) -> set[str]:
    """Every apprentice's ID number in the report (apprentices and award winners)."""
    return {row["id_number"] for key in ("apprentices", "awards") for row in content.get(key, [])}


def _clean_section(section: Section, rows, problems: list[Problem], today) -> list[dict]:
    if rows is None:
        return []
    if not isinstance(rows, list):
        problems.append(Problem(section.key, N_("应为列表")))
        return []
    filled = [(number, row) for number, row in enumerate(rows, start=1)
              if not (isinstance(row, Mapping) and all(_blank(row.get(column.key)) for column in section.columns))]
    if len(filled) > MAX_ROWS_PER_SECTION:
        # The whole report is refused, and its rows are not checked one by one.
        problems.append(Problem(section.key, N_("%(section)s最多填写%(max)s行，本次有%(count)s行"),
                                {"section": section.label, "max": MAX_ROWS_PER_SECTION, "count": len(filled)}))
        return []
    cleaned, seen = [], {}
    for number, row in filled:
        if not isinstance(row, Mapping):
            problems.append(Problem(section.key, N_("每一行应为对象"), row=number))
            continue
        known = {column.key for column in section.columns}
        problems += [Problem(f"{section.key}.{key}", N_("未知字段"), row=number) for key in row if key not in known]
        values = {column.key: _clean_value(section, column, row.get(column.key), number, problems, today)
                  for column in section.columns}
        if section.unique and values[section.unique]:
            if values[section.unique] in seen:
                problems.append(Problem(f"{section.key}.{section.unique}", N_("与第%(other)s行重复"),
                                        {"other": seen[values[section.unique]]}, row=number))
            seen.setdefault(values[section.unique], number)
        cleaned.append(values)
    return cleaned


def _clean_value(section: Section, column: Column, value, row: int, problems: list[Problem], today):
    field = f"{section.key}.{column.key}"
    if _blank(value):
        if column.required:
            problems.append(Problem(field, N_("请填写%(label)s"), {"label": column.label}, row=row))
        return 0 if column.kind == "count" else ""
    return _CLEANERS[column.kind](value, field, row, problems, today)


def _clean_text(value, field, row, limit, problems) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        problems.append(Problem(field, N_("不能超过%(max)s个字"), {"max": limit}, row=row))
    return text


def _clean_id_number(value, field, row, problems, today) -> str:
    id_number = normalise_id_number(value)
    if problem := id_number_problem(id_number, today=today):
        problems.append(Problem(field, problem, row=row))
    return id_number


def _clean_level(value, field, row, problems, today) -> str:
    level = str(value).strip()
    if level not in SKILL_LEVELS:
        problems.append(Problem(field, N_("技能等级应为%(levels)s之一"), {"levels": "、".join(SKILL_LEVELS)}, row=row))
    return level


def _clean_date(value, field, row, problems, today) -> str:
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        problems.append(Problem(field, N_("日期格式应为YYYY-MM-DD"), row=row))
        return ""


def _clean_count(value, field, row, problems, today, *, maximum: int = 1_000_000) -> int:
    number = _whole_number(value)
    if number is None or not 0 <= number <= maximum:
        problems.append(Problem(field, N_("应为0到%(max)s之间的整数"), {"max": maximum}, row=row))
        return 0
    return number


_CLEANERS: dict[str, Callable] = {
    "text": lambda value, field, row, problems, today: _clean_text(value, field, row, MAX_TEXT, problems),
    "long_text": lambda value, field, row, problems, today: _clean_text(value, field, row, MAX_LONG_TEXT, problems),
    "id_number": _clean_id_number,
    "level": _clean_level,
    "date": _clean_date,
    "count": _clean_count,
}


def _clean_funds(raw, problems: list[Problem]) -> dict:
    funds = {"received": 0, "spent": 0, "note": ""}
    if raw is None:
        return funds
    if not isinstance(raw, Mapping):
        problems.append(Problem("funds", N_("应为对象")))
        return funds
    problems += [Problem(f"funds.{key}", N_("未知字段")) for key in raw if key not in {"received", "spent", "note"}]
    for key, _label in FUNDS_FIELDS:
        if not _blank(raw.get(key)):
            funds[key] = _clean_count(raw[key], f"funds.{key}", None, problems, None, maximum=MAX_AMOUNT)
    funds["note"] = _clean_text(raw.get("note"), "funds.note", None, MAX_LONG_TEXT, problems)
    return funds


def _whole_number(value) -> int | None:
    """An integer from JSON (int, or a float without fraction) or from a form's text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip().replace(",", "").replace("，", "")
    return int(text) if text.isascii() and text.isdigit() else None


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
