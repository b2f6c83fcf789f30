"""The assessment pages: run, decide a tie, publish for public notice, export, charts."""
import io

import openpyxl
from sqlalchemy import select

from bureau.audit.models import AuditEntry
from bureau.db import db
from studios.models import Assessment
from tests.conftest import csrf_token_from, form_fields_from
from tests.studios.conftest import items_totalling, last_year


def run_form(client, **overrides):
    data = {**form_fields_from(client, "/assessments"), "year": str(last_year()), "kind": "master_studio",
            "level": "city", "jurisdiction": "温州市", "reward_amount": "50000", **overrides}
    return client.post("/assessments", data=data)


def seven_studios(make_studio, make_scored_report, *, tie=False):
    studios = []
    for total in (90, 90 if tie else 88, 80, 79, 78, 77, 76):
        studio = make_studio()
        make_scored_report(studio, items_totalling(total))
        studios.append(studio)
    return studios


def test_staff_run_an_assessment_and_see_the_histogram_with_the_cut_line(client, login_as, make_studio,
                                                                         make_scored_report):
    studios = seven_studios(make_studio, make_scored_report)
    login_as("admin")
    response = run_form(client)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="excellent-cap">1<' in page and 'data-testid="excellent-count">1<' in page
    assert "<svg" in page and 'class="chart-cut"' in page and "优秀线 90分" in page
    assert page.count('class="chart-bar"') == 4  # 75–80, 80–85, 85–90 and 90–95 hold scores
    assert studios[0].name in page


def test_a_reward_above_the_cap_is_refused_on_the_form(client, login_as, make_studio, make_scored_report):
    seven_studios(make_studio, make_scored_report)
    login_as("admin")
    response = run_form(client, reward_amount="60000")
    assert response.status_code == 422
    assert "优秀奖励60000元超过政策规定的最高50000元" in response.get_data(as_text=True)
    assert db.session.scalar(select(Assessment)) is None


def test_staff_decide_a_tie_publish_and_the_public_read_it_without_login(client, login_as, make_studio,
                                                                         make_scored_report):
    first, second, *_ = seven_studios(make_studio, make_scored_report, tie=True)
    login_as("admin")
    location = run_form(client).headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "优秀名额线并列，须由局里决定" in page and "disabled" in page  # publishing waits for the decision
    token = csrf_token_from(client, location)
    assessment = db.session.scalar(select(Assessment))
    decided = client.post(f"{location}/ties", data={"csrf_token": token, "excellent": str(first.id),
                                                    "reason": "技术攻关效益更高", "version": str(assessment.version)})
    assert decided.status_code == 302
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.summary.contains("技术攻关效益更高"))) is not None

    db.session.refresh(assessment)
    published = client.post(f"{location}/publish", data={"csrf_token": token, "notice_ends_on": "",
                                                          "version": str(assessment.version)})
    assert published.status_code == 302
    client.post("/logout", data={"csrf_token": token})

    public = client.get(f"/public/studio-assessments/{assessment.id}")
    text = public.get_data(as_text=True)
    assert public.status_code == 200 and first.name in text and "优秀" in text and "公示期" in text
    assert "身份证" not in text
    listing = client.get("/public/studio-assessments").get_data(as_text=True)
    assert f"{last_year()}年度温州市市级技能大师工作室考评结果公示" in listing


def test_a_draft_list_is_not_public(client, login_as, make_studio, make_scored_report):
    seven_studios(make_studio, make_scored_report)
    login_as("admin")
    run_form(client)
    assessment = db.session.scalar(select(Assessment))
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/assessments")})
    assert client.get(f"/public/studio-assessments/{assessment.id}").status_code == 404


def test_the_export_is_an_xlsx_with_formula_text_neutralised(client, login_as, make_studio, make_scored_report):
    studio = make_studio(name="=HYPERLINK(\"http://evil\")工作室")
    make_scored_report(studio, items_totalling(90))
    login_as("admin")
    run_form(client)
    assessment = db.session.scalar(select(Assessment))
    response = client.get(f"/assessments/{assessment.id}/export.xlsx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("名次", "名称", "负责人", "依托单位", "得分", "等级")
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\")工作室" and rows[1][5] == "合格"


def test_assessment_pages_are_for_staff(client, login_as, make_studio, make_scored_report):
    login_as("lead")
    assert client.get("/assessments").status_code == 403


def test_a_studio_page_shows_its_scores_across_years(client, login_as, make_studio, make_scored_report):
    studio = make_studio()
    make_scored_report(studio, items_totalling(72), year=last_year() - 1)
    make_scored_report(studio, items_totalling("84.5"))
    login_as("lead")
    page = client.get(f"/studios/{studio.id}").get_data(as_text=True)
    assert 'class="chart-line"' in page and ">72<" in page and ">84.5<" in page
