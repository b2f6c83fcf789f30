"""Competition endpoints of the JSON API (contract: ../shared/API.md)."""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import false, func, select

from bureau.access import allow, authenticated_user
from bureau.api import api_route, request_json, schema
from bureau.api.views import json_object
from bureau.db import db
from competition import operations
from competition.access import ORGANISER, STAFF, owns_competition, visible_competitions
from competition.models import TIERS, Award, Competition, Result

BAND = {"type": "object", "properties": {"from_rank": {"type": "integer"}, "to_rank": {"type": "integer"}}}
COMPETITION_INPUT = schema("CompetitionInput", {"type": "object", "required": ["name", "tier", "year", "policy"], "properties": {
    "name": {"type": "string"}, "tier": {"type": "string", "enum": list(TIERS)},
    "category": {"type": "integer", "enum": [1, 2], "nullable": True}, "occupation": {"type": "string"},
    "year": {"type": "integer"}, "held_on": {"type": "string", "format": "date", "nullable": True},
    "group": {"type": "string", "enum": ["worker", "student"], "nullable": True},
    "policy": {"type": "string"}, "practical_only": {"type": "boolean"}, "national_games": {"type": "boolean"},
    "theory_weight": {"type": "number", "minimum": 0, "maximum": 1}, "pass_mark": {"type": "number"},
    "promotions": {"type": "array", "items": {**BAND, "properties": {**BAND["properties"], "level": {"type": "string"}}}},
    "prizes": {"type": "array", "items": {**BAND, "properties": {**BAND["properties"], "amount": {"type": "integer"}}}},
    "organiser_name": {"type": "string"}}})
COMPETITION = schema("Competition", {"allOf": [COMPETITION_INPUT, {"type": "object", "properties": {
    "id": {"type": "integer"}, "version": {"type": "integer"},
    "status": {"type": "string", "enum": ["draft", "results_entered", "finalized", "published"]},
    "results_count": {"type": "integer"}}}]})
RESULT_INPUT = schema("ResultInput", {"type": "object", "required": ["name", "id_number"], "properties": {
    "name": {"type": "string"}, "id_number": {"type": "string"}, "employer": {"type": "string"},
    "local": {"type": "boolean"}, "group": {"type": "string", "nullable": True}, "team": {"type": "string", "nullable": True},
    "theory": {"type": "number", "nullable": True}, "practical": {"type": "number", "nullable": True},
    "total": {"type": "number", "nullable": True, "description": "used only when the scores are absent"},
    "rank": {"type": "integer", "nullable": True},
    "medal": {"type": "string", "enum": ["gold", "silver", "bronze", "excellence"], "nullable": True},
    "base": {"type": "integer", "nullable": True,
             "description": "id of a registered, active competition training base of the competition's policy"}}})
RESULT = schema("Result", {"allOf": [RESULT_INPUT, {"type": "object", "properties": {
    "id": {"type": "integer"}, "total": {"type": "number", "nullable": True}, "rank": {"type": "integer"},
    "passed": {"type": "boolean", "nullable": True}}}]})
AWARD = schema("Award", {"type": "object", "properties": {
    "id": {"type": "integer"}, "result_id": {"type": "integer", "nullable": True}, "name": {"type": "string"},
    "id_number": {"type": "string", "nullable": True},
    "kind": {"type": "string", "enum": ["skill_level", "title", "cash"]},
    "level": {"type": "string", "nullable": True}, "title": {"type": "string", "nullable": True},
    "amount": {"type": "integer", "nullable": True},
    "payee": {"type": "string", "enum": ["person", "team", "base", "organiser"]},
    "policy": {"type": "string"}, "clause": {"type": "string"}, "paid": {"type": "boolean"},
    "reason": {"type": "string"}, "status": {"type": "string"}, "rule": {"type": "string"}}})
REASON = schema("Reason", {"type": "object", "required": ["reason"], "properties": {
    "reason": {"type": "string"}, "version": {"type": "integer"}}})
VERSION_BODY = schema("VersionRead", {"type": "object", "properties": {"version": {
    "type": "integer", "description": "the version read (or If-Match); a write against an older version is 409"}}})
VERSION_HEADER = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "integer"},
                  "description": "the version read; a write against an older version is refused with 409"}


def _number(value):
    return None if value is None else float(value)


def competition_json(competition: Competition, results_count: int | None = None) -> dict:
    fields = operations.competition_fields(competition)
    return {**fields, "id": competition.id, "version": competition.version, "status": competition.status,
            "held_on": competition.held_on.isoformat() if competition.held_on else None,
            "theory_weight": _number(competition.theory_weight), "pass_mark": _number(competition.pass_mark),
            "results_count": results_count if results_count is not None else len(competition.results)}


def result_json(result: Result) -> dict:
    return {"id": result.id, "name": result.name, "id_number": result.id_number, "employer": result.employer,
            "local": result.local, "group": result.entry_group, "team": result.team,
            "theory": _number(result.theory), "practical": _number(result.practical), "total": _number(result.total),
            "rank": result.rank, "medal": result.medal, "passed": result.passed, "base": result.base_id}


