"""Every form that creates a record survives a double submit: one record, and the second answer
leads where the first one did, saying the form had been sent already.

A browser sends the page's one-time token (``bureau.forms.OneTimeForm``) with the form; here the
same page is posted twice, as a double click or a reload of the answer does. On PostgreSQL, two
submits of one page at the same moment make one record as well.
"""
from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import func, select

from bureau.accounts.models import User
from bureau.calendar.models import CalendarDay
from bureau.clock import local_today
from bureau.dashboard.models import Budget, Target
from bureau.db import db
from competition import operations as competitions
from competition.models import Competition, Objection, Result
from studios import operations as studios
from studios.models import AnnualReport, Assessment, ReportAttachment, ReportWindow, Studio
from tests.competition.ids import person_id
from tests.conftest import ON_POSTGRES, csrf_token_from, form_fields_from, login
from tests.security.world import competition_spec, contestants
from tests.studios.conftest import items_totalling, last_year, sample_content
from tests.studios.test_attachments import PDF

SENT_BEFORE = "此表单已经提交过"
YEAR = local_today().year - 1


@dataclass
class CreateForm:
    """A page with a form that creates records, what to fill in, and how to count what it made."""

    name: str
    user: str
    page: str
    data: dict
    model: type
    action: str | None = None  # where the form posts, when not to its page
    files: dict = field(default_factory=dict)

    def count(self) -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(self.model))


