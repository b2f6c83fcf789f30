"""Writes on competitions: registry, results (one path for web table, upload and API), sign-off,
awards on finalize, public notice. Views stay thin and call these; the request commits once.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import func, insert, select

from bureau.accounts.models import User
from bureau.audit.recorder import bulk_delete, explain, record_bulk_insert
from bureau.calendar import operations as calendar
from bureau.db import db, utcnow
from bureau.errors import Conflict, Invalid, Problem
from bureau.policies import load_policies
from bureau.policies.model import SKILL_LEVELS, PrizeBand
from bureau.text import N_
from competition import awards as policy_engine
from competition.models import (GROUPS, TIERS, Award, Competition, NoticeStatus, Objection, PublicNotice, Result,
                                ResultUpload, Status)
from competition.ranking import medal_rank_issues, rank_results
from competition.spreadsheet import read_results_upload, validate_upload
from competition.validation import Issue, validate_results

DEFAULT_NOTICE_WORKING_DAYS = 5
HIGHEST_PROMOTION = "高级技师"  # Xiamen: promotion "最高可晋升至高级技师"


# --- the registry --------------------------------------------------------------------------------


def _decimal(value, field: str, low: Decimal, high: Decimal, problems: list[Problem]) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.append(Problem(field, N_("必须是数字")))
        return None
    if not number.is_finite() or not low <= number <= high:
        problems.append(Problem(field, N_("必须在%(low)s到%(high)s之间"), {"low": str(low), "high": str(high)}))
        return None
    return number


def _rank_bands(value, field: str, payload_key: str, problems: list[Problem]) -> list[dict]:
    """A per-competition table: ``[{"from_rank", "to_rank", payload_key}]``, ranks positive, ordered."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        problems.append(Problem(field, N_("必须是列表")))
        return []
    bands = []
    for index, band in enumerate(value, start=1):
        if not isinstance(band, Mapping):
            problems.append(Problem(field, N_("第%(index)d项格式错误"), {"index": index}, row=index))
            continue
        try:
            low, high = int(band.get("from_rank")), int(band.get("to_rank"))
        except (TypeError, ValueError):
            problems.append(Problem(field, N_("第%(index)d项的名次必须是整数"), {"index": index}, row=index))
            continue
        if not 1 <= low <= high:
            problems.append(Problem(field, N_("第%(index)d项的名次范围无效"), {"index": index}, row=index))
            continue
        payload = band.get(payload_key)
        if payload_key == "level" and payload not in SKILL_LEVELS[:SKILL_LEVELS.index(HIGHEST_PROMOTION) + 1]:
            problems.append(Problem(field, N_("第%(index)d项的等级必须是职业技能等级，且不高于高级技师"),
                                    {"index": index}, row=index))
            continue
        if payload_key == "amount":
            if isinstance(payload, bool) or not isinstance(payload, int) or payload <= 0:
                problems.append(Problem(field, N_("第%(index)d项的金额必须是正整数（元）"), {"index": index}, row=index))
                continue
        bands.append({"from_rank": low, "to_rank": high, payload_key: payload})
    ordered = sorted(bands, key=lambda band: band["from_rank"])
    for before, after in zip(ordered, ordered[1:]):
        if after["from_rank"] <= before["to_rank"]:
            problems.append(Problem(field, N_("名次范围有重叠")))
            break
    return ordered


