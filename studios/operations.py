"""Writes on studios, annual reports, report windows and assessments, shared by pages and API.

Nothing here commits: a web request commits in one place (``bureau.app``), the CLI and the demo
loader in ``bureau.db.transaction``. Refusals are ``Invalid`` (422, naming each field) or
``Conflict`` (409: a stale version or a state that does not allow the step).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bureau import divisions
from bureau.accounts.models import Role, User
from bureau.audit.recorder import explain
from bureau.clock import local_today
from bureau.db import db, insert_unless_taken, utcnow
from bureau.errors import Conflict, Invalid, Problem, check_version
from bureau.policies import load_policies
from bureau.text import N_
from studios import queries
from studios.assessment import (
    DEFAULT_EXCELLENT_RATIO,
    DEFAULT_PASS_SCORE,
    AssessmentEntry,
    AssessmentError,
    AssessmentOutcome,
    Grade,
    assess,
    resolve_tie,
)
from studios.assessment import AssessmentResult as OutcomeRow
from studios.attachments import AttachmentRefused, check_attachment
from studios.models import (
    KIND_LABELS,
    LEVEL_LABELS,
    AnnualReport,
    Assessment,
    AssessmentResult,
    AssessmentStatus,
    ReportAttachment,
    ReportStatus,
    ReportWindow,
    Studio,
    StudioStatus,
)
from studios.report import clean_content, empty_content
from studios.rubrics import load_rubric, validate_item_scores
from studios.terms import DEFAULT_TERM_YEARS, term_end

EARLIEST_YEAR = 2000
DEFAULT_NOTICE_DAYS = 7  # 公示 typically 5 working days: a calendar week
# The version a form carries when it was opened before the report existed (see check_version).
NO_REPORT_YET = 0


# --- studios ---------------------------------------------------------------------------------------


def create_studio(raw: Mapping) -> Studio:
    studio = Studio(**_studio_values(raw, None))
    db.session.add(studio)
    db.session.flush()
    return studio


def update_studio(studio: Studio, raw: Mapping, *, version=None) -> Studio:
    check_version(studio, version)
    values = _studio_values(raw, studio)
    reason = values.get("revoked_reason")
    if values.get("status") == StudioStatus.revoked.value and studio.status != StudioStatus.revoked.value:
        explain(db.session, f"摘牌：{reason}")
    for key, value in values.items():
        setattr(studio, key, value)
    db.session.flush()
    return studio


def _studio_values(raw: Mapping, studio: Studio | None) -> dict:
    """Checked column values for a new (``studio`` None) or edited studio; every problem at once."""
    problems: list[Problem] = []

    def text(key: str, limit: int, *, required: bool = False) -> str:
        value = str(raw.get(key) or "").strip()
        if required and not value:
            problems.append(Problem(key, N_("请填写此项")))
        elif len(value) > limit:
            problems.append(Problem(key, N_("不能超过%(max)s个字"), {"max": limit}))
        return value

    name = text("name", 200, required=True)
    if name:
        same_name = select(Studio.id).where(Studio.name == name)
        if studio is not None:
            same_name = same_name.where(Studio.id != studio.id)
        if db.session.scalar(same_name) is not None:
            problems.append(Problem("name", N_("已有同名的工作室或基地")))
    kind = str(raw.get("kind") or "")
    if kind not in KIND_LABELS:
        problems.append(Problem("kind", N_("类型应为%(choices)s之一"), {"choices": ", ".join(KIND_LABELS)}))
    level = str(raw.get("level") or "")
    if level not in LEVEL_LABELS:
        problems.append(Problem("level", N_("级别应为%(choices)s之一"), {"choices": ", ".join(LEVEL_LABELS)}))
    jurisdiction = text("jurisdiction", 100, required=True)
    lead = _lead_user(raw.get("lead"), problems)
    established = _date(raw.get("established"), "established", problems, required=True)
    if established and established > local_today():
        problems.append(Problem("established", N_("认定日期不能晚于今天")))
    policy = _policy(raw.get("policy"), jurisdiction, studio, problems)
    term_years = _whole(raw.get("term_years"), DEFAULT_TERM_YEARS)
    if term_years is None or not 1 <= term_years <= 20:
        problems.append(Problem("term_years", N_("认定期限应为1到20年")))
    status = str(raw.get("status") or (studio.status if studio else StudioStatus.active.value))
    if status not in {s.value for s in StudioStatus}:
        problems.append(Problem("status", N_("状态应为 active、expired 或 revoked")))
    revoked_reason = text("revoked_reason", 2000)
    if status == StudioStatus.revoked.value and not revoked_reason:
        problems.append(Problem("revoked_reason", N_("摘牌须写明原因")))
    grant_paid_on = _date(raw.get("grant_paid_on"), "grant_paid_on", problems)
    values = {"name": name, "kind": kind, "level": level, "jurisdiction": jurisdiction, "policy": policy,
              "occupation": text("occupation", 100), "host_employer": text("host_employer", 200),
              "established": established, "term_years": term_years, "status": status,
              "revoked_reason": revoked_reason if status == StudioStatus.revoked.value else "",
              "grant_paid_on": grant_paid_on}
    if problems:
        raise Invalid(problems)
    values["lead_id"] = lead.id
    values["term_ends"] = term_end(established, term_years)
    return values


def _policy(given, jurisdiction: str, studio: Studio | None, problems: list[Problem]) -> str:
    """The studio's policy document: the one given, else the one whose jurisdiction contains the
    studio's, the nearest up the division table (瑞安市, 鹿城区 and 温州市瑞安市 all find 温州市's;
    福州市鼓楼区 finds 福建省's), else the bureau's own (``DEFAULT_POLICY``).

    Reading chosen for the jurisdiction, as a clerk registering a studio would: it must name one
    division of the table — a name several places share (鼓楼区) is refused listing them, and a
    name that is none (a typo such as 温州布) is refused too, rather than silently falling back to
    the bureau's policy and leaving the studio out of its place's assessment. A place that is
    found but that no document covers (杭州市) takes ``DEFAULT_POLICY``. A studio edited without
    changing its jurisdiction and with its policy given is not checked again, so a record made
    before this rule stays editable."""
    policies = load_policies()
    code = str(given or "").strip()
    changed = studio is None or jurisdiction != studio.jurisdiction
    place = _division(jurisdiction, problems) if jurisdiction and (changed or not code) else None
    if not code and place is not None:
        nearest = divisions.covering(place, {key: document.jurisdiction for key, document in policies.items()})
        if len(nearest) > 1:
            problems.append(Problem("policy", N_("%(place)s有多份政策文件（%(codes)s），请选择适用的一份"),
                                    {"place": divisions.full_name(place), "codes": ", ".join(sorted(nearest))}))
            return ""
        code = nearest[0] if nearest else current_app.config["DEFAULT_POLICY"]
    if (code or place is not None) and code not in policies:
        problems.append(Problem("policy", N_("请选择适用的政策文件（已有：%(codes)s）"),
                                {"codes": ", ".join(sorted(policies))}))
    return code


def _division(text: str, problems: list[Problem]) -> divisions.Division | None:
    """The one administrative division ``text`` names, or a problem on the jurisdiction saying why not."""
    try:
        return divisions.resolve(text)
    except divisions.AmbiguousDivision as shared:
        problems.append(Problem("jurisdiction", N_("“%(name)s”有多处同名：%(candidates)s。请写上所属的市或省，如“%(example)s”"),
                                {"name": text, "candidates": "、".join(map(divisions.full_name, shared.candidates)),
                                 "example": divisions.full_name(shared.candidates[0])}))
    except divisions.DivisionNotFound:
        meant = divisions.suggestions(text)
        if meant:
            problems.append(Problem("jurisdiction", N_("未找到行政区划“%(name)s”，是否指：%(suggestions)s？"),
                                    {"name": text, "suggestions": "、".join(map(divisions.full_name, meant))}))
        else:
            problems.append(Problem("jurisdiction", N_("未找到行政区划“%(name)s”，请按“温州市瑞安市”的格式填写到县（市、区）"),
                                    {"name": text}))
    return None


def _lead_user(username, problems: list[Problem]) -> User | None:
    username = str(username or "").strip()
    if not username:
        problems.append(Problem("lead", N_("请填写负责人的用户名")))
        return None
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None or not user.active or user.role != Role.studio_lead.value:
        problems.append(Problem("lead", N_("“%(username)s”不是启用的工作室负责人账号"), {"username": username}))
        return None
    return user


def _date(value, field: str, problems: list[Problem], *, required: bool = False) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            problems.append(Problem(field, N_("请填写此项")))
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(Problem(field, N_("日期格式应为YYYY-MM-DD")))
        return None


def _whole(value, default: int | None = None) -> int | None:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return int(number) if number.is_finite() and number == number.to_integral_value() else None


# --- report windows --------------------------------------------------------------------------------


def set_report_window(year, opens_on, deadline, *, version=None) -> ReportWindow:
    problems: list[Problem] = []
    year_number = _whole(year)
    if year_number is None or not EARLIEST_YEAR <= year_number <= local_today().year + 1:
        problems.append(Problem("year", N_("年度应在%(first)s到%(last)s之间"),
                                {"first": EARLIEST_YEAR, "last": local_today().year + 1}))
    opens = _date(opens_on, "opens_on", problems, required=True)
    closes = _date(deadline, "deadline", problems, required=True)
    if opens and closes and closes < opens:
        problems.append(Problem("deadline", N_("截止日期不能早于开始日期")))
    if problems:
        raise Invalid(problems)
    window = db.session.scalar(select(ReportWindow).where(ReportWindow.year == year_number))
    if window is None:
        window = ReportWindow(year=year_number, opens_on=opens, deadline=closes)
        db.session.add(window)
    else:
        check_version(window, version)
        window.opens_on, window.deadline = opens, closes
    db.session.flush()
    return window


# --- annual reports --------------------------------------------------------------------------------


def check_report_year(studio: Studio, year: int) -> None:
    """A studio reports on years from its establishment to the current one."""
    last = local_today().year
    first = max(studio.established.year, EARLIEST_YEAR)
    if not first <= year <= last:
        raise Invalid([Problem("year", N_("该工作室可报送%(first)s至%(last)s年度的报告"),
                               {"first": first, "last": last})])


def report_for_editing(studio: Studio, year: int) -> AnnualReport:
    """The studio's report for ``year``, started as an empty draft if there is none yet."""
    check_report_year(studio, year)
    report = queries.find_report(studio.id, year)
    return report if report is not None else _start_report(studio, year, empty_content())


