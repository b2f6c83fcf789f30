"""Reads for the studio pages and API: who sees which studio, grants, linked competition results."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from sqlalchemy import Select, select

from bureau.accounts.models import User
from bureau.db import db
from bureau.policies import load_policies
from competition import operations as competition_operations
from competition.models import Competition, Result
from competition.models import Status as CompetitionStatus
from studios.grants import Grant, StudioFacts, grants_due
from studios.models import (
    AnnualReport,
    Assessment,
    AssessmentResult,
    AssessmentStatus,
    ReportStatus,
    ReportWindow,
    Studio,
    StudioStatus,
)
from studios.report import id_numbers_in

STUDIO_FILTERS = ("kind", "level", "jurisdiction", "status")


def owns_studio(user: User, view_args: dict) -> bool:
    """Ownership rule for ``@allow``: the studio's lead (staff pass every ownership check)."""
    studio_id = view_args.get("studio_id")
    return studio_id is not None and db.session.scalar(select(Studio.lead_id).where(Studio.id == studio_id)) == user.id


def visible_studios(user: User, filters: Mapping[str, str] | None = None) -> Select:
    """Studios ``user`` may see (staff: all; a lead: their own), narrowed by ``filters``."""
    query = select(Studio).order_by(Studio.kind, Studio.level, Studio.name)
    if not user.is_admin:
        query = query.where(Studio.lead_id == user.id)
    for key, value in (filters or {}).items():
        if key in STUDIO_FILTERS and value:
            query = query.where(getattr(Studio, key) == value)
    if filters and (text := (filters.get("q") or "").strip()):
        query = query.where(Studio.name.contains(text))
    return query


def jurisdictions() -> list[str]:
    return list(db.session.scalars(select(Studio.jurisdiction).distinct().order_by(Studio.jurisdiction)))


def competition_bases(policy: str) -> list[int]:
    """Ids of the registered, active competition training bases (竞赛集训基地) under ``policy``:
    the only bases a competition of that policy may name in its results (its base subsidy pays them)."""
    return list(db.session.scalars(select(Studio.id).where(
        Studio.kind == "competition_base", Studio.status == StudioStatus.active.value, Studio.policy == policy)))


competition_operations.provide_training_bases(competition_bases)


def studio_facts(studio: Studio, *, assume_new: bool | None = None) -> StudioFacts:
    is_new = studio.grant_paid_on is None if assume_new is None else assume_new
    return StudioFacts(id=studio.id, name=studio.name, kind=studio.kind, level=studio.level,
                       jurisdiction_policy=studio.policy, established=studio.established, is_new=is_new)


def grants_for(studio: Studio) -> list[Grant]:
    """One-time grants still due (none once the grant has been paid)."""
    return grants_due(studio_facts(studio), load_policies())


def grant_register(studios: Iterable[Studio]) -> list[tuple[Studio, Grant]]:
    """Every studio's one-time grants under its document, paid or not (paid ones are listed as
    the grant they received), for the register."""
    policies = load_policies()
    return [(studio, grant) for studio in studios for grant in grants_due(studio_facts(studio, assume_new=True), policies)]


def _report_query(studio_id: int, year: int) -> Select:
    return select(AnnualReport).where(AnnualReport.studio_id == studio_id, AnnualReport.year == year)


def find_report(studio_id: int, year: int) -> AnnualReport | None:
    return db.session.scalar(_report_query(studio_id, year))


def report_or_404(studio_id: int, year: int) -> AnnualReport:
    """The report, for pages and API calls about it (404 when the year has none)."""
    return db.first_or_404(_report_query(studio_id, year))


def report_window(year: int) -> ReportWindow | None:
    return db.session.scalar(select(ReportWindow).where(ReportWindow.year == year))


def reports_by_studio(year: int, studio_ids: list[int]) -> dict[int, AnnualReport]:
    reports = db.session.scalars(select(AnnualReport).where(AnnualReport.year == year,
                                                            AnnualReport.studio_id.in_(studio_ids)))
    return {report.studio_id: report for report in reports}


def due_studios(year: int, kind: str, level: str, jurisdiction: str) -> list[Studio]:
    """Studios subject to the assessment: of this kind, level and jurisdiction, active (not
    revoked or marked expired), and recognised for at least part of ``year`` — established by its
    end and with a term not over before it began. A studio that did not exist that year, or whose
    term had lapsed, is not assessed."""
    return list(db.session.scalars(
        select(Studio).where(Studio.kind == kind, Studio.level == level, Studio.jurisdiction == jurisdiction,
                             Studio.status == StudioStatus.active.value,
                             Studio.established <= dt.date(year, 12, 31),
                             Studio.term_ends >= dt.date(year, 1, 1)).order_by(Studio.id)))


def find_assessment(year: int, kind: str, level: str, jurisdiction: str) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(Assessment.year == year, Assessment.kind == kind,
                                                      Assessment.level == level,
                                                      Assessment.jurisdiction == jurisdiction))


def published_assessment_covers(report: AnnualReport) -> bool:
    return db.session.scalar(
        select(AssessmentResult.id).join(Assessment)
        .where(Assessment.year == report.year, Assessment.status == AssessmentStatus.published.value,
               AssessmentResult.studio_id == report.studio_id)) is not None


def scores_across_years(studio: Studio) -> list[tuple[int, Decimal]]:
    """The studio's total score each year it had an accepted, scored report."""
    rows = db.session.execute(
        select(AnnualReport.year, AnnualReport.score)
        .where(AnnualReport.studio_id == studio.id, AnnualReport.status == ReportStatus.accepted.value,
               AnnualReport.score.is_not(None)).order_by(AnnualReport.year))
    return [(year, score) for year, score in rows]


def studio_assessment_results(studio: Studio, *, published_only: bool) -> list[AssessmentResult]:
    query = (select(AssessmentResult).join(Assessment).where(AssessmentResult.studio_id == studio.id)
             .order_by(Assessment.year.desc()))
    if published_only:
        query = query.where(Assessment.status == AssessmentStatus.published.value)
    return list(db.session.scalars(query))


def linked_competition_results(viewer: User, content: Mapping | None) -> dict[str, list[Result]] | None:
    """Signed-off competition results of the report's apprentices, by ID number, for staff
    checking the awards a report claims (draft results are not official, so they are left out);
    ``None`` for anyone else.

    A studio lead types any ID number and name into the report. Telling the lead anything about
    the match, the results or merely "matched / not matched", would let a lead unmask the ID
    numbers of a public notice (3303**********0013) by trying the few candidates that fit the mask
    and the check digit. So only staff, who review the report, see the link."""
    if not viewer.is_admin:
        return None
    wanted = sorted(id_numbers_in(content or {}))
    if not wanted:
        return {}
    rows = db.session.scalars(
        select(Result).join(Competition)
        .where(Result.id_number.in_(wanted),
               Competition.status.in_((CompetitionStatus.finalized.value, CompetitionStatus.published.value)))
        .order_by(Competition.year.desc(), Competition.id))
    found: dict[str, list[Result]] = {}
    for result in rows:
        found.setdefault(result.id_number, []).append(result)
    return found