def parse_competition(data: Mapping, *, partial_of: Competition | None = None) -> dict:
    """Checked competition fields from API JSON or a form; every problem reported at once."""
    current = {} if partial_of is None else competition_fields(partial_of)
    merged = {**current, **{key: value for key, value in data.items() if key in COMPETITION_FIELDS}}
    problems: list[Problem] = []
    name = str(merged.get("name") or "").strip()
    if not name or len(name) > 200:
        problems.append(Problem("name", N_("请填写竞赛名称（不超过200字）")))
    tier = merged.get("tier")
    if tier not in TIERS:
        problems.append(Problem("tier", N_("级别必须是 world、national、provincial、city 或 county 之一")))
    category = merged.get("category")
    if category in ("", None):
        category = None
    else:
        try:
            category = int(category)
        except (TypeError, ValueError):
            category = -1
    if tier == "world" and category is not None:
        problems.append(Problem("category", N_("世界技能大赛不分一类、二类")))
    elif tier in ("national", "provincial", "city") and category not in (1, 2) and not merged.get("national_games"):
        problems.append(Problem("category", N_("国家级、省级、市级竞赛须注明一类或二类")))
    elif category not in (None, 1, 2):
        problems.append(Problem("category", N_("类别必须是1（一类）或2（二类）")))
    try:
        year = int(merged.get("year"))
        if not 2000 <= year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(Problem("year", N_("年度必须是2000至2100之间的年份")))
        year = None
    held_on = merged.get("held_on") or None
    if isinstance(held_on, str):
        try:
            held_on = date.fromisoformat(held_on)
        except ValueError:
            problems.append(Problem("held_on", N_("日期格式应为 YYYY-MM-DD")))
            held_on = None
    group = merged.get("group") or None
    if group not in (None, *GROUPS):
        problems.append(Problem("group", N_("组别必须是 worker（职工组）或 student（学生组）")))
    policy = merged.get("policy")
    if policy not in load_policies():
        problems.append(Problem("policy", N_("未知的政策文件代码：%(code)s"), {"code": str(policy)}))
    theory_weight = _decimal(merged.get("theory_weight", "0.3"), "theory_weight", Decimal(0), Decimal(1), problems)
    pass_mark = _decimal(merged.get("pass_mark", 60), "pass_mark", Decimal(0), Decimal(100), problems)
    promotions = _rank_bands(merged.get("promotions"), "promotions", "level", problems)
    prizes = _rank_bands(merged.get("prizes"), "prizes", "amount", problems)
    if problems:
        raise Invalid(problems)
    return {
        "name": name, "tier": tier, "category": category, "occupation": str(merged.get("occupation") or "")[:100],
        "year": year, "held_on": held_on, "entry_group": group, "policy": policy,
        "practical_only": _flag(merged.get("practical_only")), "national_games": _flag(merged.get("national_games")),
        "theory_weight": theory_weight, "pass_mark": pass_mark, "promotions": promotions, "prizes": prizes,
        "organiser_name": str(merged.get("organiser_name") or "")[:200],
    }


COMPETITION_FIELDS = ("name", "tier", "category", "occupation", "year", "held_on", "group", "policy",
                      "practical_only", "national_games", "theory_weight", "pass_mark", "promotions", "prizes",
                      "organiser_name")


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "y", "yes", "on", "是")
    return bool(value)


def competition_fields(competition: Competition) -> dict:
    return {"name": competition.name, "tier": competition.tier, "category": competition.category,
            "occupation": competition.occupation, "year": competition.year, "held_on": competition.held_on,
            "group": competition.entry_group, "policy": competition.policy,
            "practical_only": competition.practical_only, "national_games": competition.national_games,
            "theory_weight": competition.theory_weight, "pass_mark": competition.pass_mark,
            "promotions": competition.promotions, "prizes": competition.prizes,
            "organiser_name": competition.organiser_name}


def create_competition(data: Mapping, owner: User) -> Competition:
    fields = parse_competition(data)
    fields["organiser_name"] = fields["organiser_name"] or owner.organisation or owner.display_name
    competition = Competition(owner=owner, **fields)
    db.session.add(competition)
    db.session.flush()
    return competition


def check_version(competition: Competition, expected_version) -> None:
    """Refuse a write prepared against an older state of the competition (someone saved first)."""
    if expected_version is None:
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        expected = -1
    if expected != competition.version:
        raise Conflict(N_("保存失败：该竞赛的数据已被他人修改（当前版本 %(current)d，您的版本 %(yours)s），请刷新后重试。"),
                       current=competition.version, yours=str(expected_version))


