"""Ranking competition results: totals, places, pass marks and medals.

Plain functions over validated ``ResultInput`` records (see ``competition.validation``), so the
rules can be read and tested without a web server or a database.

The rules, as we read them:

Total
    ``theory × weight + practical × (1 − weight)``, or the practical score alone in a
    practical-only event, computed in Decimal and rounded to 2 decimals half up (四舍五入, what
    people do by hand). When the scores needed are absent (possible only when the organiser gives
    ranks), the total written in the input, if any, is used instead.

Places
    Each group (职工组, 学生组, or no group) is ranked on its own. Higher total first; equal
    totals are ordered by the higher practical score; entries still equal share the place and
    the next place is skipped (1, 2, 2, 4). Comparisons use the rounded totals, which are what
    people see.

Teams
    Members of one team (same team name within a group) share one place and take up one place,
    so the entry after a team of three placed 1st is 2nd. A team is ranked by the mean of its
    members' totals (rounded to 2 decimals), with the mean of their practical scores as the
    tie-break. When the organiser wrote the team's score on every member's row, the mean is that
    score, so one rule covers both ways of recording a team.

Ranks given by the organiser
    If the rows carry ranks (results published elsewhere, e.g. national ones), they are kept as
    given; validation has made sure every row has one or none does.

Passed
    Theory and practical both reach the pass mark (>=), or the practical alone in a
    practical-only event. ``None`` when a score needed for the decision is absent.

Medals
    A medal written in the input is always kept. For China's national skills games
    (``national_games=True``), when no row carries a medal at all, medals are derived from the
    places: 1st gold, 2nd silver, 3rd bronze (the games award them to the top 3), and 优胜奖
    (excellence) to places 4 up to the top half of the group's field, i.e.
    ``4 <= rank <= floor(n / 2)`` where ``n`` counts the group's entries (a team once). Ties keep
    their shared place, so they are all in or all out. If any row carries a medal, the
    organiser has decided the medals and nothing is derived, to avoid mixing two sources.
    Other competitions never derive medals: their medals are whatever their organisers award.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from competition.validation import (
    BRONZE,
    CENT,
    EXCELLENCE,
    GOLD,
    SILVER,
    Issue,
    ResultInput,
    medal_rank_problem,
)

_MEDAL_FOR_PLACE = {1: GOLD, 2: SILVER, 3: BRONZE}


@dataclass(frozen=True)
class RankedResult:
    """A result with what ranking computed.

    ``team_total`` is the score the team was ranked by, for team members; ``medal_derived`` is
    true when the medal comes from the national-games rule rather than from the input.
    """

    result: ResultInput
    total: Decimal | None
    rank: int
    passed: bool | None
    medal: str | None
    medal_derived: bool = False
    team_total: Decimal | None = None


def rank_results(
    results: Sequence[ResultInput],
    *,
    theory_weight: Decimal,
    practical_only: bool,
    pass_mark: Decimal,
    national_games: bool = False,
) -> list[RankedResult]:
    """Rank validated results; the answer is in the same order as ``results``.

    See the module docstring for the rules. ``results`` must come from ``validate_results``
    (ranks all given or none; scores present when ranks are not given); otherwise this raises
    ``ValueError``.
    """
    if not 0 <= theory_weight <= 1:
        raise ValueError("theory_weight must be between 0 and 1")
    given_ranks = [result.rank is not None for result in results]
    if any(given_ranks) and not all(given_ranks):
        raise ValueError("ranks must be given for every result or for none")

    totals = [
        compute_total(result, theory_weight=theory_weight, practical_only=practical_only)
        for result in results
    ]
    entries = _entries_by_group(results, totals)
    if all(given_ranks) and results:
        ranks = [result.rank for result in results]
    else:
        ranks = _places(entries, len(results))
    derive_medals = national_games and not any(result.medal for result in results)
    entry_and_field_size = {
        index: (entry, len(group_entries))
        for group_entries in entries.values()
        for entry in group_entries
        for index in entry.member_indexes
    }

    ranked = []
    for index, result in enumerate(results):
        entry, field_size = entry_and_field_size[index]
        rank = ranks[index]
        medal = national_games_medal(rank, field_size) if derive_medals else result.medal
        ranked.append(RankedResult(
            result=result,
            total=totals[index],
            rank=rank,
            passed=has_passed(result, practical_only=practical_only, pass_mark=pass_mark),
            medal=medal,
            medal_derived=derive_medals and medal is not None,
            team_total=entry.total if entry.is_team else None,
        ))
    return ranked


def compute_total(result: ResultInput, *, theory_weight: Decimal, practical_only: bool) -> Decimal | None:
    """The result's total, rounded to 2 decimals half up (see the module docstring)."""
    if practical_only:
        exact = result.practical
    elif result.theory is not None and result.practical is not None:
        exact = result.theory * theory_weight + result.practical * (1 - theory_weight)
    else:
        exact = None
    if exact is None:
        return result.total_given
    return _round(exact)


