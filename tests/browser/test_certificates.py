"""Certificates in Chromium: staff start a competition's batch and watch it finish; the public
verifies a certificate on a phone-sized screen, valid and then revoked. Screenshots (and a
certificate page rendered by pdftoppm) land in test-artifacts/screenshots/."""
from __future__ import annotations

import subprocess
import threading

import pytest
from sqlalchemy import select

from bureau.certificates.batches import run_pending_batches
from bureau.certificates.models import Certificate
from bureau.db import db
from tests.browser.conftest import SCREENSHOTS, log_in, screenshot
from tests.certificates.test_issue import XIAMEN_CITY, finalized_competition
from tests.certificates.test_render import _page_count, _pdf_text
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api").expect
PHONE = {"width": 390, "height": 844}


def test_staff_make_a_competitions_certificates_and_download_them(page, live_server, app, users, tmp_path):
    app.config.update(CERTIFICATE_DIR=str(tmp_path / "certificates"), CERTIFICATE_CHUNK_SIZE=4)
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=15)  # 15 levels + 1 title
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure" of the batch button

    log_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/competitions/{competition.id}")
    assert competition.name in page.inner_text("h1")
    page.click("nav.mainnav >> text=证书")
    screenshot(page, "certificates-index")
    page.click(f"[data-testid=competition-certificates-{competition.id}]")
    assert "应发证书（16 份，已签发 0 份）" in page.content()
    screenshot(page, "certificates-competition")

    page.click("[data-testid=start-batch]")
    page.wait_for_selector("[data-testid=batch]")
    assert "已开始批量生成 16 份证书" in page.content()
    assert page.inner_text("[data-testid=progress-pdf]") == "0%"
    assert not page.is_visible("[data-testid=download-pdf]")
    screenshot(page, "certificates-batch-pending")

    # The worker, as the scheduler or `flask certificates work` would run it: one rendering process.
    worker = threading.Thread(target=run_pending_batches, args=(app,), kwargs={"processes": 1})
    worker.start()
    expect(page.locator("[data-testid=progress-pdf]")).to_have_text("100%", timeout=120_000)
    page.wait_for_selector("[data-testid=download-pdf]:not([hidden])")
    screenshot(page, "certificates-batch-pdf-ready")
    expect(page.locator("[data-field=status]")).to_have_text("已完成", timeout=180_000)
    worker.join(timeout=60)
    assert page.inner_text("[data-testid=progress-zip]") == "100%"
    assert page.eval_on_selector("#progress-pdf", "bar => bar.value") == 16
    screenshot(page, "certificates-batch-done")

    with page.expect_download() as download:
        page.click("[data-testid=download-pdf]")
    merged = tmp_path / "merged.pdf"
    download.value.save_as(merged)
    assert _page_count(merged) == 16
    db.session.rollback()
    serials = db.session.scalars(select(Certificate.serial)).all()
    text = _pdf_text(merged)
    assert len(serials) == 16 and all(serial in text for serial in serials)
    with page.expect_download() as download:
        page.click("[data-testid=download-zip]")
    assert download.value.suggested_filename.endswith(".zip")

    # The first page as a printer would get it, to look at.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(merged),
                    str(SCREENSHOTS / "certificate-batch-page-1")], check=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "16", "-l", "16", "-singlefile", str(merged),
                    str(SCREENSHOTS / "certificate-batch-page-16")], check=True)


def test_the_public_verifies_on_a_phone_valid_then_revoked(browser, live_server, app, users, tmp_path):
    competition = finalized_competition(users["organiser"])
    from bureau.certificates import operations
    from competition.models import Award

    award = db.session.scalar(select(Award).where(Award.competition_id == competition.id, Award.kind == "title")
                              .order_by(Award.id))
    certificate, _ = operations.issue_for_award(award.id, users["admin"])
    db.session.commit()
    serial = certificate.serial

    phone = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    public = phone.new_page()
    public.goto(f"{live_server}/verify/{serial}")  # the address in the QR code, no login
    assert public.inner_text("[data-testid=verify-status]").endswith("有效")
    assert award.name in public.inner_text("[data-testid=verify-result]")
    assert public.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    screenshot(public, "verify-phone-valid")

    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800}).new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    log_in(staff, live_server, "admin", PASSWORD)
    staff.goto(f"{live_server}/certificates/{serial}")
    staff.fill("textarea[name=reason]", "获奖者资格经复核被取消（温人社函〔2026〕12号）")
    staff.click("[data-testid=revoke]")
    staff.wait_for_selector("text=已吊销")
    assert staff.inner_text("[data-testid=certificate-status]") == "已吊销"
    screenshot(staff, "certificate-detail-revoked")

    public.reload()
    assert public.inner_text("[data-testid=verify-status]").endswith("已吊销")
    assert "获奖者资格经复核被取消" in public.inner_text("[data-testid=verify-result]")
    screenshot(public, "verify-phone-revoked")

    public.fill("input[name=serial]", serial[:-1] + ("2" if serial[-1] != "2" else "3"))
    public.click("button:has-text('查验')")
    assert public.inner_text("[data-testid=verify-status]") == "编号有误"
    screenshot(public, "verify-phone-mistyped")
    phone.close()
