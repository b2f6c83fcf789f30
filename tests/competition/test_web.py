"""Competition pages: registry, one-by-one entry, upload with preview, sign-off, public notice, exports."""
from datetime import date
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import event, select

from bureau.calendar.operations import add_working_days
from bureau.clock import local_today
from bureau.db import db
from competition.models import Competition, PublicNotice, Result, ResultUpload
from competition.operations import close_notice_if_due
from tests.competition.ids import person_id, wrong_check
from tests.conftest import csrf_token_from, form_fields_from

CITY = {"name": "2026年温州市数控车工职业技能竞赛", "tier": "city", "category": "1", "occupation": "数控车工",
        "year": "2026", "group": "worker", "policy": "wenzhou-2018", "organiser_name": "温州市总工会",
        "theory_weight": "0.3", "pass_mark": "60", "prizes": "1-1 5000\n2-3 3000", "promotions": ""}


def post_form(client, path: str, data: dict, page: str | None = None, **kwargs):
    return client.post(path, data={**data, **form_fields_from(client, page or path)}, **kwargs)


def make_competition(client) -> Competition:
    response = post_form(client, "/competitions/new", CITY)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(Competition).order_by(Competition.id.desc()))


def xlsx(rows, title_row=True) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if title_row:
        sheet.append(["2026年温州市数控车工职业技能竞赛成绩表"])
    sheet.append(["序号", "姓名", "身份证号码", "工作单位", "是否本地", "理论成绩", "实操成绩"])
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *row])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def people(count):
    return [[f"选手{n}", person_id(n), "温州某机械有限公司", "是", 80, 99 - n] for n in range(1, count + 1)]


def upload(client, competition, data: bytes, filename="成绩.xlsx"):
    path = f"/competitions/{competition.id}/upload"
    return post_form(client, path, {"file": (BytesIO(data), filename)}, content_type="multipart/form-data")


def test_an_organiser_registers_a_competition_with_its_prize_table(client, login_as):
    login_as("organiser")
    competition = make_competition(client)
    assert competition.owner.username == "organiser"
    assert competition.prizes == [{"from_rank": 1, "to_rank": 1, "amount": 5000},
                                  {"from_rank": 2, "to_rank": 3, "amount": 3000}]
    assert "2026年温州市数控车工职业技能竞赛" in client.get("/competitions").get_data(as_text=True)


