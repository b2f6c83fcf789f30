"""The dashboard's counts and sums, each one SQL aggregation (GROUP BY in the database).

Python only puts the grouped rows together — a few dozen rows whatever the size of the tables;
no loop here runs over competitions' results, awards or certificates one by one. The one
exception is small by nature: one-time studio grants are not stored as amounts, so the studios
established in the year are grouped by policy, kind, level and date in SQL and each group's
grant is read from its policy document (``studios.grants``).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, and_, case, distinct, false, func, or_, select

from bureau.certificates.models import Certificate, CertificateStatus
from bureau.dashboard.metrics import RULE_PREFIX_KINDS, Scope
from bureau.dashboard.models import Budget, QuotaContest, Target
from bureau.dashboard.regions import ADDRESS_CODE_LENGTH, region_of
from bureau.db import db
from bureau.policies.model import PolicyDocument
from competition.models import Award, AwardStatus, Competition, Result, Status
from studios.grants import StudioFacts, grants_due
from studios.models import (AnnualReport, Assessment, AssessmentResult, AssessmentStatus, Studio,
                            StudioStatus)

HELD = (Status.results_entered.value, Status.finalized.value, Status.published.value)
FINALIZED = (Status.finalized.value, Status.published.value)
EXCELLENT = "excellent"


# --- scope ---------------------------------------------------------------------------------------------


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def in_places(column, places: Iterable[str]) -> ColumnElement:
    """``column`` is one of ``places`` or a place within one (温州市鹿城区 within 温州市)."""
    conditions = [column.like(_like_prefix(place), escape="\\") for place in places]
    return or_(*conditions) if conditions else false()


def competitions_of(scope: Scope) -> ColumnElement:
    return Competition.policy.in_(scope.policy_codes) if scope.policy_codes else false()


def _years(column, from_year: int, year: int) -> ColumnElement:
    return column == year if from_year == year else column.between(from_year, year)


def _day_range(column, from_year: int, year: int) -> ColumnElement:
    return and_(column >= date(from_year, 1, 1), column <= date(year, 12, 31))


def _filters(filters: Mapping[str, object], *, competition: bool = False, award: bool = False,
             studio=None) -> list[ColumnElement]:
    conditions = []
    if competition and filters.get("tier"):
        conditions.append(Competition.tier == filters["tier"])
    if competition and filters.get("category") is not None:
        conditions.append(Competition.category == int(filters["category"]))
    if award and filters.get("award_kind"):
        conditions.append(Award.kind == filters["award_kind"])
    if studio is not None and filters.get("studio_kind"):
        conditions.append(studio.kind == filters["studio_kind"])
    if studio is not None and filters.get("studio_level"):
        conditions.append(studio.level == filters["studio_level"])
    return conditions


def reference_day(year: int, today: date) -> date:
    """The day a stock (studios in force) is read on: the year's end, or today in the current year."""
    return min(date(year, 12, 31), today)


# --- one count per target ---------------------------------------------------------------------------------


def count_metric(metric: str, filters: Mapping[str, object], scope: Scope, from_year: int, year: int,
                 today: date) -> int | None:
    """What counts towards a target: one COUNT query. None for manual targets."""
    if metric == "competitions":
        query = select(func.count(Competition.id)).where(
            competitions_of(scope), _years(Competition.year, from_year, year), Competition.status.in_(HELD),
            *_filters(filters, competition=True))
    elif metric == "contestants":
        query = select(func.count(Result.id)).join(Competition, Result.competition_id == Competition.id).where(
            competitions_of(scope), _years(Competition.year, from_year, year), Competition.status.in_(HELD),
            *_filters(filters, competition=True))
    elif metric == "awards":
        query = select(func.count(Award.id)).join(Competition, Award.competition_id == Competition.id).where(
            competitions_of(scope), _years(Competition.year, from_year, year), Award.paid.is_(True),
            *_filters(filters, competition=True, award=True))
    elif metric == "new_studios":
        query = select(func.count(Studio.id)).where(
            in_places(Studio.jurisdiction, scope.places), _day_range(Studio.established, from_year, year),
            *_filters(filters, studio=Studio))
    elif metric == "studios_total":
        day = reference_day(year, today)
        query = select(func.count(Studio.id)).where(
            in_places(Studio.jurisdiction, scope.places), Studio.established <= day, Studio.term_ends >= day,
            Studio.status != StudioStatus.revoked.value, *_filters(filters, studio=Studio))
    elif metric == "reports_filed":
        query = select(func.count(AnnualReport.id)).join(Studio, AnnualReport.studio_id == Studio.id).where(
            in_places(Studio.jurisdiction, scope.places), _years(AnnualReport.year, from_year, year),
            AnnualReport.first_submitted_at.is_not(None), *_filters(filters, studio=Studio))
    elif metric == "excellent_studios":
        query = (select(func.count(AssessmentResult.id)).join(Assessment, AssessmentResult.assessment_id == Assessment.id)
                 .where(in_places(Assessment.jurisdiction, scope.places), _years(Assessment.year, from_year, year),
                        Assessment.status == AssessmentStatus.published.value, AssessmentResult.grade == EXCELLENT,
                        *_filters(filters, studio=Assessment)))
    elif metric == "certificates":
        query = _certificates_query(scope, from_year, year).with_only_columns(func.count(Certificate.id)).where(
            Certificate.status == CertificateStatus.valid.value)
    elif metric == "selection_contests":
        query = (select(func.count(distinct(QuotaContest.competition_id)))
                 .join(Competition, QuotaContest.competition_id == Competition.id)
                 .where(competitions_of(scope), _years(Competition.year, from_year, year)))
    else:
        return None
    return int(db.session.scalar(query) or 0)


