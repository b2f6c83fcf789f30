"""Counting working days: plain functions over a mapping of the days that differ from the week.

``overrides`` maps a date to ``"rest"`` (a public holiday, also on a weekday) or ``"work"`` (a
make-up working day, also on a weekend). Other days: Monday to Friday work, the weekend rests.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

REST, WORK = "rest", "work"


def is_working_day(day: date, overrides: Mapping[date, str]) -> bool:
    kind = overrides.get(day)
    if kind is not None:
        return kind == WORK
    return day.weekday() < 5


def add_working_days(start: date, working_days: int, overrides: Mapping[date, str]) -> date:
    """The last day of a period of ``working_days`` working days beginning on ``start``
    (``start`` counts when it is a working day)."""
    if working_days < 1:
        raise ValueError("a period has at least one working day")
    day, counted = start, 0
    while True:
        if is_working_day(day, overrides):
            counted += 1
            if counted == working_days:
                return day
        day += timedelta(days=1)


def years_spanned(start: date, end: date) -> list[int]:
    return list(range(start.year, end.year + 1))
