"""Request bodies of the JSON API: parsed within bounds, then checked against the declared schema.

Plain functions over plain data (the parsed JSON and the OpenAPI schemas), used by ``api_route``
before any handler runs, so that every write endpoint answers a body of the wrong shape in the
API's error shape and each handler sees only the types its schema declares. The door checks
shape and types only; values (ranges, choices, formats) and required fields stay with the
operations, which name them in their own words.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

from flask.json.provider import DefaultJSONProvider

from bureau.errors import Problem
from bureau.text import N_

# Nesting past this is no body any endpoint takes (an annual report is 3 deep). Python's json
# raises RecursionError near 1,000 levels, and walking such a value recursively would too.
MAX_JSON_DEPTH = 32
# What the database's integer columns hold (ids, years, amounts in yuan).
MAX_INTEGER = 2**31 - 1

TYPE_MESSAGES = {
    "string": N_("应为文本"),
    "integer": N_("应为整数"),
    "number": N_("应为数字"),
    "boolean": N_("应为 true 或 false"),
    "object": N_("应为 JSON 对象"),
    "array": N_("应为列表（JSON 数组）"),
}
BODY_MESSAGES = {
    "object": N_("请求体必须是 JSON 对象。"),
    "array": N_("请求体必须是 JSON 数组。"),
}


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing as invalid (a ValueError: 400) what JSON does not allow (NaN,
    Infinity) and nesting deeper than ``MAX_JSON_DEPTH`` — never a RecursionError (500)."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if nesting_depth(value) > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def nesting_depth(value) -> int:
    """How deep lists and objects nest in ``value`` (0 for a scalar), without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return deepest


def top_level_type(schema: Mapping, schemas: Mapping[str, Mapping]) -> str | None:
    """The JSON type a body of ``schema`` has at the top (through $ref and allOf)."""
    schema = _resolved(schema, schemas)
    if "type" in schema:
        return schema["type"]
    return next((kind for part in schema.get("allOf", ()) if (kind := top_level_type(part, schemas))), None)


def type_problems(value, schema: Mapping, schemas: Mapping[str, Mapping]) -> list[Problem]:
    """Every place in ``value`` whose type is not the one ``schema`` declares.

    The OpenAPI 3.0 keywords the API's schemas use: $ref, allOf, anyOf, type, nullable,
    properties, additionalProperties, items. A field is named by its path ("funds.received");
    inside a list, ``row`` is the item's 1-based position in the first list on the way.
    """
    problems: list[Problem] = []
    _check(value, schema, schemas, "", None, problems)
    unique = {(problem.field, problem.row, problem.message_template): problem for problem in problems}
    return list(unique.values())


def _resolved(schema: Mapping, schemas: Mapping[str, Mapping]) -> Mapping:
    while "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _has_type(value, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    return True


def _check(value, schema, schemas, field: str, row: int | None, problems: list[Problem]) -> None:
    schema = _resolved(schema, schemas)
    for part in schema.get("allOf", ()):
        _check(value, part, schemas, field, row, problems)
    if "anyOf" in schema:
        options = []
        for option in schema["anyOf"]:
            found: list[Problem] = []
            _check(value, option, schemas, field, row, found)
            if not found:
                break
            options.append(found)
        else:
            problems.extend(options[0])
    kind = schema.get("type")
    if kind is None:
        return
    if value is None:
        if not schema.get("nullable"):
            problems.append(Problem(field, TYPE_MESSAGES[kind], row=row))
        return
    if not _has_type(value, kind):
        problems.append(Problem(field, TYPE_MESSAGES[kind], row=row))
    elif kind == "integer" and abs(value) > MAX_INTEGER:
        problems.append(Problem(field, N_("超出可保存的范围（绝对值不超过%(limit)d）"), {"limit": MAX_INTEGER}, row=row))
    elif kind == "object":
        properties = schema.get("properties", {})
        others = schema.get("additionalProperties")
        for key, item in value.items():
            item_schema = properties.get(key, others if isinstance(others, Mapping) else None)
            if item_schema is not None:
                _check(item, item_schema, schemas, f"{field}.{key}" if field else key, row, problems)
    elif kind == "array" and "items" in schema:
        for position, item in enumerate(value, start=1):
            _check(item, schema["items"], schemas, field, row if row is not None else position, problems)

