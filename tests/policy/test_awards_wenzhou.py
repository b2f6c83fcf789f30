"""Wenzhou (温人社发〔2018〕242号): every amount and band edge of item 13, the title, hosting
subsidies, and the overlap rules of the closing paragraph. Expected values are typed from the
seed text, not read from the TOML."""

from __future__ import annotations

from datetime import date

import pytest

from bureau.policies.model import PrizeBand
from competition.awards import (
    PriorAward,
    apply_overlap_rules,
    awards_for,
    convert_competition,
    explain_no_award,
    explain_results,
)
from tests.policy.facts import competition, of_kind, personal_cash, policy, result

WENZHOU = "wenzhou-2018"
NUMBER = "温人社发〔2018〕242号"


def cash_for(tier, category, rank=None, **fields):
    comp_fields = {key: fields.pop(key) for key in list(fields) if key in ("national_games", "prizes", "held_on")}
    awards = awards_for(competition(WENZHOU, tier, category, **comp_fields), [result(1, rank, **fields)], policy(WENZHOU))
    return [award.amount for award in personal_cash(awards)]


# 世界技能大赛前三名及优胜奖 … 50 万元、40 万元、30 万元、15 万元
@pytest.mark.parametrize("medal, amount", [
    ("gold", 500000), ("silver", 400000), ("bronze", 300000), ("excellence", 150000),
])
def test_worldskills(medal, amount):
    assert cash_for("world", None, medal=medal) == [amount]


@pytest.mark.parametrize("rank, amount", [(1, 500000), (2, 400000), (3, 300000)])
def test_worldskills_rank_without_medal_counts_as_medal(rank, amount):
    assert cash_for("world", None, rank) == [amount]


def test_worldskills_without_medal_gets_nothing():
    comp = competition(WENZHOU, "world")
    assert cash_for("world", None, 4) == []
    assert explain_no_award(comp, result(1, 4), policy(WENZHOU)) == [
        "未获奖牌或优胜奖：世界技能大赛前三名及优胜奖新获奖者奖励按奖牌计发"]


# 全国一类技能大赛前八名 1.5—5 万元（5000 元一档）
NATIONAL_1 = [(1, 50000), (2, 45000), (3, 40000), (4, 35000), (5, 30000), (6, 25000), (7, 20000), (8, 15000), (9, None)]
# 全国二类技能大赛前五名 2—4 万元（5000 元一档）
NATIONAL_2 = [(1, 40000), (2, 35000), (3, 30000), (4, 25000), (5, 20000), (6, None)]
# 省级一类技能大赛前五名 1—3 万元（5000 元一档）
PROVINCIAL_1 = [(1, 30000), (2, 25000), (3, 20000), (4, 15000), (5, 10000), (6, None)]
# 省级二类技能大赛前三名 1—2 万元（5000 元一档）
PROVINCIAL_2 = [(1, 20000), (2, 15000), (3, 10000), (4, None)]


@pytest.mark.parametrize("tier, category, rank, amount", [
    *[("national", 1, rank, amount) for rank, amount in NATIONAL_1],
    *[("national", 2, rank, amount) for rank, amount in NATIONAL_2],
    *[("provincial", 1, rank, amount) for rank, amount in PROVINCIAL_1],
    *[("provincial", 2, rank, amount) for rank, amount in PROVINCIAL_2],
])
def test_rank_tables(tier, category, rank, amount):
    assert cash_for(tier, category, rank) == ([amount] if amount else [])


@pytest.mark.parametrize("tier, category, rank, reason", [
    ("national", 1, 9, "第9名：国家级一类竞赛奖励限前8名"),
    ("national", 2, 6, "第6名：国家级二类竞赛奖励限前5名"),
    ("provincial", 1, 6, "第6名：省级一类竞赛奖励限前5名"),
    ("provincial", 2, 4, "第4名：省级二类竞赛奖励限前3名"),
    ("national", 1, None, "无名次：国家级一类竞赛奖励限前8名"),
])
def test_beyond_the_table_is_explained(tier, category, rank, reason):
    assert explain_no_award(competition(WENZHOU, tier, category), result(1, rank), policy(WENZHOU)) == [reason]


