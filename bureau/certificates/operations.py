"""Issuing and revoking certificates: which award gets which certificate, worded how.

Which certificate for what:

- a skill-level award (``kind = skill_level``) → 职业技能等级证书 (``skill_level``);
- a title award (``title``) → 荣誉证书 (``title``);
- personal cash from a competition place (``cash`` under a ``cash.*`` rule) → 获奖证书 (``prize``),
  the place printed, never the amount; one per person per competition however many cash awards
  the place brought; cash paid once to a team → one 获奖证书 for each member (batch only);
- an 优秀 grade in a published assessment → 优秀技能大师工作室 / 优秀公共实训基地 … (``excellent_studio``).

Subsidies to bases and organisers, and awards waiting for review, get none. Certificates are
issued only for finalized (locked) competitions and published assessments.

Issuing is idempotent per *subject* (what is certified, see ``Plan.subject_key``): a partial
unique index admits one live (reserved or valid) certificate per subject, so two requests at the
same moment, on two machines, get the same certificate: the loser's INSERT fails inside a
savepoint and it reads the winner's row. The wording is written here once, into the
certificate's ``snapshot``.

A certificate is valid only once its PDF exists: ``reserve`` draws the serial (status
``reserved``, unknown to the public and the API), the PDF is rendered (``issue`` here, a batch
worker in ``batches``), and ``mark_issued`` makes it valid. A reservation whose rendering failed
stays reserved and is taken up, with its serial, by the next attempt.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from bureau.accounts.models import User
from bureau.audit.recorder import explain
from bureau.certificates.models import LIVE_STATUSES, Certificate, CertificateStatus
from bureau.certificates.render import (CertificateData, ForbiddenResourceError, PageCountError,
                                        render_certificate_pdf)
from bureau.certificates.serials import is_well_formed, new_serial, normalize_serial
from bureau.clock import local_today
from bureau.db import db, insert_unless_taken, utcnow
from bureau.errors import Conflict, Invalid, Problem
from bureau.text import N_
from bureau.idnumber import mask_id_number
from competition.models import Award, Competition, Result


# The heading printed on each kind (templates/certificates/<kind>.html), for pages and lists.
KIND_HEADINGS = {
    "skill_level": "职业技能等级证书",
    "title": "荣誉证书",
    "prize": "获奖证书",
    "excellent_studio": "荣誉证书",
}
KIND_LABELS = {
    "skill_level": N_("职业技能等级证书"),
    "title": N_("荣誉证书（称号）"),
    "prize": N_("获奖证书"),
    "excellent_studio": N_("优秀工作室（基地）荣誉证书"),
}
KIND_ORDER = {"skill_level": 0, "title": 1, "prize": 2, "excellent_studio": 3}

# Certificates are official Chinese documents: their wording is Chinese whatever the reader's
# language, so it is written here in Chinese and not marked for translation.
_GROUPS = {"worker": "职工组", "student": "学生组"}
_MEDALS = {"gold": "金牌", "silver": "银牌", "bronze": "铜牌", "excellence": "优胜奖"}
_LEVEL_GRADES = {"初级工": "五级", "中级工": "四级", "高级工": "三级", "技师": "二级", "高级技师": "一级"}
_STUDIO_KINDS = {"master_studio": "技能大师工作室", "training_base": "公共实训基地",
                 "technician_station": "技师工作站", "competition_base": "竞赛集训基地"}
_DIGITS = "零一二三四五六七八九"


log = logging.getLogger(__name__)


class SourceGone(Exception):
    """The award or assessment result a batch item refers to no longer exists (e.g. reopened)."""


class NotPrintable(Exception):
    """The certificate's PDF could not be rendered, so it was not issued (answered 500 with ``message``)."""

    message = N_("证书 PDF 未能生成（内容无法排入一页），证书未签发。请将此情况告知系统管理员。")


