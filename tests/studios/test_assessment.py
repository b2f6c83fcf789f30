import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studios.assessment import (
    AssessmentEntry,
    AssessmentError,
    Grade,
    assess,
    excellent_cap,
    resolve_tie,
)
from studios.rubrics import load_rubric
from tests.purity import web_or_database_modules_loaded

RUBRIC = load_rubric("master_studio")
REWARD = 50_000
REWARD_CAP = 50_000  # 温人社发〔2018〕242号 第15条: 优秀大师工作室 最高5万元


def items_totalling(total, **fixed) -> dict[str, Decimal]:
    """Item scores adding up to ``total``: ``fixed`` items as given, the rest filled in rubric order."""
    scores = {key: Decimal(points) for key, points in fixed.items()}
    remaining = Decimal(total) - sum(scores.values(), Decimal(0))
    for item in RUBRIC.items:
        if item.key not in scores:
            scores[item.key] = min(Decimal(item.max), remaining)
            remaining -= scores[item.key]
    assert remaining == 0, f"cannot make {total} from {fixed}"
    return scores


def studio(studio_id: int, total=None, **fixed) -> AssessmentEntry:
    scores = None if total is None else items_totalling(total, **fixed)
    return AssessmentEntry(studio_id, f"工作室{studio_id}", scores)


def run(entries, **options):
    return assess(entries, rubric=RUBRIC, reward_amount=REWARD, reward_cap=REWARD_CAP, **options)


def by_id(outcome):
    return {result.studio_id: result for result in outcome.results}


def excellent_ids(outcome):
    return [result.studio_id for result in outcome.results if result.grade is Grade.EXCELLENT]


@pytest.mark.parametrize(("number", "cap"), [(0, 0), (6, 0), (7, 1), (13, 1), (14, 2), (20, 3), (100, 15)])
def test_quota_is_15_percent_rounded_down(number, cap):
    assert excellent_cap(number) == cap


@pytest.mark.parametrize(("number", "excellent"), [(20, 3), (6, 0), (7, 1)])
def test_only_the_quota_of_top_studios_is_excellent(number, excellent):
    outcome = run([studio(i, 90 - i) for i in range(1, number + 1)])
    assert outcome.excellent_cap == excellent
    assert excellent_ids(outcome) == list(range(1, excellent + 1))
    assert {result.grade for result in outcome.results[excellent:]} == {Grade.QUALIFIED}
    assert outcome.ties_at_cap == ()


def test_studios_without_a_report_count_towards_the_quota_and_are_unqualified():
    outcome = run([studio(i, 90 - i) for i in range(1, 20)] + [studio(20)])
    assert outcome.excellent_cap == 3
    assert excellent_ids(outcome) == [1, 2, 3]
    unreported = by_id(outcome)[20]
    assert (unreported.score, unreported.rank, unreported.grade, unreported.reward) == (None, None, Grade.UNQUALIFIED, 0)
    assert str(unreported.note) == "未提交年度报告或年度报告未通过审核"


def test_below_the_pass_score_is_unqualified_with_the_reason():
    outcome = run([studio(1, 60), studio(2, Decimal("59.9"))])
    assert by_id(outcome)[1].grade is Grade.QUALIFIED
    below = by_id(outcome)[2]
    assert below.grade is Grade.UNQUALIFIED
    assert str(below.note) == "得分低于合格线60分"


def test_the_note_gives_the_pass_score_in_use():
    outcome = run([studio(1, 65)], pass_score=Decimal("70.0"))
    assert str(outcome.results[0].note) == "得分低于合格线70分"


def test_a_studio_in_an_excellent_position_below_the_pass_score_is_not_excellent():
    entries = [studio(1, 95), studio(2, 90), studio(3, 59)] + [studio(i, 50) for i in range(4, 21)]
    outcome = run(entries)
    assert outcome.excellent_cap == 3
    assert excellent_ids(outcome) == [1, 2]
    assert by_id(outcome)[3].grade is Grade.UNQUALIFIED


