"""Reads on awards: per result (public notice, competition page), the staff register with its
filters and totals, the payment list, and the facts a what-if run needs. No writes here.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from bureau.db import db
from competition import awards as policy_engine
from competition.models import TIERS, Award, AwardStatus, Competition, Result, Status
from competition.operations import competition_facts, result_facts

KINDS = ("skill_level", "title", "cash")
PAYEES = ("person", "team", "base", "organiser")
STATUSES = tuple(status.value for status in AwardStatus)
FINALIZED = (Status.finalized.value, Status.published.value)
# Whole-team payees: an award stored on the team's lead result is also the other members'.
TEAM_PAYEES = ("team", "base")


# --- per competition -------------------------------------------------------------------------------


def competition_awards(competition_id: int) -> list[Award]:
    """Every award of a competition, persons in result order, then the organiser's."""
    return list(db.session.scalars(
        select(Award).outerjoin(Result, Award.result_id == Result.id)
        .where(Award.competition_id == competition_id)
        .order_by(Result.position.is_(None), Result.position, Award.kind, Award.id)))


def _team_members(results: Iterable[Result]) -> dict[int, list[int]]:
    """Result id of each team member → ids of the whole team (same group and team name)."""
    teams: dict[tuple, list[int]] = defaultdict(list)
    for result in results:
        if result.team:
            teams[(result.entry_group, result.team)].append(result.id)
    return {member: ids for ids in teams.values() for member in ids}


def group_by_result(awards: Iterable[Award], results: Iterable[Result]) -> dict[int, list[Award]]:
    """Result id → its awards. A team's or a base's award for a team (stored on the lead's result)
    is listed under every member; the organiser's award (no result) is left out."""
    members = _team_members(results)
    grouped: dict[int, list[Award]] = defaultdict(list)
    for award in awards:
        if award.result_id is None:
            continue
        if award.team and award.payee in TEAM_PAYEES:
            for result_id in members.get(award.result_id, [award.result_id]):
                grouped[result_id].append(award)
        else:
            grouped[award.result_id].append(award)
    return dict(grouped)


def awards_by_result(competition_id: int, *, approved_only: bool = False) -> dict[int, list[Award]]:
    """For the public notice list: result id → the awards that result shares in.

    Team awards appear under every member; the organiser's hosting subsidy (not a contestant's
    award) is not included. ``approved_only`` leaves out awards staff have not approved yet.
    """
    awards = competition_awards(competition_id)
    if approved_only:
        awards = [award for award in awards if award.status == AwardStatus.approved.value]
    results = db.session.scalars(select(Result).where(Result.competition_id == competition_id)).all()
    return group_by_result(awards, results)


# --- the register ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilters:
    """The register's filters, read from a query string or a form; unknown values are dropped."""

    year: int | None = None
    tier: str = ""
    policy: str = ""
    kind: str = ""
    payee: str = ""
    status: str = ""
    paid: str = ""  # "yes" | "no" | ""
    q: str = ""  # name or ID number, exact ID or part of a name
    competition: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], policies: Iterable[str]) -> RegisterFilters:
        def one_of(key: str, options: Iterable[str]) -> str:
            value = (args.get(key) or "").strip()
            return value if value in set(options) else ""

        year_text = (args.get("year") or "").strip()
        competition_text = (args.get("competition") or "").strip()
        return cls(
            year=int(year_text) if year_text.isdecimal() and 2000 <= int(year_text) <= 2100 else None,
            tier=one_of("tier", TIERS), policy=one_of("policy", policies), kind=one_of("kind", KINDS),
            payee=one_of("payee", PAYEES), status=one_of("status", STATUSES), paid=one_of("paid", ("yes", "no")),
            q=(args.get("q") or "").strip()[:50],
            competition=int(competition_text) if competition_text.isdecimal() and len(competition_text) < 10 else None)

    def as_args(self) -> dict[str, str]:
        """The non-empty filters, for links and hidden form fields."""
        values = {"year": str(self.year) if self.year else "", "tier": self.tier, "policy": self.policy,
                  "kind": self.kind, "payee": self.payee, "status": self.status, "paid": self.paid, "q": self.q,
                  "competition": str(self.competition) if self.competition else ""}
        return {key: value for key, value in values.items() if value}

    def apply(self, query: Select) -> Select:
        """Narrow a select over Award joined to Competition."""
        if self.competition:
            query = query.where(Award.competition_id == self.competition)
        if self.year:
            query = query.where(Competition.year == self.year)
        if self.tier:
            query = query.where(Competition.tier == self.tier)
        if self.policy:
            query = query.where(Award.policy == self.policy)
        if self.kind:
            query = query.where(Award.kind == self.kind)
        if self.payee:
            query = query.where(Award.payee == self.payee)
        if self.status:
            query = query.where(Award.status == self.status)
        if self.paid:
            query = query.where(Award.paid.is_(self.paid == "yes"))
        if self.q:
            pattern = "%" + self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where((Award.id_number == self.q.upper()) | Award.name.like(pattern, escape="\\"))
        return query


