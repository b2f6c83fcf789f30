"""Time converting 10,000 results into awards under every policy document, with overlap history.

Run from the project root:  .venv/bin/python -m bench.convert_awards
Aim: the conversion (every competition's ``awards_for`` plus one ``apply_overlap_rules`` over
all of them against the history) under 1 s, best of 3. The data are made from a fixed seed:
competitions of every tier and category under each document, two groups each, some teams, some
training-base players, people who recur across competitions, and earlier Wenzhou awards.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from bureau.policies import clear_policy_cache, load_policies
from bureau.policies.model import PrizeBand
from competition.awards import (
    Award,
    CompetitionFacts,
    PriorAward,
    PromotionBand,
    ResultFacts,
    apply_overlap_rules,
    awards_for,
    explain_results,
)

RESULTS = 10_000
ROUNDS = 3
AIM_SECONDS = 1.0
PEOPLE = 6_000          # fewer people than results, so some win more than once
HISTORY = 3_000
TEAM_SHARE = 0.1
TIERS_AND_CATEGORIES = [("world", None), ("national", 1), ("national", 2), ("provincial", 1), ("provincial", 2),
                        ("city", 1), ("city", 2), ("county", 1)]
CITY_PRIZES = (PrizeBand(1, 1, 8000), PrizeBand(2, 3, 5000), PrizeBand(4, 10, 2000))
PROMOTIONS = (PromotionBand(1, 1, "高级技师"), PromotionBand(2, 5, "技师"))


def synthetic_data(seed: int = 2026) -> tuple[list[tuple[CompetitionFacts, list[ResultFacts]]], list[PriorAward]]:
    rng = random.Random(seed)
    policies = load_policies()
    competitions = []
    for code, document in sorted(policies.items()):
        held_on = (document.applies_from or date(2024, 1, 1)) + timedelta(days=200)
        for tier, category in TIERS_AND_CATEGORIES:
            competitions.append(CompetitionFacts(
                id=len(competitions) + 1, name=f"{code} {tier} {category}", tier=tier, category=category,
                year=held_on.year, held_on=held_on, policy=code, practical_only=rng.random() < 0.2,
                promotions=PROMOTIONS if tier == "city" else (), prizes=CITY_PRIZES if tier != "world" else (),
                organiser_name=f"承办单位{len(competitions) + 1}"))
    per_competition = RESULTS // len(competitions)
    pairs = []
    next_id = 1
    for competition in competitions:
        count = per_competition + (RESULTS % len(competitions) if competition is competitions[-1] else 0)
        results = []
        for group in ("职工组", "学生组"):
            rank = 1
            for _ in range(count // 2 + (count % 2 if group == "职工组" else 0)):
                team = f"队{rank}" if rng.random() < TEAM_SHARE else None
                size = 3 if team else 1
                for _member in range(size):
                    person = rng.randrange(PEOPLE)
                    results.append(ResultFacts(
                        result_id=next_id, name=f"选手{person}", id_number=f"ID{person:06d}",
                        local=rng.random() < 0.8, team=team, group=group, rank=rank,
                        medal=_world_medal(rank) if competition.tier == "world" else None,
                        passed=rng.random() < 0.85, base_id=rng.randrange(1, 20) if rng.random() < 0.1 else None))
                    next_id += 1
                rank += 1
        pairs.append((competition, results[:count]))
    series = ["competition_prize", "leading_talent", "talent_introduction"]
    history = [PriorAward(id_number=f"ID{rng.randrange(PEOPLE):06d}", policy="wenzhou-2018",
                          series=rng.choice(series), amount=rng.choice([10000, 20000, 30000, 50000, 150000]),
                          awarded_on=date(2018, 1, 1) + timedelta(days=rng.randrange(2200)),
                          achievement=f"history:{n}") for n in range(HISTORY)]
    return pairs, history


def _world_medal(rank: int) -> str | None:
    return {1: "gold", 2: "silver", 3: "bronze"}.get(rank, "excellence" if rank <= 8 else None)


def convert_all(pairs: list[tuple[CompetitionFacts, list[ResultFacts]]], history: list[PriorAward]) -> list[Award]:
    """What a finalize run does for many competitions at once, minus the database."""
    policies = load_policies()
    awards = [award for competition, results in pairs
              for award in awards_for(competition, results, policies[competition.policy])]
    return apply_overlap_rules(awards, history, policies)


def explain_all(pairs: list[tuple[CompetitionFacts, list[ResultFacts]]]) -> int:
    """The "why not" column for every result; returns how many results have reasons."""
    policies = load_policies()
    return sum(len(explain_results(competition, results, policies[competition.policy]))
               for competition, results in pairs)


def measure_db_load() -> float | None:
    """Hook: time reading the same results and history from the database, once it exists.

    To be written by whoever owns the models; return seconds, or None while not measured.
    """
    return None


def best_of(rounds: int, function, *arguments) -> tuple[float, object]:
    best, value = float("inf"), None
    for _ in range(rounds):
        started = time.perf_counter()
        value = function(*arguments)
        best = min(best, time.perf_counter() - started)
    return best, value


def main() -> None:
    clear_policy_cache()
    started = time.perf_counter()
    load_policies()
    load_seconds = time.perf_counter() - started
    pairs, history = synthetic_data()
    results = sum(len(results) for _, results in pairs)
    seconds, awards = best_of(ROUNDS, convert_all, pairs, history)
    withheld = sum(1 for award in awards if not award.paid)
    explain_seconds, explained = best_of(ROUNDS, explain_all, pairs)
    print(f"policy files: {load_seconds * 1000:.1f} ms to load and check all {len(load_policies())} documents")
    print(f"conversion: {seconds * 1000:.0f} ms for {results} results in {len(pairs)} competitions "
          f"with {len(history)} prior awards -> {len(awards)} awards ({withheld} withheld), best of {ROUNDS}; "
          f"aim < {AIM_SECONDS:.0f} s: {'met' if seconds < AIM_SECONDS else 'NOT met'}")
    print(f"explanations: {explain_seconds * 1000:.0f} ms for {explained} results with reasons, best of {ROUNDS}")
    db_seconds = measure_db_load()
    print("db load: not measured yet" if db_seconds is None else f"db load: {db_seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