def test_equal_totals_at_the_line_are_broken_by_the_tie_break_items_in_order():
    # Both total 90; first tie-break item (带徒传技) equal, second (技术攻关) decides.
    first = studio(1, 90, apprentices=18, technical_problem_solving=14)
    second = studio(2, 90, apprentices=18, technical_problem_solving=15)
    outcome = run([first, second] + [studio(i, 70) for i in range(3, 8)])
    assert outcome.excellent_cap == 1
    assert excellent_ids(outcome) == [2]
    assert (by_id(outcome)[2].rank, by_id(outcome)[1].rank) == (1, 2)
    assert outcome.ties_at_cap == ()


def test_an_unbreakable_tie_at_the_line_is_reported_and_nobody_in_it_is_excellent():
    outcome = run([studio(1, 90), studio(2, 90)] + [studio(i, 70) for i in range(3, 8)])
    assert outcome.excellent_cap == 1
    assert outcome.ties_at_cap == (1, 2)
    assert excellent_ids(outcome) == []
    for tied in (by_id(outcome)[1], by_id(outcome)[2]):
        assert (tied.rank, tied.grade, tied.reward) == (1, Grade.QUALIFIED, 0)
        assert str(tied.note) == "并列于优秀名额线，待局里决定"


def test_studios_ranked_below_an_undecided_tie_do_not_take_the_free_seats():
    # Quota 3: studio 1 is excellent, 2–4 tie for the last two seats, 5 ranks below the tie.
    entries = [studio(1, 95), studio(2, 90), studio(3, 90), studio(4, 90), studio(5, 85)]
    outcome = run(entries + [studio(i, 70) for i in range(6, 21)])
    assert excellent_ids(outcome) == [1]
    assert outcome.ties_at_cap == (2, 3, 4)
    assert by_id(outcome)[5].grade is Grade.QUALIFIED
    assert by_id(outcome)[5].note is None


def test_a_tie_that_fits_within_the_quota_is_all_excellent():
    entries = [studio(1, 95), studio(2, 90), studio(3, 90)] + [studio(i, 70) for i in range(4, 21)]
    outcome = run(entries)
    assert excellent_ids(outcome) == [1, 2, 3]
    assert outcome.ties_at_cap == ()


def test_a_tie_just_below_a_full_quota_is_not_reported():
    entries = [studio(i, 99 - i) for i in range(1, 4)] + [studio(4, 80), studio(5, 80)]
    outcome = run(entries + [studio(i, 70) for i in range(6, 21)])
    assert excellent_ids(outcome) == [1, 2, 3]
    assert outcome.ties_at_cap == ()


def tied_outcome():
    entries = [studio(1, 95), studio(2, 90), studio(3, 90), studio(4, 90)]
    return run(entries + [studio(i, 70) for i in range(5, 21)])


def test_resolving_a_tie_within_the_quota_promotes_the_chosen_studios():
    outcome = tied_outcome()
    resolved = resolve_tie(outcome, [4, 2])
    assert excellent_ids(resolved) == [1, 2, 4]
    assert resolved.excellent_count() == resolved.excellent_cap == 3
    assert resolved.ties_at_cap == ()
    results = by_id(resolved)
    assert (results[2].reward, str(results[2].note)) == (REWARD, "并列于优秀名额线，经局里决定评为优秀")
    assert (results[3].grade, results[3].reward) == (Grade.QUALIFIED, 0)
    assert str(results[3].note) == "并列于优秀名额线，经局里决定未评为优秀"
    assert [result.studio_id for result in resolved.results] == [result.studio_id for result in outcome.results]
    assert outcome.ties_at_cap == (2, 3, 4), "the original outcome is left as it was"


def test_the_bureau_may_choose_none_of_the_tied_studios():
    resolved = resolve_tie(tied_outcome(), [])
    assert excellent_ids(resolved) == [1]
    assert resolved.ties_at_cap == ()