def register_query(filters: RegisterFilters) -> Select:
    """Awards matching ``filters``, newest competition first, then in result order."""
    query = (select(Award).join(Competition, Award.competition_id == Competition.id)
             .outerjoin(Result, Award.result_id == Result.id)
             .options(selectinload(Award.competition), selectinload(Award.result)))
    return filters.apply(query).order_by(Competition.year.desc(), Competition.id.desc(),
                                         Result.position.is_(None), Result.position, Award.kind, Award.id)


@dataclass(frozen=True)
class RegisterTotals:
    count: int
    cash_count: int
    paid_amount: int  # cash that is payable (after any top-up reduction)
    withheld_amount: int  # cash an overlap rule withholds
    proposed: int  # awards still awaiting approval
    under_review: int  # proposed at a range limit, for staff to set
    paid_by_tier: dict[str, int]  # every tier, in TIERS order


def register_totals(filters: RegisterFilters) -> RegisterTotals:
    cash = Award.kind == "cash"
    amount = func.coalesce(Award.amount, 0)
    query = filters.apply(
        select(Competition.tier, func.count(Award.id),
               func.sum(case((cash, 1), else_=0)),
               func.sum(case((cash & Award.paid.is_(True), amount), else_=0)),
               func.sum(case((cash & Award.paid.is_(False), amount), else_=0)),
               func.sum(case((Award.status == AwardStatus.proposed.value, 1), else_=0)),
               func.sum(case((Award.needs_review.is_(True), 1), else_=0)))
        .select_from(Award).join(Competition, Award.competition_id == Competition.id)
    ).group_by(Competition.tier)
    by_tier = {tier: 0 for tier in TIERS}
    count = cash_count = paid = withheld = proposed = review = 0
    for tier, n, n_cash, paid_sum, withheld_sum, n_proposed, n_review in db.session.execute(query):
        by_tier[tier] = int(paid_sum or 0)
        count += n
        cash_count += int(n_cash or 0)
        paid += int(paid_sum or 0)
        withheld += int(withheld_sum or 0)
        proposed += int(n_proposed or 0)
        review += int(n_review or 0)
    return RegisterTotals(count=count, cash_count=cash_count, paid_amount=paid, withheld_amount=withheld,
                          proposed=proposed, under_review=review, paid_by_tier=by_tier)


def approvable_query(filters: RegisterFilters, *, through_id: int | None = None) -> Select:
    """Proposed awards of the filter that may be approved together.

    Awards proposed at a range limit (``needs_review``) are left out: staff approve those one by
    one after setting the amount. ``through_id`` limits the set to what the clerk saw.
    """
    query = filters.apply(select(Award).join(Competition, Award.competition_id == Competition.id)).where(
        Award.status == AwardStatus.proposed.value, Award.needs_review.is_(False),
        Competition.status.in_(FINALIZED))
    if through_id is not None:
        query = query.where(Award.id <= through_id)
    return query.order_by(Award.id)


