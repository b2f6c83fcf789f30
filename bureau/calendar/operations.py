"""Entering the year's holidays and make-up working days, and reading them for a period."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import extract, func, select

from bureau.calendar import workdays
from bureau.calendar.models import KIND_LABELS, CalendarDay
from bureau.db import db, insert_unless_taken
from bureau.errors import Conflict, Invalid, Problem
from bureau.text import N_

CLEAR = "clear"  # the form's third choice: the days go back to the ordinary week
LONGEST_RANGE_DAYS = 31  # the longest holiday is 8–9 days; a longer range is a typing slip


def overrides_between(start: date, end: date) -> dict[date, str]:
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.kind)
                              .where(CalendarDay.day >= start, CalendarDay.day <= end))
    return {day: kind for day, kind in rows}


def years_entered() -> set[int]:
    return {int(year) for year in db.session.scalars(select(extract("year", CalendarDay.day)).distinct())}


def add_working_days(start: date, working_days: int) -> date:
    """The last day of a period of ``working_days`` working days from ``start``, by the calendar."""
    # Holidays make a period at most a few weeks longer; read generously, count in memory.
    horizon = start + timedelta(days=working_days * 2 + 40)
    return workdays.add_working_days(start, working_days, overrides_between(start, horizon))


def years_not_entered(start: date, end: date) -> list[int]:
    """Years a period touches whose holidays nobody has entered: counted as ordinary weeks, which
    the pages say so that staff can check the end date."""
    known = years_entered()
    return [year for year in workdays.years_spanned(start, end) if year not in known]


def days_of_year(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)).order_by(CalendarDay.day)))


def _checked_range(first, last, kind: str, name: str) -> list[Problem]:
    problems = []
    if not isinstance(first, date):
        problems.append(Problem("first", N_("请填写开始日期")))
    if not isinstance(last, date):
        problems.append(Problem("last", N_("请填写结束日期")))
    if kind not in KIND_LABELS and kind != CLEAR:
        problems.append(Problem("kind", N_("请选择放假、调休上班或恢复正常")))
    if kind != CLEAR and not name.strip():
        problems.append(Problem("name", N_("请填写节日名称，如“春节”")))
    if len(name) > 50:
        problems.append(Problem("name", N_("节日名称不超过50字")))
    if not problems and last < first:
        problems.append(Problem("last", N_("结束日期不能早于开始日期")))
    if not problems and (last - first).days + 1 > LONGEST_RANGE_DAYS:
        problems.append(Problem("last", N_("一次最多录入%(days)d天"), {"days": LONGEST_RANGE_DAYS}))
    return problems


def set_days(first, last, kind: str, name: str = "", source: str = "") -> int:
    """Mark every day from ``first`` to ``last`` as ``kind`` (or clear them); the number changed.

    Re-entering a day replaces what was there (a correction). Two clerks entering the same new
    day at once: the unique day lets one in and the other is told to reload, nothing doubled."""
    problems = _checked_range(first, last, kind, name)
    if problems:
        raise Invalid(problems)
    existing = {row.day: row for row in db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last))}
    changed, day = 0, first
    while day <= last:
        row = existing.get(day)
        if kind == CLEAR:
            if row is not None:
                db.session.delete(row)
                changed += 1
        elif row is None:
            _insert(CalendarDay(day=day, kind=kind, name=name.strip(), source=source.strip()))
            changed += 1
        elif (row.kind, row.name, row.source) != (kind, name.strip(), source.strip()):
            row.kind, row.name, row.source = kind, name.strip(), source.strip()
            changed += 1
        day += timedelta(days=1)
    db.session.flush()
    return changed


def _insert(row: CalendarDay) -> None:
    if not insert_unless_taken(row):
        raise Conflict(N_("%(day)s 刚被他人录入，请刷新页面后再试。"), day=row.day.isoformat())


def remove_day(row: CalendarDay, *, version) -> None:
    if str(version) != str(row.version):
        raise Conflict(N_("该日期已被他人修改，请刷新页面后再试。"))
    db.session.delete(row)
    db.session.flush()


def count_by_year() -> Mapping[int, int]:
    year = extract("year", CalendarDay.day)
    return {int(y): n for y, n in db.session.execute(select(year, func.count()).group_by(year).order_by(year))}