@dataclass(frozen=True)
class Plan:
    """What one certificate will certify, worded, before (or without) issuing it."""

    kind: str
    subject_parts: tuple[str, ...]
    holder_name: str
    id_number_masked: str
    title_line: str
    body_lines: tuple[str, ...]
    particulars: tuple[tuple[str, str], ...] = ()
    award_id: int | None = None
    assessment_result_id: int | None = None
    competition_id: int | None = None
    assessment_id: int | None = None
    item: dict = field(default_factory=dict)  # the plain reference a batch chunk stores
    sort_key: tuple = ()

    @property
    def subject_key(self) -> str:
        """SHA-256 of kind, competition or assessment, person or studio, and the honour printed.

        The honour is part of it: if results are reopened and a place or level changes, the new
        wording is a new subject (and staff revoke the old certificate); the same wording again
        finds the certificate already issued.
        """
        return hashlib.sha256("\x1f".join(("v1", self.kind, *self.subject_parts, self.title_line))
                              .encode()).hexdigest()


# --- wording ------------------------------------------------------------------------------------


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一; 100 and above in Arabic digits."""
    if not 0 < n < 100:
        return str(n)
    tens, units = divmod(n, 10)
    text = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return text + (_DIGITS[units] if units else "")


def _level_text(level: str) -> str:
    grade = _LEVEL_GRADES.get(level)
    return f"{level}（{grade}）" if grade and "（" not in level else level


def _competition_phrase(competition: Competition, result: Result | None) -> str:
    """在 … 中: the competition's name, its event if the name lacks it, and the group."""
    phrase = competition.name
    if competition.occupation and competition.occupation not in phrase:
        phrase += f"{competition.occupation}项目"
    group = (result.entry_group if result is not None else None) or competition.entry_group
    if group in _GROUPS:
        phrase += f"（{_GROUPS[group]}）"
    return phrase


def _place_text(result: Result | None) -> str:
    if result is None:
        return ""
    parts = []
    if result.rank:
        parts.append(f"第{chinese_number(result.rank)}名")
    if result.medal in _MEDALS:
        parts.append(_MEDALS[result.medal])
    return "　".join(parts)


def _person_parts(competition_id: int, id_number: str) -> tuple[str, ...]:
    return (f"competition:{competition_id}", f"person:{id_number}")


def _result_sort(kind: str, result: Result | None, name: str) -> tuple:
    return (KIND_ORDER[kind], (result.entry_group or "") if result else "",
            result.rank if result is not None and result.rank is not None else 10**6,
            result.position if result is not None else 10**6, name)


def _require_locked(competition: Competition) -> None:
    if not competition.locked:
        raise Conflict(N_("竞赛成绩尚未确认，不能签发证书。"))


def certificate_kind_for(award: Award) -> str | None:
    """The kind of certificate an award earns, or None (subsidies, hosting, selection cash)."""
    if award.kind == "skill_level" and award.payee == "person":
        return "skill_level"
    if award.kind == "title" and award.payee == "person":
        return "title"
    if award.kind == "cash" and award.rule_key.startswith("cash.") and award.payee in ("person", "team"):
        return "prize"
    return None


def why_not_certifiable(award: Award) -> str | None:
    """Why an award gets no certificate (an ``N_`` message), or None when it does."""
    if certificate_kind_for(award) is None:
        return N_("该项奖励（补贴或奖金）不单独发证。")
    if award.needs_review:
        return N_("该项奖励待复核，复核前不能发证。")
    if award.kind == "cash" and award.payee == "person" and (award.result is None or not _place_text(award.result)):
        return N_("未记录名次或奖牌，无法出具获奖证书。")
    return None


