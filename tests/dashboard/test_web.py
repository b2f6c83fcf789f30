"""The dashboard pages: staff only; targets entered, loaded from a document (once) and refused
when stale; the budget; the selection contests and the regional table; every table exported to
.xlsx; the one-page PDF summary with Chinese text, charts and an embedded CJK font."""
from __future__ import annotations

import io
import re
import shutil
import subprocess

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from bureau.dashboard.models import Budget, QuotaContest, Target
from bureau.db import db
from tests.conftest import csrf_token_from, form_fields_from
from tests.dashboard.conftest import CITY, YEAR, competition_with_results, people

PAGES = ["/dashboard", "/dashboard/targets", "/dashboard/budget", "/dashboard/quota",
         "/dashboard/export/targets.xlsx", "/dashboard/summary.pdf"]
HERE = f"jurisdiction={CITY}&year={YEAR}"


def token(client) -> str:
    return csrf_token_from(client, "/account/password")


def new_target_fields(client) -> dict:
    """The hidden fields of the new-target form: CSRF and its one-time token."""
    return form_fields_from(client, f"/dashboard/targets?{HERE}")


def target_form(**fields) -> dict:
    values = {"label": "国家级竞赛场次", "metric": "competitions", "tier": "national", "category": "", "award_kind": "",
              "studio_kind": "", "studio_level": "", "comparison": "at_least", "value": "2", "value_max": "",
              "unit": "", "from_year": "", "year": str(YEAR), "manual_actual": "", "note": ""}
    values.update(fields)
    return values


def xlsx_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


# --- access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["organiser", "lead"])
def test_organisers_and_leads_are_refused(client, login_as, name):
    login_as(name)
    for page in PAGES:
        assert client.get(page).status_code == 403, page
    csrf = token(client)
    for path in ("/dashboard/targets", "/dashboard/budget", "/dashboard/targets/load"):
        assert client.post(path, data={"csrf_token": csrf}).status_code == 403, path
    assert "工作看板" not in client.get("/home").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(client):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/login" in response.headers["Location"], page


def test_staff_find_the_dashboard_in_the_menu_and_it_opens_on_their_city_this_year(client, login_as):
    login_as("admin")
    home = client.get("/home").get_data(as_text=True)
    assert 'href="/dashboard"' in home and "工作看板" in home
    page = client.get("/dashboard").get_data(as_text=True)
    assert "温州市" in page and "年度指标完成情况" in page
    assert re.search(r'<option value="温州市" selected', page)


# --- targets ------------------------------------------------------------------------------------------


def test_a_target_entered_by_staff_is_counted_from_the_data(client, login_as, known):
    login_as("admin")
    response = client.post(f"/dashboard/targets?{HERE}", data={**target_form(), **new_target_fields(client)})
    assert response.status_code == 302
    page = client.get(f"/dashboard?{HERE}").get_data(as_text=True)
    assert "国家级竞赛场次" in page
    assert "1场 / 2场 50%" in page  # the national final of ``known``, drawn at the end of its bar
    rows = xlsx_rows(client.get(f"/dashboard/export/targets.xlsx?{HERE}"))
    assert rows[0][:8] == ("指标", "统计口径", "范围", "统计期", "目标", "完成", "完成率", "状态")
    assert rows[1][:8] == ("国家级竞赛场次", "举办竞赛", "国家级", f"{YEAR}年", "2场", 1, 0.5, "未完成")


def test_a_manual_target_shows_the_figure_staff_typed(client, login_as):
    login_as("admin")
    form = target_form(label="培养高技能人才", metric="manual", tier="", value="20000", unit="人", manual_actual="12600")
    assert client.post(f"/dashboard/targets?{HERE}", data={**form, **new_target_fields(client)}).status_code == 302
    page = client.get(f"/dashboard?{HERE}").get_data(as_text=True)
    assert "12,600人 / 20,000人 63%" in page