def _require_editable(competition: Competition) -> None:
    if competition.locked:
        raise Conflict(N_("成绩已确认锁定；如需修改，请由人社局工作人员填写理由后重新开放。"))


def update_competition(competition: Competition, data: Mapping, expected_version=None) -> Competition:
    check_version(competition, expected_version)
    _require_editable(competition)
    for key, value in parse_competition(data, partial_of=competition).items():
        setattr(competition, key, value)
    if competition.results:
        _rank_and_store(competition, [_raw_from_result(result) for result in competition.results])
    return competition


# --- results -------------------------------------------------------------------------------------


def _problems_from_issues(issues: Sequence[Issue]) -> list[Problem]:
    return [Problem(issue.field, issue.message_template, dict(issue.params), row=issue.row, column=issue.column)
            for issue in issues]


def _raw_from_result(result: Result) -> dict:
    return {"name": result.name, "id_number": result.id_number, "employer": result.employer, "local": result.local,
            "group": result.entry_group, "team": result.team, "theory": result.theory,
            "practical": result.practical, "total": result.total_given,
            "rank": result.rank if result.rank_given else None, "medal": None if result.medal_derived else result.medal,
            "base": result.base_id}


NUMERIC_RESULT_FIELDS = ("theory", "practical", "total_given", "total")

# Competition training bases (竞赛集训基地) are registered in ``studios``, a floor above this one,
# which provides the lookup: policy code -> ids of that policy's registered, active bases. Until it
# does, no base is known and a result naming one is refused.
_training_bases: Callable[[str], Iterable[int]] = lambda policy: ()


def provide_training_bases(lookup: Callable[[str], Iterable[int]]) -> None:
    global _training_bases
    _training_bases = lookup


def training_bases(competition: Competition) -> frozenset[int]:
    """The bases this competition's results may name: its policy's base subsidy is paid to them."""
    return frozenset(_training_bases(competition.policy))


def ranked_rows(competition: Competition, inputs: Sequence, *, column_names=None) -> list[dict]:
    """Rank validated results; the column values of each result row, in input order.

    Raises Invalid when given medals contradict the computed places.
    """
    ranked = rank_results(inputs, theory_weight=competition.theory_weight, practical_only=competition.practical_only,
                          pass_mark=competition.pass_mark, national_games=competition.national_games)
    if not competition.national_games and any(r.result.medal for r in ranked):
        issues = medal_rank_issues(ranked, column_names=column_names)
        if issues:
            raise Invalid(_problems_from_issues(issues))
    return [{"position": position, "id_number": entry.result.id_number, "name": entry.result.name,
             "employer": entry.result.employer, "local": entry.result.local,
             "entry_group": entry.result.group or competition.entry_group, "team": entry.result.team,
             "theory": entry.result.theory, "practical": entry.result.practical,
             "total_given": entry.result.total_given, "total": entry.total, "rank": entry.rank,
             "rank_given": entry.result.rank is not None, "medal": entry.medal, "medal_derived": entry.medal_derived,
             "passed": entry.passed, "base_id": entry.result.base_id} for position, entry in enumerate(ranked)]


def _rank_and_store(competition: Competition, raw_rows: Sequence[Mapping]) -> list[Result]:
    inputs, issues = validate_results(list(raw_rows), practical_only=competition.practical_only,
                                      bases=training_bases(competition))
    if issues:
        raise Invalid(_problems_from_issues(issues))
    return _store_rows(competition, ranked_rows(competition, inputs))


