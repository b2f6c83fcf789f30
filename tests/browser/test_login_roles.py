"""Each role logs in through a real browser and sees a Chinese interface with its own navigation."""
import pytest

from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD

EXPECTED_NAVIGATION = {
    "admin": {"首页", "用户管理", "审计日志", "API 令牌"},
    "organiser": {"首页", "API 令牌"},
    "lead": {"首页", "API 令牌"},
}


@pytest.mark.parametrize("username", ["admin", "organiser", "lead"])
def test_each_role_logs_in_and_sees_its_navigation(page, live_server, users, username):
    log_in(page, live_server, username, PASSWORD)
    page.wait_for_url(f"{live_server}/home")
    assert page.locator("h1").inner_text() == f"您好，测试{username}"
    navigation = set(page.locator("nav.mainnav a").all_inner_texts())
    assert EXPECTED_NAVIGATION[username] <= navigation
    if username != "admin":
        assert "审计日志" not in navigation and "用户管理" not in navigation
    screenshot(page, f"home-{username}")
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{live_server}/login")
    assert "您已退出登录" in page.content()


def test_login_page_looks_right(page, live_server, users):
    page.goto(f"{live_server}/login")
    screenshot(page, "login")
    assert page.locator("form.login-form button[type=submit]").inner_text() == "登录"