def _certificates_query(scope: Scope, from_year: int, year: int):
    """Certificates issued in the years (not those reserved, whose PDF is not made yet), of a
    competition under the scope's policies or of an assessment in its places."""
    return (select(Certificate.id)
            .outerjoin(Competition, Certificate.competition_id == Competition.id)
            .outerjoin(Assessment, Certificate.assessment_id == Assessment.id)
            .where(_day_range(Certificate.issued_on, from_year, year),
                   Certificate.status != CertificateStatus.reserved.value,
                   or_(competitions_of(scope), in_places(Assessment.jurisdiction, scope.places))))


# --- tables -------------------------------------------------------------------------------------------------


@dataclass
class TierRow:
    competitions: dict[int | None, int] = field(default_factory=dict)  # by category (None: 不分类)
    contestants: int = 0
    awards: dict[str, int] = field(default_factory=dict)  # by award kind
    approved: int = 0

    @property
    def competition_count(self) -> int:
        return sum(self.competitions.values())

    @property
    def award_count(self) -> int:
        return sum(self.awards.values())


def competitions_by_tier(scope: Scope, year: int) -> dict[str, TierRow]:
    """Per tier: competitions held by category, contestants (人次), awards by kind and how many approved."""
    rows: dict[str, TierRow] = defaultdict(TierRow)
    held = (select(Competition.tier, Competition.category, func.count(distinct(Competition.id)),
                   func.count(Result.id))
            .select_from(Competition).outerjoin(Result, Result.competition_id == Competition.id)
            .where(competitions_of(scope), Competition.year == year, Competition.status.in_(HELD))
            .group_by(Competition.tier, Competition.category))
    for tier, category, competitions, contestants in db.session.execute(held):
        rows[tier].competitions[category] = int(competitions)
        rows[tier].contestants += int(contestants)
    awards = (select(Competition.tier, Award.kind, func.count(Award.id),
                     func.sum(case((Award.status == AwardStatus.approved.value, 1), else_=0)))
              .join(Competition, Award.competition_id == Competition.id)
              .where(competitions_of(scope), Competition.year == year, Award.paid.is_(True))
              .group_by(Competition.tier, Award.kind))
    for tier, kind, count, approved in db.session.execute(awards):
        rows[tier].awards[kind] = int(count)
        rows[tier].approved += int(approved or 0)
    return dict(rows)


def competitions_by_month(scope: Scope, year: int) -> dict[int | None, int]:
    """Competitions held per month of their date (None: date not entered)."""
    month = func.extract("month", Competition.held_on)
    query = (select(month, func.count(Competition.id))
             .where(competitions_of(scope), Competition.year == year, Competition.status.in_(HELD))
             .group_by(month))
    return {int(m) if m is not None else None: int(n) for m, n in db.session.execute(query)}


@dataclass
class StudioRow:
    new: int = 0
    in_force: int = 0
    due: int = 0
    filed: int = 0
    late: int = 0
    accepted: int = 0
    excellent: int = 0


