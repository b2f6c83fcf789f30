"""A small world for the security tests: one record of every kind a route can point at.

Organiser A owns a finalized competition with a public notice, an objection and certificates
(one issued on its own, the rest in a finished batch); lead A leads a studio whose report has an
attachment and was accepted, scored and assessed (published). Organiser B and lead B own
records of their own, so "someone else's" is never "nobody's". Everything is made through the
areas' own operations, as the pages and the API would make it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from bureau.accounts.operations import issue_token
from bureau.clock import local_today
from bureau.db import db
from competition import operations as competitions
from competition.models import Award
from studios import operations as studios
from tests.competition.ids import person_id
from tests.conftest import login

# Names that must never reach anybody but the owner and staff (on pages that are not public).
COMPETITION_A = "矩阵测试竞赛甲（组织单位甲专用）"
COMPETITION_B = "矩阵测试竞赛乙（组织单位乙专用）"
STUDIO_A = "矩阵测试技能大师工作室甲"
STUDIO_B = "矩阵测试技能大师工作室乙"
A_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ACTORS = ("anonymous", "organiser_a", "organiser_b", "lead_a", "lead_b", "staff")
# Actor → the ``users`` fixture's user name (conftest.ROLE_USERS).
USERNAMES = {"organiser_a": "organiser", "organiser_b": "organiser_b", "lead_a": "lead", "lead_b": "lead_b",
             "staff": "admin"}


def contestants(count: int, start: int) -> list[dict]:
    return [{"name": f"矩阵选手{n}", "id_number": person_id(n), "employer": "温州某机械有限公司", "local": True,
             "theory": 90 - n % 50, "practical": 95 - n % 50} for n in range(start, start + count)]


@dataclass
class World:
    ids: dict = field(default_factory=dict)
    id_numbers_a: list = field(default_factory=list)

    def value(self, name: str):
        return self.ids[name]


def competition_spec(name: str) -> dict:
    return {"name": name, "tier": "city", "category": 1, "occupation": "电工", "year": 2026, "group": "worker",
            "policy": "wenzhou-2018",
            "prizes": [{"from_rank": 1, "to_rank": 1, "amount": 5000}, {"from_rank": 2, "to_rank": 3, "amount": 3000}]}


def build_world(app, users, *, certificates: bool = True) -> World:
    """Make the records (committed). ``certificates=False`` skips PDF rendering (faster)."""
    world = World()
    ids = world.ids

    # Competitions: A's finalized with a notice and an objection; B's with results only.
    competition = competitions.create_competition(competition_spec(COMPETITION_A), users["organiser"])
    rows = contestants(4, start=100)  # not the studio report's apprentices (1, 2)
    world.id_numbers_a = [row["id_number"] for row in rows]
    competitions.replace_results(competition, rows)
    competitions.finalize(competition)
    notice = competitions.publish_notice(competition, starts_on=local_today(), working_days=5)
    objection = competitions.record_objection(notice, objector="张三", subject="对名次有异议",
                                              received_on=local_today())
    other = competitions.create_competition(competition_spec(COMPETITION_B), users["organiser_b"])
    competitions.replace_results(other, contestants(2, start=150))
    db.session.flush()
    award = db.session.scalar(select(Award).where(Award.competition_id == competition.id, Award.kind == "title")
                              .order_by(Award.id).limit(1))
    ids.update(competition_id=competition.id, result_id=competition.results[0].id, notice_id=notice.id,
               objection_id=objection.id, award_id=award.id, other_competition_id=other.id)

    # Studios: A's report (with an attachment) accepted, scored, assessed and published.
    year = local_today().year - 1
    established = dt.date(year - 1, 3, 1)
    studio = studios.create_studio({"name": STUDIO_A, "kind": "master_studio", "level": "city",
                                    "jurisdiction": "温州市", "lead": "lead", "established": established})
    studio_b = studios.create_studio({"name": STUDIO_B, "kind": "master_studio", "level": "city",
                                      "jurisdiction": "温州市", "lead": "lead_b", "established": established})
    from tests.studios.conftest import items_totalling, sample_content

    report = studios.save_report(studio, year, sample_content())
    attachment = studios.add_attachment(report, "证明材料.pdf", A_PDF, users["lead"])
    studios.submit_report(report)
    studios.accept_report(report, users["admin"])
    studios.score_report(report, items_totalling(92), users["admin"])
    studios.save_report(studio_b, year, sample_content(apprentice=20))
    assessment = studios.run_assessment(year=year, kind="master_studio", level="city", jurisdiction="温州市",
                                        reward_amount=0, run_by=users["admin"])
    studios.publish_assessment(assessment)
    ids.update(studio_id=studio.id, other_studio_id=studio_b.id, year=year, attachment_id=attachment.id,
               assessment_id=assessment.id)

    # The dashboard: a target of 温州市, and competition A marked as a selection contest.
    from bureau.dashboard import operations as dashboard

    target = dashboard.create_target({"jurisdiction": "温州市", "year": year, "label": "矩阵测试指标",
                                      "metric": "competitions", "value": "20"})
    mark = dashboard.mark_contest("fujian-2023", competition)
    ids.update(target_id=target.id, mark_id=mark.id)

    # A public holiday in the calendar (the delete route's subject).
    from bureau.calendar import operations as calendar
    from bureau.calendar.models import CalendarDay

    calendar.set_days(dt.date(year + 1, 10, 1), dt.date(year + 1, 10, 1), "rest", "国庆节")
    ids["calendar_day_id"] = db.session.scalar(select(CalendarDay.id))

    # An API token of organiser A (for the revoke route), made the way the tokens page makes it.
    issue_token(users["organiser"])
    from bureau.accounts.models import ApiToken

    ids["token_id"] = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == users["organiser"].id))
    db.session.commit()

    # Placeholders where no certificate is made (the routes are still addressed, e.g. for CSRF).
    ids.update(serial="2026-RY-NONE-0", batch_id=999_999)
    if certificates:
        from bureau.certificates import operations as certificate_operations
        from bureau.certificates.batches import run_pending_batches, start_competition_batch

        certificate, _created = certificate_operations.issue_for_award(award.id, users["admin"])
        batch, _new = start_competition_batch(competition, users["admin"])
        db.session.commit()
        ids.update(serial=certificate.serial, batch_id=batch.id)
        run_pending_batches(app, processes=0)
        db.session.expire_all()
    return world


def logged_in_clients(app) -> dict:
    """A test client per actor, logged in through the login form (anonymous: not logged in)."""
    clients = {"anonymous": app.test_client()}
    for actor, username in USERNAMES.items():
        client = app.test_client()
        response = login(client, username)
        assert response.status_code == 302, f"{actor} could not log in"
        clients[actor] = client
    return clients


def bearer_headers(users) -> dict:
    """Authorization headers per actor (anonymous: none)."""
    headers = {"anonymous": {}}
    for actor, username in USERNAMES.items():
        headers[actor] = {"Authorization": f"Bearer {issue_token(users[username])}"}
    db.session.commit()
    return headers
