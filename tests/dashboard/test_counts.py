"""What the dashboard counts and sums, against data made through the API and the operations
(``known`` in conftest.py spells the data out, with the amounts the policy gives)."""
from __future__ import annotations

from flask import g
from sqlalchemy import select

from bureau.clock import local_today
from bureau.dashboard import board as dashboard_board
from bureau.dashboard import metrics, queries
from bureau.db import db
from bureau.policies import load_policies
from competition.award_queries import RegisterFilters, approvable_summary
from studios.models import AssessmentResult
from tests.conftest import csrf_token_from
from tests.dashboard.conftest import CITY, YEAR

TODAY = local_today()


def wenzhou():
    return metrics.scope_for(CITY, load_policies())


def count(metric, **filters):
    return queries.count_metric(metric, filters, wenzhou(), YEAR, YEAR, TODAY)


def test_competitions_held_contestants_and_awards_by_tier_and_category(known):
    # Held: results entered or finalized; the draft and Tai'an's final are not Wenzhou's or not held.
    assert count("competitions") == 3
    assert count("competitions", tier="national", category=1) == 1
    assert count("competitions", tier="provincial") == 1
    assert count("competitions", tier="city", category=2) == 1
    assert count("competitions", tier="city", category=1) == 0
    assert count("contestants") == 9 + 3 + 4
    assert count("contestants", tier="national") == 9
    # 8 national places paid, 2 provincial places (the winner's withheld) and a hosting subsidy.
    assert count("awards") == 11
    assert count("awards", award_kind="cash", tier="provincial") == 3
    assert count("awards", award_kind="title") == 0
    rows = queries.competitions_by_tier(wenzhou(), YEAR)
    assert set(rows) == {"national", "provincial", "city"}
    assert rows["national"].competitions == {1: 1} and rows["national"].contestants == 9
    assert rows["city"].competitions == {2: 1} and rows["city"].contestants == 4 and rows["city"].awards == {}
    assert rows["provincial"].awards == {"cash": 3}


def test_another_jurisdiction_sees_only_its_own(known):
    taian = metrics.scope_for("泰安市", load_policies())
    assert queries.count_metric("competitions", {}, taian, YEAR, YEAR, TODAY) == 1
    assert queries.count_metric("contestants", {}, taian, YEAR, YEAR, TODAY) == 2
    assert queries.count_metric("new_studios", {}, taian, YEAR, YEAR, TODAY) == 0
    quanzhou = metrics.scope_for("泉州市", load_policies())
    assert queries.count_metric("new_studios", {}, quanzhou, YEAR, YEAR, TODAY) == 1


def test_studios_reports_and_the_excellent_ones(known):
    assert count("new_studios") == 8  # 7 city + 1 in 温州市鹿城区, which is within 温州市
    assert count("new_studios", studio_kind="master_studio", studio_level="city") == 7
    assert count("new_studios", studio_level="county") == 1
    assert count("studios_total", studio_kind="master_studio") == 9  # and the provincial one of 2020
    assert count("reports_filed") == 7
    assert count("reports_filed", studio_level="county") == 0
    assert count("excellent_studios") == 1  # 15% of 7
    assert count("excellent_studios", studio_level="provincial") == 0
    rows = queries.studios_by_kind(wenzhou(), YEAR, TODAY)
    city = rows[("master_studio", "city")]
    assert (city.new, city.in_force, city.due, city.filed, city.late, city.accepted, city.excellent) == (7, 7, 7, 7, 0, 7, 1)
    assert rows[("master_studio", "provincial")].new == 0 and rows[("master_studio", "provincial")].in_force == 1


def test_certificates_issued_this_year_valid_and_revoked(known):
    scope = wenzhou()
    assert queries.count_metric("certificates", {}, scope, TODAY.year, TODAY.year, TODAY) == 2
    assert queries.count_metric("certificates", {}, scope, YEAR, YEAR, TODAY) == 0
    assert queries.certificates_by_kind(scope, TODAY.year) == {"prize": (1, 1), "excellent_studio": (1, 0)}
    taian = metrics.scope_for("泰安市", load_policies())
    assert queries.certificates_by_kind(taian, TODAY.year) == {}


def build(app):
    """The board as a page would gather it (labels and links need a request)."""
    with app.test_request_context("/dashboard"):
        g.pop("user", None)  # the app context outlives requests; the last request's user is detached
        return dashboard_board.build(CITY, YEAR, TODAY)


def test_money_committed_and_approved_by_kind_tier_payee_and_month(app, known, client, login_as):
    board = build(app)
    rewards = known["rewards"]
    assert rewards == 50000  # the one 优秀 studio, at the document's cap
    # Cash: 260,000 national + 45,000 provincial + 100,000 hosting; grants 7 × 30,000; the reward.
    assert board.committed == 260000 + 45000 + 100000 + 7 * 30000 + rewards
    assert board.withheld == 30000
    # Two grants paid, the assessment published; no award approved yet.
    assert board.approved == 2 * 30000 + rewards
    by = {dimension: {key: (c, a, w) for key, _label, c, a, w in lines} for dimension, lines in board.money_by.items()}
    assert by["kind"]["competition_cash"] == (305000, 0, 30000)
    assert by["kind"]["hosting_subsidy"] == (100000, 0, 0)
    assert by["kind"]["studio_grant"] == (210000, 60000, 0)
    assert by["kind"]["assessment_reward"] == (rewards, rewards, 0)
    assert by["tier"]["national"] == (260000, 0, 0)
    assert by["tier"]["provincial"] == (145000, 0, 30000)
    assert by["tier"]["city"] == (210000 + rewards, 60000 + rewards, 0)
    assert by["payee"] == {"person": (305000, 0, 30000), "organiser": (100000, 0, 0),
                           "studio": (210000 + rewards, 60000 + rewards, 0)}
    assert by["month"][9] == (260000, 0, 0) and by["month"][10] == (145000, 0, 30000)
    assert by["month"][3] == (210000, 60000, 0)  # the studios were established in March
    assert by["month"][None] == (rewards, rewards, 0)

    # Staff approve the national final's awards from the register: they move to "approved".
    login_as("admin")
    approvable, through = approvable_summary(RegisterFilters(competition=known["national"]))
    response = client.post("/awards/approve", data={
        "competition": known["national"], "expected": approvable, "through_id": through,
        "csrf_token": csrf_token_from(client, "/awards")})
    assert response.status_code == 302
    db.session.remove()
    board = build(app)
    assert board.approved == 260000 + 2 * 30000 + rewards
    assert {key: a for key, _label, _c, a, _w in board.money_by["tier"]}["national"] == 260000


def test_the_what_if_beside_agrees_with_the_stored_awards(app, known):
    board = build(app)
    (item,) = board.what_if
    assert item.code == "wenzhou-2018" and item.competitions == 2
    assert item.stored == item.recomputed == 260000 + 45000 + 100000
    assert item.difference == 0
    assert "policy=wenzhou-2018" in item.url and f"year={YEAR}" in item.url


def test_assessment_rewards_are_summed_in_the_database(known):
    stored = db.session.scalars(select(AssessmentResult.reward)).all()
    rows = [row for row in queries.money_rows(wenzhou(), YEAR, load_policies()) if row.kind == "assessment_reward"]
    assert sum(row.committed for row in rows) == sum(stored)
