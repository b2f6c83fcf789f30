"""The holiday calendar in Chromium: staff enter National Day from the menu and see the year grid."""
from __future__ import annotations

from tests.browser.conftest import log_in, screenshot, watch_console
from tests.conftest import PASSWORD


def test_staff_enter_national_day_and_see_the_year(page, live_server, users):
    problems = watch_console(page)
    log_in(page, live_server, "admin", PASSWORD)
    page.click("nav.mainnav >> text=节假日安排")
    page.click("nav.year-tabs >> text=2026")
    assert page.is_visible("[data-testid=year-missing]")
    page.fill("input[name=first]", "2026-10-01")
    page.fill("input[name=last]", "2026-10-07")
    page.select_option("select[name=kind]", "rest")
    page.fill("input[name=name]", "国庆节")
    page.fill("input[name=source]", "国务院办公厅关于2026年部分节假日安排的通知")
    page.click("[data-testid=save-days]")
    assert "已更新 7 天的安排" in page.inner_text(".flash-success")
    page.fill("input[name=first]", "2026-10-10")
    page.fill("input[name=last]", "2026-10-10")
    page.select_option("select[name=kind]", "work")
    page.fill("input[name=name]", "国庆节")
    page.click("[data-testid=save-days]")
    assert page.get_attribute("td[data-day='2026-10-01']", "class").split()[:2] == ["cal-day", "cal-rest"]
    assert page.get_attribute("td[data-day='2026-10-10']", "data-working") == "yes"
    assert page.locator("table[data-testid=days] tbody tr").count() == 8
    screenshot(page, "calendar-2026")
    assert not problems, problems
