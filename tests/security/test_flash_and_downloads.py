"""User text in flashed messages.

A flashed message is translated and formatted once, where it is made, and the page shows it
escaped: a competition or file name carrying ``<meta http-equiv=refresh>`` must not redirect the
reader, and one carrying ``%`` must not break every page while the message waits in the session.
"""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from bureau.db import db
from competition import operations as competitions
from competition.models import Award, Competition
from studios import operations as studios
from tests.conftest import csrf_token_from
from tests.security.world import A_PDF, competition_spec, contestants
from tests.studios.conftest import ESTABLISHED, last_year

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
    token = csrf_token_from(client, "/competitions/new")
    response = client.post("/competitions/new", data={**COMPETITION_FORM, "name": name, "csrf_token": token})
    assert_shown_escaped(client, response, name)
    assert db.session.scalar(select(Competition.name)) == name
    logout = client.post("/logout", data={"csrf_token": csrf_token_from(client, "/home")})
    assert logout.status_code == 302 and client.get("/login").status_code == 200


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


def test_an_attachment_name_is_flashed_escaped(client, login_as, users):
    studio = studios.create_studio({"name": "焊工技能大师工作室", "kind": "master_studio", "level": "city",
                                    "jurisdiction": "温州市", "lead": "lead", "established": ESTABLISHED})
    db.session.commit()
    login_as("lead")
    name = "合格率100%<meta http-equiv=refresh content=0>.pdf"  # no quote or slash: a file name's own
    path = f"/studios/{studio.id}/reports/{last_year()}"
    token = csrf_token_from(client, path)
    response = client.post(f"{path}/attachments", content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (io.BytesIO(A_PDF), name)})
    assert_shown_escaped(client, response, name)
