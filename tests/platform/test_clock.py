"""Every calendar date the application uses is a Beijing date (bureau.clock).

Servers often keep UTC: from 00:00 to 08:00 Beijing time the server's date is still yesterday, and
a certificate printed at 07:00 said one day while the notice published the same minute said
another. These tests fail when a module asks the machine's own clock for a date."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bureau import clock

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = [path for package in ("bureau", "competition", "studios")
               for path in sorted((ROOT / package).rglob("*.py")) if path.name != "clock.py"]
MACHINE_DATE = re.compile(r"\bdate\.today\(\)|\bdatetime\.now\(\)|\bdatetime\.today\(\)|\btime\.localtime\(")


def test_no_module_reads_the_machines_local_date():
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in APPLICATION
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if MACHINE_DATE.search(line)]
    assert offenders == []


@pytest.mark.parametrize(("utc", "beijing"), [
    (datetime(2026, 11, 21, 15, 59, tzinfo=timezone.utc), "2026-11-21"),
    (datetime(2026, 11, 21, 16, 0, tzinfo=timezone.utc), "2026-11-22"),   # 00:00 in Beijing
    (datetime(2026, 12, 31, 23, 0, tzinfo=timezone.utc), "2027-01-01"),   # the year turns first in Beijing
])
def test_today_is_the_beijing_date_whatever_the_server_zone(monkeypatch, utc, beijing):
    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return utc.astimezone(tz) if tz else utc.replace(tzinfo=None)

    monkeypatch.setattr(clock, "datetime", FrozenDatetime)
    assert clock.local_today().isoformat() == beijing
    assert clock.local_now().date().isoformat() == beijing