def test_resolving_a_tie_beyond_the_quota_is_refused():
    with pytest.raises(AssessmentError) as raised:
        resolve_tie(tied_outcome(), [2, 3, 4])
    assert str(raised.value) == "优秀名额为3个，已评优秀1个，最多还能再评2个，本次选择了3个"


def test_only_tied_studios_can_be_chosen():
    with pytest.raises(AssessmentError, match="编号为5、6的工作室不在优秀名额线并列名单中"):
        resolve_tie(tied_outcome(), [2, 5, 6])


def test_there_must_be_a_tie_to_resolve():
    outcome = run([studio(i, 90 - i) for i in range(1, 21)])
    with pytest.raises(AssessmentError, match="没有待决定的优秀名额线并列"):
        resolve_tie(outcome, [4])


def test_only_excellent_studios_are_rewarded():
    outcome = run([studio(i, 90 - i) for i in range(1, 21)])
    assert [result.reward for result in outcome.results] == [REWARD] * 3 + [0] * 17


def test_a_reward_up_to_the_cap_is_paid_as_set():
    outcome = assess([studio(i, 90 - i) for i in range(1, 8)], rubric=RUBRIC, reward_amount=30_000, reward_cap=50_000)
    assert outcome.results[0].reward == 30_000


def test_a_reward_above_the_policy_cap_is_refused():
    with pytest.raises(AssessmentError, match="优秀奖励50001元超过政策规定的最高50000元"):
        assess([studio(1, 90)], rubric=RUBRIC, reward_amount=50_001, reward_cap=50_000)


def test_equal_score_and_equal_tie_break_items_share_a_place():
    outcome = run([studio(1, 90), studio(2, 80), studio(3, 80), studio(4, 70)])
    assert [(result.studio_id, result.rank) for result in outcome.results] == [(1, 1), (2, 2), (3, 2), (4, 4)]


def test_equal_score_with_different_tie_break_items_does_not_share_a_place():
    outcome = run([studio(1, 80, apprentices=10), studio(2, 80, apprentices=11)])
    assert [(result.studio_id, result.rank) for result in outcome.results] == [(2, 1), (1, 2)]


def test_output_is_ordered_by_rank_then_studio_id_whatever_the_input_order():
    entries = [studio(5, 80), studio(3, 80), studio(9), studio(1, 90), studio(4), studio(2, 70)]
    expected = run(entries)
    assert [result.studio_id for result in expected.results] == [1, 3, 5, 2, 4, 9]
    shuffled = entries[:]
    random.Random(7).shuffle(shuffled)
    assert run(shuffled) == expected


def test_the_score_is_the_sum_of_the_items():
    scores = {"basic_support": Decimal("30.5"), "daily_management": 12, "technical_problem_solving": Decimal("10.5"),
              "exchange_service": Decimal(9), "apprentices": Decimal("17.5")}
    outcome = run([AssessmentEntry(1, "甲", scores)])
    assert outcome.results[0].score == Decimal("79.5")


def test_invalid_item_scores_are_refused_naming_the_studio():
    scores = items_totalling(90) | {"apprentices": Decimal(25)}
    with pytest.raises(AssessmentError, match="工作室“乙”（编号2）的评分有误：评分项“带徒传技”的得分应在0到20分之间") as raised:
        run([studio(1, 80), AssessmentEntry(2, "乙", scores)])
    assert [problem.key for problem in raised.value.details] == ["apprentices"]


def test_a_studio_listed_twice_is_refused():
    with pytest.raises(AssessmentError, match="工作室编号1重复"):
        run([studio(1, 80), studio(1, 70)])


@pytest.mark.parametrize(
    "options",
    [{"pass_score": Decimal(101)}, {"excellent_ratio": Decimal("1.5")}, {"reward_amount": -1}, {"reward_cap": 1.5}],
)
def test_parameters_out_of_range_are_refused(options):
    arguments = {"rubric": RUBRIC, "reward_amount": REWARD, "reward_cap": REWARD_CAP} | options
    with pytest.raises(AssessmentError):
        assess([studio(1, 80)], **arguments)


