"""Studio endpoints of the JSON API (contract: ../shared/API.md, "Studios and training bases")."""
from __future__ import annotations

from decimal import Decimal

from flask import jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from bureau.access import ALL_ROLES, allow, authenticated_user
from bureau.accounts.models import Role
from bureau.api import ApiError, api_route, schema
from bureau.api.views import json_object, require_fields
from bureau.clock import local_today
from bureau.db import db
from studios import operations, queries
from studios.models import KIND_LABELS, LEVEL_LABELS, AnnualReport, Assessment, Studio
from studios.report import SECTIONS, promoted_apprentices
from studios.rubrics import KINDS, load_rubric

ADMIN = Role.admin.value
LEAD = Role.studio_lead.value
TAG = "studios"

_DATE = {"type": "string", "format": "date"}
_VERSION = {"type": "integer", "description": "the version read; a write against an older version is refused with 409"}
STUDIO_INPUT = schema("StudioInput", {
    "type": "object", "required": ["name", "kind", "level", "jurisdiction", "lead", "established"], "properties": {
        "name": {"type": "string"}, "kind": {"type": "string", "enum": list(KIND_LABELS)},
        "level": {"type": "string", "enum": list(LEVEL_LABELS)}, "jurisdiction": {"type": "string"},
        "lead": {"type": "string", "description": "the lead's username (role studio_lead)"},
        "established": _DATE,
        "policy": {"type": "string", "description": "policy document code; default: the one for the jurisdiction"},
        "occupation": {"type": "string"}, "host_employer": {"type": "string"},
        "term_years": {"type": "integer", "default": 3},
        "status": {"type": "string", "enum": ["active", "expired", "revoked"]}, "revoked_reason": {"type": "string"},
        "grant_paid_on": {**_DATE, "nullable": True}}})
STUDIO = schema("Studio", {"allOf": [STUDIO_INPUT, {"type": "object", "properties": {
    "id": {"type": "integer"}, "version": {"type": "integer"}, "lead_name": {"type": "string"},
    "term_ends": _DATE, "term_status": {"type": "string", "enum": ["active", "expiring", "expired", "revoked"]}}}]})
GRANT = schema("StudioGrant", {"type": "object", "properties": {
    "kind": {"type": "string"}, "amount": {"type": "integer"},
    "amount_basis": {"type": "string", "enum": ["fixed", "at_least"]}, "policy": {"type": "string"},
    "clause": {"type": "string"}, "rule": {"type": "string"}, "payee": {"type": "string"},
    "conditions": {"type": "array", "items": {"type": "string"}}}})
_ROW_SCHEMAS = {section.key: {"type": "array", "items": {"type": "object", "properties": {
    column.key: {"type": "integer"} if column.kind == "count" else
    {"type": "string", "format": "date"} if column.kind == "date" else {"type": "string"}
    for column in section.columns}, "required": [column.key for column in section.columns if column.required]}}
    for section in SECTIONS}
REPORT_CONTENT = schema("AnnualReportContent", {"type": "object", "properties": {
    **_ROW_SCHEMAS,
    "funds": {"type": "object", "properties": {"received": {"type": "integer"}, "spent": {"type": "integer"},
                                               "note": {"type": "string"}}},
    "summary": {"type": "string"}}})
REPORT_INPUT = schema("AnnualReportInput", {"allOf": [REPORT_CONTENT, {"type": "object", "properties": {
    "version": {**_VERSION, "description": "the version read, or 0 to start the report: if it exists by then "
                                          "(another tab or client saved first) the save is refused with 409"}}}]})
REPORT = schema("AnnualReport", {"type": "object", "properties": {
    "studio_id": {"type": "integer"}, "year": {"type": "integer"}, "version": {"type": "integer"},
    "status": {"type": "string", "enum": ["draft", "submitted", "returned", "accepted"]},
    "late": {"type": "boolean"}, "submitted_at": {"type": "string", "format": "date-time", "nullable": True},
    "return_reason": {"type": "string"}, "content": REPORT_CONTENT,
    "promoted_to_high_skill": {"type": "integer", "description": "apprentices who reached 高级工 or above"},
    "score": {"type": "number", "nullable": True},
    "items": {"type": "object", "nullable": True, "additionalProperties": {"type": "number"}},
    "attachments": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "filename": {"type": "string"}, "content_type": {"type": "string"},
        "size": {"type": "integer"}}}},
    "linked_results": {"type": "array", "description": "signed-off competition results of the report's apprentices, "
                                                      "by ID number; bureau staff only (absent in a studio lead's "
                                                      "answer: a lead learns nothing about anyone's results)",
                       "items": {"type": "object"}}}})
RETURN_INPUT = schema("ReportReturn", {"type": "object", "required": ["reason"],
                                       "properties": {"reason": {"type": "string"}}})
