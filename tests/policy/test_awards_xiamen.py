"""Xiamen (任务分解表, 做大做强职业技能竞赛): recognition at 高级工 / 中级工 for passing contestants,
promotion from the competition's table capped at 高级技师, and 厦门市技术能手 for local winners."""

from __future__ import annotations

import pytest

from competition.awards import PromotionBand, awards_for, explain_no_award
from tests.policy.facts import competition, of_kind, policy, result

XIAMEN = "xiamen-2023"


def levels(category, results, **fields):
    awards = awards_for(competition(XIAMEN, "city", category, **fields), results, policy(XIAMEN))
    return [(award.result_id, award.level) for award in of_kind(awards, "skill_level")]


# 市级一类竞赛可认定为高级工技能等级，市级二类竞赛可认定为中级工技能等级
@pytest.mark.parametrize("category, level", [(1, "高级工"), (2, "中级工")])
def test_passing_contestants_are_recognised(category, level):
    assert levels(category, [result(1, 40), result(2, None)]) == [(1, level), (2, level)]


@pytest.mark.parametrize("practical_only, reason", [
    (False, "理论或操作技能成绩未达合格线"),
    (True, "操作技能成绩未达合格线（本项目只考操作技能）"),
])
def test_failing_contestants_are_not(practical_only, reason):
    comp = competition(XIAMEN, "city", 1, practical_only=practical_only)
    assert of_kind(awards_for(comp, [result(1, 30, passed=False)], policy(XIAMEN)), "skill_level") == []
    assert explain_no_award(comp, result(1, 30, passed=False), policy(XIAMEN)) == [
        reason, "第30名：厦门市技术能手限市级一类竞赛第1名"]


def test_practical_only_event_recognises_on_the_practical_pass():
    assert levels(1, [result(1, 5, passed=True)], practical_only=True) == [(1, "高级工")]


def test_undecided_pass_is_explained():
    comp = competition(XIAMEN, "city", 2)
    assert explain_no_award(comp, result(1, 3, passed=None), policy(XIAMEN)) == ["成绩不全，无法判定是否合格"]


# 在竞赛中取得优异成绩的，根据成绩最高可晋升至高级技师技能等级
PROMOTIONS = (PromotionBand(1, 1, "首席技师"), PromotionBand(2, 3, "高级技师"), PromotionBand(4, 6, "技师"),
              PromotionBand(7, 10, "中级工"))


@pytest.mark.parametrize("category, rank, level", [
    (1, 1, "高级技师"),   # the competition asks 首席技师: capped at 高级技师
    (1, 2, "高级技师"),
    (1, 3, "高级技师"),
    (1, 4, "技师"),
    (1, 6, "技师"),
    (1, 7, "高级工"),     # a band below the base level does not lower it
    (1, 11, "高级工"),
    (2, 7, "中级工"),
    (2, 1, "高级技师"),
])
def test_promotion_from_the_competition_table(category, rank, level):
    assert levels(category, [result(1, rank)], promotions=PROMOTIONS) == [(1, level)]


def test_capped_promotion_says_so():
    awards = awards_for(competition(XIAMEN, "city", 1, promotions=PROMOTIONS), [result(1, 1)], policy(XIAMEN))
    [award] = of_kind(awards, "skill_level")
    assert "晋升至首席技师" in award.rule and "最高至高级技师" in award.rule


def test_no_promotion_without_a_pass():
    assert levels(1, [result(1, 1, passed=False)], promotions=PROMOTIONS) == []


# 对在市级一类竞赛中取得第1名的我市选手，直接认定为“厦门市技术能手”并颁发证书
@pytest.mark.parametrize("category, rank, local, titled", [
    (1, 1, True, True),
    (1, 1, False, False),
    (1, 2, True, False),
    (2, 1, True, False),
])
def test_xiamen_technical_expert(category, rank, local, titled):
    awards = awards_for(competition(XIAMEN, "city", category), [result(1, rank, local=local)], policy(XIAMEN))
    assert [award.title for award in of_kind(awards, "title")] == (["厦门市技术能手"] if titled else [])


@pytest.mark.parametrize("category, rank, local, reason", [
    (1, 1, False, "非本市选手：厦门市技术能手仅授予本市选手"),
    (1, 2, True, "第2名：厦门市技术能手限市级一类竞赛第1名"),
    (2, 1, True, "厦门市技术能手仅授予市级一类竞赛获奖选手"),
])
def test_title_misses_are_explained(category, rank, local, reason):
    comp = competition(XIAMEN, "city", category)
    assert reason in explain_no_award(comp, result(1, rank, local=local), policy(XIAMEN))


def test_each_group_has_its_own_first_place():
    results = [result(1, 1, group="职工组"), result(2, 1, group="学生组")]
    awards = awards_for(competition(XIAMEN, "city", 1), results, policy(XIAMEN))
    assert [award.result_id for award in of_kind(awards, "title")] == [1, 2]


def test_xiamen_sets_no_cash_and_nothing_above_city_level():
    awards = awards_for(competition(XIAMEN, "city", 1, prizes=()), [result(1, 1)], policy(XIAMEN))
    assert of_kind(awards, "cash") == []
    comp = competition(XIAMEN, "provincial", 1)
    assert awards_for(comp, [result(1, 1)], policy(XIAMEN)) == []
    assert explain_no_award(comp, result(1, 1), policy(XIAMEN)) == ["厦门市任务分解表未对省级一类竞赛设定奖励或技能等级认定"]
