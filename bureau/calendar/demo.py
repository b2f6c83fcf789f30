"""Demo calendar: the State Council's 2026 holiday arrangement, entered as a clerk would.

Marked as demo data in its source line: a bureau enters (or checks) the arrangement from the
notice itself each year."""
from __future__ import annotations

from datetime import date

from bureau.calendar import operations

SOURCE = "国务院办公厅关于2026年部分节假日安排的通知（演示数据，请以通知原文为准）"
# (first, last, kind, holiday)
ARRANGEMENT_2026 = [
    (date(2026, 1, 1), date(2026, 1, 3), "rest", "元旦"),
    (date(2026, 1, 4), date(2026, 1, 4), "work", "元旦"),
    (date(2026, 2, 15), date(2026, 2, 23), "rest", "春节"),
    (date(2026, 2, 14), date(2026, 2, 14), "work", "春节"),
    (date(2026, 2, 28), date(2026, 2, 28), "work", "春节"),
    (date(2026, 4, 4), date(2026, 4, 6), "rest", "清明节"),
    (date(2026, 5, 1), date(2026, 5, 5), "rest", "劳动节"),
    (date(2026, 5, 9), date(2026, 5, 9), "work", "劳动节"),
    (date(2026, 6, 19), date(2026, 6, 21), "rest", "端午节"),
    (date(2026, 9, 25), date(2026, 9, 27), "rest", "中秋节"),
    (date(2026, 10, 1), date(2026, 10, 7), "rest", "国庆节"),
    (date(2026, 9, 20), date(2026, 9, 20), "work", "国庆节"),
    (date(2026, 10, 10), date(2026, 10, 10), "work", "国庆节"),
]


def load_demo_calendar() -> list[str]:
    changed = sum(operations.set_days(first, last, kind, name, SOURCE) for first, last, kind, name in ARRANGEMENT_2026)
    return [f"Calendar: 2026 holidays and make-up working days ({changed} days entered)"] if changed else []