def test_national_games_without_category_counts_as_class_1():
    assert cash_for("national", None, 8, national_games=True) == [15000]
    assert cash_for("national", None, 9, national_games=True) == []


def test_provincial_without_category_is_explained():
    comp = competition(WENZHOU, "provincial", None)
    assert explain_no_award(comp, result(1, 1), policy(WENZHOU)) == ["省级竞赛：温州市政策未设个人奖金"]


def test_award_cites_the_clause_and_explains_the_rule():
    [award] = personal_cash(awards_for(competition(WENZHOU, "national", 1), [result(1, 3)], policy(WENZHOU)))
    assert award.clause.startswith(NUMBER) and "13." in award.clause
    assert "第3名" in award.rule and "4万元" in award.rule
    assert (award.payee, award.paid, award.series, award.policy) == ("person", True, "competition_prize", WENZHOU)
    assert award.api_fields()["amount"] == 40000


# 市级技能大赛新获奖者奖励由各职业（工种）比赛文件确定
CITY_PRIZES = (PrizeBand(1, 1, 8000), PrizeBand(2, 3, 5000), PrizeBand(4, 6, 2000))


@pytest.mark.parametrize("rank, amount", [(1, 8000), (2, 5000), (3, 5000), (4, 2000), (6, 2000), (7, None)])
def test_city_amounts_come_from_the_competition(rank, amount):
    assert cash_for("city", 1, rank, prizes=CITY_PRIZES) == ([amount] if amount else [])


def test_city_competition_without_prizes_pays_nothing():
    comp = competition(WENZHOU, "city", 2)
    assert personal_cash(awards_for(comp, [result(1, 1)], policy(WENZHOU))) == []
    assert "本竞赛文件未设奖金档次" in explain_no_award(comp, result(1, 1), policy(WENZHOU))[0]
    comp = competition(WENZHOU, "city", 2, prizes=CITY_PRIZES)
    assert "第7名：本竞赛文件奖金限前6名" in explain_no_award(comp, result(1, 7), policy(WENZHOU))


# 对市级技能大赛的前三名获奖选手，由市人力社保局授予市级“温州市技术能手”称号
@pytest.mark.parametrize("category", [1, 2])
@pytest.mark.parametrize("rank, titled", [(1, True), (2, True), (3, True), (4, False)])
def test_city_top_three_are_titled(category, rank, titled):
    awards = awards_for(competition(WENZHOU, "city", category), [result(1, rank, local=False)], policy(WENZHOU))
    assert [award.title for award in of_kind(awards, "title")] == (["温州市技术能手"] if titled else [])


def test_title_miss_is_explained_and_other_tiers_give_no_title():
    reasons = explain_no_award(competition(WENZHOU, "city", 1), result(1, 4), policy(WENZHOU))
    assert "第4名：温州市技术能手限市级一类竞赛前3名" in reasons
    assert of_kind(awards_for(competition(WENZHOU, "national", 1), [result(1, 1)], policy(WENZHOU)), "title") == []


# 省级一类、二类比赛补助分别不超过 10 万、8 万元，市级比赛补助 2—5 万元
@pytest.mark.parametrize("tier, category, proposed, least, most", [
    ("provincial", 1, 100000, None, 100000),
    ("provincial", 2, 80000, None, 80000),
    ("city", 1, 50000, 20000, 50000),
    ("city", 2, 50000, 20000, 50000),
])
def test_hosting_subsidy_is_proposed_at_the_limit_for_review(tier, category, proposed, least, most):
    comp = competition(WENZHOU, tier, category, organiser_name="温州技师学院")
    [hosting] = of_kind(awards_for(comp, [], policy(WENZHOU)), "cash", "organiser")
    assert (hosting.amount, hosting.amount_min, hosting.amount_max) == (proposed, least, most)
    assert hosting.needs_review and hosting.name == "温州技师学院" and hosting.result_id is None
    assert "12." in hosting.clause