def test_bad_registry_input_is_shown_on_the_form(client, login_as):
    login_as("organiser")
    response = post_form(client, "/competitions/new", {**CITY, "category": "", "prizes": "1-3 很多"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "须注明一类或二类" in page
    assert db.session.query(Competition).count() == 0


def test_other_organisers_cannot_see_or_change_a_competition(client, login_as, app):
    login_as("organiser")
    competition = make_competition(client)
    other = app.test_client()
    from tests.conftest import login
    login(other, "organiser_b")
    for path in (f"/competitions/{competition.id}", f"/competitions/{competition.id}/edit",
                 f"/competitions/{competition.id}/upload", f"/competitions/{competition.id}/results.xlsx"):
        assert other.get(path).status_code == 404
    assert "数控车工" not in other.get("/competitions").get_data(as_text=True)
    assert other.post(f"/competitions/{competition.id}/finalize",
                      data={"csrf_token": csrf_token_from(other, "/competitions")}).status_code == 403


def test_upload_preview_names_the_bad_row_and_saves_nothing_then_the_fixed_file_saves(client, login_as):
    login_as("organiser")
    competition = make_competition(client)
    rows = people(4)
    rows[2][1] = wrong_check(rows[2][1])  # the fourth spreadsheet row of data: title, header, then rows 3..6
    response = upload(client, competition, xlsx(rows))
    page = response.get_data(as_text=True)
    assert "发现 1 个问题，未保存任何数据" in page
    assert "<td class=\"num\">5</td><td>身份证号码</td>" in page  # row 5 of the sheet, the column as written
    assert db.session.query(Result).count() == 0 and db.session.query(ResultUpload).count() == 0

    response = upload(client, competition, xlsx(people(4)))
    page = response.get_data(as_text=True)
    assert "共 4 行，全部通过校验" in page
    token = db.session.scalar(select(ResultUpload.token))
    assert db.session.query(Result).count() == 0  # nothing saved before confirmation
    response = post_form(client, f"/competitions/{competition.id}/upload/{token}", {},
                         page=f"/competitions/{competition.id}/upload")
    assert response.status_code == 302
    ranks = dict(db.session.execute(select(Result.name, Result.rank)).all())
    assert ranks == {"选手1": 1, "选手2": 2, "选手3": 3, "选手4": 4}


def test_confirming_an_upload_after_someone_else_saved_is_refused(client, login_as):
    login_as("organiser")
    competition = make_competition(client)
    upload(client, competition, xlsx(people(3)))
    token = db.session.scalar(select(ResultUpload.token))
    # Meanwhile one result is added through the one-by-one form.
    post_form(client, f"/competitions/{competition.id}/results/new",
              {"name": "插队者", "id_number": person_id(77), "theory": "70", "practical": "70",
               "version": str(competition.version)})
    response = post_form(client, f"/competitions/{competition.id}/upload/{token}", {},
                         page=f"/competitions/{competition.id}/upload")
    assert response.status_code == 409
    assert "已被他人修改" in response.get_data(as_text=True)
    assert [r.name for r in db.session.scalars(select(Result))] == ["插队者"]


@pytest.mark.parametrize("filename, data, message", [
    ("成绩.xlsx", b"%PDF-1.7 not a spreadsheet", "不是有效的"),
    ("成绩.txt", b"hello", "未找到表头"),
    ("成绩.png", b"\x89PNG\r\n\x1a\n\x00\x00", "只能上传.xlsx或.csv"),
])
def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_message(client, login_as, filename, data, message):
    login_as("organiser")
    competition = make_competition(client)
    page = upload(client, competition, data, filename).get_data(as_text=True)
    assert message in page
    assert db.session.query(Result).count() == 0


def test_two_people_editing_one_result_the_later_save_is_refused(client, login_as, app):
    login_as("organiser")
    competition = make_competition(client)
    upload(client, competition, xlsx(people(2)))
    token = db.session.scalar(select(ResultUpload.token))
    post_form(client, f"/competitions/{competition.id}/upload/{token}", {}, page=f"/competitions/{competition.id}/upload")
    result = db.session.scalar(select(Result).where(Result.name == "选手1"))
    path = f"/competitions/{competition.id}/results/{result.id}/edit"
    form_page = client.get(path).get_data(as_text=True)
    import re
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form_page).group(1)
    token = csrf_token_from(client, path)
    base = {"name": "选手1", "id_number": result.id_number, "employer": "甲厂", "theory": "80", "practical": "90",
            "csrf_token": token, "version": version}
    assert client.post(path, data=base).status_code == 302
    second = client.post(path, data={**base, "employer": "乙厂"})  # same stale version
    assert second.status_code == 409
    assert "已被他人修改" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Result, result.id).employer == "甲厂"


def test_staff_finalize_publish_and_the_public_list_masks_ids(client, login_as, app):
    login_as("organiser")
    competition = make_competition(client)
    upload(client, competition, xlsx(people(5)))
    token = db.session.scalar(select(ResultUpload.token))
    post_form(client, f"/competitions/{competition.id}/upload/{token}", {}, page=f"/competitions/{competition.id}/upload")
    staff = app.test_client()
    from tests.conftest import login
    login(staff, "admin")
    detail = f"/competitions/{competition.id}"
    db.session.refresh(competition)
    assert post_form(staff, f"{detail}/finalize", {"version": competition.version}, page=detail).status_code == 302
    db.session.refresh(competition)
    assert competition.status == "finalized"
    today = local_today()
    response = post_form(staff, f"{detail}/notice", {"version": competition.version, "starts_on": today.isoformat(),
                                                     "working_days": "5", "contact": "0577-88888888"}, page=detail)
    assert response.status_code == 302
    notice = db.session.scalar(select(PublicNotice))
    assert notice.ends_on == add_working_days(today, 5)
    page = client.get(f"/notices/{notice.id}").get_data(as_text=True)  # any visitor
    first_id = person_id(1)
    assert first_id not in page
    assert f"{first_id[:4]}**********{first_id[-4:]}" in page
    assert "温州市技术能手" in page and "奖金5,000元" in page and "奖金3,000元" in page
    anonymous = app.test_client()
    assert anonymous.get(f"/notices/{notice.id}").status_code == 200
    book = openpyxl.load_workbook(BytesIO(anonymous.get(f"/notices/{notice.id}.xlsx").data))
    assert all(first_id not in str(cell.value) for row in book.active.iter_rows() for cell in row)


