"""The annual report on the web: the structured form, ownership, stale forms, attachments, review, scoring."""
import datetime as dt
import io

from sqlalchemy import select

from bureau.clock import local_today
from bureau.db import db
from studios import queries
from studios.models import AnnualReport, ReportWindow
from tests.competition.ids import person_id, wrong_check
from tests.conftest import csrf_token_from, form_fields_from
from tests.studios.conftest import items_totalling, last_year, sample_content
from tests.studios.test_attachments import EXE, PDF, PNG


def report_path(studio, year=None):
    return f"/studios/{studio.id}/reports/{year or last_year()}"


def form_data(client, studio, *, version="", action="save", **rows):
    """The report form as a browser posts it: rows per section, numbered from 0."""
    data = {**form_fields_from(client, report_path(studio)), "version": str(version), "action": action,
            "funds-received": "300000", "funds-spent": "250000", "funds-note": "设备购置", "summary": "全年工作总结"}
    apprentices = rows.get("apprentices", [("陈浩", person_id(1), "中级工", "高级工")])
    for index, (name, id_number, before, after) in enumerate(apprentices):
        data |= {f"apprentices-{index}-name": name, f"apprentices-{index}-id_number": id_number,
                 f"apprentices-{index}-level_before": before, f"apprentices-{index}-level_after": after}
    data |= {"trainings-0-title": "数控车工培训", "trainings-0-held_on": "2025-04-10", "trainings-0-trainees": "40"}
    return data


def saved(studio, year=None):
    db.session.expire_all()
    return queries.find_report(studio.id, year or last_year())


def test_a_lead_fills_in_the_structured_form_and_saves_a_draft(client, login_as, make_studio):
    studio = make_studio()
    login_as("lead")
    page = client.get(report_path(studio)).get_data(as_text=True)
    assert "带徒情况" in page and "身份证号" in page and "保存并提交" in page
    response = client.post(report_path(studio), data=form_data(client, studio, apprentices=[
        ("陈浩", person_id(1), "中级工", "高级工"), ("", "", "", ""), ("林晨", person_id(2), "", "技师")]))
    assert response.status_code == 302
    report = saved(studio)
    assert report.status == "draft"
    assert [a["name"] for a in report.content["apprentices"]] == ["陈浩", "林晨"]
    assert report.content["trainings"] == [{"title": "数控车工培训", "held_on": "2025-04-10", "trainees": 40}]
    page = client.get(report_path(studio)).get_data(as_text=True)
    assert "草稿已保存" in page and "晋升高级工及以上（高技能人才）：2人" in page


