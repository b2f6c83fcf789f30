"""Staff enter the year's holidays; the competition notice period counts with them."""
from datetime import date

from sqlalchemy import select

from bureau.audit.models import AuditEntry
from bureau.calendar import operations as calendar
from bureau.calendar.models import CalendarDay
from bureau.db import db
from competition.models import PublicNotice
from competition.operations import create_competition, finalize, replace_results
from tests.competition.ids import person_id
from tests.competition.test_web import CITY
from tests.conftest import csrf_token_from, form_fields_from

SOURCE = "国务院办公厅关于2026年部分节假日安排的通知"


def enter(client, first: str, last: str, kind: str, name: str = "", year: int = 2026):
    data = {"first": first, "last": last, "kind": kind, "name": name, "source": SOURCE,
            **form_fields_from(client, f"/calendar?year={year}")}
    return client.post(f"/calendar?year={year}", data=data)


def stored() -> dict[str, str]:
    db.session.expire_all()
    return {row.day.isoformat(): row.kind for row in db.session.scalars(select(CalendarDay).order_by(CalendarDay.day))}


def test_staff_enter_national_day_and_see_it_on_the_year_grid(client, login_as):
    login_as("admin")
    page = client.get("/calendar?year=2026").get_data(as_text=True)
    assert "2026年的节假日安排尚未录入" in page
    assert enter(client, "2026-10-01", "2026-10-07", "rest", "国庆节").status_code == 302
    assert enter(client, "2026-09-20", "2026-09-20", "work", "国庆节").status_code == 302
    assert enter(client, "2026-10-10", "2026-10-10", "work", "国庆节").status_code == 302
    days = stored()
    assert [day for day, kind in days.items() if kind == "rest"] == [f"2026-10-0{n}" for n in range(1, 8)]
    assert [day for day, kind in days.items() if kind == "work"] == ["2026-09-20", "2026-10-10"]
    page = client.get("/calendar?year=2026").get_data(as_text=True)
    assert 'data-day="2026-10-01" data-working="no"' in page
    assert 'data-day="2026-10-10" data-working="yes"' in page  # a Saturday, worked
    assert 'data-day="2026-10-11" data-working="no"' in page  # an ordinary Sunday
    assert "尚未录入" not in page
    # 2026 has 261 weekdays; 7 holiday weekdays of those entered here fall Mon–Fri (10/1–10/7 minus
    # the weekend 10/3–10/4 = 5) and two weekend days are worked: 261 − 5 + 2 = 258.
    assert "全年工作日 258 天" in page
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "calendar_day")).all()
    assert len(entries) == 9 and {entry.action for entry in entries} == {"create"}
    assert {entry.actor_name for entry in entries} == {"admin"}


def test_a_correction_replaces_and_clearing_restores_the_ordinary_week(client, login_as):
    login_as("admin")
    enter(client, "2026-10-01", "2026-10-08", "rest", "国庆节")  # one day too many
    enter(client, "2026-10-08", "2026-10-08", "clear")
    assert sorted(stored()) == [f"2026-10-0{n}" for n in range(1, 8)]
    enter(client, "2026-10-07", "2026-10-07", "work", "国庆节")  # typed wrong kind, corrected
    assert stored()["2026-10-07"] == "work"


def test_bad_ranges_are_refused_under_their_fields_and_nothing_is_stored(client, login_as):
    login_as("admin")
    backwards = enter(client, "2026-10-07", "2026-10-01", "rest", "国庆节")
    assert backwards.status_code == 422 and "结束日期不能早于开始日期" in backwards.get_data(as_text=True)
    too_long = enter(client, "2026-01-01", "2026-03-01", "rest", "春节")
    assert too_long.status_code == 422 and "一次最多录入31天" in too_long.get_data(as_text=True)
    nameless = enter(client, "2026-10-01", "2026-10-07", "rest", "")
    assert nameless.status_code == 422 and "请填写节日名称" in nameless.get_data(as_text=True)
    missing = enter(client, "", "", "rest", "国庆节")
    assert missing.status_code == 422 and "请填写开始日期" in missing.get_data(as_text=True)
    assert stored() == {}


def test_removing_a_day_needs_the_version_the_page_showed(client, login_as):
    login_as("admin")
    enter(client, "2026-10-01", "2026-10-01", "rest", "国庆节")
    row = db.session.scalar(select(CalendarDay))
    token = csrf_token_from(client, "/calendar?year=2026")
    stale = client.post(f"/calendar/{row.id}/delete", data={"csrf_token": token, "version": row.version - 1},
                        follow_redirects=True)
    assert "该日期已被他人修改" in stale.get_data(as_text=True) and stored() == {"2026-10-01": "rest"}
    done = client.post(f"/calendar/{row.id}/delete", data={"csrf_token": token, "version": row.version},
                       follow_redirects=True)
    assert "已删除 2026-10-01 的安排" in done.get_data(as_text=True) and stored() == {}


def publish_notice(client, login_as, users, starts_on: str) -> str:
    """A finalized competition's notice published by staff on the web from ``starts_on``, 5 working
    days; the page that follows."""
    competition = create_competition({**CITY, "prizes": []}, users["organiser"])
    replace_results(competition, [{"name": "甲", "id_number": person_id(1), "theory": 90, "practical": 90}])
    finalize(competition)
    db.session.commit()
    login_as("admin")
    detail = f"/competitions/{competition.id}"
    return client.post(f"{detail}/notice", data={
        "version": competition.version, "starts_on": starts_on, "working_days": "5", "contact": "",
        "csrf_token": csrf_token_from(client, detail)}, follow_redirects=True).get_data(as_text=True)


def test_the_competition_notice_period_counts_with_the_calendar(client, login_as, users):
    calendar.set_days(date(2026, 10, 1), date(2026, 10, 7), "rest", "国庆节", SOURCE)
    calendar.set_days(date(2026, 10, 10), date(2026, 10, 10), "work", "国庆节", SOURCE)
    page = publish_notice(client, login_as, users, "2026-09-28")
    assert db.session.scalar(select(PublicNotice.ends_on)) == date(2026, 10, 9)  # not 10-02: the holiday is skipped
    assert "公示期至 2026-10-09" in page and "尚未录入" not in page


def test_a_notice_in_a_year_nobody_entered_says_so(client, login_as, users):
    page = publish_notice(client, login_as, users, "2027-12-29")  # Wed: 12/29, 12/30, 12/31, 1/3, 1/4
    assert db.session.scalar(select(PublicNotice.ends_on)) == date(2028, 1, 4)
    assert "2027、2028年的节假日安排尚未录入" in page


def test_the_demo_enters_2026_once(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Calendar: 2026 holidays and make-up working days (39 days entered)" in first.output
    days = stored()
    # 元旦3 + 春节9 + 清明3 + 劳动节5 + 端午3 + 中秋3 + 国庆7 = 33 days off; 6 make-up working days (1/4, 2/14, 2/28, 5/9, 9/20, 10/10).
    assert list(days.values()).count("rest") == 33 and list(days.values()).count("work") == 6
    second = runner.invoke(args=["demo"])
    assert "Calendar:" not in second.output and len(stored()) == 39