def _store_rows(competition: Competition, rows: Sequence[dict], summary: str = "") -> list[Result]:
    """Make the competition's results exactly ``rows`` (ranked column values); ``summary`` says why."""
    if summary:
        explain(db.session, summary)
    # Sync by ID number, so the audit log shows what really changed rather than a delete of all.
    existing = {result.id_number: result for result in competition.results}
    kept, new_rows = set(), []
    for values in rows:
        kept.add(values["id_number"])
        result = existing.get(values["id_number"])
        if result is None:
            new_rows.append({"competition_id": competition.id, "version": 1, **values})
            continue
        for key, value in values.items():
            if getattr(result, key) != value:
                setattr(result, key, value)
    for id_number, result in existing.items():
        if id_number not in kept:
            competition.results.remove(result)
    competition.results_changed_at = utcnow()
    competition.status = Status.results_entered.value if kept else Status.draft.value
    db.session.flush()
    if new_rows:
        # New rows go in bulk: building 10,000 ORM objects costs more than the rest of an import.
        db.session.execute(insert(Result), new_rows)
        # Ids read back in one query: RETURNING in parameter order is quadratic in SQLAlchemy here.
        ids = dict(db.session.execute(select(Result.id_number, Result.id).where(
            Result.competition_id == competition.id)).all())
        record_bulk_insert(db.session, Result, [dict(row, id=ids[row["id_number"]]) for row in new_rows], summary)
        db.session.expire(competition, ["results"])
    return list(competition.results)


def replace_results(competition: Competition, raw_rows: Sequence[Mapping], *, expected_version=None) -> list[Result]:
    """Replace all results of ``competition`` atomically: all rows valid and stored, or nothing."""
    check_version(competition, expected_version)
    _require_editable(competition)
    return _rank_and_store(competition, raw_rows)


def save_result(competition: Competition, raw_row: Mapping, *, expected_version, result: Result | None = None):
    """Add one result (``result`` None) or change one, re-ranking the whole competition."""
    rows = [_raw_from_result(other) for other in competition.results if other is not result]
    position = competition.results.index(result) if result is not None else len(rows)
    rows.insert(position, dict(raw_row))
    try:
        return replace_results(competition, rows, expected_version=expected_version)
    except Invalid as error:
        # Only this row's problems make sense on a one-row form; report them without a row number.
        own = [Problem(p.field, p.message_template, p.params) for p in error.problems if p.row in (None, position + 1)]
        raise Invalid(own or error.problems) from None


def delete_result(competition: Competition, result: Result, *, expected_version) -> None:
    rows = [_raw_from_result(other) for other in competition.results if other is not result]
    replace_results(competition, rows, expected_version=expected_version)


# --- uploads: parse, preview, confirm ------------------------------------------------------------


def _json_cell(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date,)):
        return value.isoformat()
    return value


def stage_upload(competition: Competition, uploader: User, filename: str, data: bytes):
    """Parse, check and rank an upload; keep the ranked rows for confirmation.

    Returns (upload or None, parsed file, problems). Nothing reaches the results before the
    organiser has seen the preview and confirmed; what is confirmed is exactly what was previewed.
    """
    _require_editable(competition)
    parsed = read_results_upload(filename, data)
    if parsed.fatal is not None:
        return None, parsed, []
    inputs, issues = validate_upload(parsed, practical_only=competition.practical_only,
                                     bases=training_bases(competition))
    if issues:
        return None, parsed, _problems_from_issues(issues)
    try:
        rows = ranked_rows(competition, inputs, column_names=parsed.column_names)
    except Invalid as error:
        return None, parsed, error.problems
    upload = ResultUpload(token=secrets.token_urlsafe(32), competition_id=competition.id, uploaded_by=uploader.id,
                          filename=filename[:255], competition_version=competition.version,
                          rows=[{key: _json_cell(value) for key, value in row.items()} for row in rows])
    db.session.add(upload)
    db.session.flush()
    return upload, parsed, []


def staged_upload_keep_hours() -> int:
    """Hours a staged upload (every row, whole ID numbers included) waits for confirmation."""
    return max(1, int(current_app.config["STAGED_UPLOAD_KEEP_HOURS"]))