@pytest.mark.parametrize("tier, category", [("national", 1), ("world", None), ("county", None)])
def test_no_hosting_subsidy_for_other_tiers(tier, category):
    assert of_kind(awards_for(competition(WENZHOU, tier, category), [], policy(WENZHOU)), "cash", "organiser") == []


def test_team_members_are_each_paid():  # 每人每次 / 个人奖励
    members = [result(i, 1, team="甲队") for i in (1, 2, 3)]
    awards = personal_cash(awards_for(competition(WENZHOU, "national", 1), members, policy(WENZHOU)))
    assert [(award.result_id, award.amount) for award in awards] == [(1, 50000), (2, 50000), (3, 50000)]


def test_non_local_contestants_are_paid():  # the text sets no residence rule
    assert cash_for("national", 1, 1, local=False) == [50000]


# 适用于2018年1月1日起享受奖补的各类对象
def test_period_starts_on_1_january_2018():
    assert cash_for("national", 1, 1, held_on=date(2018, 1, 1)) == [50000]
    assert cash_for("national", 1, 1, held_on=date(2017, 12, 31)) == []
    comp = competition(WENZHOU, "national", 1, held_on=date(2017, 12, 31))
    assert explain_no_award(comp, result(1, 1), policy(WENZHOU)) == [
        "竞赛举办于2017-12-31，早于温州市政策的适用起始日2018-01-01"]


def test_county_competitions_get_nothing():
    comp = competition(WENZHOU, "county")
    assert awards_for(comp, [result(1, 1)], policy(WENZHOU)) == []
    assert explain_no_award(comp, result(1, 1), policy(WENZHOU)) == ["温州市政策未对县级竞赛设定奖励或技能等级认定"]


# --- overlap: 同一人获同序列称号奖项的按就高原则。同一人获不同序列多项称号奖项的，2年内按就高不重复原则，
# 2年后新获称号奖项等于（同一成果除外）或高于现层次的再给予奖励。


def national_award(rank, held_on, competition_id=1, id_number="ID0001"):
    comp = competition(WENZHOU, "national", 1, id=competition_id, held_on=held_on)
    return personal_cash(awards_for(comp, [result(1, rank, id_number=id_number)], policy(WENZHOU)))


def prior(series, amount, awarded_on, achievement="", id_number="ID0001", code=WENZHOU):
    return PriorAward(id_number=id_number, policy=code, series=series, amount=amount,
                      awarded_on=awarded_on, achievement=achievement)


def decided(awards, history=()):
    return [(award.paid, award.amount) for award in apply_overlap_rules(awards, history, {WENZHOU: policy(WENZHOU)})]


def test_several_awards_of_one_series_at_once_pay_the_highest():
    day = date(2023, 5, 10)
    provincial = personal_cash(awards_for(competition(WENZHOU, "provincial", 1, id=2, held_on=day),
                                          [result(7, 1, id_number="ID0001")], policy(WENZHOU)))
    awards = apply_overlap_rules(provincial + national_award(1, day), [], {WENZHOU: policy(WENZHOU)})
    assert [(award.table_amount, award.paid) for award in awards] == [(30000, False), (50000, True)]
    assert awards[0].reason.startswith("同序列就高")


def test_same_series_equal_or_lower_is_never_paid_again():  # not a new winner (新获奖者)
    history = [prior("competition_prize", 40000, date(2018, 6, 1), "competition:99")]
    assert decided(national_award(3, date(2024, 6, 1)), history) == [(False, 40000)]
    assert decided(national_award(5, date(2024, 6, 1)), history) == [(False, 30000)]


def test_same_series_higher_pays_the_difference():
    history = [prior("competition_prize", 15000, date(2019, 6, 1), "competition:99")]
    [award] = apply_overlap_rules(national_award(1, date(2024, 6, 1)), history, {WENZHOU: policy(WENZHOU)})
    assert (award.paid, award.amount, award.table_amount) == (True, 35000, 50000)
    assert award.note.startswith("就高补差")


