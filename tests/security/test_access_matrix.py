"""The access matrix: every route × every method × every actor against a declared expectation.

The routes come from ``app.url_map``, so a new route is checked the day it is added, and one
without an entry in ``access_expectations.py`` fails the test that names it. The expectations
are written as who may do what, not read off the decorators, so a wrong decorator shows up here.

GETs run the real views and are checked for their status (and that other people's records do
not appear in them). For state-changing methods the actors who must be refused meet the real
view (it must refuse them before anything happens); the actors who are allowed meet a stub in
the view's place that keeps the view's access rule, so the test proves they pass the access
layer without doing the effect, which would spoil the records the next checks need.
"""
from __future__ import annotations

import io
import re
import zipfile
from contextlib import contextmanager

from flask import Response

from tests.conftest import csrf_token_from
from tests.security.access_expectations import DENY, EXPECTATIONS, HIDDEN, LOGIN, OK, PUBLIC, URL_VALUES
from tests.security.world import (ACTORS, COMPETITION_A, STUDIO_A, bearer_headers, build_world,
                                  logged_in_clients)

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
REACHED = "X-Access-Matrix-Reached"
REFUSED_STATUS = {DENY: 403, HIDDEN: 404}


def route_methods(app):
    """(rule, method) for every route of the app, HEAD and OPTIONS left out (Flask answers them)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def url_for_rule(rule, world) -> str:
    values = {}
    for name in rule.arguments:
        source = URL_VALUES[name]
        values[name] = source[1] if isinstance(source, tuple) else world.value(source)
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[\w]+(?:\([^)]*\))?:)?{name}>", str(value), path)
    return path


def is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


@contextmanager
def effect_skipped(app, endpoint: str):
    """Put a stub with the same access rule in the view's place for the duration."""
    original = app.view_functions[endpoint]

    def stub(**_values):
        return Response("reached", status=200, headers={REACHED: "1"})

    stub.access_rule = getattr(original, "access_rule", None)
    app.view_functions[endpoint] = stub
    try:
        yield
    finally:
        app.view_functions[endpoint] = original


def response_text(response) -> str:
    """What a reader of the response sees: the text of a page or JSON, the cells of an .xlsx."""
    data = response.get_data()
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                             if name.endswith(".xml"))
    if data.startswith(b"%PDF"):
        return ""
    return data.decode("utf-8", "replace")


def redirects_to_login(response) -> bool:
    return response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", "")


def refusal_problem(response, outcome: str, api: bool) -> str | None:
    """None if ``response`` is the refusal ``outcome`` calls for, else what is wrong."""
    if REACHED in response.headers:
        return "reached the view"
    if outcome == LOGIN:
        ok = response.status_code == 401 if api else redirects_to_login(response)
        return None if ok else f"{response.status_code} {response.headers.get('Location', '')}, wanted " + (
            "401" if api else "a redirect to /login")
    wanted = REFUSED_STATUS[outcome]
    return None if response.status_code == wanted else f"{response.status_code}, wanted {wanted}"


def leak_problem(endpoint: str, actor: str, text: str, world) -> str | None:
    """Someone else's competition, studio or a full ID number on a page this actor may see."""
    if EXPECTATIONS[endpoint] is not PUBLIC:
        if actor in ("organiser_b", "lead_a", "lead_b") and COMPETITION_A in text:
            return "shows organiser A's competition"
        if actor in ("organiser_a", "organiser_b", "lead_b") and STUDIO_A in text:
            return "shows lead A's studio"
    if actor not in ("organiser_a", "staff") or EXPECTATIONS[endpoint] is PUBLIC:
        for number in world.id_numbers_a:
            if number in text:
                return f"shows a full ID number ({number})"
    return None