def confirm_upload(competition: Competition, token: str) -> list[Result]:
    upload = db.session.scalar(select(ResultUpload).where(ResultUpload.token == token,
                                                          ResultUpload.competition_id == competition.id))
    if upload is None:
        raise Conflict(N_("该上传预览已失效或已保存，请重新上传文件。"))
    hours = staged_upload_keep_hours()
    if upload.created_at < utcnow() - timedelta(hours=hours):
        # Refused from the moment it expires, whenever the job that deletes it runs.
        raise Conflict(N_("该上传预览已超过 %(hours)d 小时未确认，已失效，请重新上传文件。"), hours=hours)
    # The rows were ranked against this version of the competition; any change since refuses them.
    check_version(competition, upload.competition_version)
    _require_editable(competition)
    if not {row["base_id"] for row in upload.rows if row["base_id"] is not None} <= training_bases(competition):
        raise Conflict(N_("预览后有集训基地已不再有效（到期、摘牌或已修改），请重新上传文件。"))
    rows = [{key: (Decimal(value) if key in NUMERIC_RESULT_FIELDS and value is not None else value)
             for key, value in row.items()} for row in upload.rows]
    results = _store_rows(competition, rows, summary=f"上传文件：{upload.filename}")
    db.session.delete(upload)
    return results


# --- sign-off and awards -------------------------------------------------------------------------


def competition_facts(competition: Competition) -> policy_engine.CompetitionFacts:
    return policy_engine.CompetitionFacts(
        id=competition.id, name=competition.name, tier=competition.tier, category=competition.category,
        year=competition.year, held_on=competition.held_on, policy=competition.policy,
        practical_only=competition.practical_only, national_games=competition.national_games,
        promotions=[policy_engine.PromotionBand(b["from_rank"], b["to_rank"], b["level"]) for b in competition.promotions],
        prizes=[PrizeBand(b["from_rank"], b["to_rank"], b["amount"]) for b in competition.prizes],
        organiser_name=competition.organiser_name)


def result_facts(result: Result) -> policy_engine.ResultFacts:
    return policy_engine.ResultFacts(
        result_id=result.id, name=result.name, id_number=result.id_number, employer=result.employer,
        local=result.local, team=result.team, group=result.entry_group, rank=result.rank, medal=result.medal,
        passed=result.passed, base_id=result.base_id)


def award_history(competition: Competition) -> list[policy_engine.PriorAward]:
    """Earlier paid awards of this competition's people, for the overlap rules."""
    id_numbers = [result.id_number for result in competition.results]
    if not id_numbers:
        return []
    rows = db.session.scalars(select(Award).where(
        Award.id_number.in_(id_numbers), Award.competition_id != competition.id, Award.paid.is_(True),
        Award.series.is_not(None))).all()
    return [policy_engine.PriorAward(id_number=row.id_number, policy=row.policy, series=row.series,
                                     amount=row.table_amount if row.table_amount is not None else row.amount or 0,
                                     awarded_on=row.awarded_on, achievement=row.achievement) for row in rows]


def compute_awards(competition: Competition) -> list[Award]:
    policy = load_policies()[competition.policy]
    proposed = policy_engine.convert_competition(
        competition_facts(competition), [result_facts(r) for r in competition.results], policy,
        award_history(competition))
    bulk_delete(db.session, Award, Award.competition_id == competition.id)
    stored = []
    for award in proposed:
        stored.append(Award(
            competition_id=competition.id, result_id=award.result_id, name=award.name, id_number=award.id_number,
            kind=award.kind, level=award.level, title=award.title, amount=award.amount,
            table_amount=award.table_amount, payee=award.payee, policy=award.policy, clause=award.clause,
            rule=award.rule, rule_key=award.rule_key, series=award.series, paid=award.paid, reason=award.reason,
            note=award.note, needs_review=award.needs_review, team=award.team, base_id=award.base_id,
            awarded_on=award.awarded_on, achievement=award.achievement))
    db.session.add_all(stored)
    db.session.flush()
    return stored


def finalize(competition: Competition, *, expected_version=None) -> list[Award]:
    """Bureau staff sign the results off: they lock, and the policy engine proposes the awards."""
    check_version(competition, expected_version)
    if competition.locked:
        raise Conflict(N_("该竞赛的成绩已确认，不能重复确认。"))
    if not competition.results:
        raise Conflict(N_("尚未录入成绩，不能确认。"))
    competition.status = Status.finalized.value
    competition.finalized_at = utcnow()
    return compute_awards(competition)


