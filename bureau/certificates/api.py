"""Certificate endpoints of the JSON API (contract: ../shared/API.md, Certificates).

``POST /api/v1/certificates`` answers 201 when it issued a new certificate and 200 with the same
body when the award or assessment result already had one (``"created": false``); it answers only
once the certificate's PDF rendered (a 500 saying it was not issued otherwise).
``POST /api/v1/certificates/batches`` answers 202 with a new batch, or 200 with the batch of the
same competition or assessment still pending or running.
"""
from __future__ import annotations

from flask import abort, jsonify, url_for

from bureau.access import allow, authenticated_user
from bureau.accounts.models import Role
from bureau.api import ApiError, api_route, schema
from bureau.api.views import json_object
from bureau.certificates import batches, operations
from bureau.certificates.models import BatchStatus, Certificate, CertificateBatch
from bureau.db import db
from bureau.downloads import send_download
from bureau.errors import Invalid, Problem
from bureau.text import N_
from competition.models import Competition

STAFF = Role.admin.value

ISSUE_INPUT = schema("CertificateIssue", {
    "type": "object", "description": "exactly one of award_id, assessment_result_id",
    "properties": {"award_id": {"type": "integer"}, "assessment_result_id": {"type": "integer"}}})
CERTIFICATE = schema("Certificate", {"type": "object", "required": ["serial", "pdf_url", "verify_url"], "properties": {
    "serial": {"type": "string", "example": "2026-JN-7K3Q-9XMP-D4WR-TC"},
    "pdf_url": {"type": "string", "description": "the PDF, for bearer-token clients"},
    "verify_url": {"type": "string", "description": "the public verification page (PUBLIC_BASE_URL)"},
    "created": {"type": "boolean", "description": "false when the same thing had been certified before"},
    "kind": {"type": "string", "enum": ["skill_level", "title", "prize", "excellent_studio"]},
    "status": {"type": "string", "enum": ["valid", "revoked"]},
    "holder_name": {"type": "string"}, "id_number_masked": {"type": "string"},
    "title_line": {"type": "string"}, "issuer": {"type": "string"},
    "issued_on": {"type": "string", "format": "date"},
    "award_id": {"type": "integer", "nullable": True}, "assessment_result_id": {"type": "integer", "nullable": True},
    "revoked_reason": {"type": "string"}, "revoked_at": {"type": "string", "format": "date-time", "nullable": True},
    "version": {"type": "integer"}}})
REVOKE_INPUT = schema("CertificateRevoke", {"type": "object", "required": ["reason"], "properties": {
    "reason": {"type": "string"}, "version": {"type": "integer"}}})
BATCH_INPUT = schema("CertificateBatchStart", {
    "type": "object", "description": "exactly one of competition_id, assessment_id",
    "properties": {"competition_id": {"type": "integer"}, "assessment_id": {"type": "integer"}}})
BATCH = schema("CertificateBatch", {"type": "object", "required": ["id", "status", "done", "total", "pdf_url"],
                                    "properties": {
    "id": {"type": "integer"}, "status": {"type": "string", "enum": ["pending", "running", "done", "failed", "expired"],
               "description": "expired: the batch's files were deleted after CERTIFICATE_BATCH_KEEP_DAYS; "
                              "its certificates stay valid and a new batch can be started"},
    "done": {"type": "integer", "description": "certificates in the merged PDF so far"},
    "total": {"type": "integer"},
    "pdf_url": {"type": "string", "nullable": True, "description": "the merged PDF once written"},
    "zip_done": {"type": "integer"}, "zip_url": {"type": "string", "nullable": True},
    "error": {"type": "string"}}})


def certificate_json(certificate: Certificate, created: bool | None = None) -> dict:
    body = {"serial": certificate.serial,
            "pdf_url": url_for("api.certificate_pdf", serial=certificate.serial),
            "verify_url": operations.verify_url(certificate.serial),
            "kind": certificate.kind, "status": certificate.status, "holder_name": certificate.holder_name,
            "id_number_masked": certificate.id_number_masked, "title_line": certificate.snapshot["title_line"],
            "issuer": certificate.issuer, "issued_on": certificate.issued_on.isoformat(),
            "award_id": certificate.award_id, "assessment_result_id": certificate.assessment_result_id,
            "revoked_reason": certificate.revoked_reason,
            "revoked_at": certificate.revoked_at.isoformat() + "Z" if certificate.revoked_at else None,
            "version": certificate.version}
    if created is not None:
        body["created"] = created
    return body


def batch_json(batch: CertificateBatch) -> dict:
    state = batches.batch_state(batch)
    return {"id": batch.id, "status": batch.status, "done": batch.done, "total": batch.total,
            "pdf_url": url_for("api.certificate_batch_pdf", batch_id=batch.id)
            if state["pdf_ready"] else None,
            "zip_done": batch.zip_done,
            "zip_url": url_for("api.certificate_batch_zip", batch_id=batch.id)
            if state["zip_ready"] else None,
            "error": batch.error, "competition_id": batch.competition_id, "assessment_id": batch.assessment_id}


def _one_of(body: dict, *names: str) -> str:
    given = [name for name in names if body.get(name) not in (None, "")]
    if len(given) != 1:
        raise Invalid([Problem(name, N_("须给出且只给出 %(fields)s 之一"), {"fields": "、".join(names)})
                       for name in names])
    return given[0]


