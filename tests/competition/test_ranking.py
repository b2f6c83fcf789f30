from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from competition.ranking import medal_rank_issues, national_games_medal, rank_results
from competition.validation import ResultInput
from tests.competition.ids import person_id

D = Decimal


def entrant(n: int, theory=None, practical=None, **fields) -> ResultInput:
    return ResultInput(
        name=f"选手{n}", id_number=person_id(n), row=n,
        theory=None if theory is None else D(str(theory)),
        practical=None if practical is None else D(str(practical)),
        **fields,
    )


def rank(results, *, theory_weight="0.3", practical_only=False, pass_mark="60", national_games=False):
    return rank_results(results, theory_weight=D(theory_weight), practical_only=practical_only,
                        pass_mark=D(pass_mark), national_games=national_games)


def places(results, **kwargs) -> list[int]:
    return [item.rank for item in rank(results, **kwargs)]


# --- totals ---------------------------------------------------------------------------------

def test_total_is_weighted_and_rounded_half_up_in_decimal():
    # 85.55 * 0.3 = 25.665 exactly; floats give 25.664999... and banker's rounding 25.66.
    [item] = rank([entrant(1, theory="85.55", practical=0)])
    assert item.total == D("25.67")
    [item] = rank([entrant(1, theory=80, practical=90)])
    assert item.total == D("87.00")


def test_practical_only_total_is_the_practical_score():
    [item] = rank([entrant(1, theory=10, practical="88.5")], practical_only=True)
    assert item.total == D("88.50")


def test_given_total_is_used_only_when_scores_are_absent():
    items = rank([
        entrant(1, theory=80, practical=90, total_given=D("50"), rank=1),
        entrant(2, total_given=D("70.5"), rank=2),
        entrant(3, rank=3),
    ])
    assert [item.total for item in items] == [D("87.00"), D("70.5"), None]


# --- places ---------------------------------------------------------------------------------

def test_higher_total_first_and_input_order_kept():
    assert places([entrant(1, 70, 70), entrant(2, 90, 90), entrant(3, 80, 80)]) == [3, 1, 2]


def test_equal_totals_share_the_place_and_the_next_is_skipped():
    results = [entrant(1, 90, 90), entrant(2, 85, 85), entrant(3, 85, 85), entrant(4, 80, 80)]
    assert places(results) == [1, 2, 2, 4]


def test_equal_totals_are_separated_by_the_higher_practical_score():
    # Both total 85 at weight 0.5; the second has the higher practical score.
    results = [entrant(1, theory=90, practical=80), entrant(2, theory=80, practical=90)]
    items = rank(results, theory_weight="0.5")
    assert [item.total for item in items] == [D("85.00"), D("85.00")]
    assert [item.rank for item in items] == [2, 1]


def test_ties_are_judged_on_rounded_totals():
    # Exact totals 87.002 and 87.000 both show as 87.00, so the practical score decides.
    results = [entrant(1, theory="80.03", practical="89.99"), entrant(2, theory=80, practical=90)]
    items = rank(results, theory_weight="0.3")
    assert items[0].total == items[1].total == D("87.00")
    assert [item.rank for item in items] == [2, 1]


def test_each_group_is_ranked_separately():
    results = [
        entrant(1, 70, 70, group="worker"), entrant(2, 90, 90, group="student"),
        entrant(3, 80, 80, group="worker"), entrant(4, 60, 60, group="student"),
    ]
    assert places(results) == [2, 1, 1, 2]


def test_team_members_share_one_place_and_take_up_only_one():
    results = [
        entrant(1, 90, 90, team="一队"),   # team mean (90 + 80) / 2 = 85
        entrant(2, 80, 80, team="一队"),
        entrant(3, 86, 86),
        entrant(4, 84, 84),
    ]
    items = rank(results)
    assert [item.rank for item in items] == [2, 2, 1, 3]
    assert [item.team_total for item in items] == [D("85.00"), D("85.00"), None, None]
    assert [item.total for item in items[:2]] == [D("90.00"), D("80.00")]  # own totals kept


def test_team_score_recorded_on_every_member_is_the_team_score():
    results = [entrant(1, 88, 88, team="一队"), entrant(2, 88, 88, team="一队"), entrant(3, 87, 87)]
    items = rank(results)
    assert items[0].team_total == D("88.00")
    assert [item.rank for item in items] == [1, 1, 2]


def test_teams_tie_break_on_mean_practical():
    results = [
        entrant(1, theory=90, practical=80, team="甲"), entrant(2, theory=90, practical=80, team="甲"),
        entrant(3, theory=80, practical=90, team="乙"), entrant(4, theory=80, practical=90, team="乙"),
    ]
    assert places(results, theory_weight="0.5") == [2, 2, 1, 1]


def test_organiser_ranks_are_kept_as_given():
    results = [entrant(1, 60, 60, rank=1), entrant(2, 95, 95, rank=3), entrant(3, rank=2)]
    assert places(results) == [1, 3, 2]


def test_mixed_given_and_missing_ranks_are_refused():
    with pytest.raises(ValueError):
        rank([entrant(1, 80, 80, rank=1), entrant(2, 80, 80)])


def test_computed_ranks_need_scores():
    with pytest.raises(ValueError):
        rank([entrant(1, 80, 80), entrant(2)])


