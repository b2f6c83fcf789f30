"""Quanzhou (若干措施): training-base subsidies for top-3 places, amounts left to the competition's
own document, and the three-year period. Expected values typed from the seed."""

from __future__ import annotations

from datetime import date

import pytest

from bureau.policies.model import PrizeBand
from competition.awards import awards_for, explain_no_award
from tests.policy.facts import competition, of_kind, personal_cash, policy, result

QUANZHOU = "quanzhou-2023"


def base_awards(tier, category, results):
    return of_kind(awards_for(competition(QUANZHOU, tier, category), results, policy(QUANZHOU)), "cash", "base")


# 对基地培养的优秀选手参加省级以上技能赛事，按世赛、国赛、省赛项目（前三名）分别给予 20 万元、10 万元、5 万元补助
@pytest.mark.parametrize("tier, category, place, amount", [
    ("world", None, {"medal": "gold"}, 200000),
    ("world", None, {"medal": "silver"}, 200000),
    ("world", None, {"medal": "bronze"}, 200000),
    ("world", None, {"rank": 3}, 200000),
    ("world", None, {"medal": "excellence"}, None),
    ("world", None, {"medal": "excellence", "rank": 2}, None),
    ("national", 1, {"rank": 1}, 100000),
    ("national", 2, {"rank": 3}, 100000),
    ("national", 1, {"rank": 4}, None),
    ("provincial", 1, {"rank": 1}, 50000),
    ("provincial", 2, {"rank": 3}, 50000),
    ("provincial", 1, {"rank": 4}, None),
    ("city", 1, {"rank": 1}, None),
])
def test_base_subsidy(tier, category, place, amount):
    awards = base_awards(tier, category, [result(1, base_id=7, **place)])
    assert [(award.amount, award.base_id, award.payee) for award in awards] == ([(amount, 7, "base")] if amount else [])


def test_base_subsidy_misses_are_explained():
    comp = competition(QUANZHOU, "national", 1)
    assert explain_no_award(comp, result(1, 4, base_id=7), policy(QUANZHOU)) == [
        "本竞赛文件未设奖金档次：市级以上技能竞赛获奖者分类分档奖励（按规定；金额取竞赛文件）",
        "第4名：竞赛集训基地培养选手国赛前三名补助限前3名"]
    assert explain_no_award(comp, result(1, 1), policy(QUANZHOU))[-1] == (
        "非集训基地选手：竞赛集训基地培养选手国赛前三名补助按基地培养的选手计发")


def test_each_player_of_the_base_counts():
    awards = base_awards("provincial", 1, [result(1, 1, base_id=7), result(2, 2, base_id=7), result(3, 3, base_id=8)])
    assert [(award.result_id, award.base_id, award.amount) for award in awards] == [
        (1, 7, 50000), (2, 7, 50000), (3, 8, 50000)]


def test_a_team_of_one_base_counts_once():
    members = [result(i, 1, team="泉州队", base_id=7) for i in (1, 2, 3)]
    [award] = base_awards("national", 1, members)
    assert (award.amount, award.name, award.member_result_ids) == (100000, "泉州队", (1, 2, 3))


# 按规定给予市级以上技能竞赛获奖者 … 分类分档奖励 — amounts from the competition's own document
@pytest.mark.parametrize("tier", ["city", "provincial", "national"])
def test_personal_cash_comes_from_the_competition(tier):
    comp = competition(QUANZHOU, tier, 1, prizes=(PrizeBand(1, 1, 6000), PrizeBand(2, 3, 3000)))
    awards = personal_cash(awards_for(comp, [result(1, 1), result(2, 3), result(3, 4)], policy(QUANZHOU)))
    assert [(award.result_id, award.amount) for award in awards] == [(1, 6000), (2, 3000)]


def test_county_competitions_get_nothing():
    assert awards_for(competition(QUANZHOU, "county", 1), [result(1, 1, base_id=1)], policy(QUANZHOU)) == []


# 本措施自发布之日起施行，有效期三年
@pytest.mark.parametrize("held_on, paid", [
    (date(2023, 6, 25), False), (date(2023, 6, 26), True), (date(2026, 6, 25), True), (date(2026, 6, 26), False),
])
def test_three_year_period(held_on, paid):
    comp = competition(QUANZHOU, "national", 1, held_on=held_on)
    assert bool(of_kind(awards_for(comp, [result(1, 1, base_id=7)], policy(QUANZHOU)), "cash")) == paid


def test_expired_period_is_explained():
    comp = competition(QUANZHOU, "national", 1, held_on=date(2026, 7, 1))
    assert explain_no_award(comp, result(1, 1, base_id=7), policy(QUANZHOU)) == [
        "竞赛举办于2026-07-01，泉州市若干措施已于2026-06-25失效"]


def test_only_the_year_known_gives_the_boundary_year_the_benefit_of_the_doubt():
    comp = competition(QUANZHOU, "national", 1, held_on=None, year=2026)
    assert of_kind(awards_for(comp, [result(1, 1, base_id=7)], policy(QUANZHOU)), "cash")
    comp = competition(QUANZHOU, "national", 1, held_on=None, year=2027)
    assert explain_no_award(comp, result(1, 1, base_id=7), policy(QUANZHOU)) == [
        "竞赛举办于2027年，泉州市若干措施已于2026-06-25失效"]
