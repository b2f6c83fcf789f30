"""Studio registry, grants register and report windows on the web pages."""
import datetime as dt

from bureau.db import db
from studios.models import ReportWindow, Studio
from tests.conftest import csrf_token_from, form_fields_from

FORM = {"name": "温州市鹿城区电工技能大师工作室", "kind": "master_studio", "level": "county",
        "jurisdiction": "温州市鹿城区", "policy": "wenzhou-2018", "lead": "lead", "occupation": "电工",
        "host_employer": "鹿城区职业技术学校", "established": "2025-02-28", "term_years": "3", "grant_paid_on": ""}


def test_staff_register_a_studio_with_the_form(client, login_as):
    login_as("admin")
    response = client.post("/studios/new", data={**FORM, **form_fields_from(client, "/studios/new")})
    assert response.status_code == 302, response.get_data(as_text=True)
    studio = db.session.scalar(db.select(Studio).where(Studio.name == FORM["name"]))
    assert (studio.lead.username, studio.term_ends, studio.status) == ("lead", dt.date(2028, 2, 28), "active")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "温州市鹿城区电工技能大师工作室" in page and "县级" in page and "2028-02-28" in page


def test_the_form_shows_each_problem_under_its_field(client, login_as):
    login_as("admin")
    data = {**FORM, "name": "", "lead": "organiser", "established": "2099-01-01",
            **form_fields_from(client, "/studios/new")}
    response = client.post("/studios/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写此项" in page and "不是启用的工作室负责人账号" in page and "认定日期不能晚于今天" in page


def test_the_form_finds_the_policy_from_a_county_and_names_the_candidates_of_a_shared_name(client, login_as):
    login_as("admin")
    response = client.post("/studios/new", data={**FORM, "jurisdiction": "瑞安市", "policy": "",
                                                 **form_fields_from(client, "/studios/new")})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert db.session.scalar(db.select(Studio.policy).where(Studio.name == FORM["name"])) == "wenzhou-2018"
    shared = client.post("/studios/new", data={**FORM, "name": "鼓楼区电工技能大师工作室", "jurisdiction": "鼓楼区",
                                               "policy": "", **form_fields_from(client, "/studios/new")})
    page = shared.get_data(as_text=True)
    assert shared.status_code == 422
    assert "福建省福州市鼓楼区" in page and "江苏省南京市鼓楼区" in page and "请选择适用的政策文件" not in page


def test_the_list_filters_and_a_lead_sees_only_their_own(client, login_as, make_studio):
    make_studio("lead", name="甲数控技能大师工作室")
    make_studio("lead_b", name="乙电工技能大师工作室", kind="training_base")
    login_as("admin")
    page = client.get("/studios?kind=training_base").get_data(as_text=True)
    assert "乙电工技能大师工作室" in page and "甲数控技能大师工作室" not in page
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/studios")})
    login_as("lead")
    page = client.get("/studios").get_data(as_text=True)
    assert "甲数控技能大师工作室" in page and "乙电工技能大师工作室" not in page


def test_a_lead_cannot_open_another_studio(client, login_as, make_studio):
    other = make_studio("lead_b")
    login_as("lead")
    assert client.get(f"/studios/{other.id}").status_code == 404
    assert client.get(f"/studios/{other.id}/edit").status_code == 403
    assert client.get("/studios/new").status_code == 403


def test_a_stale_edit_is_refused_and_the_newer_record_kept(client, login_as, make_studio):
    studio = make_studio()
    login_as("admin")
    token = csrf_token_from(client, f"/studios/{studio.id}/edit")
    base = {**FORM, "name": studio.name, "level": "city", "jurisdiction": "温州市", "status": "active",
            "revoked_reason": "", "established": "2020-03-01", "version": "1", "csrf_token": token}
    assert client.post(f"/studios/{studio.id}/edit", data={**base, "occupation": "数控车工"}).status_code == 302
    stale = client.post(f"/studios/{studio.id}/edit", data={**base, "occupation": "钳工"})
    assert stale.status_code == 409
    assert "他人已修改并保存" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Studio, studio.id).occupation == "数控车工"


def test_revoking_needs_a_reason(client, login_as, make_studio):
    studio = make_studio()
    login_as("admin")
    data = {**FORM, "name": studio.name, "status": "revoked", "revoked_reason": "", "version": "1",
            "csrf_token": csrf_token_from(client, f"/studios/{studio.id}/edit")}
    response = client.post(f"/studios/{studio.id}/edit", data=data)
    assert response.status_code == 422 and "摘牌须写明原因" in response.get_data(as_text=True)


def test_the_grants_register_totals_due_and_paid(client, login_as, make_studio):
    make_studio(level="national", established=dt.date(2024, 5, 1))
    make_studio(kind="training_base", established=dt.date(2024, 5, 1), grant_paid_on=dt.date(2024, 9, 1))
    make_studio(level="county", established=dt.date(2024, 5, 1))  # Wenzhou gives county studios no amount
    login_as("admin")
    page = client.get("/studios/grants").get_data(as_text=True)
    assert 'data-testid="grants-due">100,000' in page
    assert "1,940,000" not in page and "200,000 元" in page  # the paid base grant, counted as paid
    assert client.get("/studios/grants").status_code == 200
    login_as("lead")
    assert client.get("/studios/grants").status_code == 403


def test_staff_set_a_report_window(client, login_as):
    login_as("admin")
    response = client.post("/studios/windows", data={"year": "2025", "opens_on": "2025-11-01",
                                                     "deadline": "2026-01-15",
                                                     **form_fields_from(client, "/studios/windows")})
    assert response.status_code == 302
    window = db.session.scalar(db.select(ReportWindow).where(ReportWindow.year == 2025))
    assert (window.opens_on, window.deadline) == (dt.date(2025, 11, 1), dt.date(2026, 1, 15))
    backwards = client.post("/studios/windows", data={"year": "2025", "opens_on": "2025-11-01",
                                                      "deadline": "2025-10-01",
                                                      **form_fields_from(client, "/studios/windows")})
    assert backwards.status_code == 422 and "截止日期不能早于开始日期" in backwards.get_data(as_text=True)