def test_every_route_has_a_declared_expectation(app):
    endpoints = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    undeclared = sorted(f"{endpoint} ({path})" for endpoint, path in endpoints.items() if endpoint not in EXPECTATIONS)
    assert not undeclared, ("routes without a declared access expectation; add them to "
                            "tests/security/access_expectations.py: " + ", ".join(undeclared))
    stale = sorted(set(EXPECTATIONS) - set(endpoints))
    assert not stale, f"expectations for endpoints that no longer exist: {stale}"
    variables = sorted({name for rule in app.url_map.iter_rules() for name in rule.arguments} - set(URL_VALUES))
    assert not variables, f"URL variables without a value in access_expectations.URL_VALUES: {variables}"
    assert all(set(expectation) == set(ACTORS) for expectation in EXPECTATIONS.values())


def test_access_matrix(app, users):
    world = build_world(app, users)
    clients = logged_in_clients(app)
    bearer = bearer_headers(users)
    csrf = {actor: csrf_token_from(client, "/login" if actor == "anonymous" else "/account/password")
            for actor, client in clients.items()}
    problems: list[str] = []
    requests = 0

    def check(rule, method, actor, response, outcome):
        label = f"{method} {rule.rule} [{rule.endpoint}] as {actor}"
        if outcome == OK:
            status = response.status_code
            if method in STATE_CHANGING:
                if REACHED not in response.headers:
                    problems.append(f"{label}: refused with {status}, should be allowed")
            elif status >= 400 or (redirects_to_login(response) and EXPECTATIONS[rule.endpoint] is not PUBLIC):
                problems.append(f"{label}: {status} {response.headers.get('Location', '')}, should be allowed")
            elif status < 300 and (leak := leak_problem(rule.endpoint, actor, response_text(response), world)):
                problems.append(f"{label}: {leak}")
        elif problem := refusal_problem(response, outcome, is_api(rule)):
            problems.append(f"{label}: {problem}")

    for rule, method in route_methods(app):
        expectation = EXPECTATIONS[rule.endpoint]
        url = url_for_rule(rule, world)
        api = is_api(rule)
        # The refused first (they meet the real view), then the allowed (they meet the stub).
        for actor in sorted(ACTORS, key=lambda a: expectation[a] == OK):
            outcome = expectation[actor]
            client = clients[actor]
            kwargs = {"headers": bearer[actor]} if api else {}
            if method in STATE_CHANGING:
                if api:
                    kwargs["json"] = {}
                else:
                    kwargs["data"] = {"csrf_token": csrf[actor]}
                if outcome == OK:
                    with effect_skipped(app, rule.endpoint):
                        response = client.open(url, method=method, **kwargs)
                else:
                    response = client.open(url, method=method, **kwargs)
            else:
                response = client.open(url, method=method, **kwargs)
            requests += 1
            check(rule, method, actor, response, outcome)
            response.close()

    print(f"access matrix: {requests} requests")
    assert not problems, f"{len(problems)} of {requests} checks failed:\n" + "\n".join(problems)


def test_every_form_post_needs_a_csrf_token(app, users):
    """A forged form (no token) is refused with 400 before any view runs, whoever is logged in."""
    world = build_world(app, users, certificates=False)
    clients = logged_in_clients(app)
    problems = []
    for rule, method in route_methods(app):
        if method not in STATE_CHANGING or is_api(rule):
            continue
        url = url_for_rule(rule, world)
        with effect_skipped(app, rule.endpoint):
            for actor, client in clients.items():
                response = client.open(url, method=method, data={"name": "forged"})
                if response.status_code != 400 or REACHED in response.headers:
                    problems.append(f"{method} {rule.rule} as {actor}: {response.status_code}")
    assert not problems, "forms accepted without a CSRF token:\n" + "\n".join(problems)


def test_the_api_ignores_the_session_cookie(app, users):
    """The API is exempt from CSRF, so a browser's cookie must never authenticate it: 401."""
    world = build_world(app, users, certificates=False)
    staff = logged_in_clients(app)["staff"]
    problems = []
    for rule, method in route_methods(app):
        if not is_api(rule) or EXPECTATIONS[rule.endpoint] is PUBLIC:
            continue
        with effect_skipped(app, rule.endpoint):
            response = staff.open(url_for_rule(rule, world), method=method, json={})
        if response.status_code != 401:
            problems.append(f"{method} {rule.rule}: {response.status_code}")
    assert not problems, "API routes that accepted a session cookie:\n" + "\n".join(problems)