def test_a_bad_target_form_is_answered_in_chinese_under_the_fields(client, login_as):
    login_as("admin")
    form = target_form(value="很多", comparison="range", value_max="", year="1999")
    response = client.post(f"/dashboard/targets?{HERE}", data={**form, **new_target_fields(client)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "须为数字" in page and "请填写数值" in page and "年度必须是2000至2100之间的年份" in page
    assert db.session.scalar(select(func.count(Target.id))) == 0


def test_loading_a_documents_targets_twice_adds_them_once_and_keeps_staff_changes(client, login_as):
    login_as("admin")
    load = {"policy": "wenzhou-2018", "jurisdiction": CITY, "year": "2026"}
    first = client.post("/dashboard/targets/load", data={**load, "csrf_token": token(client)}, follow_redirects=True)
    assert "新增1项" in first.get_data(as_text=True)
    assert "目标年度为2022年" in first.get_data(as_text=True)  # the 2018–2022 targets are 2022's
    target = db.session.scalar(select(Target))
    assert (target.label, target.metric, target.tier, float(target.value), target.policy_code) == (
        "每年组织开展市级技能大赛", "competitions", "city", 20.0, "wenzhou-2018")
    edit = client.get(f"/dashboard/targets/{target.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', edit).group(1)
    changed = target_form(label="每年组织开展市级技能大赛", tier="city", value="25", year="2026", version=version)
    assert client.post(f"/dashboard/targets/{target.id}", data={**changed, "csrf_token": token(client)}).status_code == 302
    again = client.post("/dashboard/targets/load", data={**load, "csrf_token": token(client)}, follow_redirects=True)
    assert "新增0项，已有1项未改动" in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Target.id))) == 1
    assert float(db.session.scalar(select(Target.value))) == 25.0


def test_a_stale_target_form_is_refused_and_nothing_is_overwritten(client, login_as):
    login_as("admin")
    client.post(f"/dashboard/targets?{HERE}", data={**target_form(), **new_target_fields(client)})
    target = db.session.scalar(select(Target))
    page = client.get(f"/dashboard/targets/{target.id}").get_data(as_text=True)
    seen = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    first = client.post(f"/dashboard/targets/{target.id}",
                        data={**target_form(value="3", version=seen), "csrf_token": token(client)})
    assert first.status_code == 302
    second = client.post(f"/dashboard/targets/{target.id}",
                         data={**target_form(value="9", version=seen), "csrf_token": token(client)})
    assert second.status_code == 409 and "他人已修改" in second.get_data(as_text=True)
    deleted = client.post(f"/dashboard/targets/{target.id}/delete", data={"version": seen, "csrf_token": token(client)})
    assert deleted.status_code == 409
    db.session.expire_all()
    assert float(db.session.get(Target, target.id).value) == 3.0


def test_a_target_is_deleted_with_the_version_shown(client, login_as):
    login_as("admin")
    client.post(f"/dashboard/targets?{HERE}", data={**target_form(), **new_target_fields(client)})
    target = db.session.scalar(select(Target))
    response = client.post(f"/dashboard/targets/{target.id}/delete",
                           data={"version": str(target.version), "csrf_token": token(client)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Target.id))) == 0


# --- budget -------------------------------------------------------------------------------------------


def budget_form(client, **amounts) -> dict:
    page = client.get(f"/dashboard/budget?{HERE}").get_data(as_text=True)
    versions = dict(re.findall(r'name="(version_\w+)" type="hidden" value="(\d*)"', page))
    form_token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)
    return {**versions, **amounts, "note": "测试预算", "csrf_token": token(client), "form_token": form_token}


def test_the_budget_is_set_then_shown_against_what_is_committed(client, login_as, known):
    login_as("admin")
    form = budget_form(client, total="1,000,000", competition_cash="400000", studio_grant="200000")
    assert client.post(f"/dashboard/budget?{HERE}", data=form).status_code == 302
    rows = xlsx_rows(client.get(f"/dashboard/export/budget.xlsx?{HERE}"))
    by_label = {row[0]: row[1:] for row in rows[1:]}
    committed = 260000 + 45000 + 100000 + 7 * 30000 + known["rewards"]
    assert by_label["年度预算总额"][:3] == (1000000, committed, 2 * 30000 + known["rewards"])
    assert by_label["竞赛获奖奖金"][:4] == (400000, 305000, 0, 95000)
    assert by_label["工作室/基地一次性资助"][:4] == (200000, 210000, 60000, -10000)
    assert by_label["称号奖励"][0] is None
    page = client.get(f"/dashboard?{HERE}").get_data(as_text=True)
    assert "¥1,000,000" in page