def _certificate(serial: str) -> Certificate:
    state, certificate, _ = operations.lookup(serial)
    if certificate is None:
        abort(404)
    return certificate


@api_route("/certificates", "POST", tag="certificates", request_body=ISSUE_INPUT, response=CERTIFICATE, status=201,
           summary="Issue the certificate of an award or an excellent assessment result (staff); "
                   "201 when new, 200 with the same serial when it was issued before",
           errors=(401, 403, 409))
@allow(STAFF)
def issue_certificate():
    body = json_object()
    field = _one_of(body, "award_id", "assessment_result_id")
    user = authenticated_user()
    if field == "award_id":
        certificate, created = operations.issue_for_award(body["award_id"], user)
    else:
        certificate, created = operations.issue_for_assessment_result(body["assessment_result_id"], user)
    return jsonify(certificate_json(certificate, created)), 201 if created else 200


@api_route("/certificates/<serial>", "GET", tag="certificates", response=CERTIFICATE, errors=(401, 403, 404),
           summary="One certificate by its serial (staff; the public page is /verify/{serial})")
@allow(STAFF)
def get_certificate(serial: str):
    return jsonify(certificate_json(_certificate(serial)))


@api_route("/certificates/<serial>/pdf", "GET", tag="certificates", errors=(401, 403, 404),
           response={"type": "string", "format": "binary"},
           summary="The certificate as PDF, rendered from what was frozen at issue (staff)")
@allow(STAFF)
def certificate_pdf(serial: str):
    certificate = _certificate(serial)
    return send_download(operations.render_pdf(certificate), f"{certificate.serial}.pdf", "application/pdf")


@api_route("/certificates/<serial>/revoke", "POST", tag="certificates", request_body=REVOKE_INPUT,
           response=CERTIFICATE, errors=(401, 403, 404, 409),
           summary="Revoke a certificate with a reason (staff); the verification page then says 已吊销")
@allow(STAFF)
def revoke_certificate(serial: str):
    certificate = _certificate(serial)
    body = json_object()
    operations.revoke(certificate, str(body.get("reason") or ""), authenticated_user(),
                      expected_version=body.get("version"))
    return jsonify(certificate_json(certificate))


@api_route("/certificates/batches", "POST", tag="certificates", request_body=BATCH_INPUT, response=BATCH,
           status=202, errors=(401, 403, 404, 409),
           summary="Start making all certificates of a finalized competition or a published assessment as "
                   "one PDF and a ZIP, in the background (staff); while a batch of the same source is pending "
                   "or running, that batch is returned with 200 (the body of its GET), not a second one")
@allow(STAFF)
def start_certificate_batch():
    from studios.models import Assessment

    body = json_object()
    field = _one_of(body, "competition_id", "assessment_id")
    if field == "competition_id":
        competition = db.session.get(Competition, _number(body, field))
        if competition is None:
            raise ApiError(404, "not_found", N_("没有这个竞赛。"))
        batch, created = batches.start_competition_batch(competition, authenticated_user())
    else:
        assessment = db.session.get(Assessment, _number(body, field))
        if assessment is None:
            raise ApiError(404, "not_found", N_("没有这次考评。"))
        batch, created = batches.start_assessment_batch(assessment, authenticated_user())
    return jsonify(batch_json(batch)), 202 if created else 200


def _number(body: dict, field: str) -> int:
    value = body[field]
    if isinstance(value, bool) or not str(value).isdecimal() or int(value) >= 2**31:
        raise Invalid([Problem(field, N_("应为正整数编号"))])
    return int(value)


@api_route("/certificates/batches/<int:batch_id>", "GET", tag="certificates", response=BATCH,
           errors=(401, 403, 404), summary="A batch's progress; pdf_url once the merged PDF is written (staff)")
@allow(STAFF)
def get_certificate_batch(batch_id: int):
    return jsonify(batch_json(db.get_or_404(CertificateBatch, batch_id)))


@api_route("/certificates/batches/<int:batch_id>/pdf", "GET", tag="certificates", errors=(401, 403, 404, 410),
           response={"type": "string", "format": "binary"}, summary="The batch's merged PDF, once written (staff)")
@allow(STAFF)
def certificate_batch_pdf(batch_id: int):
    return send_batch_file(_batch_with_files(batch_id), "pdf")


@api_route("/certificates/batches/<int:batch_id>/zip", "GET", tag="certificates", errors=(401, 403, 404, 410),
           response={"type": "string", "format": "binary"},
           summary="The batch's ZIP of single-certificate PDFs, once written (staff)")
@allow(STAFF)
def certificate_batch_zip(batch_id: int):
    return send_batch_file(_batch_with_files(batch_id), "zip")


def _batch_with_files(batch_id: int) -> CertificateBatch:
    batch = db.get_or_404(CertificateBatch, batch_id)
    if batch.status == BatchStatus.expired.value:
        raise ApiError(410, "gone", N_("该批次的文件已按保留期清理；已签发的证书仍有效，可重新批量生成。"))
    return batch


def send_batch_file(batch: CertificateBatch, which: str):
    path = batches.batch_file(batch, which)
    if path is None or not path.is_file():
        abort(404)
    mimetype = "application/pdf" if which == "pdf" else "application/zip"
    return send_download(path, f"{batch.title}-证书.{which}", mimetype, max_age=0)