def test_later_awards_in_the_batch_see_earlier_ones():
    first = national_award(8, date(2020, 5, 1), competition_id=1)       # 15000
    second = national_award(1, date(2023, 5, 1), competition_id=2)      # 50000 → pays 35000
    third = national_award(2, date(2024, 5, 1), competition_id=3)       # 45000 ≤ 50000 → withheld
    assert decided(third + first + second) == [(False, 45000), (True, 15000), (True, 35000)]


def test_different_series_within_two_years_pays_the_highest_only():
    history = [prior("leading_talent", 40000, date(2022, 6, 1), "首席技师")]
    [withheld] = apply_overlap_rules(national_award(3, date(2023, 6, 1)), history, {WENZHOU: policy(WENZHOU)})
    assert (withheld.paid, withheld.amount) == (False, 40000)
    assert withheld.reason.startswith("不同序列2年内就高不重复")
    assert decided(national_award(1, date(2023, 6, 1)), history) == [(True, 10000)]  # 50000 − 40000


def test_two_years_end_on_the_anniversary():
    history = [prior("leading_talent", 30000, date(2021, 5, 10))]
    assert decided(national_award(5, date(2023, 5, 9)), history) == [(False, 30000)]
    assert decided(national_award(5, date(2023, 5, 10)), history) == [(True, 30000)]


def test_after_two_years_equal_or_higher_is_paid_again_in_full():
    history = [prior("leading_talent", 30000, date(2019, 5, 10), "拔尖技能人才")]
    assert decided(national_award(5, date(2023, 5, 10)), history) == [(True, 30000)]   # equal
    assert decided(national_award(1, date(2023, 5, 10)), history) == [(True, 50000)]   # higher


def test_after_two_years_lower_is_not_paid():
    history = [prior("leading_talent", 30000, date(2019, 5, 10))]
    [award] = apply_overlap_rules(national_award(6, date(2023, 5, 10)), history, {WENZHOU: policy(WENZHOU)})
    assert (award.paid, award.amount) == (False, 25000)
    assert award.reason.startswith("2年后新获奖励2.5万元低于现有层次")


def test_after_two_years_equal_for_the_same_achievement_is_not_paid():
    history = [prior("leading_talent", 30000, date(2019, 5, 10), achievement="competition:1")]
    [award] = apply_overlap_rules(national_award(5, date(2023, 5, 10)), history, {WENZHOU: policy(WENZHOU)})
    assert (award.paid, award.reason[:4]) == (False, "同一成果")


def test_history_of_other_people_and_other_documents_is_ignored():
    history = [prior("competition_prize", 50000, date(2022, 1, 1), id_number="ID9999"),
               prior("competition_prize", 50000, date(2022, 1, 1), code="taian-2024")]
    assert decided(national_award(1, date(2023, 5, 10)), history) == [(True, 50000)]


def test_titles_and_levels_are_not_withheld():
    comp = competition(WENZHOU, "city", 1, prizes=CITY_PRIZES)
    history = [prior("competition_prize", 500000, date(2023, 1, 1))]
    awards = convert_competition(comp, [result(1, 1)], policy(WENZHOU), history)
    assert [(award.kind, award.payee, award.paid) for award in awards] == [
        ("title", "person", True), ("cash", "person", False), ("cash", "organiser", True)]


def test_prior_award_from_award_keeps_the_table_amount():
    history = [prior("competition_prize", 15000, date(2019, 6, 1))]
    [award] = apply_overlap_rules(national_award(1, date(2024, 6, 1)), history, {WENZHOU: policy(WENZHOU)})
    assert PriorAward.from_award(award).amount == 50000


def test_explain_results_covers_a_whole_competition_in_one_pass():
    comp = competition(WENZHOU, "national", 1)
    reasons = explain_results(comp, [result(i, i) for i in range(1, 11)], policy(WENZHOU))
    assert reasons == {9: ["第9名：国家级一类竞赛奖励限前8名"], 10: ["第10名：国家级一类竞赛奖励限前8名"]}