def test_no_studios_gives_an_empty_outcome():
    outcome = run([])
    assert (outcome.results, outcome.excellent_cap, outcome.ties_at_cap) == ((), 0, ())


# --- properties over any set of scores -------------------------------------------------------


def item_points(maximum: int):
    fine = st.integers(0, maximum * 10).map(lambda tenths: Decimal(tenths) / 10)
    coarse = st.sampled_from([Decimal(0), Decimal(maximum) / 2, Decimal(maximum)])  # makes ties common
    return st.one_of(fine, coarse)


studio_scores = st.one_of(
    st.none(),
    st.fixed_dictionaries({item.key: item_points(item.max) for item in RUBRIC.items}),
)


def ranking_key(result, entries_by_id):
    scores = entries_by_id[result.studio_id].item_scores
    return (result.score, *(scores[key] for key in RUBRIC.tie_break))


@settings(max_examples=300, deadline=None)
@given(st.lists(studio_scores, max_size=60), st.sampled_from([Decimal(0), Decimal(60), Decimal(80)]))
def test_grading_properties_hold_for_any_scores(score_list, pass_score):
    entries = [AssessmentEntry(i, f"工作室{i}", scores) for i, scores in enumerate(score_list, start=1)]
    entries_by_id = {entry.studio_id: entry for entry in entries}
    outcome = run(entries, pass_score=pass_score)
    results = outcome.results
    excellent = [r for r in results if r.grade is Grade.EXCELLENT]
    others = [r for r in results if r.grade is not Grade.EXCELLENT]
    scored = [r for r in results if r.score is not None]

    assert sorted(r.studio_id for r in results) == [e.studio_id for e in entries]
    assert outcome.excellent_cap == len(entries) * 15 // 100
    assert len(excellent) <= outcome.excellent_cap
    assert all(r.score >= pass_score for r in excellent)
    # Every excellent studio is strictly ahead, on score then tie-break items, of every other.
    for best in excellent:
        for other in others:
            assert other.score is None or ranking_key(best, entries_by_id) > ranking_key(other, entries_by_id)
    # Unqualified exactly when there is no report or the score is below the pass score.
    for r in results:
        assert (r.grade is Grade.UNQUALIFIED) == (r.score is None or r.score < pass_score)
        assert r.reward == (REWARD if r.grade is Grade.EXCELLENT else 0)
    # Rank is 1 + the number of studios strictly ahead; no report, no rank.
    for r in scored:
        ahead = sum(ranking_key(o, entries_by_id) > ranking_key(r, entries_by_id) for o in scored)
        assert r.rank == ahead + 1
    assert all(r.rank is None for r in results if r.score is None)
    # Ordered by rank, then studio id, unranked last.
    assert list(results) == sorted(results, key=lambda r: (r.rank is None, r.rank or 0, r.studio_id))
    # Seats are left empty only for a tie or for want of qualified studios.
    if outcome.ties_at_cap:
        tied = [r for r in results if r.studio_id in outcome.ties_at_cap]
        assert len({r.rank for r in tied}) == 1
        assert all(r.grade is Grade.QUALIFIED for r in tied)
        assert len(excellent) < outcome.excellent_cap < len(excellent) + len(tied)
        # Any choice the quota allows can be recorded, and stays within the quota.
        chosen = outcome.ties_at_cap[: outcome.excellent_cap - len(excellent)]
        assert resolve_tie(outcome, chosen).excellent_count() == outcome.excellent_cap
    elif len(excellent) < outcome.excellent_cap:
        assert all(r.grade is Grade.UNQUALIFIED for r in others)


def test_the_rules_import_neither_flask_nor_a_database_layer():
    assert web_or_database_modules_loaded("studios.assessment", "studios.terms", "studios.rubrics", "studios.grants",
                                          "studios.report", "studios.attachments", "studios.charts") == []