def plan_for_award(award: Award, member: Result | None = None) -> Plan:
    """The certificate ``award`` earns (for a team's cash: the one ``member`` earns).

    Raises ``Invalid`` (field ``award_id``) when the award earns none, ``Conflict`` when the
    competition is not finalized.
    """
    competition = award.competition
    _require_locked(competition)
    reason = why_not_certifiable(award)
    if reason:
        raise Invalid([Problem("award_id", reason)])
    kind = certificate_kind_for(award)
    if award.payee == "team":
        if member is None:
            raise Invalid([Problem("award_id", N_("团队奖金按团队成员分别发证，请在本竞赛的证书页面批量生成。"))])
        return _prize_plan(award, competition, member, item={"award_id": award.id, "result_id": member.id},
                           award_id=None)
    result = award.result
    person = _person_parts(competition.id, award.id_number or "")
    common = dict(holder_name=award.name, id_number_masked=mask_id_number(award.id_number or ""),
                  competition_id=competition.id, award_id=award.id, item={"award_id": award.id},
                  sort_key=_result_sort(kind, result, award.name))
    if kind == "skill_level":
        assessed = "操作技能" if competition.practical_only else "理论知识与操作技能"
        particulars = [("职业（工种）", competition.occupation)] if competition.occupation else []
        particulars.append(("评价方式", "职业技能竞赛"))
        return Plan(kind=kind, subject_parts=person, title_line=_level_text(award.level or ""),
                    body_lines=(f"经{competition.name}评价，{assessed}考核合格，", "认定其职业技能等级为"),
                    particulars=tuple(particulars), **common)
    if kind == "title":
        place = _place_text(result) if award.achievement.startswith("competition:") else ""
        body = ((f"在{_competition_phrase(competition, result)}中荣获{place}，", "被授予") if place
                else ("经评选认定，", "被授予"))
        return Plan(kind=kind, subject_parts=person, title_line=award.title or "", body_lines=body, **common)
    return _prize_plan(award, competition, result, item={"award_id": award.id}, award_id=award.id)


def _prize_plan(award: Award, competition: Competition, result: Result, *, item: dict,
                award_id: int | None) -> Plan:
    place = _place_text(result)
    if not place:
        raise Invalid([Problem("award_id", N_("未记录名次或奖牌，无法出具获奖证书。"))])
    return Plan(kind="prize", subject_parts=_person_parts(competition.id, result.id_number),
                holder_name=result.name, id_number_masked=mask_id_number(result.id_number), title_line=place,
                body_lines=(f"在{_competition_phrase(competition, result)}中荣获",), award_id=award_id,
                competition_id=competition.id, item=item, sort_key=_result_sort("prize", result, result.name))


def team_members(award: Award) -> list[Result]:
    """The results sharing a team award's place: same competition, group and team."""
    lead = award.result
    if lead is None or not award.team:
        return [lead] if lead is not None else []
    return list(db.session.scalars(select(Result).where(
        Result.competition_id == award.competition_id, Result.team == award.team,
        Result.entry_group.is_(None) if lead.entry_group is None else Result.entry_group == lead.entry_group,
    ).order_by(Result.position)))


def competition_plans(competition: Competition) -> tuple[list[Plan], list[tuple[Award, str]]]:
    """Every certificate the competition's awards earn, one per subject, in print order
    (skill levels, titles, prizes; by group and place), and the awards left out with the reason."""
    _require_locked(competition)
    awards = db.session.scalars(select(Award).where(Award.competition_id == competition.id)
                                .order_by(Award.id)).all()
    plans: dict[str, Plan] = {}
    skipped: list[tuple[Award, str]] = []
    for award in awards:
        reason = why_not_certifiable(award)
        if reason:
            if certificate_kind_for(award) is not None:
                skipped.append((award, reason))
            continue
        if award.payee == "team":
            candidates = [plan_for_award(award, member) for member in team_members(award)]
        else:
            candidates = [plan_for_award(award)]
        for plan in candidates:
            plans.setdefault(plan.subject_key, plan)
    return sorted(plans.values(), key=lambda plan: plan.sort_key), skipped


