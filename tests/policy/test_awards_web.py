"""The awards pages: a competition's awards with their rules and the reasons for no award, and the
staff register (filters, totals, approval, payment list), against data made through the API."""
from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from bureau.audit.models import AuditEntry
from bureau.db import db
from competition.award_queries import awards_by_result
from competition.models import Award, Result
from tests.competition.ids import person_id
from tests.conftest import csrf_token_from

NATIONAL_1 = {"name": "第二届全国技能大赛数控车项目", "tier": "national", "category": 1, "occupation": "数控车工",
              "year": 2024, "held_on": "2024-09-20", "group": "worker", "policy": "wenzhou-2018"}
PROVINCIAL_1 = {"name": "2024年浙江省电工职业技能竞赛", "tier": "provincial", "category": 1, "occupation": "电工",
                "year": 2024, "held_on": "2024-10-15", "group": "worker", "policy": "wenzhou-2018",
                "organiser_name": "温州市技师学院"}
TAIAN_NATIONAL = {"name": "全国焊工职业技能竞赛（泰安选手）", "tier": "national", "category": 1, "occupation": "焊工",
                  "year": 2025, "held_on": "2025-05-10", "group": "worker", "policy": "taian-2024"}
EMPLOYER = "温州某机械有限公司"


def people(numbers, *, local=True, employer=EMPLOYER):
    """Result rows ranked in the order given (scores fall with the position)."""
    return [{"name": f"选手{n}", "id_number": person_id(n), "employer": employer, "local": local,
             "theory": 95 - index, "practical": 96 - index} for index, n in enumerate(numbers)]


def competition_with_results(client, organiser, staff, body, rows, *, finalize=True) -> int:
    created = client.post("/api/v1/competitions", json=body, headers=organiser)
    assert created.status_code == 201, created.get_json()
    competition_id = created.get_json()["id"]
    stored = client.put(f"/api/v1/competitions/{competition_id}/results", json=rows, headers=organiser)
    assert stored.status_code == 200, stored.get_json()
    if finalize:
        assert client.post(f"/api/v1/competitions/{competition_id}/finalize", headers=staff).status_code == 200
    return competition_id


@pytest.fixture
def known(client, api_token):
    """Wenzhou 2024: a national class 1 final (9 places: 8 paid, 50,000 … 15,000 = 260,000) and, a
    month later, a provincial class 1 final whose winner also won the national one (his 30,000 is
    withheld under 就高), 25,000 and 20,000 for places 2 and 3 and a hosting subsidy proposed at its
    100,000 limit. Tai'an 2025 (organiser_b): a national final, places 1 and 2 at 50,000 each."""
    organiser, other, staff = api_token("organiser"), api_token("organiser_b"), api_token("admin")
    national = competition_with_results(client, organiser, staff, NATIONAL_1, people(range(1, 10)))
    provincial = competition_with_results(client, organiser, staff, PROVINCIAL_1, people([1, 21, 22]))
    taian = competition_with_results(client, other, staff, TAIAN_NATIONAL, people([31, 32], employer="泰安某重工"))
    db.session.remove()
    return {"national": national, "provincial": provincial, "taian": taian}


def award_rows():
    return sorted((a.id, a.status, a.amount, a.paid) for a in db.session.scalars(select(Award)))


# --- a competition's awards page -------------------------------------------------------------------


def test_awards_page_shows_rule_clause_and_why_not(known, login_as):
    client = login_as("organiser")
    page = client.get(f"/competitions/{known['national']}/awards")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "¥50,000" in html and "¥15,000" in html
    assert "全国一类技能大赛前八名新获奖者个人奖励：第1名，5万元" in html
    assert "温人社发〔2018〕242号，四、构建高技能人才培养平台，13. 加大对竞赛获奖选手激励力度" in html
    why_not = html[html.index('data-testid="why-not"'):]
    assert "选手9" in why_not and "第9名：国家级一类竞赛奖励限前8名" in why_not
    assert "选手8" not in why_not  # rank 8 is paid


def test_awards_page_shows_withheld_award_with_reason_and_review_note(known, login_as):
    html = login_as("admin").get(f"/competitions/{known['provincial']}/awards").get_data(as_text=True)
    assert "不发放" in html and "同序列就高：已于2024-09-20获技能竞赛获奖奖励5万元" in html
    assert "温州市技师学院" in html and "待核定" in html and "按上限预列10万元" in html
    assert "¥145,000" in html  # paid: 25,000 + 20,000 + 100,000
    assert "¥30,000" in html  # withheld


def test_organisers_see_only_their_own_competitions_awards(known, login_as):
    client = login_as("organiser")
    assert client.get(f"/competitions/{known['taian']}/awards").status_code == 404
    assert client.get("/competitions/999999/awards").status_code == 404
    assert login_as("lead").get(f"/competitions/{known['national']}/awards").status_code == 403