def studios_by_kind(scope: Scope, year: int, today: date) -> dict[tuple[str, str], StudioRow]:
    """Per (kind, level): new this year, in force, reports due and filed (late, accepted), rated 优秀."""
    rows: dict[tuple[str, str], StudioRow] = defaultdict(StudioRow)
    place = in_places(Studio.jurisdiction, scope.places)
    day = reference_day(year, today)
    first, last = date(year, 1, 1), date(year, 12, 31)
    studios = (select(Studio.kind, Studio.level,
                      func.sum(case((and_(Studio.established >= first, Studio.established <= last), 1), else_=0)),
                      func.sum(case((and_(Studio.established <= day, Studio.term_ends >= day,
                                          Studio.status != StudioStatus.revoked.value), 1), else_=0)),
                      # Subject to the year's report: as studios.queries.due_studios counts them.
                      func.sum(case((and_(Studio.established <= last, Studio.term_ends >= first,
                                          Studio.status == StudioStatus.active.value), 1), else_=0)))
               .where(place).group_by(Studio.kind, Studio.level))
    for kind, level, new, in_force, due in db.session.execute(studios):
        row = rows[(kind, level)]
        row.new, row.in_force, row.due = int(new or 0), int(in_force or 0), int(due or 0)
    reports = (select(Studio.kind, Studio.level, func.count(AnnualReport.id),
                      func.sum(case((AnnualReport.late.is_(True), 1), else_=0)),
                      func.sum(case((AnnualReport.status == "accepted", 1), else_=0)))
               .join(Studio, AnnualReport.studio_id == Studio.id)
               .where(place, AnnualReport.year == year, AnnualReport.first_submitted_at.is_not(None))
               .group_by(Studio.kind, Studio.level))
    for kind, level, filed, late, accepted in db.session.execute(reports):
        row = rows[(kind, level)]
        row.filed, row.late, row.accepted = int(filed), int(late or 0), int(accepted or 0)
    excellent = (select(Assessment.kind, Assessment.level, func.count(AssessmentResult.id))
                 .join(Assessment, AssessmentResult.assessment_id == Assessment.id)
                 .where(in_places(Assessment.jurisdiction, scope.places), Assessment.year == year,
                        Assessment.status == AssessmentStatus.published.value, AssessmentResult.grade == EXCELLENT)
                 .group_by(Assessment.kind, Assessment.level))
    for kind, level, count in db.session.execute(excellent):
        rows[(kind, level)].excellent = int(count)
    return {key: row for key, row in rows.items() if any(vars(row).values())}


def certificates_by_kind(scope: Scope, year: int) -> dict[str, tuple[int, int]]:
    """Per certificate kind: (valid, revoked) issued in the year."""
    query = (_certificates_query(scope, year, year)
             .with_only_columns(Certificate.kind,
                                func.sum(case((Certificate.status == CertificateStatus.valid.value, 1), else_=0)),
                                func.sum(case((Certificate.status != CertificateStatus.valid.value, 1), else_=0)))
             .group_by(Certificate.kind))
    return {kind: (int(valid or 0), int(revoked or 0)) for kind, valid, revoked in db.session.execute(query)}


# --- money -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoneyRow:
    """Sums of one group of payments. ``committed``: proposed and approved, not withheld by an
    overlap rule; ``approved``: of that, approved by staff (for studios: grant paid, assessment
    published); ``withheld``: what an overlap rule holds back (not committed)."""

    kind: str
    tier: str
    payee: str
    month: int | None
    committed: int
    approved: int
    withheld: int = 0


def _award_kind() -> ColumnElement:
    return case(*((Award.rule_key.like(f"{prefix}.%"), kind) for prefix, kind in RULE_PREFIX_KINDS.items()),
                else_="other")


def money_rows(scope: Scope, year: int, policies: Mapping[str, PolicyDocument]) -> list[MoneyRow]:
    """Every payment of the year in groups (kind, tier, payee, month): cash awards of the year's
    competitions (month of the competition), one-time grants of studios established in the year
    (month established), rewards of the year's assessments (no month: they are decided after
    the year, so they stand apart in the by-month view)."""
    rows: list[MoneyRow] = []
    amount = func.coalesce(Award.amount, 0)
    kind = _award_kind().label("money_kind")
    month = func.extract("month", Competition.held_on).label("month")
    awards = (select(kind, Competition.tier, Award.payee, month,
                     func.sum(case((Award.paid.is_(True), amount), else_=0)),
                     func.sum(case((and_(Award.paid.is_(True), Award.status == AwardStatus.approved.value), amount),
                                   else_=0)),
                     func.sum(case((Award.paid.is_(False), amount), else_=0)))
              .join(Competition, Award.competition_id == Competition.id)
              .where(competitions_of(scope), Competition.year == year, Award.kind == "cash")
              .group_by(kind, Competition.tier, Award.payee, month))
    for money_kind, tier, payee, held_month, committed, approved, withheld in db.session.execute(awards):
        rows.append(MoneyRow(money_kind, tier, payee, int(held_month) if held_month is not None else None,
                             int(committed or 0), int(approved or 0), int(withheld or 0)))
    rows.extend(_studio_grant_rows(scope, year, policies))
    rewards = (select(Assessment.level, func.sum(AssessmentResult.reward),
                      func.sum(case((Assessment.status == AssessmentStatus.published.value, AssessmentResult.reward),
                                    else_=0)))
               .join(Assessment, AssessmentResult.assessment_id == Assessment.id)
               .where(in_places(Assessment.jurisdiction, scope.places), Assessment.year == year)
               .group_by(Assessment.level))
    for level, committed, approved in db.session.execute(rewards):
        if committed:
            rows.append(MoneyRow("assessment_reward", level, "studio", None, int(committed or 0), int(approved or 0)))
    return rows