def plan_for_assessment_result(result) -> Plan:
    """The 优秀 certificate of one studio's assessment result (published assessments only)."""
    assessment = result.assessment
    if not assessment.published:
        raise Conflict(N_("考评结果尚未公示，不能签发证书。"))
    if result.grade != "excellent":
        raise Invalid([Problem("assessment_result_id", N_("只有考评等次为“优秀”的单位才颁发证书。"))])
    studio = result.studio
    kind_text = _STUDIO_KINDS.get(studio.kind, "工作室")
    lead = studio.lead
    particulars = ((("领办人" if studio.kind == "master_studio" else "负责人"),
                    lead.display_name or lead.username),) if lead is not None else ()
    return Plan(kind="excellent_studio", subject_parts=(f"assessment:{assessment.id}", f"studio:{studio.id}"),
                holder_name=studio.name, id_number_masked="", title_line=f"优秀{kind_text}",
                body_lines=(f"在{assessment.year}年度{assessment.jurisdiction}{kind_text}考评中成绩突出，", "被评为"),
                particulars=particulars, assessment_result_id=result.id, assessment_id=assessment.id,
                item={"assessment_result_id": result.id},
                sort_key=(KIND_ORDER["excellent_studio"], result.rank or 10**6, studio.name))


def assessment_plans(assessment) -> list[Plan]:
    if not assessment.published:
        raise Conflict(N_("考评结果尚未公示，不能签发证书。"))
    plans = [plan_for_assessment_result(result) for result in assessment.results if result.grade == "excellent"]
    return sorted(plans, key=lambda plan: plan.sort_key)


def plan_for_item(item: dict) -> Plan:
    """A batch chunk's stored reference back to its plan; ``SourceGone`` if it was deleted."""
    from studios.models import AssessmentResult

    if "assessment_result_id" in item:
        result = db.session.get(AssessmentResult, item["assessment_result_id"])
        if result is None:
            raise SourceGone(item)
        return plan_for_assessment_result(result)
    award = db.session.get(Award, item["award_id"])
    if award is None:
        raise SourceGone(item)
    member = None
    if "result_id" in item:
        member = db.session.get(Result, item["result_id"])
        if member is None:
            raise SourceGone(item)
    return plan_for_award(award, member)


# --- issuing ------------------------------------------------------------------------------------


def _live_certificate_for(plan: Plan) -> Certificate | None:
    """The plan's certificate, valid or reserved (the unique indexes admit one of either)."""
    live = Certificate.status.in_(LIVE_STATUSES)
    found = db.session.scalar(select(Certificate).where(Certificate.subject_key == plan.subject_key, live))
    if found is None and plan.award_id is not None:
        found = db.session.scalar(select(Certificate).where(Certificate.award_id == plan.award_id, live))
    if found is None and plan.assessment_result_id is not None:
        found = db.session.scalar(select(Certificate).where(
            Certificate.assessment_result_id == plan.assessment_result_id, live))
    return found


def _relink(certificate: Certificate, plan: Plan) -> None:
    """Link a certificate whose award was deleted (results reopened) to the recomputed award."""
    if certificate.award_id is None and plan.award_id is not None:
        taken = db.session.scalar(select(Certificate.id).where(
            Certificate.award_id == plan.award_id, Certificate.status.in_(LIVE_STATUSES)))
        if taken is None:
            certificate.award_id = plan.award_id
    if certificate.assessment_result_id is None and plan.assessment_result_id is not None:
        certificate.assessment_result_id = plan.assessment_result_id


def snapshot_of(plan: Plan, issuer: str, issued_on: date) -> dict:
    """The plain values printed on the certificate, as JSON."""
    return {"kind": plan.kind, "heading": KIND_HEADINGS[plan.kind], "holder_name": plan.holder_name,
            "id_number_masked": plan.id_number_masked, "title_line": plan.title_line,
            "body_lines": list(plan.body_lines), "particulars": [list(pair) for pair in plan.particulars],
            "issuer": issuer, "issued_on": issued_on.isoformat()}


