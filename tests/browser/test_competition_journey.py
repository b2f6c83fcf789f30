"""A competition from registration to a certificate a stranger can check, in one browser session on
one live server, each step through the pages a person would use:

organiser registers the competition and uploads the results → bureau staff sign them off and the
policy turns places into awards → staff publish the public notice and anyone reads it → staff make
the certificates in a batch and watch its progress bar → the QR code printed on a certificate,
read back from the PDF, opens the public verification page on a phone.

The amounts are the competition's own prize table (温人社发〔2018〕242号 第13条: 市级技能大赛新获奖者
奖励由各职业（工种）比赛文件确定) and the title is that clause's 温州市技术能手 for the top three.
Screenshots land in test-artifacts/screenshots/journey-competition-*.png."""
from __future__ import annotations

import threading

import pytest

from bureau.certificates.batches import run_pending_batches
from bureau.clock import local_today
from tests.browser.conftest import download, log_in, log_out, read_qr_code, screenshot, watch_console
from tests.certificates.test_render import _page_count, _pdf_text
from tests.competition.test_web import people, xlsx
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect
PHONE = {"width": 390, "height": 844}
NAME = "2026年温州市数控车工职业技能竞赛"
PRIZES = "1-1 5000\n2-3 3000"  # as the competition's own rules would print it


def _shot(page, step: str) -> None:
    screenshot(page, f"journey-competition-{step}")


def test_from_upload_to_a_verified_certificate(browser, page, live_server, app, users, tmp_path):
    app.config.update(CERTIFICATE_DIR=str(tmp_path / "certificates"), CERTIFICATE_CHUNK_SIZE=2,
                      PUBLIC_BASE_URL=live_server)  # so the QR code printed leads back to this server
    problems = watch_console(page)
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure" of sign-off and batch
    sheet = tmp_path / "成绩.xlsx"
    sheet.write_bytes(xlsx(people(6)))  # 选手1 best … 选手6 worst, all local

    # 1. The organiser registers the competition and uploads the results.
    log_in(page, live_server, "organiser", PASSWORD)
    page.goto(f"{live_server}/competitions/new")
    page.fill("input[name=name]", NAME)
    page.select_option("select[name=tier]", "city")
    page.select_option("select[name=category]", "1")
    page.fill("input[name=occupation]", "数控车工")
    page.fill("input[name=year]", "2026")
    page.select_option("select[name=group]", "worker")
    page.select_option("select[name=policy]", "wenzhou-2018")
    page.fill("input[name=organiser_name]", "温州市总工会")
    page.fill("textarea[name=prizes]", PRIZES)
    _shot(page, "01-register")
    page.click("form button[type=submit].primary")
    page.wait_for_url(f"{live_server}/competitions/*")
    competition_url = page.url
    assert NAME in page.inner_text("h1")
    assert "温州市政策（温人社发〔2018〕242号）" in page.inner_text("dl")

    page.click("text=上传成绩表")
    page.set_input_files("input[type=file]", str(sheet))
    page.click("[data-testid=upload]")
    assert "全部通过校验" in page.inner_text("[data-testid=upload-ok]")
    _shot(page, "02-upload-preview")
    page.click("[data-testid=confirm-upload]")
    page.wait_for_url(competition_url)
    assert "已保存 6 条成绩" in page.inner_text(".flash")
    ranks = page.locator("table.results tbody tr td:nth-child(2)").all_inner_texts()
    assert ranks == ["1", "2", "3", "4", "5", "6"]
    assert page.locator("[data-testid=finalize]").count() == 0  # sign-off is the bureau's, not the organiser's
    _shot(page, "03-results-ranked")
    log_out(page, live_server)

    # 2. Staff sign the results off; the policy turns the places into awards.
    log_in(page, live_server, "admin", PASSWORD)
    page.goto(competition_url)
    page.click("[data-testid=finalize]")
    page.wait_for_selector(".flash-success")
    # 1st–3rd: a cash prize from the competition's table and the title, each; 4th–6th nothing; and
    # the organiser's hosting subsidy (第12条 市级比赛补助 2—5 万元, pending the clerk's figure).
    assert "按政策生成 7 项奖励" in page.inner_text(".flash-success")
    _shot(page, "04-finalized")
    page.click("text=奖励明细")
    award_rows = page.locator("table[data-testid=awards] tbody tr")
    assert award_rows.filter(has_text="温州市技术能手").count() == 3
    awards = page.locator("table[data-testid=awards]").inner_text()
    assert "5,000" in awards and awards.count("3,000") == 2
    assert "承办市级职业技能比赛经费补助" in awards
    why_not = page.locator("table[data-testid=why-not]").inner_text()
    assert all(f"选手{n}" in why_not for n in (4, 5, 6))
    # The six personal awards are approved together; the subsidy waits for the clerk's figure.
    page.click("text=批准本竞赛全部待批准奖励（6 项）")
    assert "已批准 6 项奖励" in page.inner_text(".flash-success")
    _shot(page, "05-awards-approved")

    # 3. Staff publish the public notice; anyone reads it without logging in, IDs masked.
    page.goto(competition_url)
    page.fill("input[name=starts_on]", local_today().isoformat())
    page.fill("input[name=working_days]", "5")
    page.click("[data-testid=publish]")
    assert "已发布公示" in page.inner_text(".flash-success")
    log_out(page, live_server)
    page.goto(f"{live_server}/notices")
    page.click(f"text={NAME}")
    notice = page.inner_text("article.notice")
    assert "奖金5,000元" in notice and notice.count("奖金3,000元") == 2
    assert notice.count("温州市技术能手") == 3
    first_id = people(1)[0][1]
    assert first_id not in notice and f"{first_id[:4]}**********{first_id[-4:]}" in notice
    _shot(page, "06-public-notice")

    # 4. Staff make the certificates in a batch and watch the progress bar fill.
    log_in(page, live_server, "admin", PASSWORD)
    page.goto(competition_url)
    page.click("a.button:has-text('证书')")
    # Three 荣誉证书 (the title) and three 获奖证书 (the place; the amount is never printed).
    assert "应发证书（6 份，已签发 0 份）" in page.content()
    _shot(page, "07-certificates-planned")
    page.click("[data-testid=start-batch]")
    page.wait_for_selector("[data-testid=batch]")
    assert page.inner_text("[data-testid=progress-pdf]") == "0%"
    _shot(page, "08-batch-started")
    worker = threading.Thread(target=run_pending_batches, args=(app,), kwargs={"processes": 1})
    worker.start()
    expect(page.locator("[data-field=status]")).to_have_text("已完成", timeout=180_000)
    worker.join(timeout=60)
    assert page.inner_text("[data-testid=progress-pdf]") == "100%"
    assert page.inner_text("[data-testid=progress-zip]") == "100%"
    _shot(page, "09-batch-done")
    merged = download(page, "[data-testid=download-pdf]", tmp_path / "certificates.pdf")
    assert _page_count(merged) == 6
    assert "选手1" in _pdf_text(merged) and "选手4" not in _pdf_text(merged)

    # 5. The QR code on the first page, read as a phone camera would, opens the verification page.
    verify_address = read_qr_code(merged, 1, "journey-competition-10-certificate-page-1")
    assert verify_address.startswith(f"{live_server}/verify/")
    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    public = phone.new_page()
    public.goto(verify_address)
    assert public.inner_text("[data-testid=verify-status]").endswith("有效")
    result = public.inner_text("[data-testid=verify-result]")
    assert NAME in result and verify_address.rsplit("/", 1)[1] in result
    assert public.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(public, "journey-competition-11-verify-phone")
    phone.close()
    assert not problems, problems