def save_report(studio: Studio, year: int, raw_content: Mapping, *, version=None) -> AnnualReport:
    """Save the lead's report as it stands (draft, or a returned report being fixed)."""
    check_report_year(studio, year)
    report = queries.find_report(studio.id, year)
    if report is None:
        return _start_report(studio, year, clean_content(raw_content, today=local_today()))
    check_version(report, version)
    _require_editable(report)
    content = clean_content(raw_content, today=local_today())
    if content != report.content:
        report.content = content
    db.session.flush()
    return report


def _start_report(studio: Studio, year: int, content: dict) -> AnnualReport:
    """Insert the year's first draft. Two tabs (or the web and the API) starting the same report at
    once both found none; the unique key (studio, year) lets one in and the other is refused like
    any stale form, nothing overwritten. The INSERT runs alone in a savepoint (whatever else is
    pending is flushed first), so the refusal leaves the request's transaction usable."""
    report = AnnualReport(studio_id=studio.id, year=year, status=ReportStatus.draft.value, content=content)
    if not insert_unless_taken(report):
        raise Conflict(N_("该年度报告刚由他人（或另一窗口）创建，请刷新页面，在最新内容上修改。"))
    return report


def _require_editable(report: AnnualReport) -> None:
    if not report.editable:
        raise Conflict(N_("报告%(status)s，不能再修改"), status=report.status_label)


