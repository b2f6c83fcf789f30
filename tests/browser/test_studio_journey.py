"""A year of a master studio in a real browser, on one live server: the lead files and submits the
annual report, staff return it with a reason, the lead fixes and resubmits, staff accept and score
it, run the assessment (7 studios → floor(15%) = 1 优秀, 温人社发〔2018〕242号 第15条) and publish it;
staff issue the 优秀 studio's certificate, whose QR code, read back from the PDF, opens the public
verification page; the public reads the list without logging in. Screenshots: studio-*.png."""
from __future__ import annotations

from bureau.db import db
from studios import operations
from tests.browser.conftest import download, log_in, log_out, read_qr_code, screenshot
from tests.competition.ids import person_id
from tests.conftest import PASSWORD
from tests.studios.conftest import ESTABLISHED, items_totalling, last_year, sample_content

ATTACHMENT = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _studios(users):
    """The lead's studio, and six others already accepted and scored, so 7 are assessed (1 优秀 seat)."""
    ours = operations.create_studio({"name": "张明华数控技能大师工作室", "kind": "master_studio", "level": "city",
                                     "jurisdiction": "温州市", "lead": "lead", "established": ESTABLISHED,
                                     "occupation": "数控车工", "host_employer": "温州瓯江机床有限公司"})
    for number, total in enumerate((88, 84, 80, 77, 72, 65), start=1):
        other = operations.create_studio({"name": f"温州市第{number}技能大师工作室", "kind": "master_studio",
                                          "level": "city", "jurisdiction": "温州市", "lead": "lead_b",
                                          "established": ESTABLISHED})
        report = operations.save_report(other, last_year(), sample_content(10 * number))
        operations.submit_report(report)
        operations.accept_report(report, users["admin"])
        operations.score_report(report, items_totalling(total), users["admin"])
    db.session.commit()
    return ours


