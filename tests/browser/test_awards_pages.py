"""The policy and award pages in a real browser: they render under the CSP without errors, the
approve and what-if forms work, and screenshots land in test-artifacts/screenshots/."""
from __future__ import annotations

from tests.browser.conftest import log_in, screenshot, watch_console
from tests.conftest import PASSWORD
from tests.policy.test_awards_web import known  # noqa: F401  (the fixture)


def test_policy_pages(page, live_server, users):
    problems = watch_console(page)
    log_in(page, live_server, "organiser", PASSWORD)
    page.wait_for_url(f"{live_server}/home")
    page.click("nav.mainnav >> text=政策文件")
    page.wait_for_url(f"{live_server}/policies")
    assert page.locator("nav.mainnav a.active").inner_text() == "政策文件"
    screenshot(page, "policies-list")
    page.click("text=关于印发《温州市高水平打造高技能人才队伍实施细则》的通知")
    row = page.locator("#cash-national_1 table.bands tbody tr").nth(7)
    assert row.inner_text().split() == ["第8名", "¥15,000"]
    screenshot(page, "policy-wenzhou")
    page.goto(f"{live_server}/policies/taian-2024")
    screenshot(page, "policy-taian")
    page.goto(f"{live_server}/policies/fujian-2023")
    screenshot(page, "policy-fujian")
    assert not problems, problems


def test_awards_register_approve_and_what_if(page, live_server, known):  # noqa: F811
    problems = watch_console(page)
    log_in(page, live_server, "admin", PASSWORD)
    page.wait_for_url(f"{live_server}/home")
    page.goto(f"{live_server}/competitions/{known['provincial']}/awards")
    assert "同序列就高" in page.locator("table[data-testid=awards]").inner_text()
    screenshot(page, "awards-competition-provincial")
    page.goto(f"{live_server}/competitions/{known['national']}/awards")
    assert "第9名：国家级一类竞赛奖励限前8名" in page.locator("table[data-testid=why-not]").inner_text()
    screenshot(page, "awards-competition-national")

    page.click("nav.mainnav >> text=奖励登记")
    page.wait_for_url(f"{live_server}/awards")
    assert page.locator("[data-testid=total-paid]").inner_text() == "¥505,000"
    screenshot(page, "awards-register")
    page.select_option("select[name=year]", "2024")
    page.select_option("select[name=tier]", "national")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/awards?*tier=national*")
    page.click("[data-testid=approve-all]")
    page.wait_for_selector(".flash-success")
    assert "已批准 8 项奖励" in page.locator(".flash-success").inner_text()
    screenshot(page, "awards-register-approved")

    page.click("nav.mainnav >> text=奖励测算")
    page.select_option("select[name=policy]", "wenzhou-2018")
    page.fill("input[name=year]", "2024")
    page.click("form.filters button[type=submit]")
    page.fill("input[name='national_1.b0.amount']", "60000")
    page.click("[data-testid=run-what-if]")
    page.wait_for_selector("[data-testid=outcome]")
    assert page.locator("[data-testid=difference]").inner_text() == "+¥10,000"
    screenshot(page, "awards-what-if")
    assert not problems, problems
