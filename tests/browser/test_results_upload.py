"""An organiser uploads a spreadsheet, sees the row error in the preview, fixes it, saves, sees ranks."""
from bureau.db import db
from competition.operations import create_competition
from tests.browser.conftest import log_in, screenshot
from tests.competition.ids import wrong_check
from tests.competition.test_web import CITY, people, xlsx
from tests.conftest import PASSWORD


def test_upload_preview_fix_and_save(page, live_server, users, tmp_path):
    competition = create_competition({**CITY, "prizes": []}, users["organiser"])
    db.session.commit()
    rows = people(6)
    rows[3][1] = wrong_check(rows[3][1])
    bad, good = tmp_path / "成绩-有错.xlsx", tmp_path / "成绩.xlsx"
    bad.write_bytes(xlsx(rows))
    good.write_bytes(xlsx(people(6)))

    log_in(page, live_server, "organiser", PASSWORD)
    page.goto(f"{live_server}/competitions/{competition.id}")
    page.click("text=上传成绩表")
    page.set_input_files("input[type=file]", str(bad))
    page.click("[data-testid=upload]")
    problems = page.locator("[data-testid=upload-problems]")
    assert "发现 1 个问题" in problems.inner_text()
    assert "身份证号码" in page.locator("table.problems").inner_text()
    assert page.locator("tr.row-error").count() == 1
    screenshot(page, "upload-preview-with-error")

    page.set_input_files("input[type=file]", str(good))
    page.click("[data-testid=upload]")
    assert "全部通过校验" in page.locator("[data-testid=upload-ok]").inner_text()
    screenshot(page, "upload-preview-ok")
    page.click("[data-testid=confirm-upload]")
    page.wait_for_url(f"{live_server}/competitions/{competition.id}")
    assert "已保存 6 条成绩" in page.content()
    ranks = page.locator("table.results tbody tr td:nth-child(2)").all_inner_texts()
    assert ranks == ["1", "2", "3", "4", "5", "6"]
    names = page.locator("table.results tbody tr td:nth-child(3)").all_inner_texts()
    assert names[0].startswith("选手1")
    screenshot(page, "results-ranked")
