"""Fuzzing the web forms with hypothesis: login, competition, result, upload — never a 5xx.

Each form is posted with a valid CSRF token (and, for a form that creates a record, a fresh
one-time form token, as a newly opened page carries) and fields that are sometimes sensible and often
not (any Unicode, control characters, NUL, huge numbers, dates in odd shapes, version numbers
that are not numbers), as the user who may use it. Whatever comes in, the answer is a page, a
redirect or a refusal, never a server error. The examples per form are fixed, so the run is
bounded; one app and one database per form.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import timedelta

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bureau.db import db
from bureau.forms import new_form_token
from competition import operations as competitions
from tests.conftest import PASSWORD, csrf_token_from, login
from tests.security.world import competition_spec, contestants

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
FORM_SETTINGS = settings(max_examples=round(120 * SCALE), deadline=timedelta(seconds=5),
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                HealthCheck.data_too_large])

# Text as people and programs type it: any Unicode (NUL and control characters included), and
# the shapes the fields expect, nearly right.
any_text = st.text(max_size=60)
numberish = st.one_of(st.integers(-10**20, 10**20).map(str), st.floats(allow_nan=True).map(str),
                      st.decimals(allow_nan=False, allow_infinity=False).map(str),
                      st.sampled_from(["", " ", "60", "100", "100.001", "1e308", "-0", "９５", "٣", "NaN", "1,000",
                                       "²", "1²", "①", "𝟗", "Ⅻ", "9" * 30, "-" + "9" * 20, "0x10", "1_000"]))
dateish = st.one_of(st.dates().map(str), st.sampled_from(["", "2026-02-30", "0000-00-00", "2026/9/1", "99999-01-01"]),
                    any_text)


def field(valid: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly a plausible value, sometimes anything, sometimes missing."""
    return st.one_of(valid, any_text, st.none())


