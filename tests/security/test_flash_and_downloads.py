"""User text in flashed messages, and the names of downloaded files.

A flashed message is translated and formatted once, where it is made, and the page shows it
escaped: a competition or file name carrying ``<meta http-equiv=refresh>`` must not redirect the
reader, and one carrying ``%`` must not break every page while the message waits in the session.

Every file the app sends names itself in a ``Content-Disposition`` header of ASCII only, with
the UTF-8 name in RFC 6266's ``filename*=UTF-8''…`` (raw UTF-8 in a header is refused by
gunicorn; the test client does not check, so these tests do).
"""
from __future__ import annotations

import ast
import io
import re
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from sqlalchemy import select

from bureau.clock import local_today
from bureau.db import db
from competition import operations as competitions
from competition.models import Award, Competition
from studios import operations as studios
from tests.conftest import csrf_token_from, form_fields_from
from tests.security.access_expectations import EXPECTATIONS, OK
from tests.security.test_access_matrix import route_methods, url_for_rule
from tests.security.world import (A_PDF, COMPETITION_A, bearer_headers, build_world, competition_spec,
                                  contestants, logged_in_clients)
from tests.studios.conftest import ESTABLISHED, last_year

ROOT = Path(__file__).resolve().parents[2]
META = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
HOSTILE_NAMES = {
    "markup": f"焊工赛{META}",
    "percent": "焊工赛（实操占70%）",
    "both": f"焊工赛{META}（实操占70%，理论占30%）",
}
FLASH = re.compile(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', re.S)
COMPETITION_FORM = {"tier": "city", "category": "1", "occupation": "焊工", "year": "2026", "group": "worker",
                    "policy": "wenzhou-2018", "organiser_name": "温州市总工会", "theory_weight": "0.3",
                    "pass_mark": "60", "prizes": "1-1 5000\n2-3 3000", "promotions": ""}


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")


def flashes(page: str) -> list[str]:
    return [message for _category, message in FLASH.findall(page)]


def assert_shown_escaped(client, response, text: str) -> None:
    """The page after ``response`` shows ``text`` escaped in a flash; it and the page after are 200."""
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[:2000]
    assert any(escaped(text) in message for message in flashes(html)), flashes(html)
    assert "<meta http-equiv" not in html
    again = client.get("/home")
    assert again.status_code == 200 and flashes(again.get_data(as_text=True)) == []  # shown once


@pytest.mark.parametrize("kind", sorted(HOSTILE_NAMES))
def test_a_competition_name_registered_through_the_form_is_flashed_escaped(client, login_as, kind):
    name = HOSTILE_NAMES[kind]
    login_as("organiser")
    response = client.post("/competitions/new", data={**COMPETITION_FORM, "name": name,
                                                      **form_fields_from(client, "/competitions/new")})
    assert_shown_escaped(client, response, name)
    assert db.session.scalar(select(Competition.name)) == name
    logout = client.post("/logout", data={"csrf_token": csrf_token_from(client, "/home")})
    assert logout.status_code == 302 and client.get("/login").status_code == 200


def test_every_flash_is_given_translated_text():
    """base.html shows a flashed message as it is: a marker (N_, _l) or a bare literal would stay
    untranslated, so each flash() is given what gettext returned."""
    problems = []
    for path in sorted(p for package in ("bureau", "competition", "studios") for p in (ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "flash" and node.args:
                message = node.args[0]
                marker = isinstance(message, ast.Call) and isinstance(message.func, ast.Name) \
                    and message.func.id in ("N_", "_l", "lazy_gettext")
                if marker or isinstance(message, (ast.Constant, ast.JoinedStr)):
                    problems.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not problems, "flash() given untranslated text: " + ", ".join(problems)


def finalized_award(users, name: str) -> Award:
    competition = competitions.create_competition(competition_spec(name), users["organiser"])
    competitions.replace_results(competition, contestants(3, start=300))
    competitions.finalize(competition)
    db.session.commit()
    return db.session.scalar(select(Award).where(Award.competition_id == competition.id).order_by(Award.id).limit(1))


def test_approving_an_award_of_a_hostile_competition_flashes_its_name_escaped(client, login_as, users):
    name = HOSTILE_NAMES["both"]
    award = finalized_award(users, name)
    login_as("admin")
    token = csrf_token_from(client, "/awards")
    response = client.post(f"/awards/{award.id}/approve", data={"csrf_token": token, "next": "/awards"})
    assert_shown_escaped(client, response, name)


def test_a_message_flashed_in_english_is_english_on_the_next_page(client, login_as, users):
    """Translated where it is flashed: the page shows the message, it does not look it up again."""
    award = finalized_award(users, "2026年温州市焊工职业技能竞赛")
    login_as("admin")
    english = {"Accept-Language": "en"}
    token = csrf_token_from(client, "/awards")
    for _time in range(2):
        response = client.post(f"/awards/{award.id}/approve", data={"csrf_token": token, "next": "/awards"},
                               headers=english)
    page = client.get(response.headers["Location"], headers=english).get_data(as_text=True)
    assert "This award has already been approved." in flashes(page)


def test_an_attachment_name_is_flashed_escaped_and_downloads_under_its_name(client, login_as, users):
    studio = studios.create_studio({"name": "焊工技能大师工作室", "kind": "master_studio", "level": "city",
                                    "jurisdiction": "温州市", "lead": "lead", "established": ESTABLISHED})
    db.session.commit()
    login_as("lead")
    name = "合格率100%<meta http-equiv=refresh content=0>.pdf"  # no quote or slash: a file name's own
    path = f"/studios/{studio.id}/reports/{last_year()}"
    response = client.post(f"{path}/attachments", content_type="multipart/form-data",
                           data={**form_fields_from(client, path), "file": (io.BytesIO(A_PDF), name)})
    assert_shown_escaped(client, response, name)

    page = client.get(path).get_data(as_text=True)
    link = re.search(rf'href="({re.escape(path)}/attachments/\d+)"', page)
    assert link, "no download link on the report page"
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.data == A_PDF
    assert download_name(download) == name


# --- downloads -----------------------------------------------------------------------------------

ENCODED_NAME = re.compile(r"filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]+)(?:;|$)")
PLAIN_NAME = re.compile(r'filename=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))')


def download_name(response) -> str:
    """The file name a browser saves ``response`` under; every header must be ASCII.

    Non-ASCII names must come as ``filename*=UTF-8''…`` with an ASCII ``filename=`` beside it for
    old clients; ASCII names as ``filename=`` alone.
    """
    for header, value in response.headers.items():
        assert value.isascii(), f"{header} is not ASCII: {value!r}"
    disposition = response.headers["Content-Disposition"]
    plain = PLAIN_NAME.search(disposition)
    assert plain, f"no filename= in {disposition!r}"
    encoded = ENCODED_NAME.search(disposition)
    if encoded:
        name = unquote(encoded.group(1), encoding="utf-8", errors="strict")
        assert encoded.group(1) == quote(name, safe="!#$&+-.^_`|~"), disposition
        assert not name.isascii(), f"an ASCII name needs no filename*: {disposition!r}"
        return name
    name = plain.group(1) if plain.group(1) is not None else plain.group(2)
    return re.sub(r"\\(.)", r"\1", name)


def expected_downloads(world) -> dict[str, str]:
    """Every endpoint that sends a file, with the name it should be saved under (for the world)."""
    serial, year = world.value("serial"), local_today().year
    return {
        "studios.attachment_download": "证明材料.pdf",
        "studios.assessment_export": f"{last_year()}-master_studio-city-{world.value('assessment_id')}.xlsx",
        "competitions.results_template": "竞赛成绩导入模板.xlsx",
        "competitions.results_export": f"{COMPETITION_A}-成绩.xlsx",
        "competitions.notice_export": f"{COMPETITION_A}-公示名单.xlsx",
        "policy.payment_list": f"奖励支付清单-{local_today():%Y%m%d}.xlsx",
        "certificates.pdf": f"{serial}.pdf",
        "certificates.batch_pdf": f"{COMPETITION_A}-证书.pdf",
        "certificates.batch_zip": f"{COMPETITION_A}-证书.zip",
        "api.certificate_pdf": f"{serial}.pdf",
        "api.certificate_batch_pdf": f"{COMPETITION_A}-证书.pdf",
        "api.certificate_batch_zip": f"{COMPETITION_A}-证书.zip",
        "dashboard.export": f"温州市{year}年-年度指标完成情况.xlsx",
        "dashboard.summary_pdf": f"温州市{year}年-工作看板摘要.pdf",
    }


def test_every_download_is_named_in_ascii_headers_with_the_utf8_name_encoded(app, users):
    """Every GET route, as the first actor allowed to use it: whatever sends a file is listed above
    and names the file so that a browser saves it under its Chinese name."""
    world = build_world(app, users)
    clients = logged_in_clients(app)
    bearer = bearer_headers(users)
    expected = expected_downloads(world)
    sent, problems = {}, []
    for rule, method in route_methods(app):
        if method != "GET" or rule.endpoint == "static":
            continue
        actor = next(actor for actor in ("staff", "organiser_a", "lead_a", "anonymous", "organiser_b", "lead_b")
                     if EXPECTATIONS[rule.endpoint][actor] == OK)
        api = rule.rule.startswith("/api/")
        response = clients[actor].get(url_for_rule(rule, world), headers=bearer[actor] if api else {})
        if "Content-Disposition" not in response.headers:
            continue
        try:
            sent[rule.endpoint] = download_name(response)
        except AssertionError as problem:
            problems.append(f"{rule.endpoint}: {problem}")
        response.close()
    assert not problems, "\n".join(problems)
    assert sent == expected


def test_a_download_named_after_a_competition_with_line_breaks_and_quotes_is_sent(client, login_as, users):
    name = '焊工赛"决赛"\r\nX-Injected: 1\\第二行'
    competition = competitions.create_competition(competition_spec(name), users["organiser"])
    competitions.replace_results(competition, contestants(2, start=400))
    db.session.commit()
    login_as("organiser")
    response = client.get(f"/competitions/{competition.id}/results.xlsx")
    assert response.status_code == 200
    assert "X-Injected" not in response.headers
    saved = download_name(response)
    assert saved.endswith("-成绩.xlsx") and "\n" not in saved and "\r" not in saved
    assert '焊工赛"决赛"' in saved and "第二行" in saved


# --- e-mail --------------------------------------------------------------------------------------


class SentMail:
    """Stands in for ``smtplib.SMTP``: keeps what would have been sent, as the server would get it."""

    sent: list = []

    def __init__(self, host, port, timeout=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        SentMail.sent.append(message.as_string())


def test_a_studio_name_with_a_line_break_is_e_mailed_on_one_subject_line(app, users, monkeypatch):
    """A term-ending reminder names the studio in its subject; a line break in the name must not
    add a header (``Bcc:``) nor stop the job for every other studio."""
    import datetime as dt
    import email
    import email.policy

    from bureau.scheduler import notify
    from bureau.scheduler.models import Notification
    from bureau.scheduler.process import load_jobs
    from bureau.scheduler.registry import run_job

    monkeypatch.setattr(notify.smtplib, "SMTP", SentMail)
    monkeypatch.setattr(SentMail, "sent", [])
    app.config.update(SMTP_HOST="mail.example.cn", SMTP_PORT=25)
    users["lead"].email = "lead@example.cn"
    studio = studios.create_studio({"name": "焊工工作室\r\nBcc: boss@evil.example", "kind": "master_studio",
                                    "level": "city", "jurisdiction": "温州市", "lead": "lead",
                                    "established": ESTABLISHED})
    studio.term_ends = local_today() + dt.timedelta(days=30)
    db.session.commit()

    load_jobs()
    outcome = run_job("studio_terms", dt.datetime.combine(local_today(), dt.time(3, 0)))
    assert outcome.ran, outcome.result
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == users["lead"].id))
    assert len(SentMail.sent) == 1
    mail = email.message_from_string(SentMail.sent[0], policy=email.policy.default)
    assert mail["Bcc"] is None and mail["To"] == "lead@example.cn"
    assert mail["Subject"].startswith("焊工工作室 Bcc: boss@evil.example将于")
