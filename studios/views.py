"""Pages for studios and bases: registry, annual reports and their review, scoring, grants,
the annual assessment and its public list."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from bureau.access import allow, authenticated_user, public
from bureau.accounts.forms import EmptyForm
from bureau.accounts.models import Role, User
from bureau.clock import local_today
from bureau.db import db
from bureau.downloads import XLSX, send_download
from bureau.demo import LOADERS
from bureau.errors import Conflict, Invalid
from bureau.forms import submitted_once
from bureau.policies import load_policies
from bureau.web import add_navigation
from competition.spreadsheet import write_xlsx
from studios import operations, queries
from studios.assessment import Grade
from studios.charts import score_histogram, scores_by_year
from studios.demo import load_demo_studios
from studios.forms import (
    AssessmentRunForm,
    AttachmentForm,
    PublishForm,
    ReturnForm,
    StudioForm,
    TieForm,
    WindowForm,
    report_data,
    report_form,
    score_form,
)
from studios.messages import format_points
from studios.models import (
    KIND_LABELS,
    LEVEL_LABELS,
    REPORT_STATUS_LABELS,
    STATUS_LABELS,
    AnnualReport,
    Assessment,
    AssessmentStatus,
    ReportAttachment,
    ReportWindow,
    Studio,
)
from studios.report import SECTIONS, promoted_apprentices, total_trainees
from studios.rubrics import load_rubric

blueprint = Blueprint("studios", __name__)

ADMIN = Role.admin.value
LEAD = Role.studio_lead.value
GRADE_BADGES = {Grade.EXCELLENT.value: "badge-green", Grade.QUALIFIED.value: "", Grade.UNQUALIFIED.value: "badge-red"}
REPORT_BADGES = {"draft": "", "submitted": "badge-amber", "returned": "badge-red", "accepted": "badge-green"}

add_navigation(_l("工作室与基地"), "studios.studio_list", ADMIN, LEAD)
add_navigation(_l("年度报告审核"), "studios.review_queue", ADMIN)
add_navigation(_l("资助登记"), "studios.grant_register", ADMIN)
add_navigation(_l("年度考评"), "studios.assessment_list", ADMIN)
LOADERS.append(load_demo_studios)


@blueprint.app_context_processor
def studio_labels():
    return {"kind_labels": KIND_LABELS, "level_labels": LEVEL_LABELS, "studio_status_labels": STATUS_LABELS,
            "report_status_labels": REPORT_STATUS_LABELS, "report_badges": REPORT_BADGES,
            "grade_badges": GRADE_BADGES, "grade_label": lambda grade: Grade(grade).label,
            "message_text": lambda message: message.render(_) if message is not None else ""}


@blueprint.app_template_filter("points")
def points_filter(value) -> str:
    """Scores as people write them: 92, 87.5 (the database keeps one decimal place: 92.0)."""
    return "" if value is None else format_points(value)


@blueprint.app_template_filter("file_size")
def file_size_filter(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _translated(problem) -> str:
    return _(problem.message_template, **problem.params)


def _show_problems(form, error: Invalid) -> None:
    """Put each problem under its field (rows of a list by position); flash the ones with no field."""
    for problem in error.problems:
        field = _form_field(form, problem.field, problem.row)
        message = _translated(problem)
        if field is None:
            flash(message, "danger")
        else:
            field.errors = list(field.errors) + [message]


def _form_field(form, name: str, row: int | None):
    head, _dot, tail = name.partition(".")
    field = getattr(form, head, None) if head in form else None
    if field is None or not tail:
        return field
    if row is not None:
        entries = getattr(field, "entries", [])
        if not 1 <= row <= len(entries):
            return None
        field = entries[row - 1]
    subform = getattr(field, "form", None)
    return subform[tail] if subform is not None and tail in subform else None


# --- registry ------------------------------------------------------------------------------------


@blueprint.route("/studios")
@allow(ADMIN, LEAD)
def studio_list():
    user = authenticated_user()
    filters = {key: request.args.get(key, "").strip() for key in (*queries.STUDIO_FILTERS, "q")}
    page = db.paginate(queries.visible_studios(user, filters), per_page=50, error_out=False)
    return render_template("studios/list.html", page=page, filters=filters, jurisdictions=queries.jurisdictions(),
                           today=local_today())


def _fill_studio_choices(form: StudioForm) -> None:
    form.policy.choices = [("", _("按所属地区自动选择"))] + [
        (code, f"{document.short_name}（{document.citation_name}）") for code, document in sorted(load_policies().items())]
    leads = db.session.scalars(select(User).where(User.role == LEAD, User.active.is_(True)).order_by(User.username))
    form.lead.choices = [("", _("请选择"))] + [(user.username, f"{user.display_name}（{user.username}）")
                                                for user in leads]


@blueprint.route("/studios/new", methods=["GET", "POST"])
@allow(ADMIN)
@submitted_once
def studio_new():
    form = StudioForm()
    _fill_studio_choices(form)
    if form.validate_on_submit():
        try:
            studio = operations.create_studio(form.data)
        except Invalid as error:
            _show_problems(form, error)
        else:
            flash(_("已登记“%(name)s”。", name=studio.name), "success")
            return redirect(url_for("studios.studio_detail", studio_id=studio.id))
    status = 422 if request.method == "POST" else 200
    return render_template("studios/edit.html", form=form, studio=None), status


@blueprint.route("/studios/<int:studio_id>/edit", methods=["GET", "POST"])
@allow(ADMIN)
def studio_edit(studio_id: int):
    studio = db.get_or_404(Studio, studio_id)
    form = StudioForm()
    _fill_studio_choices(form)
    if form.validate_on_submit():
        try:
            operations.update_studio(studio, form.data, version=form.version.data)
        except Invalid as error:
            _show_problems(form, error)
        except Conflict as conflict:
            flash(_(conflict.message_template, **conflict.params), "danger")
            return render_template("studios/edit.html", form=_studio_form(studio), studio=studio), 409
        else:
            flash(_("已保存。"), "success")
            return redirect(url_for("studios.studio_detail", studio_id=studio.id))
        return render_template("studios/edit.html", form=form, studio=studio), 422
    return render_template("studios/edit.html", form=_studio_form(studio), studio=studio)


def _studio_form(studio: Studio) -> StudioForm:
    form = StudioForm(formdata=None, data={
        "name": studio.name, "kind": studio.kind, "level": studio.level, "jurisdiction": studio.jurisdiction,
        "policy": studio.policy, "lead": studio.lead.username, "occupation": studio.occupation,
        "host_employer": studio.host_employer, "established": studio.established.isoformat(),
        "term_years": str(studio.term_years), "status": studio.status, "revoked_reason": studio.revoked_reason,
        "grant_paid_on": studio.grant_paid_on.isoformat() if studio.grant_paid_on else "",
        "version": studio.version})
    _fill_studio_choices(form)
    return form


@blueprint.route("/studios/<int:studio_id>")
@allow(ADMIN, LEAD, owns=queries.owns_studio)
def studio_detail(studio_id: int):
    studio = db.get_or_404(Studio, studio_id)
    user = authenticated_user()
    today = local_today()
    reports = {report.year: report for report in studio.reports}
    years = sorted(set(range(max(studio.established.year, today.year - 4), today.year + 1)) | set(reports),
                   reverse=True)
    history = queries.scores_across_years(studio)
    return render_template(
        "studios/detail.html", studio=studio, reports=reports, years=years, today=today,
        grants=queries.grants_for(studio), chart=scores_by_year(history) if history else None,
        results=queries.studio_assessment_results(studio, published_only=not user.is_admin),
        windows={window.year: window for window in db.session.scalars(select(ReportWindow))})


# --- annual reports ------------------------------------------------------------------------------


def _report_page(studio: Studio, year: int, report: AnnualReport | None, form=None, *, return_form=None,
                 status: int = 200):
    user = authenticated_user()
    content = report.content if report is not None else None
    can_edit = user.role == LEAD and (report is None or report.editable)
    if form is None and can_edit:
        form = report_form(content or {}, formdata=None)
        # 0: "there was no report when I opened the form", so a report another tab created since is
        # a newer version and this save is refused rather than written over it.
        form.version.data = report.version if report is not None else operations.NO_REPORT_YET
    return render_template(
        "studios/report.html", studio=studio, year=year, report=report, form=form, can_edit=can_edit,
        sections=SECTIONS, attachment_form=AttachmentForm(), return_form=return_form or ReturnForm(formdata=None),
        action_form=EmptyForm(),
        promoted=promoted_apprentices(content) if content else [], trainees=total_trainees(content) if content else 0,
        competition_results=queries.linked_competition_results(user, content) or {},
        window=queries.report_window(year),
        score_locked=report is not None and queries.published_assessment_covers(report),
    ), status


@blueprint.route("/studios/<int:studio_id>/reports/<int:year>")
@allow(ADMIN, LEAD, owns=queries.owns_studio)
def report_page(studio_id: int, year: int):
    studio = db.get_or_404(Studio, studio_id)
    operations.check_report_year(studio, year)
    return _report_page(studio, year, queries.find_report(studio_id, year))


@blueprint.route("/studios/<int:studio_id>/reports/<int:year>", methods=["POST"])
@allow(LEAD, owns=queries.owns_studio)
@submitted_once
def report_save(studio_id: int, year: int):
    studio = db.get_or_404(Studio, studio_id)
    form = report_form()
    if not form.validate_on_submit():
        abort(400)
    submitting = request.form.get("action") == "submit"
    try:
        report = operations.save_report(studio, year, report_data(form), version=form.version.data)
        if submitting:
            operations.submit_report(report)
    except Invalid as error:
        _show_problems(form, error)
        flash(_("报告未保存：请按提示修改标红的内容。"), "danger")
        return _report_page(studio, year, queries.find_report(studio_id, year), form, status=422)
    except Conflict as conflict:
        db.session.rollback()
        flash(_(conflict.message_template, **conflict.params), "danger")
        return _report_page(studio, year, queries.find_report(studio_id, year), status=409)
    if submitting:
        flash(_("报告已提交（逾期提交，需局里审核同意）。") if report.late else _("报告已提交，等待局里审核。"),
              "warning" if report.late else "success")
    else:
        flash(_("草稿已保存。"), "success")
    return redirect(url_for("studios.report_page", studio_id=studio_id, year=year))


@blueprint.route("/studios/<int:studio_id>/reports/<int:year>/return", methods=["POST"])
@allow(ADMIN)
def report_return(studio_id: int, year: int):
    report = queries.report_or_404(studio_id, year)
    form = ReturnForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        operations.return_report(report, form.reason.data, authenticated_user())
    except Invalid as error:
        _show_problems(form, error)
        return _report_page(report.studio, year, report, return_form=form, status=422)
    flash(_("报告已退回负责人修改。"), "success")
    return redirect(url_for("studios.report_page", studio_id=studio_id, year=year))


@blueprint.route("/studios/<int:studio_id>/reports/<int:year>/accept", methods=["POST"])
@allow(ADMIN)
def report_accept(studio_id: int, year: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    operations.accept_report(queries.report_or_404(studio_id, year), authenticated_user())
    flash(_("报告已审核通过，可以评分。"), "success")
    return redirect(url_for("studios.report_score", studio_id=studio_id, year=year))


@blueprint.route("/studios/<int:studio_id>/reports/<int:year>/score", methods=["GET", "POST"])
@allow(ADMIN)
def report_score(studio_id: int, year: int):
    report = queries.report_or_404(studio_id, year)
    rubric = load_rubric(report.studio.kind)
    form = score_form(rubric, report.item_scores)
    status = 200
    if form.validate_on_submit():
        try:
            operations.score_report(report, {item.key: form[item.key].data for item in rubric.items},
                                    authenticated_user())
        except Invalid as error:
            for problem in error.problems:
                key = problem.field.removeprefix("items.")
                target = form[key] if key in form else None
                if target is None:
                    flash(_translated(problem), "danger")
                else:
                    target.errors = list(target.errors) + [_translated(problem)]
            status = 422
        else:
            flash(_("评分已保存：总分%(score)s分。", score=format_points(report.score)), "success")
            return redirect(url_for("studios.report_page", studio_id=studio_id, year=year))
    return render_template("studios/score.html", report=report, studio=report.studio, rubric=rubric,
                           form=form), status


@blueprint.route("/studios/<int:studio_id>/reports/<int:year>/attachments", methods=["POST"])
@allow(LEAD, owns=queries.owns_studio)
@submitted_once
def attachment_add(studio_id: int, year: int):
    studio = db.get_or_404(Studio, studio_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    if upload is None or not upload.filename:
        flash(_("请选择要上传的文件。"), "danger")
        return redirect(url_for("studios.report_page", studio_id=studio_id, year=year))
    report = operations.report_for_editing(studio, year)
    try:
        attachment = operations.add_attachment(report, upload.filename, upload.read(), authenticated_user())
    except Invalid as error:
        for problem in error.problems:
            flash(_translated(problem), "danger")
        return _report_page(studio, year, queries.find_report(studio_id, year), status=422)
    flash(_("已上传附件“%(name)s”。", name=attachment.filename), "success")
    return redirect(url_for("studios.report_page", studio_id=studio_id, year=year))


def _attachment_or_404(studio_id: int, year: int, attachment_id: int) -> ReportAttachment:
    attachment = db.get_or_404(ReportAttachment, attachment_id)
    if attachment.report.studio_id != studio_id or attachment.report.year != year:
        abort(404)
    return attachment


@blueprint.route("/studios/<int:studio_id>/reports/<int:year>/attachments/<int:attachment_id>")
@allow(ADMIN, LEAD, owns=queries.owns_studio)
def attachment_download(studio_id: int, year: int, attachment_id: int):
    attachment = _attachment_or_404(studio_id, year, attachment_id)
    # Always a download, never rendered in our origin; the type is the one sniffed on upload.
    return send_download(attachment.data, attachment.filename, attachment.content_type)


@blueprint.route("/studios/<int:studio_id>/reports/<int:year>/attachments/<int:attachment_id>/delete",
                 methods=["POST"])
@allow(LEAD, owns=queries.owns_studio)
def attachment_delete(studio_id: int, year: int, attachment_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    attachment = _attachment_or_404(studio_id, year, attachment_id)
    name = attachment.filename
    operations.remove_attachment(attachment)
    flash(_("已删除附件“%(name)s”。", name=name), "success")
    return redirect(url_for("studios.report_page", studio_id=studio_id, year=year))


@blueprint.route("/studios/reports")
@allow(ADMIN)
def review_queue():
    today = local_today()
    year = request.args.get("year", type=int) or today.year
    if not 0 < year < 10000:  # a year no date holds; also past what the database's integers take
        year = today.year
    status = request.args.get("status", "").strip()
    query = (select(AnnualReport).join(Studio).where(AnnualReport.year == year)
             .order_by(AnnualReport.status, AnnualReport.submitted_at, Studio.name))
    if status in REPORT_STATUS_LABELS:
        query = query.where(AnnualReport.status == status)
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("studios/review.html", page=page, year=year, status=status,
                           window=queries.report_window(year))


@blueprint.route("/studios/windows", methods=["GET", "POST"])
@allow(ADMIN)
@submitted_once
def report_windows():
    form = WindowForm()
    status = 200
    if form.validate_on_submit():
        try:
            window = operations.set_report_window(form.year.data, form.opens_on.data, form.deadline.data)
        except Invalid as error:
            _show_problems(form, error)
            status = 422
        else:
            flash(_("已设置%(year)s年度报告的提交期限。", year=window.year), "success")
            return redirect(url_for("studios.report_windows"))
    windows = db.session.scalars(select(ReportWindow).order_by(ReportWindow.year.desc())).all()
    return render_template("studios/windows.html", form=form, windows=windows), status


@blueprint.route("/studios/grants")
@allow(ADMIN)
def grant_register():
    studios = db.session.scalars(select(Studio).order_by(Studio.policy, Studio.kind, Studio.level, Studio.name)).all()
    rows = queries.grant_register(studios)
    due = sum(grant.amount for studio, grant in rows if studio.grant_paid_on is None)
    paid = sum(grant.amount for studio, grant in rows if studio.grant_paid_on is not None)
    return render_template("studios/grants.html", rows=rows, due=due, paid=paid,
                           policies=load_policies())


# --- assessments ---------------------------------------------------------------------------------


@blueprint.route("/assessments", methods=["GET", "POST"])
@allow(ADMIN)
@submitted_once
def assessment_list():
    form = AssessmentRunForm()
    form.jurisdiction.choices = [(place, place) for place in queries.jurisdictions()]
    status = 200
    if form.validate_on_submit():
        try:
            assessment = operations.run_assessment(
                year=form.year.data, kind=form.kind.data, level=form.level.data,
                jurisdiction=form.jurisdiction.data, reward_amount=form.reward_amount.data,
                run_by=authenticated_user())
        except Invalid as error:
            _show_problems(form, error)
            status = 422
        else:
            flash(_("考评已完成，请核对结果。"), "success")
            return redirect(url_for("studios.assessment_detail", assessment_id=assessment.id))
    elif request.method == "GET":
        form.year.data = str(local_today().year)
    assessments = db.session.scalars(select(Assessment).order_by(Assessment.year.desc(), Assessment.id.desc())).all()
    return render_template("studios/assessments.html", form=form, assessments=assessments), status


def _cut_score(assessment: Assessment):
    """The score of the last studio rated 优秀: the line drawn on the histogram."""
    excellent = [result.score for result in assessment.results
                 if result.grade == Grade.EXCELLENT.value and result.score is not None]
    return min(excellent) if excellent else None


@blueprint.route("/assessments/<int:assessment_id>")
@allow(ADMIN)
def assessment_detail(assessment_id: int):
    assessment = db.get_or_404(Assessment, assessment_id)
    scores = [result.score for result in assessment.results if result.score is not None]
    tie_form = TieForm(formdata=None, version=assessment.version)
    tie_form.excellent.choices = [(result.studio_id, result.studio.name) for result in assessment.results
                                  if result.studio_id in assessment.ties_at_cap]
    publish_form = PublishForm(formdata=None, version=assessment.version)
    return render_template("studios/assessment.html", assessment=assessment, tie_form=tie_form,
                           publish_form=publish_form, histogram=score_histogram(scores, _cut_score(assessment)),
                           excellent_count=sum(r.grade == Grade.EXCELLENT.value for r in assessment.results))


@blueprint.route("/assessments/<int:assessment_id>/ties", methods=["POST"])
@allow(ADMIN)
def assessment_ties(assessment_id: int):
    assessment = db.get_or_404(Assessment, assessment_id)
    form = TieForm()
    form.excellent.choices = [(studio_id, str(studio_id)) for studio_id in assessment.ties_at_cap]
    if not form.validate_on_submit():
        abort(400)
    operations.decide_tie(assessment, form.excellent.data or [], form.reason.data, version=form.version.data)
    flash(_("已记录对并列单位的决定。"), "success")
    return redirect(url_for("studios.assessment_detail", assessment_id=assessment_id))


@blueprint.route("/assessments/<int:assessment_id>/publish", methods=["POST"])
@allow(ADMIN)
def assessment_publish(assessment_id: int):
    assessment = db.get_or_404(Assessment, assessment_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    operations.publish_assessment(assessment, form.notice_ends_on.data, version=form.version.data)
    flash(_("考评结果已公示。"), "success")
    return redirect(url_for("studios.assessment_detail", assessment_id=assessment_id))


@blueprint.route("/assessments/<int:assessment_id>/export.xlsx")
@allow(ADMIN)
def assessment_export(assessment_id: int):
    assessment = db.get_or_404(Assessment, assessment_id)
    headers = [_("名次"), _("名称"), _("负责人"), _("依托单位"), _("得分"), _("等级"), _("奖励（元）"), _("说明")]
    rows = [(result.rank, result.studio.name, result.studio.lead.display_name, result.studio.host_employer,
             result.score, _(Grade(result.grade).label), result.reward,
             result.note_message.render(_) if result.note_message else "")
            for result in assessment.results]
    title = _("%(year)s年度%(level)s%(kind)s考评", year=assessment.year, level=_(assessment.level_label),
              kind=_(assessment.kind_label))
    filename = f"{assessment.year}-{assessment.kind}-{assessment.level}-{assessment.id}.xlsx"
    return send_download(write_xlsx(title, headers, rows), filename, XLSX)


# --- public notice -------------------------------------------------------------------------------


@blueprint.route("/public/studio-assessments")
@public
def public_assessments():
    assessments = db.session.scalars(select(Assessment).where(Assessment.status == AssessmentStatus.published.value)
                                     .order_by(Assessment.published_at.desc())).all()
    return render_template("studios/public_list.html", assessments=assessments)


@blueprint.route("/public/studio-assessments/<int:assessment_id>")
@public
def public_assessment(assessment_id: int):
    assessment = db.get_or_404(Assessment, assessment_id)
    if not assessment.published:
        abort(404)
    return render_template("studios/public_assessment.html", assessment=assessment, today=local_today())