SCORE_INPUT = schema("ReportScore", {"type": "object", "required": ["items"], "properties": {
    "items": {"type": "object", "additionalProperties": {"anyOf": [
        {"type": "number"}, {"type": "string", "description": "points as an exact decimal, e.g. \"8.5\""}]}}}})
RUBRIC_ITEM = schema("RubricItem", {"type": "object", "properties": {
    "key": {"type": "string"}, "label": {"type": "string"}, "max": {"type": "integer"},
    "description": {"type": "string"}}})
ASSESSMENT_INPUT = schema("AssessmentInput", {
    "type": "object", "required": ["year", "kind", "level", "jurisdiction"], "properties": {
        "year": {"type": "integer"}, "kind": {"type": "string", "enum": list(KIND_LABELS)},
        "level": {"type": "string", "enum": list(LEVEL_LABELS)}, "jurisdiction": {"type": "string"},
        "reward_amount": {"type": "integer", "description": "yuan per 优秀; at most the policy's cap (default: the cap)"}}})
ASSESSMENT = schema("Assessment", {"type": "object", "properties": {
    "id": {"type": "integer"}, "version": {"type": "integer"}, "year": {"type": "integer"},
    "kind": {"type": "string"}, "level": {"type": "string"}, "jurisdiction": {"type": "string"},
    "policy": {"type": "string"}, "status": {"type": "string", "enum": ["draft", "published"]},
    "excellent_cap": {"type": "integer"},
    "ties_at_cap": {"type": "array", "items": {"type": "integer"}, "description": "studio ids tied on the 优秀 line"},
    "reward_amount": {"type": "integer"}, "reward_cap": {"type": "integer"},
    "results": {"type": "array", "items": {"type": "object", "properties": {
        "studio_id": {"type": "integer"}, "name": {"type": "string"}, "score": {"type": "number", "nullable": True},
        "rank": {"type": "integer", "nullable": True},
        "grade": {"type": "string", "enum": ["excellent", "qualified", "unqualified"]},
        "reward": {"type": "integer"}, "note": {"type": "string"}}}}}})
TIE_INPUT = schema("AssessmentTieDecision", {"type": "object", "required": ["excellent", "reason"], "properties": {
    "excellent": {"type": "array", "items": {"type": "integer"}, "description": "tied studio ids rated 优秀"},
    "reason": {"type": "string"}, "version": _VERSION}})
PUBLISH_INPUT = schema("AssessmentPublish", {"type": "object", "properties": {
    "notice_ends_on": _DATE, "version": _VERSION}})
STUDIO_QUERY = [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
              for name in (*queries.STUDIO_FILTERS, "q")]


def _number(value: Decimal | None):
    """A score as a JSON number: 86 or 86.5, never a string."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def studio_json(studio: Studio) -> dict:
    return {"id": studio.id, "version": studio.version, "name": studio.name, "kind": studio.kind,
            "level": studio.level, "jurisdiction": studio.jurisdiction, "policy": studio.policy,
            "lead": studio.lead.username, "lead_name": studio.lead.display_name, "occupation": studio.occupation,
            "host_employer": studio.host_employer, "established": studio.established.isoformat(),
            "term_years": studio.term_years, "term_ends": studio.term_ends.isoformat(), "status": studio.status,
            "term_status": studio.term_state(local_today()).value,
            "revoked_reason": studio.revoked_reason,
            "grant_paid_on": studio.grant_paid_on.isoformat() if studio.grant_paid_on else None}


def report_json(report: AnnualReport) -> dict:
    content = report.content or {}
    body = {"studio_id": report.studio_id, "year": report.year, "version": report.version, "status": report.status,
            "late": report.late, "submitted_at": report.submitted_at.isoformat() + "Z" if report.submitted_at else None,
            "return_reason": report.return_reason, "content": content,
            "promoted_to_high_skill": len(promoted_apprentices(content)), "score": _number(report.score),
            "items": {key: _number(Decimal(points)) for key, points in report.item_scores.items()}
            if report.item_scores is not None else None,
            "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
                            for a in report.attachments]}
    # Staff only: a lead's answer leaves the field out, since an empty list would read as "no results".
    linked = queries.linked_competition_results(authenticated_user(), content)
    if linked is not None:
        body["linked_results"] = [
            {"id_number": result.id_number, "name": result.name, "result_id": result.id,
             "competition_id": result.competition_id, "competition": result.competition.name,
             "year": result.competition.year, "rank": result.rank, "medal": result.medal}
            for results in linked.values() for result in results]
    return body


def assessment_json(assessment: Assessment) -> dict:
    return {"id": assessment.id, "version": assessment.version, "year": assessment.year, "kind": assessment.kind,
            "level": assessment.level, "jurisdiction": assessment.jurisdiction, "policy": assessment.policy,
            "status": assessment.status, "excellent_cap": assessment.excellent_cap,
            "ties_at_cap": list(assessment.ties_at_cap), "reward_amount": assessment.reward_amount,
            "reward_cap": assessment.reward_cap,
            "results": [{"studio_id": result.studio_id, "name": result.studio.name, "score": _number(result.score),
                         "rank": result.rank, "grade": result.grade, "reward": result.reward,
                         "note": result.note_message.render(_) if result.note_message else ""}
                        for result in assessment.results]}


def _version(body: dict | None = None):
    """The version the client read: the body's ``version`` or an ``If-Match`` header."""
    if body and body.get("version") is not None:
        return body["version"]
    return request.headers.get("If-Match", "").strip('" ') or None