def has_passed(result: ResultInput, *, practical_only: bool, pass_mark: Decimal) -> bool | None:
    """Whether the scores reach the pass mark; ``None`` if a needed score is absent."""
    needed = [result.practical] if practical_only else [result.theory, result.practical]
    if any(score is None for score in needed):
        return None
    return all(score >= pass_mark for score in needed)


def national_games_medal(rank: int, field_size: int) -> str | None:
    """The medal a national skills games awards to ``rank`` in a group of ``field_size`` entries."""
    if rank in _MEDAL_FOR_PLACE:
        return _MEDAL_FOR_PLACE[rank]
    if rank <= field_size // 2:
        return EXCELLENCE
    return None


def medal_rank_issues(
    ranked: Sequence[RankedResult], *, column_names: Mapping[str, str] | None = None
) -> list[Issue]:
    """Medals written in the input that contradict the computed places.

    Validation can only compare a given medal with a given rank; when ranks are computed, call
    this after ``rank_results`` and treat its issues like validation issues (block saving).
    ``column_names`` is as for ``validate_results``.
    """
    column = (column_names or {}).get("medal")
    issues = []
    for item in ranked:
        problem = medal_rank_problem(item.result.medal, item.rank)
        if problem:
            issues.append(Issue(item.result.row, "medal", problem, {}, column))
    return issues


@dataclass(frozen=True)
class _Entry:
    """One place-taker: a single contestant or a whole team."""

    member_indexes: tuple[int, ...]
    total: Decimal | None
    practical: Decimal | None
    is_team: bool

    @property
    def sort_key(self) -> tuple[Decimal, Decimal]:
        if self.total is None:
            raise ValueError("every result needs scores when ranks are not given")
        return (self.total, self.practical if self.practical is not None else Decimal(0))


def _entries_by_group(
    results: Sequence[ResultInput], totals: Sequence[Decimal | None]
) -> dict[str | None, list[_Entry]]:
    members: dict[tuple[str | None, str | int], list[int]] = defaultdict(list)
    for index, result in enumerate(results):
        # A person without a team is an entry of their own, keyed by position.
        members[(result.group, result.team if result.team is not None else index)].append(index)

    entries: dict[str | None, list[_Entry]] = defaultdict(list)
    for (group, _), indexes in members.items():
        is_team = results[indexes[0]].team is not None
        entries[group].append(_Entry(
            member_indexes=tuple(indexes),
            total=_mean([totals[i] for i in indexes]),
            practical=_mean([results[i].practical for i in indexes]),
            is_team=is_team,
        ))
    return entries


def _places(entries: dict[str | None, list[_Entry]], count: int) -> list[int]:
    """Competition ranking (1, 2, 2, 4) within each group, by total then practical."""
    ranks = [0] * count
    for group_entries in entries.values():
        ordered = sorted(group_entries, key=lambda entry: entry.sort_key, reverse=True)
        place = 0
        previous_key = None
        for position, entry in enumerate(ordered, start=1):
            if entry.sort_key != previous_key:
                place, previous_key = position, entry.sort_key
            for index in entry.member_indexes:
                ranks[index] = place
    return ranks


def _mean(values: Sequence[Decimal | None]) -> Decimal | None:
    if any(value is None for value in values):
        return None
    return _round(sum(values, Decimal(0)) / len(values))


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