def submit_report(report: AnnualReport) -> AnnualReport:
    """Draft or returned → submitted. A first submission after the year's deadline is marked late:
    it still reaches the bureau, whose acceptance is the approval of the lateness."""
    _require_editable(report)
    today = local_today()
    window = queries.report_window(report.year)
    if window is not None and today < window.opens_on:
        raise Conflict(N_("%(year)s年度报告%(opens)s起才能提交"), year=report.year, opens=window.opens_on.isoformat())
    if report.first_submitted_at is None:
        report.late = window is not None and today > window.deadline
        report.first_submitted_at = utcnow()
    report.status = ReportStatus.submitted.value
    report.submitted_at = utcnow()
    db.session.flush()
    return report


def return_report(report: AnnualReport, reason: str, reviewer: User) -> AnnualReport:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid([Problem("reason", N_("退回须写明原因"))])
    if len(reason) > 2000:
        raise Invalid([Problem("reason", N_("不能超过%(max)s个字"), {"max": 2000})])
    _require_status(report, ReportStatus.submitted)
    explain(db.session, f"退回年度报告：{reason}")
    report.status = ReportStatus.returned.value
    report.return_reason = reason
    report.reviewed_by_id, report.reviewed_at = reviewer.id, utcnow()
    db.session.flush()
    return report


