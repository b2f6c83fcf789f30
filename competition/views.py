"""Competition pages: registry, results (table, upload with preview), sign-off, public notice."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from bureau.access import allow, authenticated_user, public
from bureau.calendar import operations as calendar
from bureau.clock import local_today
from bureau.db import db
from bureau.downloads import XLSX, send_download
from bureau.errors import Invalid
from bureau.forms import show_problems, submitted_once
from bureau.policies import load_policies
from bureau.web import add_navigation
from competition import operations
from competition.award_queries import awards_by_result
from competition.access import ORGANISER, STAFF, owns_competition, visible_competitions
from competition.forms import (CATEGORY_LABELS, GROUP_LABELS, MEDAL_LABELS, STATUS_LABELS, TIER_LABELS,
                               CompetitionForm, DecisionForm, NoticeForm, ObjectionForm, ReopenForm, ResultForm,
                               UploadForm, VersionForm)
from bureau.idnumber import mask_id_number
from competition.models import TIERS, Award, Competition, NoticeStatus, Objection, PublicNotice, Result
from competition.spreadsheet import results_template_xlsx, write_xlsx
import competition.demo  # noqa: F401  (registers the demo loader)

blueprint = Blueprint("competitions", __name__)
add_navigation(_l("竞赛管理"), "competitions.index", STAFF, ORGANISER)
add_navigation(_l("公示"), "competitions.notices", STAFF, ORGANISER)

BAND_LINE = re.compile(r"^\s*(\d+)\s*(?:[-–—~至到]\s*(\d+))?\s*[,，:：\s]\s*(\S+)\s*$")


@blueprint.app_context_processor
def labels():
    return {"tier_labels": TIER_LABELS, "category_labels": CATEGORY_LABELS, "group_labels": GROUP_LABELS,
            "medal_labels": MEDAL_LABELS, "status_labels": STATUS_LABELS, "mask_id": mask_id_number,
            "endpoints": current_app.view_functions, "rank_range": rank_range, "tier_text": tier_text}


def tier_text(competition: Competition) -> str:
    """E.g. 市级一类 (City class 1): the tier and, where there is one, the category."""
    if not competition.category:
        return str(TIER_LABELS[competition.tier])
    return _("%(tier)s%(category)s", tier=TIER_LABELS[competition.tier],
             category=CATEGORY_LABELS[str(competition.category)])


def rank_range(band: dict) -> str:
    if band["from_rank"] == band["to_rank"]:
        return _("第%(rank)d名", rank=band["from_rank"])
    return _("第%(low)d–%(high)d名", low=band["from_rank"], high=band["to_rank"])


def _bands_from_text(text: str, payload_key: str) -> list[dict] | str:
    """Lines such as "1-3 技师" or "1 5000" → band dicts; unparsable input is passed on as text."""
    bands = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = BAND_LINE.match(line)
        if not match:
            return line  # reported by the shared validation as a bad band
        low, high, payload = match.groups()
        value = int(payload.replace(",", "")) if payload_key == "amount" and payload.replace(",", "").isdecimal() else payload
        bands.append({"from_rank": int(low), "to_rank": int(high or low), payload_key: value})
    return bands


def _bands_to_text(bands: list[dict], payload_key: str) -> str:
    return "\n".join(f"{b['from_rank']}-{b['to_rank']} {b[payload_key]}" for b in bands)


def _competition_form(competition: Competition | None = None) -> CompetitionForm:
    form = CompetitionForm()
    form.policy.choices = [(code, f"{doc.short_name}（{doc.document_number}）" if doc.document_number else doc.short_name)
                           for code, doc in sorted(load_policies().items())]
    if competition is not None and request.method == "GET":
        form.process(data={**operations.competition_fields(competition),
                           "category": str(competition.category or ""), "group": competition.entry_group or "",
                           "promotions": _bands_to_text(competition.promotions, "level"),
                           "prizes": _bands_to_text(competition.prizes, "amount"), "version": competition.version})
    return form


def _competition_data(form: CompetitionForm) -> dict:
    data = {name: form[name].data for name in ("name", "tier", "occupation", "year", "held_on", "group", "policy",
                                               "organiser_name", "practical_only", "national_games",
                                               "theory_weight", "pass_mark")}
    data["category"] = form.category.data or None
    data["theory_weight"] = data["theory_weight"] if data["theory_weight"] is not None else "0.3"
    data["pass_mark"] = data["pass_mark"] if data["pass_mark"] is not None else 60
    data["promotions"] = _bands_from_text(form.promotions.data, "level")
    data["prizes"] = _bands_from_text(form.prizes.data, "amount")
    return data


# --- registry --------------------------------------------------------------------------------------


@blueprint.route("/competitions")
@allow(STAFF, ORGANISER)
def index():
    user = authenticated_user()
    filters = {key: request.args.get(key, "") for key in ("year", "tier", "status", "q")}
    query = visible_competitions(user).order_by(Competition.year.desc(), Competition.id.desc())
    if filters["year"].isdecimal() and len(filters["year"]) <= 4:  # "²" is a digit int() refuses
        query = query.where(Competition.year == int(filters["year"]))
    if filters["tier"] in TIERS:
        query = query.where(Competition.tier == filters["tier"])
    if filters["status"] in STATUS_LABELS:
        query = query.where(Competition.status == filters["status"])
    if filters["q"]:
        query = query.where(Competition.name.contains(filters["q"]))
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    ids = [competition.id for competition in page.items]
    counts = dict(db.session.execute(select(Result.competition_id, func.count()).where(
        Result.competition_id.in_(ids)).group_by(Result.competition_id)).all()) if ids else {}
    return render_template("competitions/index.html", page=page, filters=filters, counts=counts)


@blueprint.route("/competitions/new", methods=["GET", "POST"])
@allow(STAFF, ORGANISER)
@submitted_once
def new():
    form = _competition_form()
    if request.method == "GET":
        form.year.data = local_today().year
        form.organiser_name.data = authenticated_user().organisation
        form.tier.data = "city"
        form.policy.data = current_app.config["DEFAULT_POLICY"]
    if form.validate_on_submit():
        try:
            competition = operations.create_competition(_competition_data(form), authenticated_user())
        except Invalid as error:
            show_problems(form, error)
        else:
            flash(_("已登记竞赛“%(name)s”。", name=competition.name), "success")
            return redirect(url_for("competitions.detail", competition_id=competition.id))
    return render_template("competitions/form.html", form=form, competition=None)


@blueprint.route("/competitions/<int:competition_id>/edit", methods=["GET", "POST"])
@allow(STAFF, ORGANISER, owns=owns_competition)
def edit(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = _competition_form(competition)
    if form.validate_on_submit():
        try:
            operations.update_competition(competition, _competition_data(form), expected_version=form.version.data)
        except Invalid as error:
            show_problems(form, error)
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("competitions.detail", competition_id=competition.id))
    return render_template("competitions/form.html", form=form, competition=competition)


@blueprint.route("/competitions/<int:competition_id>")
@allow(STAFF, ORGANISER, owns=owns_competition)
def detail(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    query = (select(Result).where(Result.competition_id == competition.id)
             .order_by(Result.entry_group, Result.rank, Result.position))
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    version_form = VersionForm(version=competition.version)
    notice_form = NoticeForm(version=competition.version, starts_on=local_today(), working_days=5)
    return render_template("competitions/detail.html", competition=competition, page=page,
                           policy=load_policies().get(competition.policy),
                           version_form=version_form, reopen_form=ReopenForm(version=competition.version),
                           notice_form=notice_form, upload_form=UploadForm())


# --- results one by one ---------------------------------------------------------------------------


def _result_row(form: ResultForm) -> dict:
    return {"name": form.name.data, "id_number": form.id_number.data, "employer": form.employer.data,
            "local": form.local.data, "group": form.group.data or None, "team": form.team.data or None,
            "theory": form.theory.data or None, "practical": form.practical.data or None,
            "rank": form.rank.data or None, "medal": form.medal.data or None, "base": form.base.data or None}


def _save_result_form(competition: Competition, result: Result | None):
    form = ResultForm()
    if request.method == "GET":
        form.version.data = competition.version
        if result is not None:
            form.process(data={"name": result.name, "id_number": result.id_number, "employer": result.employer,
                               "local": result.local, "group": result.entry_group or "", "team": result.team or "",
                               "theory": result.theory if result.theory is not None else "",
                               "practical": result.practical if result.practical is not None else "",
                               "rank": result.rank if result.rank_given else "",
                               "medal": "" if result.medal_derived else (result.medal or ""),
                               "base": result.base_id or "", "version": competition.version})
    if form.validate_on_submit():
        try:
            operations.save_result(competition, _result_row(form), expected_version=form.version.data, result=result)
        except Invalid as error:
            show_problems(form, error)
        else:
            flash(_("成绩已保存，名次已重新计算。"), "success")
            return redirect(url_for("competitions.detail", competition_id=competition.id))
    return render_template("competitions/result_form.html", form=form, competition=competition, result=result)


@blueprint.route("/competitions/<int:competition_id>/results/new", methods=["GET", "POST"])
@allow(STAFF, ORGANISER, owns=owns_competition)
@submitted_once
def result_new(competition_id: int):
    return _save_result_form(db.get_or_404(Competition, competition_id), None)


def _result_of(competition_id: int, result_id: int) -> tuple[Competition, Result]:
    competition = db.get_or_404(Competition, competition_id)
    result = db.session.get(Result, result_id)
    if result is None or result.competition_id != competition.id:
        abort(404)
    return competition, result


@blueprint.route("/competitions/<int:competition_id>/results/<int:result_id>/edit", methods=["GET", "POST"])
@allow(STAFF, ORGANISER, owns=owns_competition)
def result_edit(competition_id: int, result_id: int):
    return _save_result_form(*_result_of(competition_id, result_id))


@blueprint.route("/competitions/<int:competition_id>/results/<int:result_id>/delete", methods=["POST"])
@allow(STAFF, ORGANISER, owns=owns_competition)
def result_delete(competition_id: int, result_id: int):
    competition, result = _result_of(competition_id, result_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    operations.delete_result(competition, result, expected_version=form.version.data)
    flash(_("已删除 %(name)s 的成绩，名次已重新计算。", name=result.name), "success")
    return redirect(url_for("competitions.detail", competition_id=competition.id))


# --- upload with preview ----------------------------------------------------------------------------


@blueprint.route("/competitions/results-template.xlsx")
@allow(STAFF, ORGANISER)
def results_template():
    return send_download(results_template_xlsx(), "竞赛成绩导入模板.xlsx", XLSX)


@blueprint.route("/competitions/<int:competition_id>/upload", methods=["GET", "POST"])
@allow(STAFF, ORGANISER, owns=owns_competition)
def upload(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = UploadForm()
    staged, parsed, issues = None, None, []
    if form.validate_on_submit():
        file = form.file.data
        staged, parsed, issues = operations.stage_upload(competition, authenticated_user(), file.filename or "",
                                                         file.read())
        if parsed.fatal is not None:
            form.file.errors = [_(parsed.fatal.message_template, **parsed.fatal.params)]
    return render_template("competitions/upload.html", competition=competition, form=form, staged=staged,
                           parsed=parsed, issues=issues, confirm_form=VersionForm())


@blueprint.route("/competitions/<int:competition_id>/upload/<token>", methods=["POST"])
@allow(STAFF, ORGANISER, owns=owns_competition)
def upload_confirm(competition_id: int, token: str):
    competition = db.get_or_404(Competition, competition_id)
    if not VersionForm().validate_on_submit():
        abort(400)
    results = operations.confirm_upload(competition, token)
    flash(_("已保存 %(count)d 条成绩，名次已计算。", count=len(results)), "success")
    return redirect(url_for("competitions.detail", competition_id=competition.id))


@blueprint.route("/competitions/<int:competition_id>/results.xlsx")
@allow(STAFF, ORGANISER, owns=owns_competition)
def results_export(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    headers = [_("组别"), _("名次"), _("姓名"), _("身份证号"), _("工作单位"), _("本地"), _("团队"), _("理论成绩"),
               _("实操成绩"), _("总成绩"), _("合格"), _("奖牌")]
    rows = [[str(GROUP_LABELS.get(r.entry_group or "", "")), r.rank, r.name, r.id_number, r.employer,
             _("是") if r.local else _("否"), r.team or "", r.theory, r.practical, r.total,
             "" if r.passed is None else (_("是") if r.passed else _("否")), str(MEDAL_LABELS.get(r.medal or "", ""))]
            for r in sorted(competition.results, key=lambda r: (r.entry_group or "", r.rank or 0, r.position))]
    data = write_xlsx(_("成绩"), headers, rows)
    return send_download(data, f"{competition.name}-成绩.xlsx", XLSX)


# --- sign-off ---------------------------------------------------------------------------------------


@blueprint.route("/competitions/<int:competition_id>/finalize", methods=["POST"])
@allow(STAFF)
def finalize(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    awards = operations.finalize(competition, expected_version=form.version.data)
    flash(_("成绩已确认锁定，按政策生成 %(count)d 项奖励。", count=len(awards)), "success")
    return redirect(url_for("competitions.detail", competition_id=competition.id))


@blueprint.route("/competitions/<int:competition_id>/reopen", methods=["POST"])
@allow(STAFF)
def reopen(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(_("重新开放须填写理由。"), "danger")
        return redirect(url_for("competitions.detail", competition_id=competition.id))
    operations.reopen(competition, form.reason.data, expected_version=form.version.data)
    flash(_("成绩已重新开放，原奖励已撤销，待重新确认。"), "warning")
    issued = operations.valid_certificates_count(competition)
    if issued:
        flash(_("该竞赛已颁发的%(count)d张证书仍然有效；重新确认后如奖励有变化，请在证书页面核对并吊销。", count=issued),
              "warning")
    return redirect(url_for("competitions.detail", competition_id=competition.id))


# --- public notice ----------------------------------------------------------------------------------


@blueprint.route("/competitions/<int:competition_id>/notice", methods=["POST"])
@allow(STAFF)
def publish_notice(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = NoticeForm()
    if not form.validate_on_submit():
        flash(_("请填写公示开始日期和公示期。"), "danger")
        return redirect(url_for("competitions.detail", competition_id=competition.id))
    operations.check_version(competition, form.version.data)
    notice = operations.publish_notice(competition, starts_on=form.starts_on.data,
                                       working_days=form.working_days.data, contact=form.contact.data)
    flash(_("已发布公示，公示期至 %(day)s。", day=notice.ends_on.isoformat()), "success")
    missing = calendar.years_not_entered(notice.starts_on, notice.ends_on)
    if missing:
        flash(_("%(years)s年的节假日安排尚未录入，公示期只跳过了周末，请核对结束日期。",
                years="、".join(map(str, missing))), "warning")
    return redirect(url_for("competitions.notice_admin", competition_id=competition.id))


@blueprint.route("/competitions/<int:competition_id>/notice")
@allow(STAFF, ORGANISER, owns=owns_competition)
def notice_admin(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    if competition.notice is None:
        abort(404)
    operations.close_notice_if_due(competition.notice, local_today())
    return render_template("competitions/notice_admin.html", competition=competition, notice=competition.notice,
                           objection_form=ObjectionForm(received_on=local_today()), decision_form_for=_decision_form)


def _decision_form(objection: Objection) -> DecisionForm:
    return DecisionForm(version=objection.version, prefix=f"o{objection.id}")


@blueprint.route("/competitions/<int:competition_id>/notice/objections", methods=["POST"])
@allow(STAFF)
@submitted_once
def objection_new(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    form = ObjectionForm()
    if competition.notice is None:
        abort(404)
    if form.validate_on_submit():
        operations.record_objection(competition.notice, objector=form.objector.data, subject=form.subject.data,
                                    evidence=form.evidence.data or "", received_on=form.received_on.data)
        flash(_("已登记异议。"), "success")
    else:
        flash(_("请填写异议人、收到日期和异议内容。"), "danger")
    return redirect(url_for("competitions.notice_admin", competition_id=competition.id))


@blueprint.route("/competitions/<int:competition_id>/notice/objections/<int:objection_id>", methods=["POST"])
@allow(STAFF)
def objection_decide(competition_id: int, objection_id: int):
    competition = db.get_or_404(Competition, competition_id)
    objection = db.session.get(Objection, objection_id)
    if objection is None or competition.notice is None or objection.notice_id != competition.notice.id:
        abort(404)
    form = _decision_form(objection)
    if form.validate_on_submit():
        operations.decide_objection(objection, status=form.status.data, decision=form.decision.data,
                                    expected_version=form.version.data)
        flash(_("已记录处理结果。"), "success")
    else:
        flash(_("请填写处理意见。"), "danger")
    return redirect(url_for("competitions.notice_admin", competition_id=competition.id))


@blueprint.route("/notices")
@public
def notices():
    query = (select(PublicNotice).join(Competition).where(PublicNotice.status != NoticeStatus.withdrawn.value)
             .order_by(PublicNotice.starts_on.desc()))
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("competitions/notices.html", page=page, today=local_today())


def _public_notice(notice_id: int) -> PublicNotice:
    notice = db.get_or_404(PublicNotice, notice_id)
    if notice.status == NoticeStatus.withdrawn.value:
        abort(404)
    return notice


def _notice_rows(notice: PublicNotice):
    """The published list: one row per result with its awards described (ID numbers masked)."""
    awards = awards_by_result(notice.competition_id)
    results = sorted(notice.competition.results, key=lambda r: (r.entry_group or "", r.rank or 0, r.position))
    return [(result, awards.get(result.id, [])) for result in results]


def award_text(award: Award) -> str:
    if award.kind == "skill_level":
        return _("认定%(level)s", level=award.level)
    if award.kind == "title":
        return award.title or ""
    amount = f"{award.amount:,}" if award.amount is not None else "—"
    text = _("奖金%(amount)s元", amount=amount)
    return text if award.paid else _("%(text)s（不予发放：%(reason)s）", text=text, reason=award.reason)


@blueprint.route("/notices/<int:notice_id>")
@public
def notice(notice_id: int):
    notice = _public_notice(notice_id)
    operations.close_notice_if_due(notice, local_today())
    return render_template("competitions/notice.html", notice=notice, competition=notice.competition,
                           rows=_notice_rows(notice), award_text=award_text)


@blueprint.route("/notices/<int:notice_id>.xlsx")
@public
def notice_export(notice_id: int):
    notice = _public_notice(notice_id)
    headers = [_("组别"), _("名次"), _("姓名"), _("身份证号"), _("工作单位"), _("拟奖励")]
    rows = [[str(GROUP_LABELS.get(result.entry_group or "", "")), result.rank, result.name,
             mask_id_number(result.id_number), result.employer, "；".join(award_text(a) for a in awards)]
            for result, awards in _notice_rows(notice)]
    data = write_xlsx(_("公示名单"), headers, rows)
    return send_download(data, f"{notice.competition.name}-公示名单.xlsx", XLSX)