def form_data(fields: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries(fields).map(lambda data: {k: v for k, v in data.items() if v is not None})


def leads_here(location: str) -> bool:
    """Whether a browser following ``location`` stays on this site: it drops tabs and newlines
    and reads a backslash as a slash before it looks for "//host"."""
    seen = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    return seen.startswith("/") and not seen.startswith("//")


def server_error(response) -> str | None:
    if response.status_code >= 500:
        return f"{response.status_code}: {response.get_data(as_text=True)[:300]}"
    return None


@pytest.fixture
def organiser(app, users):
    """Organiser A logged in, with a draft competition that has results, and a CSRF token."""
    client = app.test_client()
    assert login(client, "organiser").status_code == 302
    competition = competitions.create_competition(competition_spec("表单模糊测试竞赛"), users["organiser"])
    competitions.replace_results(competition, contestants(3, start=200))
    db.session.commit()
    return {"client": client, "competition_id": competition.id, "result_id": competition.results[0].id,
            "csrf": csrf_token_from(client, f"/competitions/{competition.id}/results/new")}


@FORM_SETTINGS
@given(data=form_data({"username": field(st.sampled_from(["organiser", "ADMIN", "lead", " admin "])),
                       "password": field(st.just(PASSWORD)),
                       "next": field(st.sampled_from(["/home", "//evil.example", "https://evil.example/",
                                                      "/competitions?x=1", "javascript:alert(1)", "/\\evil.example",
                                                      "/\t/evil.example", "/%2F/evil.example", "/\n/evil.example",
                                                      "/\x0b/x"]))}))
def test_login_form(app, users, data):
    client = app.test_client()
    token = csrf_token_from(client, "/login")
    next_page = data.pop("next", None)
    url = "/login" if next_page is None else "/login?" + __import__("urllib.parse").parse.urlencode({"next": next_page})
    response = client.post(url, data={**data, "csrf_token": token})
    assert not server_error(response), server_error(response)
    if response.status_code == 302:  # logged in: only ever sent on within this site
        location = response.headers["Location"]
        assert leads_here(location), location


COMPETITION_FIELDS = {
    "name": field(st.just("模糊测试竞赛")),
    "tier": field(st.sampled_from(["world", "national", "provincial", "city", "county"])),
    "category": field(st.sampled_from(["", "1", "2"])),
    "national_games": field(st.sampled_from(["y", ""])),
    "occupation": field(st.just("电工")),
    "year": field(numberish),
    "held_on": field(dateish),
    "group": field(st.sampled_from(["", "worker", "student"])),
    "policy": field(st.sampled_from(["wenzhou-2018", "xiamen-2023", "taian-2024", "quanzhou-2023", "fujian-2023"])),
    "organiser_name": field(st.just("温州市人社局")),
    "practical_only": field(st.sampled_from(["y", ""])),
    "theory_weight": field(numberish),
    "pass_mark": field(numberish),
    "promotions": field(st.lists(st.tuples(numberish, numberish, any_text), max_size=4).map(
        lambda bands: "\n".join(f"{a}-{b} {level}" for a, b, level in bands))),
    "prizes": field(st.lists(st.tuples(numberish, numberish, numberish), max_size=4).map(
        lambda bands: "\n".join(f"{a}-{b} {amount}" for a, b, amount in bands))),
    "version": field(numberish),
}


@FORM_SETTINGS
@given(data=form_data(COMPETITION_FIELDS), edit=st.booleans())
def test_competition_form(organiser, data, edit):
    url = f"/competitions/{organiser['competition_id']}/edit" if edit else "/competitions/new"
    response = organiser["client"].post(url, data={**data, "csrf_token": organiser["csrf"],
                                                   "form_token": new_form_token()})
    assert not server_error(response), server_error(response)


RESULT_FIELDS = {
    "name": field(st.just("张三")),
    "id_number": field(st.sampled_from(["330302199001012001", "33030219900101200X", "11010519491231002X"])),
    "employer": field(st.just("温州某机械有限公司")),
    "local": field(st.sampled_from(["y", ""])),
    "group": field(st.sampled_from(["", "worker", "student"])),
    "team": field(st.sampled_from(["", "甲队"])),
    "theory": field(numberish),
    "practical": field(numberish),
    "rank": field(numberish),
    "medal": field(st.sampled_from(["", "gold", "silver", "bronze", "excellence"])),
    "base": field(numberish),
    "version": field(numberish),
}


@FORM_SETTINGS
@given(data=form_data(RESULT_FIELDS), edit=st.booleans())
def test_result_form(organiser, data, edit):
    competition_id = organiser["competition_id"]
    url = (f"/competitions/{competition_id}/results/{organiser['result_id']}/edit" if edit
           else f"/competitions/{competition_id}/results/new")
    response = organiser["client"].post(url, data={**data, "csrf_token": organiser["csrf"],
                                                   "form_token": new_form_token()})
    assert not server_error(response), server_error(response)


def xlsx_cell(value):
    """What a spreadsheet program can store: dates as text, no control characters."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def xlsx_with(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


cell = st.one_of(any_text, st.integers(-10**25, 10**25), st.floats(allow_nan=True), st.booleans(), st.none(),
                 st.dates(), st.sampled_from(["=1+1", "@SUM(A1)", "330302199001012001", "是", "否", "金牌"]))
header = st.lists(st.sampled_from(["序号", "姓名", "身份证号", "工作单位", "是否本地", "组别", "团队", "理论成绩", "实操成绩",
                                   "名次", "奖牌", "集训基地", "备注", "总成绩"]), min_size=1, max_size=12)
table = st.tuples(header, st.lists(st.lists(cell, max_size=12), max_size=8)).map(lambda t: [t[0], *t[1]])


def csv_bytes(rows: list[list], encoding: str) -> bytes:
    text = "\n".join(",".join("" if value is None else str(value) for value in row) for row in rows)
    return text.encode(encoding, "replace")


upload_file = st.one_of(
    st.tuples(st.sampled_from(["成绩.csv", "成绩.txt", "results.CSV"]),
              st.tuples(table, st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"])).map(
                  lambda t: csv_bytes(*t))),
    st.tuples(st.sampled_from(["成绩.xlsx", "成绩.xlsm", "成绩.csv"]),
              table.map(xlsx_with)),
    st.tuples(st.sampled_from(["成绩.xlsx", "a.zip"]),
              st.dictionaries(st.sampled_from(["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml",
                                               "mimetype", "xl/sharedStrings.xml"]), st.binary(max_size=200),
                              max_size=5).map(zip_with)),
    st.tuples(any_text, st.binary(max_size=2000)),
)


@FORM_SETTINGS
@given(upload=upload_file)
def test_upload_form(organiser, upload):
    filename, content = upload
    response = organiser["client"].post(
        f"/competitions/{organiser['competition_id']}/upload",
        data={"file": (io.BytesIO(content), filename), "csrf_token": organiser["csrf"]},
        content_type="multipart/form-data")
    assert not server_error(response), server_error(response)



# Query keys the pages read (filters, paging, look-ups), each set at once to one odd value.
QUERY_KEYS = ["year", "tier", "status", "q", "page", "serial", "competition", "kind", "level", "jurisdiction",
              "actor", "object_type", "object_id", "action", "since", "until", "next", "lang", "inline", "download",
              "policy", "region", "group", "paid", "approved", "payee"]
ODD_VALUES = ["", " ", "-1", "0", "²", "①", "٣", "𝟗", "Ⅻ", "9" * 25, "-" + "9" * 25, "1e308", "NaN", "2026-02-30",
              "99999-01-01", "2026/9/1", "'; DROP TABLE users; --", "<script>alert(1)</script>", "%", "..\\..",
              "//evil.example", "\u202e", "\ud7ff\uffff", "a" * 3000]


def test_odd_query_strings_on_every_page(app, users):
    """Every GET page (as staff, who may open them all) with every filter set to odd values:
    a page or a refusal, never a 5xx."""
    from tests.security.test_access_matrix import url_for_rule
    from tests.security.world import build_world

    world = build_world(app, users, certificates=False)
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    from bureau.accounts.operations import issue_token

    bearer = {"Authorization": f"Bearer {issue_token(users['admin'])}"}
    db.session.commit()
    problems, requests = [], 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/static/") or rule.endpoint in RENDERS_PDF:
            continue
        url = url_for_rule(rule, world)
        for value in ODD_VALUES:
            response = client.get(url, query_string={key: value for key in QUERY_KEYS},
                                  headers=bearer if rule.rule.startswith("/api/") else {})
            requests += 1
            if response.status_code >= 500:
                problems.append(f"{url}?…={value[:30]!r}: {response.status_code}")
    print(f"odd query strings: {requests} requests")
    assert not problems, f"{len(problems)} server errors:\n" + "\n".join(problems)


# Pages that render PDFs take no filters; rendering one per odd value would only cost time.
RENDERS_PDF = {"certificates.pdf", "certificates.batch_pdf", "certificates.batch_zip", "api.certificate_pdf",
               "api.certificate_batch_pdf", "api.certificate_batch_zip"}


# --- what the fuzzing found, pinned -----------------------------------------------------------------


def test_what_the_fuzzing_found_stays_fixed(app, users, organiser, api_token):
    """Each of these was a 500 (on SQLite, PostgreSQL or both) before it was fixed."""
    client, token, competition_id = organiser["client"], organiser["csrf"], organiser["competition_id"]
    staff = app.test_client()
    assert login(staff, "admin").status_code == 302
    api = api_token("admin")
    big = "9" * 25
    answers = {
        # An id past the integers the database holds (driver overflow): 404, as for any missing record.
        "url id": client.get(f"/competitions/{big}").status_code,
        "api id": staff.get(f"/api/v1/competitions/{big}", headers=api).status_code,
        # NUL cannot be stored in PostgreSQL text: refused at the door on both databases.
        "NUL login": app.test_client().post("/login", data={"username": "a\x00", "password": "x",
                                                            "csrf_token": csrf_token_from(app.test_client())}),
        "NUL form": client.post("/competitions/new", data={"name": "竞赛\x00", "csrf_token": token}).status_code,
        "NUL json": staff.post("/api/v1/competitions", headers=api, json={"name": "竞赛\x00"}).status_code,
        "surrogate json": staff.post("/api/v1/competitions", headers=api,
                                     data='{"name": "\\ud800"}', content_type="application/json").status_code,
        "NUL url": app.test_client().get("/verify/2026-RY-%00").status_code,
        # "²" passes str.isdigit() and then int() refuses it.
        "year ²": client.get("/competitions?year=²").status_code,
        "awards year ²": staff.get("/awards?year=²&competition=①").status_code,
        "prize ²": client.post("/competitions/new", data={"name": "竞赛", "tier": "city", "year": "2026",
                                                          "policy": "wenzhou-2018", "prizes": "1-1 ²",
                                                          "csrf_token": token, "form_token": new_form_token()}
                                      ).status_code,
        "certificate id ²": staff.post("/api/v1/certificates", headers=api, json={"award_id": "²"}).status_code,
        "certificate id huge": staff.post("/api/v1/certificates", headers=api, json={"award_id": big}).status_code,
        "batch form ²": staff.post("/certificates/batches", data={
            "competition_id": "²", "csrf_token": csrf_token_from(staff, "/account/password")}).status_code,
        # Query integers past the database's: a page past any list, a year no column holds.
        "page": client.get(f"/competitions/{competition_id}?page={big}").status_code,
        "api year": staff.get(f"/api/v1/competitions?year={big}", headers=api).status_code,
        "review year": staff.get(f"/studios/reports?year={big}").status_code,
        "approve through id": staff.post("/awards/approve", data={
            "expected": "0", "through_id": big, "csrf_token": csrf_token_from(staff, "/account/password")}).status_code,
        "what-if ²": staff.post("/awards/what-if?policy=wenzhou-2018", data={
            "year": big, "cash.national-1.b0.amount": "²",
            "csrf_token": csrf_token_from(staff, "/account/password")}).status_code,
    }
    answers["NUL login"] = answers["NUL login"].status_code
    assert {name: status for name, status in answers.items() if status >= 500} == {}
    assert answers["url id"] == answers["api id"] == answers["page"] == 404
    assert answers["NUL form"] == answers["NUL json"] == answers["surrogate json"] == answers["NUL login"] == 400
    assert answers["certificate id ²"] == answers["certificate id huge"] == 422
    assert staff.get(f"/api/v1/competitions?year={big}", headers=api).get_json() == []


FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"')


def test_odd_values_in_every_form(app, users):
    """Every form post of the app (as a user it is for), every field the pages name set to one odd
    value at a time: a page, a redirect or a refusal, never a 5xx."""
    from tests.security.access_expectations import EXPECTATIONS, OK
    from tests.security.test_access_matrix import route_methods, url_for_rule
    from tests.security.world import build_world, logged_in_clients

    world = build_world(app, users, certificates=False)
    clients = logged_in_clients(app)
    tokens = {actor: csrf_token_from(client, "/account/password") for actor, client in clients.items()
              if actor != "anonymous"}
    # The field names of every form on every page the three kinds of user can open.
    names = set()
    for rule, method in route_methods(app):
        if method != "GET" or rule.rule.startswith(("/api/", "/static/")) or rule.rule.endswith((".xlsx", ".pdf", ".zip")):
            continue
        for actor in ("staff", "organiser_a", "lead_a"):
            if EXPECTATIONS[rule.endpoint][actor] == OK:
                response = clients[actor].get(url_for_rule(rule, world))
                if response.mimetype == "text/html":
                    names.update(FIELD_NAME.findall(response.get_data(as_text=True)))
    names -= {"csrf_token", "form_token"}  # a fresh one-time token goes with each post, so the fields are read
    assert {"name", "id_number", "version", "year", "reason"} <= names
    problems, requests = [], 0
    for rule, method in route_methods(app):
        if method != "POST" or rule.rule.startswith("/api/") or rule.endpoint in ("accounts.logout", "jobs.run_now"):
            continue
        actor = next((a for a in ("staff", "organiser_a", "lead_a", "anonymous") if EXPECTATIONS[rule.endpoint][a] == OK))
        client = clients[actor] if actor != "anonymous" else app.test_client()
        token = tokens.get(actor) or csrf_token_from(client, "/login")
        url = url_for_rule(rule, world)
        for value in ODD_VALUES:
            response = client.post(url, data={**{name: value for name in names}, "csrf_token": token,
                                              "form_token": new_form_token()})
            requests += 1
            if response.status_code >= 500:
                problems.append(f"POST {rule.rule} as {actor}, every field {value[:30]!r}: {response.status_code}")
    print(f"odd form values: {requests} requests, {len(names)} field names")
    assert not problems, f"{len(problems)} server errors:\n" + "\n".join(problems)


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "/\\/evil.example", "/\n/evil.example",
                                    "/\r\n/evil.example", "//evil.example", "https://evil.example/", "/%09/evil.example"])
def test_no_redirect_leads_off_site(app, users, target):
    """Found by the login fuzz: "/\\t/evil.example" passed the "starts with one slash" check and
    was sent on as "//evil.example" (an open redirect after login); a newline was a 500."""
    client = app.test_client()
    token = csrf_token_from(client, "/login")
    after_login = client.post("/login", query_string={"next": target},
                              data={"username": "admin", "password": PASSWORD, "csrf_token": token})
    token = csrf_token_from(client, "/account/password")
    after_language = client.post("/language/en", data={"next": target, "csrf_token": token})
    for response in (after_login, after_language):
        assert response.status_code == 302 and leads_here(response.headers["Location"]), response.headers