def accept_report(report: AnnualReport, reviewer: User) -> AnnualReport:
    _require_status(report, ReportStatus.submitted)
    if report.late:
        explain(db.session, "逾期提交，经审核同意并通过")
    report.status = ReportStatus.accepted.value
    report.reviewed_by_id, report.reviewed_at = reviewer.id, utcnow()
    db.session.flush()
    return report


def _require_status(report: AnnualReport, status: ReportStatus) -> None:
    if report.status != status.value:
        raise Conflict(N_("报告当前状态为“%(status)s”，不能进行此操作"), status=report.status_label)


def score_report(report: AnnualReport, raw_items, scorer: User) -> AnnualReport:
    """Record the assessor's item scores for an accepted report (validated against its rubric)."""
    _require_status(report, ReportStatus.accepted)
    if queries.published_assessment_covers(report):
        raise Conflict(N_("该年度考评结果已公示，不能再修改评分"))
    if not isinstance(raw_items, Mapping):
        raise Invalid([Problem("items", N_("评分应为“评分项: 分数”的对象"))])
    rubric = load_rubric(report.studio.kind)
    items = {str(key): _points(value) for key, value in raw_items.items()}
    problems = validate_item_scores(rubric, items)
    if problems:
        raise Invalid([Problem(f"items.{problem.key}", problem.message.template, dict(problem.message.params))
                       for problem in problems])
    report.item_scores = {key: str(points) for key, points in items.items()}
    report.score = sum(items.values(), Decimal(0))
    report.scored_by_id, report.scored_at = scorer.id, utcnow()
    db.session.flush()
    return report


