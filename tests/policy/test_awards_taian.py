"""Tai'an (泰政办发〔2024〕13号): WorldSkills and national tables edge by edge, local enterprises
only, teams paid once, and the titles conferred by selection. Expected values typed from the seed."""

from __future__ import annotations

from datetime import date

import pytest

from competition.awards import (
    PriorAward,
    awards_for,
    confer_selected_title,
    convert_competition,
    explain_no_award,
)
from tests.policy.facts import competition, of_kind, personal_cash, policy, result

TAIAN = "taian-2024"
NOT_LOCAL = "非本地企业选手：泰安市政策仅奖励本市企业新培养的人员（团队）"


def cash(tier, category=None, results=(), **fields):
    return of_kind(awards_for(competition(TAIAN, tier, category, **fields), list(results), policy(TAIAN)), "cash")


# 世界技能大赛金牌、银牌、铜牌和优胜奖 … 分别给予50万元、20万元、10万元和5万元一次性奖励
@pytest.mark.parametrize("medal, amount", [
    ("gold", 500000), ("silver", 200000), ("bronze", 100000), ("excellence", 50000),
])
def test_worldskills(medal, amount):
    assert [award.amount for award in cash("world", results=[result(1, medal=medal)])] == [amount]


# 国家级技能大赛前3名、前5名、前10名 … 分别给予5万元、3万元和2万元奖励
@pytest.mark.parametrize("rank, amount", [
    (1, 50000), (2, 50000), (3, 50000),
    (4, 30000), (5, 30000),
    (6, 20000), (7, 20000), (10, 20000),
    (11, None),
])
@pytest.mark.parametrize("category", [1, 2, None])
def test_national_bands(rank, amount, category):
    amounts = [award.amount for award in cash("national", category, [result(1, rank)])]
    assert amounts == ([amount] if amount else [])


def test_rank_11_is_explained():
    comp = competition(TAIAN, "national", 1)
    assert explain_no_award(comp, result(1, 11), policy(TAIAN)) == ["第11名：国家级一类竞赛奖励限前10名"]


def test_clause_and_rule():
    [award] = cash("national", 1, [result(1, 4)])
    assert award.clause == "泰政办发〔2024〕13号，三、完善技能人才评价体系，（八）强化职业技能竞赛引领带动作用"
    assert award.rule == "国家级技能大赛前3名、前5名、前10名奖励：第4名（第4至5名档），3万元"


# 对我市企业新培养的 … 人员（团队）
@pytest.mark.parametrize("tier, fields", [("national", {"rank": 1}), ("world", {"medal": "gold"})])
def test_only_local_enterprises(tier, fields):
    outsider = result(1, local=False, **fields)
    assert cash(tier, 1 if tier == "national" else None, [outsider]) == []
    comp = competition(TAIAN, tier, 1 if tier == "national" else None)
    assert explain_no_award(comp, outsider, policy(TAIAN)) == [NOT_LOCAL]


def test_non_local_beyond_the_table_gets_both_reasons():
    comp = competition(TAIAN, "national", 1)
    assert explain_no_award(comp, result(1, 12, local=False), policy(TAIAN)) == [
        "第12名：国家级一类竞赛奖励限前10名；" + NOT_LOCAL]


def test_a_team_is_paid_once_as_a_team():
    members = [result(i, 2, team="泰山队") for i in (3, 1, 2)]
    [award] = cash("national", 1, members)
    assert (award.payee, award.amount, award.name, award.id_number) == ("team", 50000, "泰山队", None)
    assert (award.result_id, award.member_result_ids) == (1, (1, 2, 3))
    comp = competition(TAIAN, "national", 1)
    assert explain_no_award(comp, members[0], policy(TAIAN), members) == []


def test_worldskills_team_bronze_is_one_award():
    members = [result(i, medal="bronze", team="队") for i in (1, 2)]
    assert [(award.payee, award.amount) for award in cash("world", None, members)] == [("team", 100000)]


def test_teams_in_different_groups_are_different_teams():
    members = [result(1, 1, team="一队", group="职工组"), result(2, 1, team="一队", group="学生组")]
    assert [award.member_result_ids for award in cash("national", 1, members)] == [(1,), (2,)]


def test_a_team_with_a_non_local_member_is_not_paid():
    members = [result(1, 1, team="混合队"), result(2, 1, team="混合队", local=False)]
    assert cash("national", 1, members) == []
    reasons = explain_no_award(competition(TAIAN, "national", 1), members[0], policy(TAIAN), members)
    assert reasons == ["团队成员并非均为本地企业人员：泰安市政策仅奖励本市企业新培养的人员（团队）"]


# 本实施意见自印发之日起施行 (2024年11月8日)
def test_period_starts_on_the_day_of_issue():
    assert len(cash("national", 1, [result(1, 1)], held_on=date(2024, 11, 8))) == 1
    assert cash("national", 1, [result(1, 1)], held_on=date(2024, 11, 7)) == []


@pytest.mark.parametrize("tier, label", [("provincial", "省级一类"), ("city", "市级一类"), ("county", "县级一类")])
def test_lower_tiers_get_nothing(tier, label):
    comp = competition(TAIAN, tier, 1)
    assert awards_for(comp, [result(1, 1)], policy(TAIAN)) == []
    assert explain_no_award(comp, result(1, 1), policy(TAIAN)) == [f"泰安市政策未对{label}竞赛设定奖励或技能等级认定"]


def test_no_overlap_rule_so_history_does_not_withhold():
    history = [PriorAward(id_number="ID0001", policy=TAIAN, series="x", amount=500000, awarded_on=date(2025, 1, 1))]
    awards = convert_competition(competition(TAIAN, "national", 1), [result(1, 1)], policy(TAIAN), history)
    assert [(award.paid, award.amount) for award in awards] == [(True, 50000)]


# 每年认定60名左右“泰安市技术能手”，给予每人1000元一次性奖励 — conferred by selection
def test_taian_technical_expert_is_conferred_by_selection():
    nominees = [result(i) for i in range(1, 62)]
    awards = confer_selected_title(policy(TAIAN), "taian_technical_expert", nominees, date(2025, 12, 1))
    titles, money = of_kind(awards, "title"), personal_cash(awards)
    assert {award.title for award in titles} == {"泰安市技术能手"} and len(titles) == 61
    assert {award.amount for award in money} == {1000} and len(money) == 61
    assert [award.needs_review for award in money].count(True) == 1 and money[-1].needs_review


def test_city_competitions_do_not_confer_the_title_by_themselves():
    assert of_kind(awards_for(competition(TAIAN, "city", 1), [result(1, 1)], policy(TAIAN)), "title") == []


# 对我市企业新培养的中华技能大奖、全国技术能手获得者，分别给予20万元、2万元奖励
@pytest.mark.parametrize("key, title, amount", [
    ("china_skills_award", "中华技能大奖", 200000),
    ("national_technical_expert", "全国技术能手", 20000),
])
def test_national_titles_are_rewarded_for_local_holders_only(key, title, amount):
    awards = confer_selected_title(policy(TAIAN), key, [result(1), result(2, local=False)], date(2025, 12, 1))
    assert [(award.result_id, award.kind, award.title if award.kind == "title" else award.amount) for award in awards] == [
        (1, "title", title), (1, "cash", amount), (2, "title", title)]
    assert awards[2].note.startswith("非本地企业人员")


def test_selection_is_refused_for_an_automatic_title():
    with pytest.raises(ValueError):
        confer_selected_title(policy("wenzhou-2018"), "wenzhou_technical_expert", [result(1)], date(2024, 1, 1))