def test_a_budget_form_read_before_someone_else_saved_is_refused(client, login_as):
    login_as("admin")
    stale = budget_form(client, total="500000")
    fresh = budget_form(client, total="800000")
    assert client.post(f"/dashboard/budget?{HERE}", data=fresh).status_code == 302
    refused = client.post(f"/dashboard/budget?{HERE}", data=stale)
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.scalar(select(Budget.amount).where(Budget.category == "total")) == 800000
    bad = client.post(f"/dashboard/budget?{HERE}", data=budget_form(client, total="三百万"))
    assert bad.status_code == 422 and "须为不超过100亿的整数" in bad.get_data(as_text=True)


# --- selection contests and the regional table ----------------------------------------------------


FUJIAN = {"tier": "provincial", "category": 1, "year": 2023, "group": "worker", "policy": "fujian-2023"}


def test_marked_selection_contests_count_contestants_per_region_against_the_quota(client, login_as, api_token):
    organiser, staff = api_token("organiser"), api_token("admin")
    # Fuzhou sends 5 and 4, Zhangzhou (4 or more) 6 and 4, Pingtan 1, one contestant from Zhejiang.
    first = people(range(1, 6), region="350102") + people(range(6, 12), region="350602") + \
        people([12], region="350128")
    second = people(range(21, 25), region="350103") + people(range(25, 29), region="350681") + \
        people([29], region="330302")
    contest_a = competition_with_results(client, organiser, staff, {**FUJIAN, "name": "数控车工国赛选拔赛",
                                                                    "held_on": "2023-04-18"}, first, finalize=False)
    contest_b = competition_with_results(client, organiser, staff, {**FUJIAN, "name": "电工国赛选拔赛",
                                                                    "held_on": "2023-05-09"}, second, finalize=False)
    login_as("admin")
    page = client.get("/dashboard/quota?jurisdiction=福建省&year=2023").get_data(as_text=True)
    assert "数控车工国赛选拔赛" in page and "该年度还没有标记" in page
    for contest in (contest_a, contest_b):
        response = client.post("/dashboard/quota/fujian-2023/mark?jurisdiction=福建省&year=2023",
                               data={"competition": str(contest), "csrf_token": token(client)})
        assert response.status_code == 302
    # Marking twice changes nothing.
    client.post("/dashboard/quota/fujian-2023/mark?jurisdiction=福建省&year=2023",
                data={"competition": str(contest_a), "csrf_token": token(client)})
    assert db.session.scalar(select(func.count(QuotaContest.id))) == 2

    rows = xlsx_rows(client.get("/dashboard/export/quota-fujian-2023.xlsx?jurisdiction=福建省&year=2023"))
    assert rows[0] == ("地区", "每项应选派", "数控车工国赛选拔赛", "电工国赛选拔赛", "合计", "未达数的项目")
    by_region = {row[0]: row[1:] for row in rows[1:]}
    assert by_region["福州市"] == ("5", 5, 4, 9, 1)
    assert by_region["漳州市"] == ("4人以上", 6, 4, 10, 0)
    assert by_region["平潭"] == (None, 1, 0, 1, 0)
    assert by_region["莆田市"] == ("2人以上", 0, 0, 0, 2)
    assert by_region["省外"] == (None, 0, 1, 1, 0)
    assert by_region["各项目参赛人数"][:4] == ("30—80人", 12, 9, 21)
    board = client.get("/dashboard?jurisdiction=福建省&year=2023").get_data(as_text=True)
    assert re.search(r'class="num quota-over">6<', board)  # Zhangzhou's six, above the five any region may send
    assert "国赛省级选拔赛" in board
    # The count towards Fujian's target of 11 selection contests.
    client.post("/dashboard/targets/load", data={"policy": "fujian-2023", "jurisdiction": "福建省", "year": "2023",
                                                 "csrf_token": token(client)})
    targets = xlsx_rows(client.get("/dashboard/export/targets.xlsx?jurisdiction=福建省&year=2023"))
    selection = next(row for row in targets if row[0] == "国赛省级选拔赛")
    assert selection[4:7] == ("11个", 2, pytest.approx(2 / 11))
    provincial = next(row for row in targets if row[0] == "拟举办省级职业技能大赛")
    assert provincial[5] == 2
    # A city of the province sees its own row only.
    quanzhou = client.get("/dashboard?jurisdiction=泉州市&year=2023").get_data(as_text=True)
    assert "分地区选派参赛选手" in quanzhou and "福州市" not in quanzhou.split("分地区选派参赛选手")[1]

    mark = db.session.scalar(select(QuotaContest).where(QuotaContest.competition_id == contest_b))
    assert client.post(f"/dashboard/quota/marks/{mark.id}/delete",
                       data={"csrf_token": token(client)}).status_code == 302
    assert db.session.scalar(select(func.count(QuotaContest.id))) == 1


