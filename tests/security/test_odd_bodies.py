"""Bodies of the wrong shape on every write endpoint of the JSON API: 400 or 422 in the error shape.

The endpoints come from ``app.url_map`` (every POST, PUT, PATCH and DELETE under /api/v1), so an
endpoint added tomorrow is posted odd bodies too. Each is called by a user it is for (so the
request gets past access control) with: a body of the wrong kind at the top (a list where an
object goes, an object where a list goes, a bare number, text, null), JSON nested 100,000 deep,
NaN, and — for every field its OpenAPI schema declares — a value of the wrong type (text where a
number goes, a number where text goes, a list or an object where text goes, ...). Every answer
is 400 or 422 with ``{"error": {"code", "message", "details"}}``; none is a 5xx or a success.
"""
from __future__ import annotations

import json

import pytest

from tests.security.access_expectations import EXPECTATIONS, OK
from tests.security.test_access_matrix import STATE_CHANGING, route_methods, url_for_rule
from tests.security.world import USERNAMES, build_world

DEEP = 100_000
# JSON texts whose top level is of each kind.
TOP_LEVEL = {"object": '{"x": 1}', "array": "[1]", "number": "5", "string": '"x"', "boolean": "true",
             "null": "null"}
DEEPLY_NESTED = {"array": "[" * DEEP + "]" * DEEP, "object": '{"a":' * DEEP + "1" + "}" * DEEP}
# Values of the wrong type for a field declared as each JSON type (text that is not a number, so a
# field that also takes numbers written as text still cannot use it).
WRONG_VALUES = {
    "string": [5, 1.5, True, [1], {"a": 1}],
    "integer": ["五", "5", 1.5, True, [1], {"a": 1}],
    "number": ["九十", True, [1], {"a": 1}],
    "boolean": ["是", 1, [True], {"a": True}],
    "array": ["x", 5, {"a": 1}, True],
    "object": ["x", 5, [1], True],
}