def reserve(plan: Plan, issued_by: User | None = None) -> tuple[Certificate, bool]:
    """The plan's certificate: the one valid or reserved already, or a new reservation (its serial
    drawn, status ``reserved``). (certificate, created)

    Safe under concurrency: the INSERT runs in a savepoint; if another transaction inserted the
    same subject first, the unique index refuses ours (on PostgreSQL after waiting for the other
    to commit) and we read theirs.
    """
    existing = _live_certificate_for(plan)
    if existing is not None:
        _relink(existing, plan)
        if not existing.valid:
            _date_reservation(existing, local_today())
        return existing, False
    issuer = current_app.config["BUREAU_NAME"]
    issued_on = local_today()
    for _attempt in range(3):
        certificate = Certificate(
            serial=new_serial(issued_on.year, plan.kind), kind=plan.kind, subject_key=plan.subject_key,
            award_id=plan.award_id, assessment_result_id=plan.assessment_result_id,
            competition_id=plan.competition_id, assessment_id=plan.assessment_id, holder_name=plan.holder_name,
            id_number_masked=plan.id_number_masked, snapshot=snapshot_of(plan, issuer, issued_on), issuer=issuer,
            issued_on=issued_on, issued_by_id=issued_by.id if issued_by is not None else None,
            status=CertificateStatus.reserved.value)
        if not insert_unless_taken(certificate):
            existing = _live_certificate_for(plan)
            if existing is not None:
                return existing, False
            continue  # a serial drawn twice: 65 random bits make this next to impossible; draw again
        return certificate, True
    raise RuntimeError("could not reserve a certificate with a unique serial")


def _date_reservation(certificate: Certificate, today: date) -> None:
    """A reservation taken up again (a rerun after a failed chunk) is dated the day it is rendered,
    which is the day it becomes valid: never valid before, it printed no earlier date."""
    if certificate.issued_on != today:
        certificate.issued_on = today
        certificate.snapshot = {**certificate.snapshot, "issued_on": today.isoformat()}


def issue(plan: Plan, issued_by: User | None = None) -> tuple[Certificate, bool]:
    """The valid certificate for ``plan``: the one issued already, or one made valid now that its
    PDF rendered. (certificate, created: it was not valid before)

    Raises ``NotPrintable`` when the PDF cannot be rendered: then nothing is valid, and the
    caller's rollback removes the reservation.
    """
    certificate, _reserved = reserve(plan, issued_by)
    if certificate.valid:
        return certificate, False
    try:
        render_certificate_pdf(certificate_data(certificate))
    except (PageCountError, ForbiddenResourceError, ValueError) as error:
        log.error("certificates: %s could not be rendered, not issued: %r", certificate.serial, error)
        raise NotPrintable() from error
    mark_issued([certificate.id])
    return certificate, True


def mark_issued(certificate_ids: Iterable[int]) -> None:
    """Make reserved certificates valid: their PDF rendered. Valid ones are left as they are.

    The rows are locked and read afresh, so a single issue and a batch finishing the same
    reservation at once make it valid once (the second finds it valid already).
    """
    ids = list(certificate_ids)
    if not ids:
        return
    reserved = db.session.scalars(select(Certificate).where(
        Certificate.id.in_(ids), Certificate.status == CertificateStatus.reserved.value)
        .with_for_update().execution_options(populate_existing=True)).all()
    for certificate in reserved:
        certificate.status = CertificateStatus.valid.value
        certificate.issued_at = utcnow()
    db.session.flush()


def issue_for_award(award_id, issued_by: User | None = None) -> tuple[Certificate, bool]:
    award = db.session.get(Award, _whole(award_id, "award_id"))
    if award is None:
        raise Invalid([Problem("award_id", N_("没有这项奖励"))])
    return issue(plan_for_award(award), issued_by)


def issue_for_assessment_result(result_id, issued_by: User | None = None) -> tuple[Certificate, bool]:
    from studios.models import AssessmentResult

    result = db.session.get(AssessmentResult, _whole(result_id, "assessment_result_id"))
    if result is None:
        raise Invalid([Problem("assessment_result_id", N_("没有这项考评结果"))])
    return issue(plan_for_assessment_result(result), issued_by)