def test_awards_page_before_finalize_explains_from_current_results(client, api_token, users, login_as):
    competition_id = competition_with_results(client, api_token("organiser"), api_token("admin"), NATIONAL_1,
                                              people(range(1, 10)), finalize=False)
    html = login_as("organiser").get(f"/competitions/{competition_id}/awards").get_data(as_text=True)
    assert "成绩确认后，系统按政策计算奖励" in html
    assert "第9名：国家级一类竞赛奖励限前8名" in html


# --- awards by result, for the public notice -------------------------------------------------------


def test_awards_by_result_groups_a_competitions_awards(known):
    grouped = awards_by_result(known["provincial"])
    results = {r.name: r.id for r in db.session.scalars(select(Result).where(Result.competition_id == known["provincial"]))}
    assert [(a.amount, a.paid) for a in grouped[results["选手1"]]] == [(30000, False)]
    assert [a.amount for a in grouped[results["选手21"]]] == [25000]
    assert all(a.payee != "organiser" for awards in grouped.values() for a in awards)
    assert awards_by_result(known["provincial"], approved_only=True) == {}


def test_a_team_award_is_listed_under_every_member(client, api_token, users):
    rows = people([41, 42, 43], employer="泰安某重工")
    for row in rows[:2]:
        row["team"] = "泰安一队"
    rows[1]["theory"], rows[1]["practical"] = rows[0]["theory"], rows[0]["practical"]
    competition_id = competition_with_results(client, api_token("organiser"), api_token("admin"), TAIAN_NATIONAL, rows)
    grouped = awards_by_result(competition_id)
    members = {r.name: r.id for r in db.session.scalars(select(Result).where(Result.competition_id == competition_id))}
    team_award = grouped[members["选手41"]]
    assert [(a.payee, a.amount) for a in team_award] == [("team", 50000)]
    assert grouped[members["选手42"]] == team_award


# --- the register -----------------------------------------------------------------------------------


def totals(html: str) -> tuple[str, str, str]:
    def value(test_id):
        return re.search(rf'data-testid="{test_id}">([^<]*)<', html).group(1)

    return value("total-count"), value("total-paid"), value("total-withheld")


@pytest.mark.parametrize("query, expected", [
    ("", ("14", "¥505,000", "¥30,000")),
    ("?year=2024", ("12", "¥405,000", "¥30,000")),
    ("?year=2024&tier=provincial", ("4", "¥145,000", "¥30,000")),
    ("?policy=taian-2024", ("2", "¥100,000", "¥0")),
    ("?payee=organiser", ("1", "¥100,000", "¥0")),
    ("?paid=no", ("1", "¥0", "¥30,000")),
    ("?kind=title", ("0", "¥0", "¥0")),
    ("?status=approved", ("0", "¥0", "¥0")),
    (f"?q={person_id(1)}", ("2", "¥50,000", "¥30,000")),
    ("?q=选手2", ("3", "¥90,000", "¥0")),  # 选手2, 选手21 and 选手22
])
def test_register_filters_and_totals(known, login_as, query, expected):
    page = login_as("admin").get(f"/awards{query}")
    assert page.status_code == 200
    assert totals(page.get_data(as_text=True)) == expected


def test_register_chart_shows_paid_amounts_by_tier(known, login_as):
    html = login_as("admin").get("/awards?year=2024").get_data(as_text=True)
    chart = html[html.index("<svg"):html.index("</svg>")]
    amounts = dict(re.findall(r'>([^<>]+)</text>\s*<rect[^>]*>\s*(?:<rect[^>]*>\s*)?<text[^>]*data-tier-amount="(\d+)"', chart))
    assert amounts["国家级"] == "260000" and amounts["省级"] == "145000" and amounts["市级"] == "0"
    # CSP: no inline style or script anywhere on the page.
    assert " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_only_staff_open_the_register(known, login_as):
    assert login_as("organiser").get("/awards").status_code == 403


def test_register_only_for_staff_paths(known, login_as):
    client = login_as("organiser")
    assert client.get("/awards/payments.xlsx").status_code == 403
    assert client.get("/awards/what-if").status_code == 403


# --- approval -----------------------------------------------------------------------------------------


def first_place_award(competition_id: int) -> Award:
    return db.session.scalar(select(Award).join(Result, Award.result_id == Result.id).where(
        Award.competition_id == competition_id, Result.rank == 1, Award.kind == "cash"))


def test_approve_one_needs_post_and_csrf_and_is_audited(known, login_as):
    client = login_as("admin")
    award_id = first_place_award(known["national"]).id
    assert client.get(f"/awards/{award_id}/approve").status_code == 405
    assert client.post(f"/awards/{award_id}/approve").status_code == 400  # no CSRF token
    assert db.session.get(Award, award_id).status == "proposed"
    token = csrf_token_from(client, "/awards")
    response = client.post(f"/awards/{award_id}/approve", data={"csrf_token": token, "next": "/awards?year=2024"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/awards?year=2024")
    db.session.remove()
    assert db.session.get(Award, award_id).status == "approved"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "award", AuditEntry.action == "update",
                                                       AuditEntry.object_id == str(award_id)))
    assert entry.action == "update" and entry.actor_name == "admin"
    assert entry.before == {"status": "proposed"} and entry.after == {"status": "approved"}
    assert entry.summary.startswith("批准奖励：") and "选手1" in entry.summary