def resolved(schema: dict, schemas: dict) -> dict:
    """The schema with its $ref and allOf parts merged (type and properties)."""
    if "$ref" in schema:
        return resolved(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
    merged = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema.get("allOf", ()):
        part = resolved(part, schemas)
        merged.setdefault("type", part.get("type"))
        merged["properties"] = {**part.get("properties", {}), **merged.get("properties", {})}
    return merged


def declared_type(schema: dict, schemas: dict) -> str | None:
    schema = resolved(schema, schemas)
    if "type" in schema:
        return schema["type"]
    options = [resolved(option, schemas).get("type") for option in schema.get("anyOf", ())]
    return "number" if "number" in options else None


def odd_bodies(body_schema: dict | None, schemas: dict) -> list[tuple[str, str, str | None]]:
    """(label, JSON text, field expected in the details or None) for one endpoint."""
    top = declared_type(body_schema, schemas) if body_schema else "object"
    bodies = [(f"{kind} body", text, None) for kind, text in TOP_LEVEL.items()
              if kind != top and not (kind == "object" and body_schema is None)]
    bodies += [(f"{kind} nested {DEEP} deep", text, None) for kind, text in DEEPLY_NESTED.items()]
    bodies.append(("NaN", '{"x": NaN}' if top == "object" else "[NaN]", None))
    if body_schema is None:
        return bodies
    schema = resolved(body_schema, schemas)
    item = resolved(schema["items"], schemas) if top == "array" else schema
    for name, field_schema in item.get("properties", {}).items():
        for value in WRONG_VALUES.get(declared_type(field_schema, schemas), []):
            record = {name: value}
            text = json.dumps([record] if top == "array" else record, ensure_ascii=False)
            bodies.append((f"{name}={value!r}", text, name))
    return bodies


def actor_for(endpoint: str) -> str:
    allowed = [actor for actor, outcome in EXPECTATIONS[endpoint].items() if outcome == OK]
    return next(actor for actor in ("staff", "organiser_a", "lead_a") if actor in allowed)


def error_shape_problem(response) -> str | None:
    body = response.get_json(silent=True)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not {"code", "message", "details"} <= set(error):
        return f"not the error shape: {response.get_data(as_text=True)[:120]}"
    if not isinstance(error["details"], list) or not error["message"]:
        return f"details not a list or no message: {error}"
    return None


def test_every_write_endpoint_answers_odd_bodies_with_400_or_422(app, users):
    world = build_world(app, users, certificates=False)
    from bureau.accounts.operations import issue_token
    from bureau.db import db

    tokens = {actor: {"Authorization": f"Bearer {issue_token(users[name])}"} for actor, name in USERNAMES.items()}
    db.session.commit()
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    problems, requests, endpoints = [], 0, set()
    for rule, method in route_methods(app):
        if not rule.rule.startswith("/api/v1/") or method not in STATE_CHANGING:
            continue
        endpoints.add(rule.endpoint)
        path = url_for_rule(rule, world)
        openapi_path = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        operation = document["paths"][openapi_path][method.lower()]
        body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        client, headers = app.test_client(), tokens[actor_for(rule.endpoint)]
        for label, text, field in odd_bodies(body_schema, schemas):
            response = client.open(path, method=method, data=text, content_type="application/json",
                                   headers=headers)
            requests += 1
            where = f"{method} {rule.rule} with {label[:60]}"
            if response.status_code not in (400, 422):
                problems.append(f"{where}: {response.status_code} {response.get_data(as_text=True)[:160]}")
            elif problem := error_shape_problem(response):
                problems.append(f"{where}: {problem}")
            elif field is not None and response.status_code == 422 and field not in {
                    detail.get("field", "").split(".")[0] for detail in response.get_json()["error"]["details"]}:
                problems.append(f"{where}: 422 without a detail for {field}: {response.get_json()}")
    print(f"odd bodies: {requests} requests to {len(endpoints)} endpoints")
    assert len(endpoints) >= 19 and requests > 300
    assert not problems, f"{len(problems)} answers were not a 400/422 error:\n" + "\n".join(problems[:60])


def test_a_list_where_the_policy_code_goes_is_named(client, api_token):
    """It was a 500: the code was looked up in a dict (unhashable list)."""
    response = client.post("/api/v1/competitions", headers=api_token("organiser"), json={
        "name": "列表政策竞赛", "tier": "city", "category": 1, "year": 2026, "policy": [1]})
    assert response.status_code == 422
    assert [detail["field"] for detail in response.get_json()["error"]["details"]] == ["policy"]


@pytest.mark.parametrize("action", ["finalize", "reopen"])
def test_a_bare_number_as_the_body_of_finalize_or_reopen_is_400(client, api_token, action):
    headers = api_token("organiser")
    competition = client.post("/api/v1/competitions", headers=headers, json={
        "name": "裸数字竞赛", "tier": "city", "category": 1, "year": 2026, "policy": "wenzhou-2018"}).get_json()
    response = client.post(f"/api/v1/competitions/{competition['id']}/{action}", data="5",
                           content_type="application/json", headers=api_token("admin"))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_fields_of_the_wrong_type_are_named_by_row_and_field_and_nothing_is_saved(client, api_token):
    headers = api_token("organiser")
    competition = client.post("/api/v1/competitions", headers=headers, json={
        "name": "类型校验竞赛", "tier": "city", "category": 1, "year": 2026, "policy": "wenzhou-2018"}).get_json()
    response = client.put(f"/api/v1/competitions/{competition['id']}/results", headers=headers, json=[
        {"name": ["张三"], "id_number": "330302199001012001", "theory": 80, "practical": 90},
        {"name": "李四", "id_number": 330302199001012002, "theory": "九十", "practical": 90, "local": "是"}])
    assert response.status_code == 422
    details = {(detail.get("row"), detail["field"]): detail["message"] for detail in response.get_json()["error"]["details"]}
    assert details == {(1, "name"): "应为文本", (2, "id_number"): "应为文本", (2, "theory"): "应为数字",
                       (2, "local"): "应为 true 或 false"}
    assert client.get(f"/api/v1/competitions/{competition['id']}/results", headers=headers).get_json() == []