# --- registry ------------------------------------------------------------------------------------


@api_route("/studios", "POST", summary="Register a studio or base (bureau staff)", tag=TAG,
           request_body=STUDIO_INPUT, response=STUDIO, status=201)
@allow(ADMIN)
def create_studio():
    body = json_object()
    require_fields(body, "name", "kind", "level", "jurisdiction", "lead", "established")
    return jsonify(studio_json(operations.create_studio(body))), 201


@api_route("/studios", "GET", summary="List studios (a lead sees only their own)", tag=TAG,
           response={"type": "array", "items": STUDIO}, query=STUDIO_QUERY)
@allow(ADMIN, LEAD)
def list_studios():
    filters = {key: request.args.get(key, "") for key in (*queries.STUDIO_FILTERS, "q")}
    studios = db.session.scalars(queries.visible_studios(authenticated_user(), filters)).all()
    return jsonify([studio_json(studio) for studio in studios])


@api_route("/studios/<int:studio_id>", "GET", summary="A studio (its lead or bureau staff)", tag=TAG,
           response=STUDIO, errors=(401, 403, 404))
@allow(ADMIN, LEAD, owns=queries.owns_studio)
def get_studio(studio_id: int):
    return jsonify(studio_json(db.get_or_404(Studio, studio_id)))


@api_route("/studios/<int:studio_id>", "PUT", summary="Change a studio's record (bureau staff)", tag=TAG,
           request_body={"allOf": [STUDIO_INPUT, {"type": "object", "properties": {"version": _VERSION}}]},
           response=STUDIO, errors=(401, 403, 404, 409))
@allow(ADMIN)
def update_studio(studio_id: int):
    studio = db.get_or_404(Studio, studio_id)
    body = json_object()
    require_fields(body, "name", "kind", "level", "jurisdiction", "lead", "established")
    operations.update_studio(studio, body, version=_version(body))
    return jsonify(studio_json(studio))


@api_route("/studios/<int:studio_id>/grants", "GET", summary="One-time grants due under the studio's policy",
           tag=TAG, response={"type": "array", "items": GRANT}, errors=(401, 403, 404))
@allow(ADMIN, LEAD, owns=queries.owns_studio)
def studio_grants(studio_id: int):
    grants = queries.grants_for(db.get_or_404(Studio, studio_id))
    return jsonify([{"kind": grant.kind, "amount": grant.amount, "amount_basis": grant.amount_basis,
                     "policy": grant.policy, "clause": grant.clause, "rule": grant.rule, "payee": grant.payee,
                     "conditions": list(grant.conditions)} for grant in grants])


# --- annual reports ------------------------------------------------------------------------------


@api_route("/studios/<int:studio_id>/reports/<int:year>", "GET", summary="A studio's annual report", tag=TAG,
           response=REPORT, errors=(401, 403, 404))
@allow(ADMIN, LEAD, owns=queries.owns_studio)
def get_report(studio_id: int, year: int):
    return jsonify(report_json(queries.report_or_404(studio_id, year)))


@api_route("/studios/<int:studio_id>/reports/<int:year>", "PUT",
           summary="Save the annual report as a draft (the studio's lead); returned reports stay returned until resubmitted",
           tag=TAG, request_body=REPORT_INPUT, response=REPORT, errors=(401, 403, 404, 409))
@allow(LEAD, owns=queries.owns_studio)
def save_report(studio_id: int, year: int):
    body = json_object()
    version = _version(body)
    content = {key: value for key, value in body.items() if key != "version"}
    report = operations.save_report(db.get_or_404(Studio, studio_id), year, content, version=version)
    return jsonify(report_json(report))


@api_route("/studios/<int:studio_id>/reports/<int:year>/submit", "POST",
           summary="Submit the report; after the year's deadline it is marked late", tag=TAG, response=REPORT,
           errors=(401, 403, 404, 409))
@allow(LEAD, owns=queries.owns_studio)
def submit_report(studio_id: int, year: int):
    return jsonify(report_json(operations.submit_report(queries.report_or_404(studio_id, year))))