def test_organisers_cannot_approve(known, login_as):
    client = login_as("organiser")
    award_id = first_place_award(known["national"]).id
    token = csrf_token_from(client, "/policies")
    assert client.post(f"/awards/{award_id}/approve", data={"csrf_token": token}).status_code == 403
    assert client.post("/awards/approve", data={"csrf_token": token, "expected": 1, "through_id": award_id}).status_code == 403
    assert db.session.get(Award, award_id).status == "proposed"


def approve_all_form(client, query: str, *, path: str = "/awards") -> dict:
    html = client.get(f"{path}{query}").get_data(as_text=True)
    form = html[html.index('action="/awards/approve"'):]
    form = form[:form.index("</form>")]
    return dict(re.findall(r'name="([^"]+)"[^>]*value="([^"]*)"', form))


def test_approve_all_of_the_filter_skips_amounts_to_review_and_is_audited(known, login_as):
    client = login_as("admin")
    data = approve_all_form(client, "?year=2024&tier=provincial")
    assert data["tier"] == "provincial" and data["expected"] == "3"  # the hosting subsidy waits for review
    response = client.post("/awards/approve", data=data)
    assert response.status_code == 302
    db.session.remove()
    statuses = {(a.payee, a.status) for a in db.session.scalars(select(Award).where(Award.competition_id == known["provincial"]))}
    assert statuses == {("person", "approved"), ("organiser", "proposed")}
    assert db.session.scalars(select(Award.status).where(Award.competition_id == known["national"])).all() == ["proposed"] * 8
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "award",
                                                          AuditEntry.action == "update")).all()
    assert len(entries) == 3 and all(e.summary.startswith("批量批准奖励 3 项") for e in entries)


def test_approve_all_refuses_when_the_list_changed(known, login_as, api_token):
    client = login_as("admin")
    data = approve_all_form(client, "?year=2024")
    data["expected"] = str(int(data["expected"]) - 1)  # the clerk saw one fewer than are there now
    before = award_rows()
    response = client.post("/awards/approve", data=data)
    assert response.status_code == 409 and "未作任何批准" in response.get_data(as_text=True)
    db.session.remove()
    assert award_rows() == before


# --- the payment list ---------------------------------------------------------------------------------


def test_payment_list_has_approved_payable_cash_with_full_id_numbers(known, login_as):
    client = login_as("admin")
    client.post("/awards/approve", data=approve_all_form(client, "?year=2024"))
    db.session.remove()
    response = client.get("/awards/payments.xlsx?year=2024")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[:9] == ["序号", "领取人", "领取方", "身份证号", "工作单位", "金额（元）", "政策文件", "条款", "竞赛"]
    body = [dict(zip(header, row)) for row in rows[1:]]
    # 8 national places and provincial places 2 and 3; the withheld 30,000 and the unapproved
    # hosting subsidy (proposed at its limit) are not on it.
    assert [(r["领取人"], r["金额（元）"]) for r in body] == (
        [(f"选手{n}", 50000 - 5000 * (n - 1)) for n in range(1, 9)] + [("选手21", 25000), ("选手22", 20000)])
    first = body[0]
    assert first["身份证号"] == person_id(1) and first["工作单位"] == EMPLOYER
    assert first["政策文件"] == "温人社发〔2018〕242号" and "13. 加大对竞赛获奖选手激励力度" in first["条款"]
    assert first["竞赛"] == NATIONAL_1["name"] and first["领取方"] == "个人"
    assert sum(r["金额（元）"] for r in body) == 260000 + 45000


def test_payment_list_includes_the_organiser_once_approved(known, login_as):
    client = login_as("admin")
    hosting = db.session.scalar(select(Award).where(Award.payee == "organiser"))
    token = csrf_token_from(client, "/awards")
    client.post(f"/awards/{hosting.id}/approve", data={"csrf_token": token})
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/awards/payments.xlsx?payee=organiser").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "温州市技师学院" and rows[1][3] is None and rows[1][5] == 100000


def test_staff_approve_a_whole_competition_from_its_page(known, login_as):
    client = login_as("admin")
    page = f"/competitions/{known['provincial']}/awards"
    data = approve_all_form(client, "", path=page)
    assert data["competition"] == str(known["provincial"]) and data["expected"] == "3"
    response = client.post("/awards/approve", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    db.session.remove()
    statuses = {(a.payee, a.status) for a in db.session.scalars(select(Award).where(Award.competition_id == known["provincial"]))}
    assert statuses == {("person", "approved"), ("organiser", "proposed")}
    assert set(db.session.scalars(select(Award.status).where(Award.competition_id == known["national"]))) == {"proposed"}
    assert totals(client.get(f"/awards?competition={known['provincial']}&status=approved").get_data(as_text=True)) == (
        "3", "¥45,000", "¥30,000")


def test_organisers_see_no_approve_buttons(known, login_as):
    html = login_as("organiser").get(f"/competitions/{known['national']}/awards").get_data(as_text=True)
    assert "/approve" not in html and "待批准" in html