def hidden(page_html: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', page_html).group(1)


def competition_with_notice(users) -> Competition:
    competition = competitions.create_competition(competition_spec("重复提交测试竞赛"), users["organiser"])
    competitions.replace_results(competition, contestants(3, start=300))
    competitions.finalize(competition)
    competitions.publish_notice(competition, starts_on=local_today(), working_days=5)
    return competition


def scored_report(users) -> None:
    studio = studios.create_studio({"name": "重复提交测试工作室", "kind": "master_studio", "level": "city",
                                    "jurisdiction": "温州市", "lead": "lead", "established": date(YEAR - 1, 3, 1)})
    report = studios.save_report(studio, YEAR, sample_content())
    studios.submit_report(report)
    studios.accept_report(report, users["admin"])
    studios.score_report(report, items_totalling(92), users["admin"])


def create_forms(users) -> list[CreateForm]:
    competition = competition_with_notice(users)
    draft = competitions.create_competition(competition_spec("重复提交录入竞赛"), users["organiser"])
    studio = studios.create_studio({"name": "重复提交报告工作室", "kind": "master_studio", "level": "city",
                                    "jurisdiction": "温州市", "lead": "lead", "established": date(YEAR - 1, 3, 1)})
    scored_report(users)
    db.session.commit()
    report = f"/studios/{studio.id}/reports/{YEAR}"
    here = f"jurisdiction=温州市&year={YEAR}"
    return [
        CreateForm("new competition", "organiser", "/competitions/new", {
            "name": "重复点击的竞赛", "tier": "city", "category": "1", "year": "2026", "policy": "wenzhou-2018",
            "theory_weight": "0.3", "pass_mark": "60", "prizes": "1-1 5000"}, Competition),
        CreateForm("new result", "organiser", f"/competitions/{draft.id}/results/new", {
            "name": "重复点击", "id_number": person_id(901), "theory": "80", "practical": "90",
            "version": "{version}"}, Result),
        CreateForm("objection", "admin", f"/competitions/{competition.id}/notice", {
            "objector": "张三", "received_on": local_today().isoformat(), "subject": "对名次有异议"}, Objection,
            action=f"/competitions/{competition.id}/notice/objections"),
        CreateForm("new user", "admin", "/admin/users", {
            "username": "clerk_twice", "role": "organiser", "display_name": "重复", "password": "Jiangnan-spring-88"},
            User),
        CreateForm("dashboard target", "admin", f"/dashboard/targets?{here}", {
            "label": "国家级竞赛场次", "metric": "competitions", "tier": "national", "comparison": "at_least",
            "value": "2", "year": str(YEAR)}, Target),
        CreateForm("budget", "admin", f"/dashboard/budget?{here}", {
            "total": "1000000", "competition_cash": "400000", "note": "预算",
            "version_total": "0", "version_competition_cash": "0"}, Budget),
        CreateForm("holiday range", "admin", f"/calendar?year={YEAR + 1}", {
            "first": f"{YEAR + 1}-10-01", "last": f"{YEAR + 1}-10-07", "kind": "rest", "name": "国庆节",
            "source": "国务院办公厅通知"}, CalendarDay),
        CreateForm("new studio", "admin", "/studios/new", {
            "name": "重复点击的工作室", "kind": "master_studio", "level": "city", "jurisdiction": "温州市",
            "policy": "wenzhou-2018", "lead": "lead", "established": f"{YEAR}-02-01", "term_years": "3"}, Studio),
        CreateForm("report, first save", "lead", report, {
            "version": "0", "action": "save", "summary": "全年工作总结", "apprentices-0-name": "陈浩",
            "apprentices-0-id_number": person_id(1), "apprentices-0-level_before": "中级工",
            "apprentices-0-level_after": "高级工"}, AnnualReport),
        CreateForm("report attachment", "lead", report, {}, ReportAttachment, action=f"{report}/attachments",
                   files={"file": ("证明材料.pdf", PDF)}),
        CreateForm("report window", "admin", "/studios/windows", {
            "year": str(YEAR + 1), "opens_on": f"{YEAR + 1}-11-01", "deadline": f"{YEAR + 2}-01-15"}, ReportWindow),
        CreateForm("assessment run", "admin", "/assessments", {
            "year": str(YEAR), "kind": "master_studio", "level": "city", "jurisdiction": "温州市",
            "reward_amount": "50000"}, Assessment),
    ]


def post(client, form: CreateForm, fields: dict, version: str = ""):
    data = {key: value.replace("{version}", version) for key, value in form.data.items()}
    data.update(fields)
    for name, (filename, content) in form.files.items():
        data[name] = (io.BytesIO(content), filename)
    return client.post(form.action or form.page, data=data,
                       content_type="multipart/form-data" if form.files else None)


def test_every_create_form_submitted_twice_makes_one_record(app, users):
    problems = []
    clients = {}
    for form in create_forms(users):
        if form.user not in clients:
            clients[form.user] = app.test_client()
            assert login(clients[form.user], form.user).status_code == 302
        client = clients[form.user]
        page = client.get(form.page).get_data(as_text=True)
        fields = form_fields_from(client, form.page)
        version = hidden(page, "version") if "{version}" in form.data.values() else ""
        before = form.count()
        first = post(client, form, fields, version)
        made = form.count()
        second = post(client, form, fields, version)
        if first.status_code != 302 or made <= before:
            problems.append(f"{form.name}: the first submit made nothing ({first.status_code})")
            continue
        if form.count() != made:
            problems.append(f"{form.name}: the second submit made {form.count() - made} more")
        if second.status_code != 302 or second.headers["Location"] != first.headers["Location"]:
            problems.append(f"{form.name}: the second submit answered {second.status_code} "
                            f"{second.headers.get('Location')}, not the first one's {first.headers['Location']}")
        elif SENT_BEFORE not in client.get(second.headers["Location"]).get_data(as_text=True):
            problems.append(f"{form.name}: the page after the second submit does not say it was sent before")
    assert not problems, "\n".join(problems)


def test_a_create_form_without_its_token_creates_nothing(client, login_as):
    login_as("organiser")
    fields = {"csrf_token": csrf_token_from(client, "/competitions/new")}
    response = client.post("/competitions/new", data={"name": "无令牌竞赛", "tier": "city", "category": "1",
                                                      "year": "2026", "policy": "wenzhou-2018", **fields})
    assert response.status_code == 400 and "表单已失效" in response.get_data(as_text=True)
    assert db.session.query(Competition).count() == 0


def test_a_form_shown_again_with_its_problems_can_be_sent_again_once_corrected(client, login_as):
    login_as("organiser")
    fields = form_fields_from(client, "/competitions/new")
    data = {"name": "改正后的竞赛", "tier": "city", "category": "", "year": "2026", "policy": "wenzhou-2018", **fields}
    shown_again = client.post("/competitions/new", data=data)
    assert shown_again.status_code == 200 and "须注明一类或二类" in shown_again.get_data(as_text=True)
    assert hidden(shown_again.get_data(as_text=True), "form_token") == fields["form_token"]
    corrected = client.post("/competitions/new", data={**data, "category": "1"})
    assert corrected.status_code == 302
    assert [c.name for c in db.session.scalars(select(Competition))] == ["改正后的竞赛"]


def test_a_refused_form_gives_its_token_back(client, login_as):
    """A refusal (422) rolls the claim back with the rest of the request, on SQLite too."""
    login_as("admin")
    fields = form_fields_from(client, "/studios/new")
    data = {"name": "退回后改正的工作室", "kind": "master_studio", "level": "city", "jurisdiction": "温州市",
            "policy": "wenzhou-2018", "lead": "organiser", "established": f"{YEAR}-02-01", "term_years": "3", **fields}
    assert client.post("/studios/new", data=data).status_code == 422
    assert client.post("/studios/new", data={**data, "lead": "lead"}).status_code == 302
    assert [studio.name for studio in db.session.scalars(select(Studio))] == ["退回后改正的工作室"]


def test_another_users_token_is_refused(app, users):
    first, second = app.test_client(), app.test_client()
    login(first, "organiser"), login(second, "organiser_b")
    fields = form_fields_from(first, "/competitions/new")
    data = {"name": "令牌竞赛", "tier": "city", "category": "1", "year": "2026", "policy": "wenzhou-2018"}
    assert first.post("/competitions/new", data={**data, **fields}).status_code == 302
    stolen = {**fields, "csrf_token": csrf_token_from(second, "/competitions/new")}
    response = second.post("/competitions/new", data={**data, **stolen})
    assert response.status_code == 400
    assert db.session.query(Competition).count() == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_the_same_form_sent_twice_at_the_same_moment_makes_one_competition(app, users, monkeypatch):
    """Both requests are held just before they claim the token, then claim it at once: the second
    waits for the first to commit, finds its claim and is sent to the same competition."""
    import bureau.forms
    from tests.security.test_concurrency import at_once

    clients = [app.test_client(), app.test_client()]
    for client in clients:
        assert login(client, "organiser").status_code == 302
    token = form_fields_from(clients[0], "/competitions/new")["form_token"]
    data = {"name": "同时提交的竞赛", "tier": "city", "category": "1", "year": "2026", "policy": "wenzhou-2018",
            "form_token": token}
    sent = [{**data, "csrf_token": csrf_token_from(client, "/competitions/new")} for client in clients]
    barrier = threading.Barrier(2, timeout=60)
    claim = bureau.forms.insert_unless_taken

    def claim_together(row):
        barrier.wait()
        return claim(row)

    monkeypatch.setattr(bureau.forms, "insert_unless_taken", claim_together)
    answers = at_once(app, lambda index: clients[index].post("/competitions/new", data=sent[index]), 2)
    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert [c.name for c in db.session.scalars(select(Competition))] == ["同时提交的竞赛"]
