"""The bureau's clock: dates and times as people in the bureau read them (Beijing time).

Servers often run in UTC; between 00:00 and 08:00 Beijing time the UTC date is still yesterday.
A notice period, a report deadline, a certificate's issue date and the year on the dashboard must
all agree, so every "today" in the application comes from here, never from ``date.today()``.
Stored timestamps stay UTC (``bureau.db.utcnow``); this is only for calendar dates and schedules.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TIMEZONE = ZoneInfo("Asia/Shanghai")


def local_now() -> datetime:
    """Beijing wall-clock time, naive (as the scheduler stores and compares it)."""
    return datetime.now(LOCAL_TIMEZONE).replace(tzinfo=None)


def local_today() -> date:
    return datetime.now(LOCAL_TIMEZONE).date()


def utc_from_local(moment: datetime) -> datetime:
    """A naive Beijing time (the scheduler's ``now``) as naive UTC, as timestamps are stored."""
    return moment.replace(tzinfo=LOCAL_TIMEZONE).astimezone(timezone.utc).replace(tzinfo=None)