def _points(value):
    """Points from JSON or a form as an exact Decimal; anything else is left for the rubric to refuse.

    A JSON float's shortest repr is the literal the client typed (12.5 → "12.5"), so converting
    through ``str`` is exact for any score with one decimal place.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, Decimal)):
        return value
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return value


def add_attachment(report: AnnualReport, filename: str, data: bytes, uploader: User) -> ReportAttachment:
    _require_editable(report)
    try:
        checked = check_attachment(filename, data, already_attached=len(report.attachments))
    except AttachmentRefused as refusal:
        raise Invalid([Problem("file", refusal.template, refusal.params)]) from None
    attachment = ReportAttachment(report=report, filename=checked.filename, content_type=checked.content_type,
                                  size=checked.size, data=data, uploaded_by_id=uploader.id)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def remove_attachment(attachment: ReportAttachment) -> None:
    _require_editable(attachment.report)
    db.session.delete(attachment)
    db.session.flush()


# --- assessments -----------------------------------------------------------------------------------


def run_assessment(*, year, kind, level, jurisdiction, reward_amount, run_by: User) -> Assessment:
    """Assess every studio due for (year, kind, level, jurisdiction) and store the outcome.

    A second run of the same four replaces a draft (scores may have changed) and is refused
    once the list is published. Studios without an accepted, scored report are passed to
    ``assess`` with no scores: they are 不合格 and count toward the 15% base.
    """
    problems: list[Problem] = []
    year = _whole(year)
    if year is None or not EARLIEST_YEAR <= year <= local_today().year:
        problems.append(Problem("year", N_("年度应在%(first)s到%(last)s之间"),
                                {"first": EARLIEST_YEAR, "last": local_today().year}))
    if kind not in KIND_LABELS:
        problems.append(Problem("kind", N_("类型应为%(choices)s之一"), {"choices": ", ".join(KIND_LABELS)}))
    if level not in LEVEL_LABELS:
        problems.append(Problem("level", N_("级别应为%(choices)s之一"), {"choices": ", ".join(LEVEL_LABELS)}))
    jurisdiction = str(jurisdiction or "").strip()
    if not jurisdiction:
        problems.append(Problem("jurisdiction", N_("请填写此项")))
    if problems:
        raise Invalid(problems)
    studios = queries.due_studios(year, kind, level, jurisdiction)
    if not studios:
        raise Invalid([Problem("jurisdiction", N_("没有需要考评的工作室或基地（须为有效状态、类型和级别相符）"))])
    policy_codes = sorted({studio.policy for studio in studios})
    if len(policy_codes) > 1:
        raise Invalid([Problem("jurisdiction", N_("参评单位适用不同的政策文件（%(codes)s），请先统一"),
                               {"codes": "、".join(policy_codes)})])
    rule = load_policies()[policy_codes[0]].assessment_for(kind, level)
    # Where the document sets no assessment for this kind and level there is no reward to pay.
    excellent_percent = rule.excellent_max_percent if rule else int(DEFAULT_EXCELLENT_RATIO * 100)
    reward_cap = rule.reward_max if rule else 0
    amount = _whole(reward_amount, reward_cap)
    if amount is None or amount < 0:
        raise Invalid([Problem("reward_amount", N_("奖励金额应为不小于0的整数（元）"))])

    reports = queries.reports_by_studio(year, [studio.id for studio in studios])
    entries = []
    for studio in studios:
        report = reports.get(studio.id)
        scored = report is not None and report.status == ReportStatus.accepted.value and report.item_scores is not None
        entries.append(AssessmentEntry(studio.id, studio.name, report.decimal_item_scores() if scored else None))
    try:
        outcome = assess(entries, rubric=load_rubric(kind), pass_score=DEFAULT_PASS_SCORE,
                         excellent_ratio=Decimal(excellent_percent) / 100, reward_amount=amount, reward_cap=reward_cap)
    except AssessmentError as error:
        field = "items" if error.details else "reward_amount"
        raise Invalid([Problem(field, error.message.template, dict(error.message.params))]) from None

    assessment = queries.find_assessment(year, kind, level, jurisdiction)
    if assessment is not None and assessment.published:
        raise Conflict(N_("%(year)s年度该类考评结果已公示，不能重新考评"), year=year)
    if assessment is None:
        assessment = Assessment(year=year, kind=kind, level=level, jurisdiction=jurisdiction)
    else:
        assessment.results.clear()
        db.session.flush()  # the old rows go before the new ones take their (assessment, studio) keys
    assessment.policy = policy_codes[0]
    assessment.run_by_id, assessment.run_at = run_by.id, utcnow()
    assessment.pass_score = DEFAULT_PASS_SCORE
    assessment.excellent_percent = excellent_percent
    assessment.excellent_cap = outcome.excellent_cap
    assessment.ties_at_cap = list(outcome.ties_at_cap)
    assessment.tie_decision = ""
    assessment.reward_amount, assessment.reward_cap = amount, reward_cap
    assessment.results = [_result_row(row) for row in outcome.results]
    db.session.add(assessment)
    try:
        db.session.flush()
    except IntegrityError:
        # Two first runs at once: the unique key lets one through; the other answers 409. (No
        # savepoint: SQLite's driver does not nest them reliably; the request is refused anyway.)
        db.session.rollback()
        raise Conflict(N_("同一年度、类型、级别和地区的考评正在由他人运行，请刷新后查看")) from None
    return assessment


def _result_row(row: OutcomeRow) -> AssessmentResult:
    return AssessmentResult(studio_id=row.studio_id, score=row.score, rank=row.rank, grade=row.grade.value,
                            reward=row.reward, note=row.note.template if row.note else "",
                            note_params=dict(row.note.params) if row.note else {})


def outcome_of(assessment: Assessment) -> AssessmentOutcome:
    """The stored assessment as the plain outcome ``studios.assessment`` works on."""
    rows = tuple(OutcomeRow(result.studio_id, result.studio.name, result.score, result.rank, Grade(result.grade),
                            result.reward, result.note_message) for result in assessment.results)
    return AssessmentOutcome(rows, assessment.excellent_cap, tuple(assessment.ties_at_cap), assessment.reward_amount)


def decide_tie(assessment: Assessment, chosen_studio_ids: Iterable, reason: str, *, version=None) -> Assessment:
    """Record the bureau's decision on the studios tied at the 优秀 line, with its reason (audited)."""
    check_version(assessment, version)
    _require_draft(assessment)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid([Problem("reason", N_("请写明决定理由"))])
    chosen = []
    for value in chosen_studio_ids:
        number = _whole(value)
        if number is None:
            raise Invalid([Problem("excellent", N_("工作室编号应为整数"))])
        chosen.append(number)
    try:
        decided = resolve_tie(outcome_of(assessment), chosen)
    except AssessmentError as error:
        raise Invalid([Problem("excellent", error.message.template, dict(error.message.params))]) from None
    names = "、".join(result.studio.name for result in assessment.results if result.studio_id in chosen) or "无"
    explain(db.session, f"优秀名额线并列，局里决定评为优秀：{names}；理由：{reason}")
    by_id = {row.studio_id: row for row in decided.results}
    for result in assessment.results:
        row = by_id[result.studio_id]
        result.grade, result.reward = row.grade.value, row.reward
        result.note = row.note.template if row.note else ""
        result.note_params = dict(row.note.params) if row.note else {}
    assessment.ties_at_cap = []
    assessment.tie_decision = reason
    db.session.flush()
    return assessment


def publish_assessment(assessment: Assessment, notice_ends_on=None, *, version=None) -> Assessment:
    """Publish the list for public notice (公示); pending ties must be decided first."""
    check_version(assessment, version)
    _require_draft(assessment)
    if assessment.ties_at_cap:
        raise Conflict(N_("优秀名额线有并列的单位尚待决定，决定后才能公示"))
    problems: list[Problem] = []
    today = local_today()
    ends = _date(notice_ends_on, "notice_ends_on", problems) or today + dt.timedelta(days=DEFAULT_NOTICE_DAYS)
    if not problems and ends < today:
        problems.append(Problem("notice_ends_on", N_("公示截止日期不能早于今天")))
    if problems:
        raise Invalid(problems)
    assessment.status = AssessmentStatus.published.value
    assessment.published_at = utcnow()
    assessment.notice_ends_on = ends
    db.session.flush()
    return assessment


def _require_draft(assessment: Assessment) -> None:
    if assessment.published:
        raise Conflict(N_("考评结果已公示，不能再修改"))