def reopen(competition: Competition, reason: str, *, expected_version=None) -> None:
    """Unlock finalized results; the reason is required and lands in the audit log."""
    check_version(competition, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid([Problem("reason", N_("重新开放须填写理由"))])
    if not competition.locked:
        raise Conflict(N_("该竞赛的成绩尚未确认，无需重新开放。"))
    if competition.notice is not None and competition.notice.status == NoticeStatus.final.value:
        raise Conflict(N_("公示已结束并生效，不能重新开放。"))
    explain(db.session, f"重新开放：{reason}")
    bulk_delete(db.session, Award, Award.competition_id == competition.id)
    if competition.notice is not None:
        competition.notice.status = NoticeStatus.withdrawn.value
    competition.status = Status.results_entered.value
    competition.finalized_at = None


def valid_certificates_count(competition: Competition) -> int:
    """Certificates already issued for this competition's awards and not revoked."""
    from bureau.certificates.models import Certificate

    return db.session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.competition_id == competition.id, Certificate.status == "valid")) or 0


# --- public notice -------------------------------------------------------------------------------


def publish_notice(competition: Competition, *, starts_on: date, working_days: int = DEFAULT_NOTICE_WORKING_DAYS,
                   ends_on: date | None = None, contact: str = "") -> PublicNotice:
    if competition.status != Status.finalized.value:
        raise Conflict(N_("只有已确认成绩的竞赛才能发布公示。"))
    if not 1 <= working_days <= 30:
        raise Invalid([Problem("working_days", N_("公示期须为1至30个工作日"))])
    # Working days by the bureau's calendar: weekends, public holidays and 调休 (bureau.calendar).
    ends_on = ends_on or calendar.add_working_days(starts_on, working_days)
    if ends_on < starts_on:
        raise Invalid([Problem("ends_on", N_("公示结束日期不能早于开始日期"))])
    notice = competition.notice
    if notice is None:
        notice = PublicNotice(competition=competition, starts_on=starts_on, ends_on=ends_on, contact=contact)
        db.session.add(notice)
    else:  # republished after a reopening
        notice.starts_on, notice.ends_on, notice.contact = starts_on, ends_on, contact
        notice.status, notice.finalised_at = NoticeStatus.open.value, None
    competition.status = Status.published.value
    db.session.flush()
    return notice


def record_objection(notice: PublicNotice, *, objector: str, subject: str, evidence: str = "",
                     received_on: date) -> Objection:
    problems = []
    if not objector.strip():
        problems.append(Problem("objector", N_("请填写异议人")))
    if not subject.strip():
        problems.append(Problem("subject", N_("请填写异议内容")))
    if problems:
        raise Invalid(problems)
    if notice.status != NoticeStatus.open.value:
        raise Conflict(N_("公示已结束，不能再登记异议。"))
    objection = Objection(notice=notice, objector=objector.strip()[:100], subject=subject.strip(),
                          evidence=evidence.strip(), received_on=received_on)
    db.session.add(objection)
    db.session.flush()
    return objection


def decide_objection(objection: Objection, *, status: str, decision: str, expected_version=None) -> None:
    if expected_version is not None and int(expected_version) != objection.version:
        raise Conflict(N_("该异议已被他人处理，请刷新后查看。"))
    if status not in ("upheld", "dismissed"):
        raise Invalid([Problem("status", N_("处理结果必须是“成立”或“不成立”"))])
    if not decision.strip():
        raise Invalid([Problem("decision", N_("请填写处理意见"))])
    objection.status, objection.decision, objection.decided_at = status, decision.strip(), utcnow()


def close_notice_if_due(notice: PublicNotice, today: date) -> bool:
    """After the period ends with no open objection the list becomes final. True when it did."""
    if notice.status != NoticeStatus.open.value or today <= notice.ends_on:
        return False
    if any(objection.status == "open" for objection in notice.objections):
        return False
    notice.status, notice.finalised_at = NoticeStatus.final.value, utcnow()
    return True