def test_a_studio_year_from_report_to_an_excellent_certificate(page, live_server, app, users, tmp_path):
    app.config.update(PUBLIC_BASE_URL=live_server)  # so the QR code printed leads back to this server
    studio = _studios(users)
    year = last_year()
    report_url = f"{live_server}/studios/{studio.id}/reports/{year}"
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure" of submit and publish

    # The lead fills in the structured form, adds a row with the button, saves a draft, attaches a file.
    log_in(page, live_server, "lead", PASSWORD)
    page.goto(f"{live_server}/studios/{studio.id}")
    page.click(f"a[href='/studios/{studio.id}/reports/{year}']")
    page.fill("[name=apprentices-0-name]", "陈浩")
    page.fill("[name=apprentices-0-id_number]", person_id(1))
    page.select_option("[name=apprentices-0-level_before]", "中级工")
    page.select_option("[name=apprentices-0-level_after]", "高级工")
    page.click("[data-add-row=apprentices]")
    page.click("[data-add-row=apprentices]")
    page.fill("[name=apprentices-2-name]", "林晨")
    page.fill("[name=apprentices-2-id_number]", person_id(2))
    page.select_option("[name=apprentices-2-level_after]", "技师")
    page.fill("[name=innovations-0-title]", "数控刀具寿命提升")
    page.fill("[name=innovations-0-benefit]", "年节约成本30万元")
    page.fill("[name=trainings-0-title]", "数控车工技能提升培训")
    page.fill("[name=trainings-0-held_on]", f"{year}-04-10")
    page.fill("[name=trainings-0-trainees]", "48")
    page.fill("[name=funds-received]", "300000")
    page.fill("[name=funds-spent]", "260000")
    page.fill("[name=summary]", "全年带徒2人，开展培训1期，完成技术攻关1项。")
    page.click("button[value=save]")
    assert "草稿已保存" in page.inner_text(".flash")
    assert "晋升高级工及以上（高技能人才）：2人" in page.content()
    attachment = tmp_path / "带徒协议.pdf"
    attachment.write_bytes(ATTACHMENT)
    page.set_input_files("input[name=file]", str(attachment))
    page.click("form.upload button[type=submit]")
    assert "已上传附件" in page.inner_text(".flash")
    screenshot(page, "studio-report-draft")
    page.click("button[value=submit]")
    assert "报告已提交" in page.inner_text(".flash")
    screenshot(page, "studio-report-submitted")
    log_out(page, live_server)

    # Staff find it in the review queue and return it with a reason.
    log_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/studios/reports?year={year}")
    page.click(f"text={studio.name}")
    page.fill("textarea[name=reason]", "请补充专利情况，并上传带徒协议签字页。")
    page.click("button.danger")
    assert "报告已退回" in page.inner_text(".flash")
    screenshot(page, "studio-report-returned-staff")
    log_out(page, live_server)

    # The lead sees the reason, fixes the report and resubmits.
    log_in(page, live_server, "lead", PASSWORD)
    page.goto(report_url)
    assert "请补充专利情况" in page.inner_text("[data-testid=return-reason]")
    screenshot(page, "studio-report-returned-lead")
    page.fill("[name=patents-0-title]", "一种数控车床快速装夹夹具")
    page.fill("[name=patents-0-number]", "ZL202420000001.X")
    page.click("button[value=submit]")
    assert "报告已提交" in page.inner_text(".flash")
    log_out(page, live_server)

    # Staff accept and score it.
    log_in(page, live_server, "admin", PASSWORD)
    page.goto(report_url)
    page.click("text=审核通过")
    assert "审核通过" in page.inner_text(".flash")
    for key, points in items_totalling(92, apprentices=20).items():
        page.fill(f"input[name={key}]", points)
    assert page.inner_text("[data-score-total]") == "92"
    screenshot(page, "studio-report-score")
    page.click("text=保存评分")
    assert "总分92" in page.inner_text(".flash")
    screenshot(page, "studio-report-accepted")

    # Staff run the assessment: 7 studios → 1 优秀, ours at 92; then publish it.
    page.goto(f"{live_server}/assessments")
    page.fill("input[name=year]", str(year))
    page.select_option("select[name=kind]", "master_studio")
    page.select_option("select[name=level]", "city")
    page.select_option("select[name=jurisdiction]", "温州市")
    page.fill("input[name=reward_amount]", "50000")
    page.click("form.panel button.primary")
    assert page.inner_text("[data-testid=excellent-cap]") == "1"
    assert page.inner_text("[data-testid=excellent-count]") == "1"
    assert "优秀线 92分" in page.content()
    screenshot(page, "studio-assessment")
    page.click("form.publish button.primary")
    assert "考评结果已公示" in page.inner_text(".flash")
    screenshot(page, "studio-assessment-published")
    public_url = page.get_attribute("text=查看公示页面", "href")

    # The one 优秀 studio gets its certificate; its QR code, read from the PDF, verifies it.
    page.click("text=优秀证书")
    assert "应发证书（1 份，已签发 0 份）" in page.content()
    assert studio.name in page.inner_text("table")
    screenshot(page, "studio-certificate-planned")
    page.click("button:has-text('签发')")
    assert "已签发证书" in page.inner_text(".flash-success")
    assert page.inner_text("[data-testid=certificate-status]") == "有效"
    screenshot(page, "studio-certificate-issued")
    pdf = download(page, "[data-testid=download-certificate]", tmp_path / "优秀工作室证书.pdf")
    verify_address = read_qr_code(pdf, 1, "studio-certificate-pdf")
    assert verify_address.startswith(f"{live_server}/verify/")
    log_out(page, live_server)
    page.goto(verify_address)
    assert page.inner_text("[data-testid=verify-status]").endswith("有效")
    assert studio.name in page.inner_text("[data-testid=verify-result]")
    screenshot(page, "studio-certificate-verified")

    # Anyone reads the public list, no login.
    page.goto(f"{live_server}{public_url}")
    assert studio.name in page.inner_text("table")
    assert "优秀" in page.inner_text("table")
    screenshot(page, "studio-assessment-public")

    # The studio's own page now shows this year's score.
    log_in(page, live_server, "lead", PASSWORD)
    page.goto(f"{live_server}/studios/{studio.id}")
    assert "92" in page.inner_text(".chart")
    screenshot(page, "studio-detail-lead")