def award_json(award: Award) -> dict:
    return {"id": award.id, "result_id": award.result_id, "name": award.name, "id_number": award.id_number,
            "kind": award.kind, "level": award.level, "title": award.title, "amount": award.amount,
            "payee": award.payee, "policy": award.policy, "clause": award.clause, "paid": award.paid,
            "reason": award.reason, "status": award.status, "rule": award.rule, "note": award.note,
            "needs_review": award.needs_review}


def _expected_version(body: dict | None = None):
    """The version the client read: the If-Match header or a ``version`` field."""
    header = request.headers.get("If-Match", "").strip('"W/ ')
    if header:
        return header
    return (body or {}).get("version")


@api_route("/competitions", "POST", summary="Register a competition", tag="competitions",
           request_body=COMPETITION_INPUT, response=COMPETITION, status=201)
@allow(STAFF, ORGANISER)
def create_competition():
    competition = operations.create_competition(json_object(), authenticated_user())
    return jsonify(competition_json(competition)), 201


@api_route("/competitions", "GET", summary="List competitions (organisers see their own)", tag="competitions",
           response={"type": "array", "items": COMPETITION},
           query=[{"name": "year", "in": "query", "schema": {"type": "integer"}},
                  {"name": "tier", "in": "query", "schema": {"type": "string", "enum": list(TIERS)}}])
@allow(STAFF, ORGANISER)
def list_competitions():
    query = visible_competitions(authenticated_user()).order_by(Competition.year.desc(), Competition.id)
    if year := request.args.get("year", type=int):
        # A year no integer column holds matches nothing (and must not overflow the driver).
        query = query.where(Competition.year == year if abs(year) < 2**31 else false())
    if tier := request.args.get("tier"):
        query = query.where(Competition.tier == tier)
    competitions = db.session.scalars(query).all()
    counts = dict(db.session.execute(select(Result.competition_id, func.count()).where(
        Result.competition_id.in_([c.id for c in competitions])).group_by(Result.competition_id)).all())
    return jsonify([competition_json(c, counts.get(c.id, 0)) for c in competitions])


@api_route("/competitions/<int:competition_id>", "GET", summary="One competition", tag="competitions",
           response=COMPETITION, errors=(401, 403, 404))
@allow(STAFF, ORGANISER, owns=owns_competition)
def get_competition(competition_id: int):
    return jsonify(competition_json(db.get_or_404(Competition, competition_id)))


@api_route("/competitions/<int:competition_id>", "PATCH", summary="Change a competition's fields (with version)",
           tag="competitions", request_body={"allOf": [COMPETITION_INPUT, VERSION_BODY]}, response=COMPETITION,
           errors=(401, 403, 404, 409), query=[VERSION_HEADER])
@allow(STAFF, ORGANISER, owns=owns_competition)
def update_competition(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    body = json_object()
    operations.update_competition(competition, body, expected_version=_expected_version(body))
    return jsonify(competition_json(competition))


@api_route("/competitions/<int:competition_id>/results", "GET", summary="The competition's results, ranked",
           tag="competitions", response={"type": "array", "items": RESULT}, errors=(401, 403, 404))
@allow(STAFF, ORGANISER, owns=owns_competition)
def get_results(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    return jsonify([result_json(result) for result in competition.results])


@api_route("/competitions/<int:competition_id>/results", "PUT", summary="Replace all results, atomically",
           tag="competitions", request_body={"type": "array", "items": RESULT_INPUT},
           response={"type": "array", "items": RESULT}, errors=(401, 403, 404, 409), query=[VERSION_HEADER])
@allow(STAFF, ORGANISER, owns=owns_competition)
def put_results(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    results = operations.replace_results(competition, request_json(), expected_version=_expected_version())
    response = jsonify([result_json(result) for result in results])
    response.headers["ETag"] = str(competition.version)
    return response


@api_route("/competitions/<int:competition_id>/finalize", "POST", summary="Lock results and compute awards (staff)",
           tag="competitions", request_body=VERSION_BODY, body_required=False, response=COMPETITION,
           errors=(401, 403, 404, 409), query=[VERSION_HEADER])
@allow(STAFF)
def finalize(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    operations.finalize(competition, expected_version=_expected_version(json_object(required=False)))
    return jsonify(competition_json(competition))


@api_route("/competitions/<int:competition_id>/reopen", "POST", summary="Unlock finalized results, with a reason (staff)",
           tag="competitions", request_body=REASON, response=COMPETITION, errors=(401, 403, 404, 409))
@allow(STAFF)
def reopen(competition_id: int):
    competition = db.get_or_404(Competition, competition_id)
    body = json_object()
    operations.reopen(competition, str(body.get("reason") or ""), expected_version=_expected_version(body))
    return jsonify(competition_json(competition))


@api_route("/competitions/<int:competition_id>/awards", "GET", summary="Awards computed on finalize",
           tag="competitions", response={"type": "array", "items": AWARD}, errors=(401, 403, 404))
@allow(STAFF, ORGANISER, owns=owns_competition)
def get_awards(competition_id: int):
    db.get_or_404(Competition, competition_id)
    awards = db.session.scalars(select(Award).where(Award.competition_id == competition_id).order_by(Award.id)).all()
    return jsonify([award_json(award) for award in awards])
