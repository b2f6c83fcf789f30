"""Certificate pages: public verification, and for bureau staff issuing, batches and revocation.

Who may do what: anybody may open ``/verify/<serial>`` (the QR code's address; there is no
public list of any kind). Everything else, including a certificate's PDF, is for bureau staff:
organisers and studio leads are not given certificate files here (they verify like the public).

Command line: ``flask --app wsgi certificates work [--once]`` runs a batch worker (see
``bureau.certificates.batches``).
"""
from __future__ import annotations

import logging
import signal
import time

import click
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from bureau.access import allow, authenticated_user, public
from bureau.accounts.models import Role
from bureau.certificates import api as certificates_api  # noqa: F401  (registers the API routes)
from bureau.certificates import batches, operations
from bureau.certificates.api import send_batch_file
from bureau.certificates.models import BatchStatus, Certificate, CertificateBatch, CertificateStatus
from bureau.db import db
from bureau.downloads import send_download
from bureau.error_pages import render_error
from bureau.errors import Conflict, Invalid
from bureau.web import add_navigation
from competition.models import Competition, Status

log = logging.getLogger(__name__)
STAFF = Role.admin.value

blueprint = Blueprint("certificates", __name__, cli_group="certificates")
add_navigation(_l("证书"), "certificates.index", STAFF)

BATCH_STATUS_LABELS = {"pending": _l("排队等待"), "running": _l("生成中"), "done": _l("已完成"), "failed": _l("失败"),
                       "expired": _l("文件已清理")}
CERTIFICATE_STATUS_LABELS = {"valid": _l("有效"), "revoked": _l("已吊销")}


class IssueForm(FlaskForm):
    award_id = HiddenField()
    assessment_result_id = HiddenField()


class BatchForm(FlaskForm):
    competition_id = HiddenField()
    assessment_id = HiddenField()


class RevokeForm(FlaskForm):
    version = HiddenField()
    reason = TextAreaField(_l("吊销理由"), validators=[DataRequired(), Length(max=500)],
                           description=_l("理由将显示在公开查验页面上，并记入审计日志。"))


@blueprint.app_context_processor
def labels():
    return {"certificate_kind_labels": operations.KIND_LABELS, "batch_status_labels": BATCH_STATUS_LABELS,
            "certificate_status_labels": CERTIFICATE_STATUS_LABELS}


@blueprint.app_errorhandler(operations.NotPrintable)
def not_printable(error: operations.NotPrintable):
    """A certificate whose PDF failed is not issued: a 500 that says so (the request rolls back)."""
    return render_error(500, _(error.message))


def _message(template: str, **params) -> str:
    return _(template, **params) if params else _(template)


def _flash_problems(error: Exception) -> None:
    if isinstance(error, Invalid):
        for problem in error.problems:
            flash(_message(problem.message_template, **problem.params), "danger")
    else:
        flash(_message(error.message_template, **error.params), "danger")


# --- public verification ------------------------------------------------------------------------


@blueprint.route("/verify")
@public
def verify_form():
    typed = request.args.get("serial", "")
    if typed.strip():
        return redirect(url_for("certificates.verify", serial=operations.normalize_serial(typed)))
    return _no_cache(render_template("certificates/pages/verify.html", state="form", serial="", certificate=None))


@blueprint.route("/verify/<path:serial>")
@public
def verify(serial: str):
    state, certificate, canonical = operations.lookup(serial)
    if state != "malformed" and canonical != serial:
        return redirect(url_for("certificates.verify", serial=canonical))
    page = render_template("certificates/pages/verify.html", state=state, serial=(canonical or serial)[:64],
                           certificate=certificate,
                           statement=operations.certified_statement(certificate.snapshot) if certificate else "")
    response = _no_cache(current_app.make_response((page, 200 if certificate else 404)))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _no_cache(response):
    response = current_app.make_response(response)
    response.headers["Cache-Control"] = "no-cache"  # a revocation shows at once
    return response


# --- staff: overview, competition and assessment pages -----------------------------------------


