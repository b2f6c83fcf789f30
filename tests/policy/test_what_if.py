"""What-if runs: a copied, edited document converts real results without touching the real one."""

from __future__ import annotations

from bureau.policies import copy_with_changes
from competition.awards import awards_for, compare_costs, cost_totals
from tests.policy.facts import competition, policy, result


def national_results(ranks, first_id=1, **fields):
    return [result(first_id + rank, rank, **fields) for rank in ranks]


def test_raising_first_place_costs_the_difference():
    wenzhou = policy("wenzhou-2018")
    what_if = copy_with_changes(wenzhou, {"cash.national_1.bands[0].amount": 60000})
    last_year = {
        competition("wenzhou-2018", "national", 1, id=1): national_results(range(1, 10)),
        competition("wenzhou-2018", "national", 1, id=2): national_results(range(1, 4), first_id=100),
        competition("taian-2024", "national", 1, id=3): national_results(range(1, 4), first_id=200),
    }
    comparison = compare_costs(last_year, wenzhou, what_if)
    assert comparison.competitions == 2
    # 50000 … 15000 for ranks 1–8, and 50000 + 45000 + 40000 (typed from item 13)
    assert comparison.actual.total == 260000 + 135000
    assert comparison.difference == 2 * 10000
    assert wenzhou.cash_table("national_1").bands[0].amount == 50000


def test_history_applies_to_both_runs():
    wenzhou = policy("wenzhou-2018")
    what_if = copy_with_changes(wenzhou, {"cash.national_1.bands[0].amount": 60000})
    same_person_twice = [
        (competition("wenzhou-2018", "national", 1, id=1), [result(1, 1, id_number="A")]),
        (competition("wenzhou-2018", "national", 1, id=2), [result(2, 2, id_number="A")]),
    ]
    comparison = compare_costs(same_person_twice, wenzhou, what_if)
    assert (comparison.actual.total, comparison.what_if.total) == (50000, 60000)
    assert comparison.actual.withheld_awards == 1


def test_dropping_the_local_rule():
    taian = policy("taian-2024")
    what_if = copy_with_changes(taian, {"eligibility.local_only": False, "eligibility.local_only_reason": None})
    pairs = [(competition("taian-2024", "national", 1), [result(1, 1, local=False), result(2, 6, local=True)])]
    comparison = compare_costs(pairs, taian, what_if)
    assert (comparison.actual.total, comparison.what_if.total) == (20000, 70000)


def test_cost_totals_split_by_payee_and_rule():
    comp = competition("wenzhou-2018", "provincial", 1, organiser_name="承办方")
    totals = cost_totals(awards_for(comp, [result(1, 1), result(2, 9)], policy("wenzhou-2018")))
    assert totals.by_payee == {"person": 30000, "organiser": 100000}
    assert totals.by_rule == {"cash.provincial_1": 30000, "hosting_subsidies.provincial_1": 100000}
    assert (totals.total, totals.under_review, totals.paid_awards) == (130000, 100000, 2)
