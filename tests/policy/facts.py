"""Builders for the facts the award rules read, with defaults that keep each test short.

Dates default to a day inside each document's period, so a test only states what it is about.
"""

from __future__ import annotations

from datetime import date

from bureau.policies import load_policies
from competition.awards import Award, CompetitionFacts, ResultFacts

IN_PERIOD = {
    "wenzhou-2018": date(2023, 5, 10),
    "taian-2024": date(2025, 3, 1),
    "quanzhou-2023": date(2024, 4, 1),
    "xiamen-2023": date(2024, 4, 1),
    "fujian-2023": date(2024, 4, 1),
}


def policy(code: str):
    return load_policies()[code]


def competition(code: str, tier: str, category: int | None = None, **fields) -> CompetitionFacts:
    held_on = fields.pop("held_on", IN_PERIOD[code])
    return CompetitionFacts(
        id=fields.pop("id", 1),
        name=fields.pop("name", "测试竞赛"),
        tier=tier,
        category=category,
        year=fields.pop("year", held_on.year if held_on else 2024),
        held_on=held_on,
        policy=code,
        **fields,
    )


def result(result_id: int = 1, rank: int | None = None, **fields) -> ResultFacts:
    return ResultFacts(
        result_id=result_id,
        name=fields.pop("name", f"选手{result_id}"),
        id_number=fields.pop("id_number", f"ID{result_id:04d}"),
        local=fields.pop("local", True),
        passed=fields.pop("passed", True),
        rank=rank,
        **fields,
    )


def of_kind(awards: list[Award], kind: str, payee: str | None = None) -> list[Award]:
    return [award for award in awards if award.kind == kind and (payee is None or award.payee == payee)]


def personal_cash(awards: list[Award]) -> list[Award]:
    return of_kind(awards, "cash", "person")