@blueprint.route("/certificates")
@allow(STAFF)
def index():
    from studios.models import Assessment, AssessmentStatus

    # Two lists, each paginated on its own: ?cpage= for competitions, ?apage= for assessments.
    competitions = _page(select(Competition).where(
        Competition.status.in_([Status.finalized.value, Status.published.value]))
        .order_by(Competition.year.desc(), Competition.id.desc()), "cpage")
    assessments = _page(select(Assessment).where(
        Assessment.status == AssessmentStatus.published.value)
        .order_by(Assessment.year.desc(), Assessment.id.desc()), "apage")
    valid = Certificate.status == CertificateStatus.valid.value
    by_competition = _counts(Certificate.competition_id, [c.id for c in competitions.items], valid)
    by_assessment = _counts(Certificate.assessment_id, [a.id for a in assessments.items], valid)
    recent = db.session.scalars(select(CertificateBatch).order_by(CertificateBatch.id.desc()).limit(10)).all()
    totals = dict(db.session.execute(select(Certificate.status, func.count()).group_by(Certificate.status)).all())
    return render_template("certificates/pages/index.html", competitions=competitions, assessments=assessments,
                           by_competition=by_competition, by_assessment=by_assessment, batches=recent,
                           totals=totals)


def _page(query, parameter: str):
    """One page of ``query`` by ``?<parameter>=``; a page past the end shows the last page."""
    per_page = current_app.config["PAGE_SIZE"]
    number = _record_id(request.args.get(parameter)) or 1  # "²", "-1", 10**30: the first page
    page = db.paginate(query, page=number, per_page=per_page, error_out=False)
    if page.pages and number > page.pages:
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page


def _counts(column, ids: list[int], valid) -> dict:
    """Valid certificates per competition or assessment, for the ones shown only."""
    if not ids:
        return {}
    return dict(db.session.execute(select(column, func.count()).where(valid, column.in_(ids))
                                   .group_by(column)).all())


@blueprint.route("/certificates/lookup")
@allow(STAFF)
def lookup():
    state, certificate, serial = operations.lookup(request.args.get("serial", ""))
    if certificate is not None:
        return redirect(url_for("certificates.detail", serial=certificate.serial))
    flash(_("证书编号格式有误，请核对。") if state == "malformed" else _("未找到编号为 %(serial)s 的证书。", serial=serial),
          "warning")
    return redirect(url_for("certificates.index"))