def test_theory_weight_out_of_range_is_refused():
    with pytest.raises(ValueError):
        rank([entrant(1, 80, 80)], theory_weight="1.5")


def test_no_results_rank_to_nothing():
    assert rank([]) == []


@given(st.lists(
    st.tuples(st.sampled_from(["worker", "student"]), st.integers(0, 20), st.integers(0, 20)),
    max_size=30,
))
def test_place_is_one_plus_the_number_strictly_ahead_in_the_group(rows):
    # Few distinct scores so that ties and tie-breaks are frequent.
    results = [entrant(n, theory=t * 5, practical=p * 5, group=g) for n, (g, t, p) in enumerate(rows)]
    items = rank(results, theory_weight="0.5")
    for item in items:
        ahead = [other for other in items if other.result.group == item.result.group
                 and (other.total, other.result.practical) > (item.total, item.result.practical)]
        assert item.rank == 1 + len(ahead)


# --- passed ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("theory", "practical", "passed"), [
    (60, 60, True), ("59.99", 95, False), (95, "59.99", False), (100, 100, True),
])
def test_passed_needs_both_scores_at_the_pass_mark(theory, practical, passed):
    [item] = rank([entrant(1, theory, practical)])
    assert item.passed is passed


def test_practical_only_passes_on_practical_alone():
    items = rank([entrant(1, theory=10, practical=60), entrant(2, theory=100, practical=59)],
                 practical_only=True)
    assert [item.passed for item in items] == [True, False]


def test_pass_mark_is_a_parameter():
    [item] = rank([entrant(1, 70, 70)], pass_mark="75")
    assert item.passed is False


def test_passed_is_unknown_without_scores():
    items = rank([entrant(1, rank=1), entrant(2, practical=70, rank=2)])
    assert [item.passed for item in items] == [None, None]


# --- medals ---------------------------------------------------------------------------------

def field_of(n: int, **fields) -> list[ResultInput]:
    """n entrants with distinct totals, best first."""
    return [entrant(i, 100 - i, 100 - i, **fields) for i in range(1, n + 1)]


def test_national_games_derive_medals_and_excellence_for_the_top_half():
    items = rank(field_of(10), national_games=True)
    assert [item.medal for item in items] == [
        "gold", "silver", "bronze", "excellence", "excellence", None, None, None, None, None]
    assert all(item.medal_derived for item in items[:5])


def test_top_half_rounds_down_for_an_odd_field():
    items = rank(field_of(9), national_games=True)
    assert [item.medal for item in items][3:5] == ["excellence", None]  # floor(9 / 2) = 4


def test_small_field_gets_medals_but_no_excellence():
    assert [item.medal for item in rank(field_of(4), national_games=True)] == [
        "gold", "silver", "bronze", None]


def test_excellence_is_counted_per_group_and_teams_count_once():
    # Workers: 6 entries, top half is 3, so no excellence (14 people together would give 7).
    # Students: 4 teams of two; counted as 4 entries rank 4 is outside the top half (as 8
    # people it would be inside).
    workers = field_of(6, group="worker")
    students = [entrant(20 + i, 80 - i // 2, 80 - i // 2, group="student", team=f"队{i // 2}")
                for i in range(8)]
    items = rank(workers + students, national_games=True)
    assert [item.medal for item in items[:6]] == ["gold", "silver", "bronze", None, None, None]
    assert [(item.rank, item.medal) for item in items[6:]] == [
        (1, "gold"), (1, "gold"), (2, "silver"), (2, "silver"),
        (3, "bronze"), (3, "bronze"), (4, None), (4, None)]


def test_ties_at_the_top_half_border_are_all_in():
    results = field_of(4) + [entrant(5, 95, 95), entrant(6, 95, 95)] + field_of(10)[6:]
    items = rank(results, national_games=True)
    assert [item.rank for item in items] == [1, 2, 3, 4, 5, 5, 7, 8, 9, 10]
    assert [item.medal for item in items][3:7] == ["excellence", "excellence", "excellence", None]


def test_national_games_derive_from_given_ranks_too():
    results = [entrant(i, rank=i) for i in range(1, 9)]
    assert [item.medal for item in rank(results, national_games=True)] == [
        "gold", "silver", "bronze", "excellence", None, None, None, None]


def test_medals_given_by_the_organiser_are_kept_and_nothing_is_derived():
    results = field_of(10)
    results[0] = entrant(1, 99, 99, medal="gold")
    items = rank(results, national_games=True)
    assert [item.medal for item in items] == ["gold"] + [None] * 9
    assert not any(item.medal_derived for item in items)


def test_other_competitions_derive_no_medals():
    assert {item.medal for item in rank(field_of(10))} == {None}


def test_national_games_medal_rule():
    assert [national_games_medal(r, 12) for r in (1, 2, 3, 4, 6, 7)] == [
        "gold", "silver", "bronze", "excellence", "excellence", None]


def test_given_medal_contradicting_a_computed_place_is_an_issue():
    results = [entrant(1, 90, 90), entrant(2, 95, 95, medal="gold")]
    assert medal_rank_issues(rank(results)) == []
    results = [entrant(1, 90, 90, medal="gold"), entrant(2, 95, 95)]
    [issue] = medal_rank_issues(rank(results), column_names={"medal": "奖项"})
    assert (issue.row, issue.field, issue.column) == (1, "medal", "奖项")
    assert "第1名" in issue.message
