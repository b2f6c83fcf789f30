"""Fuzzing the JSON API from its own OpenAPI document (schemathesis over WSGI): never a 5xx.

Every operation in /api/v1/openapi.json gets requests that fit its schema (positive) and
requests that break it (negative), as bureau staff and as an organiser. Half of the cases use
the ids of real records (a competition the organiser owns, a studio with a report, a published
assessment, a certificate), so the requests reach the code behind the 404s. Bounded: a fixed
number of examples per operation and mode, and a deadline per request.
"""
from __future__ import annotations

import json
import os
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

import schemathesis  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

from tests.security.access_expectations import URL_VALUES  # noqa: E402
from tests.security.world import USERNAMES, build_world  # noqa: E402

# Examples per operation and generation mode (37 operations × 2 modes): together over 2,000 requests.
# FUZZ_SCALE=10 runs ten times as many (a deeper run by hand; the test command uses 1).
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
EXAMPLES = {"staff": round(20 * SCALE), "organiser_a": round(12 * SCALE)}
MINIMUM_REQUESTS = {"staff": 1200, "organiser_a": 800}
DEADLINE = timedelta(seconds=5)


# Requests that once answered 5xx, kept as fixed examples and sent first on every run, whatever
# the generator draws ("body" is the raw text sent, so bodies no JSON library writes fit too).
STORED_EXAMPLES = json.loads((Path(__file__).with_name("fuzz_api_examples.json")).read_text(encoding="utf-8"))


def real_path_parameters_by_name(name: str, world):
    source = URL_VALUES[name]
    return source[1] if isinstance(source, tuple) else world.value(source)


def real_path_parameters(operation, world) -> dict:
    names = re.findall(r"{(\w+)}", operation.path)
    if not all(name in URL_VALUES for name in names):
        return {}
    return {name: real_path_parameters_by_name(name, world) for name in names}


def stored_body(example: dict) -> str:
    depth = example.get("nested", 0)  # JSON nested this deep around the body (too long to store)
    return "[" * depth + example["body"] + "]" * depth


def case_strategy(operation, mode, world):
    generated = operation.as_strategy(generation_mode=mode)
    real = real_path_parameters(operation, world)
    if not real:
        return generated
    return st.one_of(operation.as_strategy(generation_mode=mode, path_parameters=real), generated)


def fuzz(app, users, api_token, actor: str) -> Counter:
    world = build_world(app, users)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    api_routes = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
                  and rule.endpoint != "api.openapi" for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(operations) == len(api_routes), "the OpenAPI document and the API routes differ"
    headers = api_token(USERNAMES[actor])
    statuses: Counter = Counter()
    server_errors: list[str] = []

    for example in STORED_EXAMPLES:
        if example["actor"] != actor:
            continue
        path = example["path"].format(**{name: real_path_parameters_by_name(name, world)
                                          for name in re.findall(r"{(\w+)}", example["path"])})
        response = app.test_client().open(path, method=example["method"], headers=headers,
                                          data=stored_body(example), content_type="application/json")
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            server_errors.append(f"stored example ({example['why']}): {example['method']} {path} "
                                 f"body={example['body']:.300} → {response.status_code}")

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES[actor], deadline=DEADLINE,
                      phases=[Phase.explicit, Phase.reuse, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=case_strategy(operation, mode, world))
            def call(case):
                response = case.call(headers=headers)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    server_errors.append(f"{case.method} {case.formatted_path} query={case.query!r} "
                                         f"body={case.body!r:.300} → {response.status_code} {response.text[:200]}")

            try:
                call()
            except Unsatisfiable:
                continue  # nothing to negate in this operation (e.g. no parameters, no body)

    total = sum(statuses.values())
    print(f"API fuzz as {actor}: {total} requests, statuses {dict(sorted(statuses.items()))}")
    assert not server_errors, f"{len(server_errors)} server errors:\n" + "\n".join(server_errors[:20])
    assert total >= MINIMUM_REQUESTS[actor], f"only {total} requests were generated"
    return statuses


def test_fuzz_the_api_as_staff(app, users, api_token):
    statuses = fuzz(app, users, api_token, "staff")
    assert statuses[200] + statuses[201] + statuses[202] > 100  # the fuzz reached real work, not only 404s


def test_fuzz_the_api_as_an_organiser(app, users, api_token):
    statuses = fuzz(app, users, api_token, "organiser_a")
    assert statuses[403] > 0 and statuses[200] > 0