def test_a_bad_id_number_is_shown_in_its_row_and_nothing_is_saved(client, login_as, make_studio):
    studio = make_studio()
    login_as("lead")
    response = client.post(report_path(studio), data=form_data(client, studio, apprentices=[
        ("陈浩", person_id(1), "中级工", "高级工"), ("林晨", wrong_check(person_id(2)), "", "技师")]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "身份证号校验位不符" in page and "报告未保存" in page
    assert 'value="林晨"' in page  # what the lead typed is still there
    assert saved(studio) is None


def test_a_stale_report_form_is_refused_and_never_overwrites(client, login_as, make_studio):
    studio = make_studio()
    login_as("lead")
    client.post(report_path(studio), data=form_data(client, studio))
    version = saved(studio).version
    # Two tabs opened at this version; the first saves, the second is stale.
    first = form_data(client, studio, version=version)
    first["summary"] = "第一个页面保存的总结"
    assert client.post(report_path(studio), data=first).status_code == 302
    second = form_data(client, studio, version=version)
    second["summary"] = "第二个页面的旧内容"
    response = client.post(report_path(studio), data=second)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "他人已修改并保存了这条记录" in page and "本次修改未保存" in page
    assert saved(studio).content["summary"] == "第一个页面保存的总结"
    assert "第一个页面保存的总结" in page  # the form now shows the newer saved text


def test_two_tabs_opened_before_the_report_existed_the_second_save_is_refused(client, login_as, make_studio):
    studio = make_studio()
    login_as("lead")
    first, second = form_data(client, studio), form_data(client, studio)  # both forms show "no report yet"
    assert 'name="version" type="hidden" value="0"' in client.get(report_path(studio)).get_data(as_text=True)
    first["version"] = second["version"] = "0"
    first["summary"], second["summary"] = "第一个页面的总结", "第二个页面的总结"
    assert client.post(report_path(studio), data=first).status_code == 302
    response = client.post(report_path(studio), data=second)
    assert response.status_code == 409
    assert saved(studio).content["summary"] == "第一个页面的总结"


def test_two_first_saves_racing_past_the_lookup_one_is_refused_not_a_500(client, login_as, make_studio,
                                                                           monkeypatch):
    """Both requests looked for the report before either inserted it; the unique key decides."""
    studio = make_studio()
    login_as("lead")
    first = form_data(client, studio, version="0")
    first["summary"] = "先到的总结"
    assert client.post(report_path(studio), data=first).status_code == 302
    monkeypatch.setattr(queries, "find_report", lambda studio_id, year: None)  # the loser's stale lookup
    late = form_data(client, studio, version="0")
    late["summary"] = "后到的总结"
    response = client.post(report_path(studio), data=late)
    assert response.status_code == 409
    assert "该年度报告刚由他人（或另一窗口）创建" in response.get_data(as_text=True)
    monkeypatch.undo()
    assert saved(studio).content["summary"] == "先到的总结"


def test_a_lead_cannot_read_or_write_another_studios_report(client, login_as, make_studio):
    other = make_studio("lead_b")
    login_as("lead_b")
    client.post(report_path(other), data=form_data(client, other))
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/studios")})
    login_as("lead")
    assert client.get(report_path(other)).status_code == 404
    token = csrf_token_from(client, "/studios")
    forged = {"csrf_token": token, "summary": "篡改", "action": "submit"}
    assert client.post(report_path(other), data=forged).status_code == 404
    assert client.post(report_path(other) + "/submit", data={"csrf_token": token}).status_code == 404
    upload = {"csrf_token": token, "file": (io.BytesIO(PDF), "x.pdf")}
    assert client.post(report_path(other) + "/attachments", data=upload,
                       content_type="multipart/form-data").status_code == 404
    report = saved(other)
    assert report.status == "draft" and report.content["summary"] == "全年工作总结" and report.attachments == []


def upload(client, studio, name, data):
    fields = form_fields_from(client, report_path(studio))
    return client.post(report_path(studio) + "/attachments", data={**fields, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_attachments_are_checked_by_their_content(client, login_as, make_studio):
    studio = make_studio()
    login_as("lead")
    assert upload(client, studio, "带徒协议.pdf", PDF).status_code == 302
    disguised = upload(client, studio, "证明.pdf", PNG)
    assert disguised.status_code == 422
    assert "扩展名与内容不符：内容是PNG文件" in disguised.get_data(as_text=True)
    program = upload(client, studio, "证明.pdf", EXE)
    assert program.status_code == 422 and "不是PDF、PNG或JPEG文件" in program.get_data(as_text=True)
    attachments = saved(studio).attachments
    assert [(a.filename, a.content_type) for a in attachments] == [("带徒协议.pdf", "application/pdf")]

    download = client.get(report_path(studio) + f"/attachments/{attachments[0].id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_late_submission_is_flagged_and_staff_approve_it_by_accepting(client, login_as, make_studio):
    studio = make_studio()
    today = local_today()
    db.session.add(ReportWindow(year=last_year(), opens_on=today - dt.timedelta(days=90),
                                deadline=today - dt.timedelta(days=1)))
    db.session.commit()
    login_as("lead")
    response = client.post(report_path(studio), data=form_data(client, studio, action="submit"))
    assert response.status_code == 302
    page = client.get(report_path(studio)).get_data(as_text=True)
    assert "逾期提交，需局里审核同意" in page and 'data-testid="late"' in page
    assert saved(studio).late is True

    login_as("admin")
    page = client.get(report_path(studio)).get_data(as_text=True)
    assert "同意逾期并通过" in page
    client.post(report_path(studio) + "/accept", data={"csrf_token": csrf_token_from(client, report_path(studio))})
    assert saved(studio).status == "accepted"


def test_staff_return_with_a_reason_and_the_lead_sees_it(client, login_as, make_studio):
    studio = make_studio()
    login_as("lead")
    client.post(report_path(studio), data=form_data(client, studio, action="submit"))
    login_as("admin")
    token = csrf_token_from(client, report_path(studio))
    empty = client.post(report_path(studio) + "/return", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422 and "退回须写明原因" in empty.get_data(as_text=True)
    assert client.post(report_path(studio) + "/return",
                       data={"csrf_token": token, "reason": "请补充带徒协议"}).status_code == 302
    login_as("lead")
    page = client.get(report_path(studio)).get_data(as_text=True)
    assert "请补充带徒协议" in page and "保存并提交" in page  # editable again


def test_staff_score_an_accepted_report_on_the_score_page(client, login_as, make_studio, make_scored_report):
    studio = make_studio()
    make_scored_report(studio, items_totalling(70))
    login_as("admin")
    path = report_path(studio) + "/score"
    page = client.get(path).get_data(as_text=True)
    assert "基础保障" in page and "带徒传技" in page
    token = csrf_token_from(client, path)
    bad = client.post(path, data={"csrf_token": token, "basic_support": "40", "daily_management": "12.25",
                                  "technical_problem_solving": "10", "exchange_service": "10", "apprentices": ""})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "得分应在0到35分之间" in page and "最多保留一位小数" in page and "得分应为数字" in page
    good = client.post(path, data={"csrf_token": token, "basic_support": "33.5", "daily_management": "14",
                                   "technical_problem_solving": "13", "exchange_service": "12", "apprentices": "19"})
    assert good.status_code == 302
    report = db.session.scalar(select(AnnualReport).where(AnnualReport.studio_id == studio.id))
    db.session.refresh(report)
    assert str(report.score) == "91.5"


def test_the_review_queue_lists_the_years_reports(client, login_as, make_studio):
    studio = make_studio()
    login_as("lead")
    client.post(report_path(studio), data=form_data(client, studio, action="submit"))
    login_as("admin")
    page = client.get(f"/studios/reports?year={last_year()}&status=submitted").get_data(as_text=True)
    assert studio.name in page and "已提交" in page
    assert client.get("/studios/reports").status_code == 200


def test_the_api_and_the_form_save_the_same_content(client, login_as, api_token, make_studio):
    studio = make_studio()
    client.put(f"/api/v1/studios/{studio.id}/reports/{last_year()}", json=sample_content(), headers=api_token("lead"))
    login_as("lead")
    page = client.get(report_path(studio)).get_data(as_text=True)
    assert f'value="{person_id(1)}"' in page and "年节约成本30万元" in page