@blueprint.route("/certificates/competitions/<int:competition_id>")
@allow(STAFF)
def competition(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    plans, skipped, error = [], [], None
    try:
        plans, skipped = operations.competition_plans(competition)
    except Conflict as conflict:
        error = _message(conflict.message_template, **conflict.params)
    issued = operations.certificates_by_subject([plan.subject_key for plan in plans])
    planned = {plan.subject_key for plan in plans}
    stale = [certificate for certificate in db.session.scalars(select(Certificate).where(
        Certificate.competition_id == competition.id, Certificate.status == CertificateStatus.valid.value)
        .order_by(Certificate.id)) if certificate.subject_key not in planned]
    return render_template(
        "certificates/pages/source.html", source_kind="competition", competition=competition, assessment=None,
        title=competition.name, plans=plans, skipped=skipped, issued=issued, stale=stale, error=error,
        batches=_batches(CertificateBatch.competition_id == competition.id),
        batch_form=BatchForm(formdata=None, competition_id=competition.id), issue_form=IssueForm(formdata=None))


@blueprint.route("/certificates/assessments/<int:assessment_id>")
@allow(STAFF)
def assessment(assessment_id: int):
    from studios.models import Assessment

    assessment = db.get_or_404(Assessment, assessment_id)
    plans, error = [], None
    try:
        plans = operations.assessment_plans(assessment)
    except Conflict as conflict:
        error = _message(conflict.message_template, **conflict.params)
    issued = operations.certificates_by_subject([plan.subject_key for plan in plans])
    title = _("%(year)s年度%(place)s%(kind)s考评", year=assessment.year, place=assessment.jurisdiction,
              kind=_(assessment.kind_label))
    return render_template(
        "certificates/pages/source.html", source_kind="assessment", competition=None, assessment=assessment,
        title=title, plans=plans, skipped=[], issued=issued, stale=[], error=error,
        batches=_batches(CertificateBatch.assessment_id == assessment.id),
        batch_form=BatchForm(formdata=None, assessment_id=assessment.id), issue_form=IssueForm(formdata=None))


def _batches(condition):
    return db.session.scalars(select(CertificateBatch).where(condition).order_by(CertificateBatch.id.desc())
                              .limit(10)).all()


def _record_id(text) -> int | None:
    """A record id typed into a form, or None: "²" is a digit int() refuses, and ids are PostgreSQL integers."""
    text = (text or "").strip()
    return int(text) if text.isdecimal() and len(text) < 10 else None


def _back_to(competition_id=None, assessment_id=None):
    if competition_id:
        return redirect(url_for("certificates.competition", competition_id=competition_id))
    if assessment_id:
        return redirect(url_for("certificates.assessment", assessment_id=assessment_id))
    return redirect(url_for("certificates.index"))


@blueprint.route("/certificates/issue", methods=["POST"])
@allow(STAFF)
def issue():
    form = IssueForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if form.award_id.data:
            certificate, created = operations.issue_for_award(form.award_id.data, authenticated_user())
        else:
            certificate, created = operations.issue_for_assessment_result(form.assessment_result_id.data,
                                                                           authenticated_user())
    except (Invalid, Conflict) as error:
        _flash_problems(error)
        return redirect(request.referrer if _same_site(request.referrer) else url_for("certificates.index"))
    if created:
        flash(_("已签发证书 %(serial)s。", serial=certificate.serial), "success")
    else:
        flash(_("该项已有证书 %(serial)s，未重复签发。", serial=certificate.serial), "info")
    return redirect(url_for("certificates.detail", serial=certificate.serial))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


# --- staff: batches -----------------------------------------------------------------------------


@blueprint.route("/certificates/batches", methods=["POST"])
@allow(STAFF)
def start_batch():
    from studios.models import Assessment

    form = BatchForm()
    if not form.validate_on_submit():
        abort(400)
    competition_id = _record_id(form.competition_id.data)
    assessment_id = _record_id(form.assessment_id.data)
    try:
        if competition_id is not None:
            batch, created = batches.start_competition_batch(db.get_or_404(Competition, competition_id),
                                                             authenticated_user())
        elif assessment_id is not None:
            batch, created = batches.start_assessment_batch(db.get_or_404(Assessment, assessment_id),
                                                            authenticated_user())
        else:
            abort(400)
    except Conflict as error:
        _flash_problems(error)
        return _back_to(competition_id, assessment_id)
    if created:
        flash(_("已开始批量生成 %(count)d 份证书，可离开本页，生成在后台进行。", count=batch.total), "success")
    else:
        flash(_("该批证书正在生成中，请等待完成。"), "info")
    return redirect(url_for("certificates.batch", batch_id=batch.id))


def _batch_state_json(batch: CertificateBatch) -> dict:
    state = batches.batch_state(batch)
    state.update(
        status_label=str(BATCH_STATUS_LABELS.get(batch.status, batch.status)),
        pdf_url=url_for("certificates.batch_pdf", batch_id=batch.id) if state["pdf_ready"] else None,
        zip_url=url_for("certificates.batch_zip", batch_id=batch.id) if state["zip_ready"] else None,
        error=_(batch.error) if batch.error else "",
        notice=_files_removed_notice(batch) if state["files_removed"] else "")
    return state


def _files_removed_notice(batch: CertificateBatch) -> str:
    days = batches.keep_days()
    removed_on = batches.files_removed_on(batch)
    if removed_on is None:
        return _("批量文件已按保留期（%(days)d 天）清理；已签发的证书仍有效，可重新批量生成。", days=days)
    return _("批量文件已于 %(date)s 按保留期（%(days)d 天）清理；已签发的证书仍有效，可重新批量生成。",
             date=removed_on.isoformat(), days=days)


def _send_batch_file(batch: CertificateBatch, which: str):
    if batch.status == BatchStatus.expired.value:
        # Gone for good, and said so: 410 with the reason, not a bare 404.
        return render_error(410, _files_removed_notice(batch))
    return send_batch_file(batch, which)


@blueprint.route("/certificates/batches/<int:batch_id>")
@allow(STAFF)
def batch(batch_id: int):
    batch = db.get_or_404(CertificateBatch, batch_id)
    back = (url_for("certificates.competition", competition_id=batch.competition_id) if batch.competition_id
            else url_for("certificates.assessment", assessment_id=batch.assessment_id) if batch.assessment_id
            else url_for("certificates.index"))
    return render_template("certificates/pages/batch.html", batch=batch, state=_batch_state_json(batch), back=back)


@blueprint.route("/certificates/batches/<int:batch_id>/status")
@allow(STAFF)
def batch_status(batch_id: int):
    return jsonify(_batch_state_json(db.get_or_404(CertificateBatch, batch_id)))


@blueprint.route("/certificates/batches/<int:batch_id>/pdf")
@allow(STAFF)
def batch_pdf(batch_id: int):
    return _send_batch_file(db.get_or_404(CertificateBatch, batch_id), "pdf")


@blueprint.route("/certificates/batches/<int:batch_id>/zip")
@allow(STAFF)
def batch_zip(batch_id: int):
    return _send_batch_file(db.get_or_404(CertificateBatch, batch_id), "zip")


# --- staff: one certificate ---------------------------------------------------------------------


def _certificate_or_404(serial: str) -> Certificate:
    _state, certificate, _canonical = operations.lookup(serial)
    if certificate is None:
        abort(404)
    return certificate


@blueprint.route("/certificates/<serial>")
@allow(STAFF)
def detail(serial: str):
    certificate = _certificate_or_404(serial)
    return render_template("certificates/pages/detail.html", certificate=certificate,
                           statement=operations.certified_statement(certificate.snapshot),
                           verify_url=operations.verify_url(certificate.serial),
                           revoke_form=RevokeForm(formdata=None, version=certificate.version))


@blueprint.route("/certificates/<serial>/pdf")
@allow(STAFF)
def pdf(serial: str):
    certificate = _certificate_or_404(serial)
    return send_download(operations.render_pdf(certificate), f"{certificate.serial}.pdf", "application/pdf",
                         inline=request.args.get("inline") == "1")


@blueprint.route("/certificates/<serial>/revoke", methods=["POST"])
@allow(STAFF)
def revoke(serial: str):
    certificate = _certificate_or_404(serial)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("吊销须填写理由（不超过500字）。"), "danger")
        return redirect(url_for("certificates.detail", serial=certificate.serial))
    try:
        operations.revoke(certificate, form.reason.data, authenticated_user(), expected_version=form.version.data)
    except (Invalid, Conflict) as error:
        _flash_problems(error)
        return redirect(url_for("certificates.detail", serial=certificate.serial))
    flash(_("证书 %(serial)s 已吊销。", serial=certificate.serial), "warning")
    return redirect(url_for("certificates.detail", serial=certificate.serial))


# --- command line -------------------------------------------------------------------------------


@blueprint.cli.command("work")
@click.option("--once", is_flag=True, help="Work through what is pending, then exit.")
@click.option("--processes", type=int, default=None, help="Rendering processes (default: one per CPU; 0: none).")
@click.option("--poll", type=float, default=2.0, show_default=True, help="Seconds between looks for new batches.")
def work(once: bool, processes: int | None, poll: float) -> None:
    """Make pending certificate batches (PDF and ZIP) in the background."""
    app = current_app._get_current_object()
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        while True:
            try:
                done = batches.run_pending_batches(app, processes=processes)
            except Exception:
                if once:
                    raise
                log.exception("certificates worker: pass failed; trying again")
                done = 0
            if done:
                click.echo(f"certificates: {done} chunk(s) done")
            if once:
                return
            time.sleep(poll)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop(signum, frame) -> None:
    """SIGTERM (systemd's stop) ends the worker as Ctrl-C would, unwinding the pass under way,
    which terminates its rendering processes; a requested stop exits with status 0."""
    log.info("certificates worker: stopping (SIGTERM)")
    raise SystemExit(0)