def _whole(value, field_name: str) -> int:
    if (isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdecimal()
            or int(value) >= 2**31):  # "²" is a digit int() refuses; ids are PostgreSQL integers
        raise Invalid([Problem(field_name, N_("应为正整数编号"))])
    return int(value)


NOT_ISSUED_YET = N_("该证书尚未签发完成（PDF 未生成）。")


def revoke(certificate: Certificate, reason: str, revoked_by: User, *, expected_version=None) -> Certificate:
    """Revoke with a reason (required; it lands in the audit log and on the public page)."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid([Problem("reason", N_("吊销须填写理由"))])
    if len(reason) > 500:
        raise Invalid([Problem("reason", N_("理由不超过500字"))])
    if expected_version not in (None, "") and str(expected_version) != str(certificate.version):
        raise Conflict(N_("该证书已被他人修改，请刷新后重试。"))
    if certificate.status == CertificateStatus.reserved.value:
        raise Conflict(NOT_ISSUED_YET)
    if not certificate.valid:
        raise Conflict(N_("该证书已于 %(when)s 吊销。"), when=certificate.revoked_at.strftime("%Y-%m-%d"))
    explain(db.session, f"吊销证书 {certificate.serial}：{reason}")
    certificate.status = CertificateStatus.revoked.value
    certificate.revoked_reason = reason
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = revoked_by.id
    db.session.flush()
    return certificate


# --- reading ------------------------------------------------------------------------------------


def lookup(text: str) -> tuple[str, Certificate | None, str]:
    """(state, certificate, canonical serial) for a serial as typed or scanned.

    ``state`` is ``malformed`` (layout or check character wrong: a typing mistake, no lookup
    made), ``unknown`` (well formed, not issued here; a reserved serial, whose PDF is not made
    yet, too) or ``found``.
    """
    serial = normalize_serial(text or "")
    if not is_well_formed(serial):
        return "malformed", None, serial
    certificate = db.session.scalar(select(Certificate).where(
        Certificate.serial == serial, Certificate.status != CertificateStatus.reserved.value))
    return ("found" if certificate is not None else "unknown"), certificate, serial


def verify_url(serial: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{serial}"


def certificate_data(certificate: Certificate) -> CertificateData:
    """What the renderer prints, from the frozen snapshot (the QR code from today's public address)."""
    snap = certificate.snapshot
    return CertificateData(
        serial=certificate.serial, kind=certificate.kind, holder_name=snap["holder_name"],
        id_number_masked=snap["id_number_masked"], title_line=snap["title_line"],
        body_lines=tuple(snap["body_lines"]), issuer=snap["issuer"],
        issued_on=date.fromisoformat(snap["issued_on"]), verify_url=verify_url(certificate.serial),
        particulars=tuple((label, value) for label, value in snap["particulars"]))


def certified_statement(snapshot: dict) -> str:
    """The certificate's text in one sentence, for the verification page."""
    kind, title = snapshot["kind"], snapshot["title_line"]
    honour = {"title": f"“{title}”称号", "excellent_studio": f"“{title}”"}.get(kind, title)
    lead = "".join(f"{label}：{value}；" for label, value in snapshot["particulars"]) if kind == "excellent_studio" else ""
    return lead + "".join(snapshot["body_lines"]) + honour


def render_pdf(certificate: Certificate) -> bytes:
    """The certificate as a one-page PDF; a revoked certificate is not printed again (409)."""
    if certificate.status == CertificateStatus.reserved.value:
        raise Conflict(NOT_ISSUED_YET)
    if not certificate.valid:
        raise Conflict(N_("该证书已吊销，不能再下载打印。"))
    return render_certificate_pdf(certificate_data(certificate))


def certificates_by_subject(keys: Sequence[str]) -> dict[str, Certificate]:
    """Valid certificates of the given subjects, by subject key."""
    if not keys:
        return {}
    found = db.session.scalars(select(Certificate).where(
        Certificate.subject_key.in_(list(keys)), Certificate.status == CertificateStatus.valid.value)).all()
    return {certificate.subject_key: certificate for certificate in found}
