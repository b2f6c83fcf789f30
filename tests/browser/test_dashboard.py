"""The dashboard in Chromium: staff load a document's targets, add one of their own, set the
budget and look at the charts; mark Fujian's selection contests and see the regional table; the
print view and the PDF summary. Screenshots land in test-artifacts/screenshots/dashboard-*.png."""
from __future__ import annotations

import io

from pypdf import PdfReader

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_awards_pages import watch_console
from tests.conftest import PASSWORD
from tests.dashboard.conftest import CITY, YEAR, competition_with_results, known, people  # noqa: F401

FUJIAN = {"tier": "provincial", "category": 1, "year": 2023, "group": "worker", "policy": "fujian-2023"}


def chart_shapes(page, testid: str) -> int:
    """How many bars a chart drew, after checking that it is on screen with a real size."""
    svg = page.locator(f"[data-testid={testid}] svg")
    assert svg.is_visible(), testid
    box = svg.bounding_box()
    assert box["width"] > 300 and box["height"] > 100, (testid, box)
    return svg.locator("rect").count()


def test_targets_budget_and_charts(page, live_server, known):  # noqa: F811
    problems = watch_console(page)
    log_in(page, live_server, "admin", PASSWORD)
    page.wait_for_url(f"{live_server}/home")
    page.click("nav.mainnav >> text=工作看板")
    page.wait_for_url(f"{live_server}/dashboard")
    assert page.locator("nav.mainnav a.active").inner_text() == "工作看板"

    page.goto(f"{live_server}/dashboard/targets?jurisdiction={CITY}&year={YEAR}")
    page.click("[data-testid=load-wenzhou-2018]")
    assert "新增1项" in page.locator(".flash-success").inner_text()
    page.fill("#new-target input[name=label]", "国家级竞赛场次")
    page.select_option("#new-target select[name=metric]", "competitions")
    page.select_option("#new-target select[name=tier]", "national")
    page.fill("#new-target input[name=value]", "2")
    page.click("#new-target button[type=submit]")
    assert "已新增指标" in page.locator(".flash-success").inner_text()
    page.fill("#new-target input[name=label]", "新建市级技能大师工作室")
    page.select_option("#new-target select[name=metric]", "new_studios")
    page.select_option("#new-target select[name=studio_kind]", "master_studio")
    page.select_option("#new-target select[name=studio_level]", "city")
    page.fill("#new-target input[name=value]", "6")
    page.click("#new-target button[type=submit]")
    page.fill("#new-target input[name=label]", "培养高技能人才")
    page.select_option("#new-target select[name=metric]", "manual")
    page.fill("#new-target input[name=value]", "20000")
    page.fill("#new-target input[name=unit]", "人")
    page.fill("#new-target input[name=manual_actual]", "12600")
    page.click("#new-target button[type=submit]")
    assert page.locator("[data-testid=targets-table] tbody tr").count() == 4
    screenshot(page, "dashboard-targets")

    page.click("nav.dash-subnav >> text=年度预算")
    page.fill("input[name=total]", "1200000")
    page.fill("input[name=competition_cash]", "400000")
    page.fill("input[name=hosting_subsidy]", "100000")
    page.fill("input[name=studio_grant]", "300000")
    page.fill("input[name=assessment_reward]", "100000")
    page.click("[data-testid=save-budget]")
    page.wait_for_url(f"**/dashboard?*year={YEAR}*")
    assert "已保存" in page.locator(".flash-success").inner_text()

    # The charts are drawn, with bars, and the figures read as the data says.
    assert chart_shapes(page, "progress-chart") >= 4 * 2  # a track and a bar for each counted target
    assert chart_shapes(page, "competitions-chart") >= 5 + 3
    assert chart_shapes(page, "money-tier-chart") >= 5 + 3
    assert chart_shapes(page, "budget-chart") >= 7
    assert chart_shapes(page, "month-chart") >= 3
    progress = page.locator("[data-testid=progress-chart] svg").inner_html()
    assert "1场 / 2场 50%" in progress and "7家 / 6家 117%" in progress and "12,600人 / 20,000人 63%" in progress
    assert "¥1,200,000" in page.locator("table[data-table=budget]").inner_text()
    assert "按现行政策重算¥405,000" in page.locator("[data-testid=what-if]").inner_text()
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "dashboard")
    page.emulate_media(media="print")
    assert not page.locator("nav.mainnav").is_visible() and not page.locator(".dash-picker").is_visible()
    assert page.locator("[data-testid=progress-chart] svg").is_visible()
    screenshot(page, "dashboard-print")
    page.emulate_media(media="screen")

    pdf = page.request.get(f"{live_server}/dashboard/summary.pdf?jurisdiction={CITY}&year={YEAR}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.body())).pages) == 1
    assert not problems, problems


def test_selection_contests_and_the_regional_table(page, live_server, client, api_token):
    organiser, staff = api_token("organiser"), api_token("admin")
    rows = people(range(1, 6), region="350102") + people(range(6, 12), region="350602") + \
        people(range(12, 15), region="350502") + people([15], region="350128")
    for name, held_on in (("2023年福建省数控车工国赛选拔赛", "2023-04-18"), ("2023年福建省电工国赛选拔赛", "2023-05-09")):
        competition_with_results(client, organiser, staff, {**FUJIAN, "name": name, "held_on": held_on}, rows,
                                 finalize=False)
        rows = rows[3:]
    problems = watch_console(page)
    log_in(page, live_server, "admin", PASSWORD)
    page.wait_for_url(f"{live_server}/home")
    page.goto(f"{live_server}/dashboard/quota?jurisdiction=福建省&year=2023")
    for _contest in range(2):
        page.click("[data-testid=mark-contest]")
        assert "已标记为国赛省级选拔赛" in page.locator(".flash-success").inner_text()
    page.goto(f"{live_server}/dashboard/targets?jurisdiction=福建省&year=2023")
    page.click("[data-testid=load-fujian-2023]")
    page.goto(f"{live_server}/dashboard?jurisdiction=福建省&year=2023")
    table = page.locator("[data-testid=quota-section] table")
    assert table.is_visible()
    fuzhou = table.locator("tr", has_text="福州市").inner_text().split()
    assert fuzhou[:4] == ["福州市", "5", "5", "2"]
    assert table.locator("td.quota-short").count() > 0 and table.locator("td.quota-over").count() > 0
    assert chart_shapes(page, "progress-chart") > 0
    page.locator("[data-testid=quota-section]").scroll_into_view_if_needed()
    screenshot(page, "dashboard-fujian")
    assert not problems, problems