@api_route("/studios/<int:studio_id>/reports/<int:year>/return", "POST",
           summary="Return a submitted report to its lead with a reason (bureau staff)", tag=TAG,
           request_body=RETURN_INPUT, response=REPORT, errors=(401, 403, 404, 409))
@allow(ADMIN)
def return_report(studio_id: int, year: int):
    body = json_object()
    report = operations.return_report(queries.report_or_404(studio_id, year), str(body.get("reason") or ""), authenticated_user())
    return jsonify(report_json(report))


@api_route("/studios/<int:studio_id>/reports/<int:year>/accept", "POST",
           summary="Accept a submitted report (bureau staff); accepting a late report approves its lateness",
           tag=TAG, response=REPORT, errors=(401, 403, 404, 409))
@allow(ADMIN)
def accept_report(studio_id: int, year: int):
    return jsonify(report_json(operations.accept_report(queries.report_or_404(studio_id, year), authenticated_user())))


@api_route("/studios/<int:studio_id>/reports/<int:year>/score", "PUT",
           summary="Item scores for an accepted report, checked against the kind's rubric (bureau staff)", tag=TAG,
           request_body=SCORE_INPUT, response=REPORT, errors=(401, 403, 404, 409))
@allow(ADMIN)
def score_report(studio_id: int, year: int):
    body = json_object()
    require_fields(body, "items")
    report = operations.score_report(queries.report_or_404(studio_id, year), body["items"], authenticated_user())
    return jsonify(report_json(report))


@api_route("/rubrics/<kind>", "GET", summary="Scoring items of a kind of studio; maxima sum to 100", tag=TAG,
           response={"type": "array", "items": RUBRIC_ITEM}, errors=(401, 404))
@allow(*ALL_ROLES)
def get_rubric(kind: str):
    if kind not in KINDS:
        raise ApiError(404, "not_found", _("没有“%(kind)s”类的评分细则。", kind=kind))
    rubric = load_rubric(kind)
    return jsonify([{"key": item.key, "label": item.label, "max": item.max, "description": item.description}
                    for item in rubric.items])


# --- assessments ---------------------------------------------------------------------------------


@api_route("/assessments", "POST",
           summary="Run the annual assessment of a year, kind, level and jurisdiction (bureau staff); "
                   "a rerun replaces a draft, a published one is 409", tag=TAG,
           request_body=ASSESSMENT_INPUT, response=ASSESSMENT, status=201, errors=(401, 403, 409))
@allow(ADMIN)
def run_assessment():
    body = json_object()
    require_fields(body, "year", "kind", "level", "jurisdiction")
    assessment = operations.run_assessment(year=body["year"], kind=body["kind"], level=body["level"],
                                           jurisdiction=body["jurisdiction"],
                                           reward_amount=body.get("reward_amount"), run_by=authenticated_user())
    return jsonify(assessment_json(assessment)), 201


@api_route("/assessments", "GET", summary="Assessments run so far (bureau staff)", tag=TAG,
           response={"type": "array", "items": ASSESSMENT})
@allow(ADMIN)
def list_assessments():
    assessments = db.session.scalars(select(Assessment).order_by(Assessment.year.desc(), Assessment.id)).all()
    return jsonify([assessment_json(assessment) for assessment in assessments])


@api_route("/assessments/<int:assessment_id>", "GET", summary="An assessment and its results (bureau staff)",
           tag=TAG, response=ASSESSMENT, errors=(401, 403, 404))
@allow(ADMIN)
def get_assessment(assessment_id: int):
    return jsonify(assessment_json(db.get_or_404(Assessment, assessment_id)))


@api_route("/assessments/<int:assessment_id>/ties", "POST",
           summary="Decide which studios tied on the 优秀 line are rated 优秀 (bureau staff; audited with the reason)",
           tag=TAG, request_body=TIE_INPUT, response=ASSESSMENT, errors=(401, 403, 404, 409))
@allow(ADMIN)
def decide_tie(assessment_id: int):
    assessment = db.get_or_404(Assessment, assessment_id)
    body = json_object()
    require_fields(body, "excellent")
    operations.decide_tie(assessment, body["excellent"], str(body.get("reason") or ""), version=_version(body))
    return jsonify(assessment_json(assessment))


@api_route("/assessments/<int:assessment_id>/publish", "POST",
           summary="Publish the results for public notice (bureau staff)", tag=TAG,
           request_body=PUBLISH_INPUT, body_required=False, response=ASSESSMENT, errors=(401, 403, 404, 409))
@allow(ADMIN)
def publish_assessment(assessment_id: int):
    assessment = db.get_or_404(Assessment, assessment_id)
    body = json_object(required=False)
    operations.publish_assessment(assessment, body.get("notice_ends_on"), version=_version(body))
    return jsonify(assessment_json(assessment))