def approvable_summary(filters: RegisterFilters) -> tuple[int, int | None]:
    """How many awards a bulk approval of this filter would approve, and the highest id among them."""
    ids = approvable_query(filters).with_only_columns(func.count(Award.id), func.max(Award.id)).order_by(None)
    count, highest = db.session.execute(ids).one()
    return int(count or 0), highest


# --- the payment list ------------------------------------------------------------------------------


def payment_query(filters: RegisterFilters) -> Select:
    """Approved, payable cash awards of the filter (the status and paid filters are overridden)."""
    plain = dataclasses.replace(filters, status="", paid="", kind="")
    query = (select(Award).join(Competition, Award.competition_id == Competition.id)
             .outerjoin(Result, Award.result_id == Result.id)
             .options(selectinload(Award.competition), selectinload(Award.result)))
    return plain.apply(query).where(
        Award.kind == "cash", Award.paid.is_(True), Award.status == AwardStatus.approved.value,
        Award.amount > 0,
    ).order_by(Competition.year, Competition.id, Result.position.is_(None), Result.position, Award.id)


# --- facts for what-if runs ------------------------------------------------------------------------


def finalized_competitions(policy: str, year: int) -> list[Competition]:
    return list(db.session.scalars(
        select(Competition).where(Competition.policy == policy, Competition.year == year,
                                  Competition.status.in_(FINALIZED))
        .options(selectinload(Competition.results)).order_by(Competition.id)))


def competition_years(policy: str | None = None) -> list[int]:
    """Years with finalized competitions (of ``policy``), newest first."""
    query = select(Competition.year).where(Competition.status.in_(FINALIZED)).distinct()
    if policy:
        query = query.where(Competition.policy == policy)
    return sorted(db.session.scalars(query), reverse=True)


def facts_for(competitions: Iterable[Competition]) -> list[tuple[policy_engine.CompetitionFacts,
                                                                  list[policy_engine.ResultFacts]]]:
    return [(competition_facts(c), [result_facts(r) for r in c.results]) for c in competitions]


def history_outside(competitions: list[Competition]) -> list[policy_engine.PriorAward]:
    """Paid personal awards of these competitions' people from every other competition: the
    history the overlap rules read when the set is converted together (as finalize does)."""
    ids = [c.id for c in competitions]
    people = sorted({r.id_number for c in competitions for r in c.results})
    if not people:
        return []
    history = []
    for start in range(0, len(people), 500):  # keep IN lists short for every database
        rows = db.session.scalars(select(Award).where(
            Award.id_number.in_(people[start:start + 500]), Award.competition_id.not_in(ids),
            Award.paid.is_(True), Award.series.is_not(None)))
        history.extend(policy_engine.PriorAward(
            id_number=row.id_number, policy=row.policy, series=row.series,
            amount=row.table_amount if row.table_amount is not None else row.amount or 0,
            awarded_on=row.awarded_on, achievement=row.achievement) for row in rows)
    return history


def stored_cash_by_tier(competitions: list[Competition]) -> tuple[dict[str, int], dict[str, int]]:
    """What the stored awards of these competitions pay (proposed and approved alike):
    by tier and by rule key."""
    tier_of = {c.id: c.tier for c in competitions}
    by_tier: dict[str, int] = defaultdict(int)
    by_rule: dict[str, int] = defaultdict(int)
    if not competitions:
        return {}, {}
    rows = db.session.scalars(select(Award).where(
        Award.competition_id.in_(list(tier_of)), Award.kind == "cash", Award.paid.is_(True)))
    for award in rows:
        by_tier[tier_of[award.competition_id]] += award.amount or 0
        by_rule[award.rule_key] += award.amount or 0
    return dict(by_tier), dict(by_rule)