def _studio_grant_rows(scope: Scope, year: int, policies: Mapping[str, PolicyDocument]) -> list[MoneyRow]:
    paid = Studio.grant_paid_on.is_not(None)
    groups = (select(Studio.policy, Studio.kind, Studio.level, Studio.established, paid, func.count(Studio.id))
              .where(in_places(Studio.jurisdiction, scope.places), _day_range(Studio.established, year, year))
              .group_by(Studio.policy, Studio.kind, Studio.level, Studio.established, paid))
    sums: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for policy, kind, level, established, is_paid, count in db.session.execute(groups):
        if policy not in policies:
            continue
        facts = StudioFacts(id=0, name="", kind=kind, level=level, jurisdiction_policy=policy,
                            established=established, is_new=True)
        amount = sum(grant.amount for grant in grants_due(facts, policies)) * int(count)
        key = (level, established.month)
        sums[key][0] += amount
        sums[key][1] += amount if is_paid else 0
    return [MoneyRow("studio_grant", level, "studio", month, committed, approved)
            for (level, month), (committed, approved) in sorted(sums.items()) if committed]


def roll_up(rows: Iterable[MoneyRow], dimension: str) -> dict[object, tuple[int, int, int]]:
    """Sum the grouped money rows by one dimension: kind, tier, payee or month."""
    totals: dict[object, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        total = totals[getattr(row, dimension)]
        total[0] += row.committed
        total[1] += row.approved
        total[2] += row.withheld
    return {key: (c, a, w) for key, (c, a, w) in totals.items()}


def budgets(jurisdiction: str, year: int) -> dict[str, Budget]:
    return {row.category: row for row in db.session.scalars(
        select(Budget).where(Budget.jurisdiction == jurisdiction, Budget.year == year))}


# --- targets, quota contests, years ---------------------------------------------------------------------


def targets(jurisdiction: str, year: int) -> list[Target]:
    return list(db.session.scalars(select(Target).where(Target.jurisdiction == jurisdiction, Target.year == year)
                                   .order_by(Target.position, Target.id)))


def target_jurisdictions() -> list[str]:
    return list(db.session.scalars(select(Target.jurisdiction).distinct()))


def years_with_data() -> set[int]:
    years = set(db.session.scalars(select(Competition.year).distinct()))
    years |= set(db.session.scalars(select(Target.year).distinct()))
    years |= set(db.session.scalars(select(Budget.year).distinct()))
    years |= set(db.session.scalars(select(Assessment.year).distinct()))
    return years


def quota_contests(policy_code: str, scope: Scope, year: int) -> list[tuple[QuotaContest, Competition]]:
    """The year's competitions marked as selection contests under ``policy_code``'s quota table."""
    query = (select(QuotaContest, Competition).join(Competition, QuotaContest.competition_id == Competition.id)
             .where(QuotaContest.policy_code == policy_code, competitions_of(scope), Competition.year == year)
             .order_by(Competition.held_on.is_(None), Competition.held_on, Competition.id))
    return [(mark, competition) for mark, competition in db.session.execute(query)]


def quota_candidates(policy_code: str, scope: Scope, year: int) -> list[Competition]:
    """The year's competitions in scope not yet marked, provincial ones first."""
    marked = select(QuotaContest.competition_id).where(QuotaContest.policy_code == policy_code)
    return list(db.session.scalars(
        select(Competition).where(competitions_of(scope), Competition.year == year, Competition.id.not_in(marked))
        .order_by(Competition.tier != "provincial", Competition.name)))


def contestants_by_region(competition_ids: list[int]) -> dict[tuple[int, str], int]:
    """(competition id, region) → contestants: grouped by the ID number's address code in SQL,
    each of the few codes then named by ``regions.region_of``."""
    if not competition_ids:
        return {}
    code = func.substr(Result.id_number, 1, ADDRESS_CODE_LENGTH)
    query = (select(Result.competition_id, code, func.count(Result.id))
             .where(Result.competition_id.in_(competition_ids)).group_by(Result.competition_id, code))
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for competition_id, address_code, count in db.session.execute(query):
        counts[(competition_id, region_of(address_code))] += int(count)
    return dict(counts)


def finalized_result_count(policy_code: str, year: int) -> int:
    return int(db.session.scalar(
        select(func.count(Result.id)).join(Competition, Result.competition_id == Competition.id)
        .where(Competition.policy == policy_code, Competition.year == year,
               Competition.status.in_(FINALIZED))) or 0)