# --- exports and the PDF ----------------------------------------------------------------------------------


def test_every_table_on_the_dashboard_exports_to_xlsx(client, login_as, known):
    login_as("admin")
    client.post(f"/dashboard/targets?{HERE}",
                data={**target_form(label="=HYPERLINK(\"http://x\")"), **new_target_fields(client)})
    page = client.get(f"/dashboard?{HERE}").get_data(as_text=True)
    names = re.findall(r'href="/dashboard/export/([\w-]+)\.xlsx', page)
    assert {"targets", "competitions", "studios", "certificates", "budget", "money-kind", "money-tier",
            "money-payee", "money-month", "what-if"} <= set(names)
    for name in set(names):
        rows = xlsx_rows(client.get(f"/dashboard/export/{name}.xlsx?{HERE}"))
        assert rows[0] and all(isinstance(header, str) for header in rows[0]), name
    competitions = xlsx_rows(client.get(f"/dashboard/export/competitions.xlsx?{HERE}"))
    assert competitions[-1][:6] == ("合计", 2, 1, 0, 3, 16)
    targets = xlsx_rows(client.get(f"/dashboard/export/targets.xlsx?{HERE}"))
    assert targets[1][0] == "'=HYPERLINK(\"http://x\")"  # text, never a formula
    money = xlsx_rows(client.get(f"/dashboard/export/money-payee.xlsx?{HERE}"))
    assert ("个人", 305000, 0, 30000) in money
    assert client.get(f"/dashboard/export/nothing.xlsx?{HERE}").status_code == 404


def test_the_summary_is_one_a4_page_with_chinese_text_charts_and_an_embedded_cjk_font(client, login_as, known,
                                                                                     tmp_path):
    login_as("admin")
    client.post(f"/dashboard/targets?{HERE}", data={**target_form(), **new_target_fields(client)})
    response = client.get(f"/dashboard/summary.pdf?{HERE}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert round(width) == 595 and round(height) == 842  # A4 portrait, in points
    path = tmp_path / "summary.pdf"
    path.write_bytes(response.data)
    if not shutil.which("pdftotext") or not shutil.which("pdffonts"):
        pytest.skip("poppler-utils (pdftotext, pdffonts) not installed")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for heading in ("温州市", "年度技能人才工作摘要", "年度指标完成情况", "资金：预算与执行", "奖补资金（按级别）", "要点"):
        assert heading in text, heading
    # Words drawn inside the SVG charts: the charts were laid out, not dropped.
    for chart_text in ("国家级竞赛场次", "按时间应达进度", "已承诺", "市级"):
        assert chart_text in text, chart_text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), fonts  # the "emb" column


def test_a_long_list_of_targets_still_makes_one_page(client, login_as):
    login_as("admin")
    client.post("/dashboard/targets/load", data={"policy": "fujian-2023", "jurisdiction": "福建省", "year": "2023",
                                                 "csrf_token": token(client)})
    assert db.session.scalar(select(func.count(Target.id))) == 15
    response = client.get("/dashboard/summary.pdf?jurisdiction=福建省&year=2023")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "另有" in text and "指标见系统看板" in text