def test_a_notice_becomes_final_only_without_open_objections(app, users):
    from competition.operations import create_competition, decide_objection, finalize, publish_notice, \
        record_objection, replace_results

    competition = create_competition({**CITY, "prizes": []}, users["organiser"])
    replace_results(competition, [{"name": "甲", "id_number": person_id(1), "theory": 90, "practical": 90}])
    finalize(competition)
    notice = publish_notice(competition, starts_on=date(2026, 11, 2))  # a Monday
    assert notice.ends_on == date(2026, 11, 6)
    objection = record_objection(notice, objector="李某", subject="甲的工作单位不属实", received_on=date(2026, 11, 4))
    assert close_notice_if_due(notice, date(2026, 11, 6)) is False  # still in the period
    assert close_notice_if_due(notice, date(2026, 11, 9)) is False  # an objection is open
    decide_objection(objection, status="dismissed", decision="经核实，工作单位属实")
    assert close_notice_if_due(notice, date(2026, 11, 9)) is True
    assert notice.status == "final"


def test_exports_neutralise_formula_cells(client, login_as, api_token):
    login_as("organiser")
    competition = make_competition(client)
    hostile = [{"name": "甲", "id_number": person_id(1), "employer": "=HYPERLINK(\"http://evil\",\"点我\")",
                "theory": 80, "practical": 90},
               {"name": "乙", "id_number": person_id(2), "employer": "温州某机械有限公司", "theory": 80, "practical": 80}]
    assert client.put(f"/api/v1/competitions/{competition.id}/results", json=hostile,
                      headers=api_token("organiser")).status_code == 200
    book = openpyxl.load_workbook(BytesIO(client.get(f"/competitions/{competition.id}/results.xlsx").data))
    employers = [row[4].value for row in book.active.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://evil\",\"点我\")" in employers
    assert all(not str(value).startswith("=") for value in employers)


def test_results_page_query_count_does_not_grow_with_results(client, login_as, users):
    from competition.operations import create_competition, replace_results

    def queries_for(count: int) -> int:
        competition = create_competition({**CITY, "prizes": []}, users["organiser"])
        replace_results(competition, [{"name": f"人{n}", "id_number": person_id(n), "theory": 80, "practical": 50 + n % 50}
                                      for n in range(count)])
        db.session.commit()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/competitions/{competition.id}").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    login_as("organiser")
    assert queries_for(10) == queries_for(300)


def test_reopening_warns_when_certificates_were_issued(client, login_as, users, api_token):
    from competition.operations import create_competition, finalize, replace_results

    competition = create_competition({**CITY, "prizes": []}, users["organiser"])
    replace_results(competition, [{"name": "甲", "id_number": person_id(1), "theory": 90, "practical": 90}])
    finalize(competition)
    db.session.commit()
    award_id = next(a["id"] for a in client.get(f"/api/v1/competitions/{competition.id}/awards",
                                                headers=api_token("admin")).get_json() if a["kind"] == "title")
    assert client.post("/api/v1/certificates", json={"award_id": award_id}, headers=api_token("admin")).status_code == 201
    login_as("admin")
    detail = f"/competitions/{competition.id}"
    response = post_form(client, f"{detail}/reopen", {"reason": "成绩复核", "version": competition.version},
                         page=detail, follow_redirects=True)
    assert "已颁发的1张证书仍然有效" in response.get_data(as_text=True)
