"""What-if page: an edited copy of a cash table run over a year's finalized competitions, beside
what was actually proposed; it never touches an award."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bureau.audit.models import AuditEntry
from bureau.db import db
from tests.conftest import csrf_token_from
from tests.policy.test_awards_web import award_rows, known  # noqa: F401  (the fixture)


def what_if(client, changes: dict, *, policy="wenzhou-2018", year=2024):
    token = csrf_token_from(client, f"/awards/what-if?policy={policy}&year={year}")
    return client.post("/awards/what-if", data={"csrf_token": token, "policy": policy, "year": year, **changes})


def cell(html: str, test_id: str) -> str:
    return re.search(rf'data-testid="{test_id}">([^<]*)<', html).group(1)


def tier_row(html: str, label: str) -> list[str]:
    table = html[html.index('data-testid="by-tier"'):]
    row = re.search(rf"<tr><td>{label}</td>(.*?)</tr>", table, re.S).group(1)
    return re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)


def test_the_form_shows_the_policy_cash_tables(known, login_as):  # noqa: F811
    html = login_as("admin").get("/awards/what-if?policy=wenzhou-2018&year=2024").get_data(as_text=True)
    assert 'name="national_1.b0.amount" value="50000"' in html
    assert 'name="national_1.b7.to_rank" value="8"' in html
    assert 'name="world.m3.amount" value="150000"' in html  # WorldSkills 优胜奖
    assert "cash.city" not in html and 'data-testid="outcome"' not in html


def test_raising_first_place_costs_10000_more_for_one_first_place(known, login_as):  # noqa: F811
    client = login_as("admin")
    before = award_rows()
    audit_before = db.session.scalar(select(func.count(AuditEntry.id)))
    response = what_if(client, {"national_1.b0.amount": "60000"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Actually proposed for 2024: 260,000 national + 45,000 provincial + 100,000 hosting.
    assert tier_row(html, "国家级") == ["¥260,000", "¥260,000", "¥270,000", "+¥10,000"]
    assert tier_row(html, "省级") == ["¥145,000", "¥145,000", "¥145,000", "¥0"]
    assert cell(html, "what-if-total") == "¥415,000" and cell(html, "difference") == "+¥10,000"
    changes = html[html.index('data-testid="changes"'):html.index("</ul>", html.index('data-testid="changes"'))]
    assert "全国一类技能大赛前八名新获奖者个人奖励，第1名，金额：¥50,000 → <strong>¥60,000</strong>" in changes
    assert "cash.national_1.bands[0].amount" in changes
    db.session.remove()
    assert award_rows() == before
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_before


def test_moving_a_band_edge_pays_ninth_place(known, login_as):  # noqa: F811
    html = what_if(login_as("admin"), {"national_1.b7.to_rank": "9"}).get_data(as_text=True)
    assert tier_row(html, "国家级") == ["¥260,000", "¥260,000", "¥275,000", "+¥15,000"]


def test_the_overlap_rules_hold_in_the_what_if_run(known, login_as):  # noqa: F811
    # Provincial first place 30,000 → 60,000: above the winner's national 50,000, so only the
    # difference of 10,000 is paid (就高补差), not 60,000.
    html = what_if(login_as("admin"), {"provincial_1.b0.amount": "60000"}).get_data(as_text=True)
    assert tier_row(html, "省级") == ["¥145,000", "¥145,000", "¥155,000", "+¥10,000"]


def test_a_year_without_competitions_costs_nothing(known, login_as):  # noqa: F811
    html = what_if(login_as("admin"), {"national_1.b0.amount": "60000"}, year=2020).get_data(as_text=True)
    assert cell(html, "difference") == "¥0" and "0项竞赛" in html


@pytest.mark.parametrize("changes, message", [
    ({"national_1.b0.amount": "六万"}, "须为1至100,000,000的整数"),
    ({"national_1.b0.amount": "0"}, "须为1至100,000,000的整数"),
    ({"national_1.b1.from_rank": "1"}, "修改后的表格无效"),  # bands 1–1 and 1–2 overlap
])
def test_bad_input_is_reported_and_nothing_is_run(known, login_as, changes, message):  # noqa: F811
    response = what_if(login_as("admin"), changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html and 'data-testid="outcome"' not in html


def test_without_csrf_the_post_is_refused(known, login_as):  # noqa: F811
    response = login_as("admin").post("/awards/what-if", data={"policy": "wenzhou-2018", "year": 2024})
    assert response.status_code == 400


def test_only_staff(known, login_as):  # noqa: F811
    assert login_as("organiser").get("/awards/what-if").status_code == 403
