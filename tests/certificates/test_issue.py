"""Issuing certificates from awards and assessment results: which kind, worded how, once only.

The PDFs are read back as a holder's reader would: poppler for the text and fonts, zbar for the
QR code.
"""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from bureau.audit.models import AuditEntry
from bureau.certificates import operations
from bureau.certificates.models import Certificate
from bureau.clock import local_today
from bureau.db import db
from competition import operations as competition_operations
from competition.models import Award
from tests.certificates.test_render import _pdf_text, _run
from tests.competition.ids import person_id
from tests.conftest import ON_POSTGRES

WENZHOU_CITY = {"name": "2026年温州市电工职业技能竞赛", "tier": "city", "category": 1, "occupation": "电工",
                "year": 2026, "group": "worker", "policy": "wenzhou-2018",
                "prizes": [{"from_rank": 1, "to_rank": 1, "amount": 5000}, {"from_rank": 2, "to_rank": 3, "amount": 3000}]}
XIAMEN_CITY = {"name": "2026年厦门市职业技能大赛焊工项目", "tier": "city", "category": 1, "occupation": "焊工",
               "year": 2026, "group": "worker", "policy": "xiamen-2023"}
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国志红"


def person_name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + GIVEN[(n * 13 + 5) % len(GIVEN)]


def people(count: int, *, start: int = 1) -> list[dict]:
    return [{"name": person_name(n), "id_number": person_id(n % 1000, birth=f"19{80 + n // 1000:02d}0101"),
             "employer": "温州某机械有限公司", "local": True, "theory": 90 - n % 30, "practical": round(95 - n * 0.03, 2)}
            for n in range(start, start + count)]


def finalized_competition(owner, spec=WENZHOU_CITY, count: int = 5, **changes):
    competition = competition_operations.create_competition({**spec, **changes}, owner)
    competition_operations.replace_results(competition, people(count))
    competition_operations.finalize(competition)
    db.session.commit()
    return competition


def awards_of(competition, kind: str, payee: str = "person") -> list[Award]:
    return list(db.session.scalars(select(Award).where(Award.competition_id == competition.id, Award.kind == kind,
                                                       Award.payee == payee).order_by(Award.id)))


def issue(client, headers, **body):
    return client.post("/api/v1/certificates", json=body, headers=headers)


def excellent_studio_result(users, *, published: bool = True, grade: str = "excellent",
                            name: str = "温州市瓯海区张晓明数控技能大师工作室", jurisdiction: str = "温州市"):
    """A studio graded 优秀 in a published 2025 assessment, made directly in the tables."""
    from decimal import Decimal

    from studios.models import Assessment, AssessmentResult, Studio

    studio = Studio(name=name, kind="master_studio", level="city", jurisdiction=jurisdiction,
                    policy="wenzhou-2018", lead_id=users["lead"].id, established=date(2022, 3, 1),
                    term_ends=date(2027, 2, 28))
    assessment = Assessment(year=2025, kind="master_studio", level="city", jurisdiction=jurisdiction, policy="wenzhou-2018",
                            run_by_id=users["admin"].id, pass_score=Decimal(60), excellent_percent=15,
                            excellent_cap=1, reward_amount=50000, reward_cap=50000,
                            status="published" if published else "draft")
    result = AssessmentResult(assessment=assessment, studio=studio, score=Decimal("95.5"), rank=1, grade=grade,
                              reward=50000)
    db.session.add_all([studio, assessment, result])
    db.session.commit()
    return result


# --- which certificate for which award ------------------------------------------------------------


def test_each_award_earns_its_kind_worded_from_the_competition(app, users):
    wenzhou = finalized_competition(users["organiser"])
    plans, skipped = operations.competition_plans(wenzhou)
    kinds = [plan.kind for plan in plans]
    assert kinds == ["title"] * 3 + ["prize"] * 3  # skill levels first, then titles, then prizes; no subsidy
    first_title, first_prize = plans[0], plans[3]
    assert first_title.holder_name == person_name(1)
    assert first_title.title_line == "温州市技术能手"
    assert first_title.body_lines == ("在2026年温州市电工职业技能竞赛（职工组）中荣获第一名，", "被授予")
    assert first_prize.title_line == "第一名"
    assert first_prize.body_lines == ("在2026年温州市电工职业技能竞赛（职工组）中荣获",)
    assert first_prize.id_number_masked == "3303**********" + people(1)[0]["id_number"][-4:]
    assert skipped == []  # the organiser's hosting subsidy is no certificate and is not listed as skipped

    xiamen = finalized_competition(users["organiser"], XIAMEN_CITY)
    plans, _ = operations.competition_plans(xiamen)
    assert [plan.kind for plan in plans] == ["skill_level"] * 5 + ["title"]
    level = plans[0]
    assert level.title_line == "高级工（三级）"
    assert level.body_lines == ("经2026年厦门市职业技能大赛焊工项目评价，理论知识与操作技能考核合格，", "认定其职业技能等级为")
    assert level.particulars == (("职业（工种）", "焊工"), ("评价方式", "职业技能竞赛"))


def test_hosting_subsidy_gets_no_certificate(app, client, users, api_token):
    competition = finalized_competition(users["organiser"])
    subsidy = awards_of(competition, "cash", payee="organiser")[0]
    response = issue(client, api_token("admin"), award_id=subsidy.id)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"] == "award_id"


def test_several_cash_awards_of_one_place_make_one_prize_certificate(app, client, users, api_token):
    competition = finalized_competition(users["organiser"])
    first = awards_of(competition, "cash")[0]
    extra = Award(competition_id=competition.id, result_id=first.result_id, name=first.name, id_number=first.id_number,
                  kind="cash", amount=1000, payee="person", policy=first.policy, clause=first.clause, rule="另一项奖金",
                  rule_key="cash.extra", awarded_on=first.awarded_on, achievement=first.achievement)
    db.session.add(extra)
    db.session.commit()
    headers = api_token("admin")
    one = issue(client, headers, award_id=first.id).get_json()
    other = issue(client, headers, award_id=extra.id)
    assert other.status_code == 200 and other.get_json()["serial"] == one["serial"]
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


# --- the API ------------------------------------------------------------------------------------


def test_issue_returns_serial_pdf_and_verification_address_and_the_same_serial_twice(app, client, users, api_token):
    competition = finalized_competition(users["organiser"])
    title = awards_of(competition, "title")[0]
    headers = api_token("admin")
    first = issue(client, headers, award_id=title.id)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["created"] is True and body["kind"] == "title" and body["status"] == "valid"
    assert body["serial"].startswith(f"{local_today().year}-RY-")
    assert body["verify_url"] == f"http://localhost/verify/{body['serial']}"
    assert body["pdf_url"] == f"/api/v1/certificates/{body['serial']}/pdf"
    again = issue(client, headers, award_id=title.id)
    assert again.status_code == 200
    assert again.get_json()["serial"] == body["serial"] and again.get_json()["created"] is False
    assert client.get(f"/api/v1/certificates/{body['serial'].lower()}", headers=headers).get_json()["serial"] == body["serial"]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "certificate")
                               .order_by(AuditEntry.id)).all()
    # reserved, then issued once its PDF rendered
    assert [(entry.action, entry.after["status"], entry.actor_name) for entry in audit] == [
        ("create", "reserved", "admin"), ("update", "valid", "admin")]


def test_issue_refuses_bad_requests(app, client, users, api_token):
    headers = api_token("admin")
    for body in ({}, {"award_id": 1, "assessment_result_id": 1}):
        response = issue(client, headers, **body)
        assert response.status_code == 422
        assert {d["field"] for d in response.get_json()["error"]["details"]} == {"award_id", "assessment_result_id"}
    assert issue(client, headers, award_id=999).status_code == 422
    assert issue(client, headers, award_id="x").status_code == 422
    assert client.post("/api/v1/certificates", json={"award_id": 1}).status_code == 401
    assert issue(client, api_token("organiser"), award_id=1).status_code == 403
    assert issue(client, api_token("lead"), award_id=1).status_code == 403


def test_pdf_reads_back_with_name_serial_embedded_cjk_font_and_qr_to_the_verification_page(
        app, client, users, api_token, tmp_path):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY)
    award = awards_of(competition, "skill_level")[0]
    headers = api_token("admin")
    body = issue(client, headers, award_id=award.id).get_json()
    response = client.get(body["pdf_url"], headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "certificate.pdf"
    path.write_bytes(response.data)

    text = _pdf_text(path)
    assert award.name in text and body["serial"] in text
    assert "高级工（三级）" in text and "职业技能等级证书" in "".join(text.split())
    assert app.config["BUREAU_NAME"] in text
    assert award.id_number not in text and body["id_number_masked"] in text

    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert any("CJK" in line and line.split()[-5] == "yes" for line in fonts), fonts

    _run("pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page"))
    decoded = _run("zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")).strip()
    assert decoded == f"http://localhost/verify/{body['serial']}" == body["verify_url"]


def test_prize_certificate_prints_the_place_never_the_amount(app, client, users, api_token, tmp_path):
    competition = finalized_competition(users["organiser"])
    cash = awards_of(competition, "cash")[0]
    headers = api_token("admin")
    body = issue(client, headers, award_id=cash.id).get_json()
    assert body["kind"] == "prize" and body["title_line"] == "第一名"
    path = tmp_path / "prize.pdf"
    path.write_bytes(client.get(body["pdf_url"], headers=headers).data)
    text = "".join(_pdf_text(path).split())
    assert "获奖证书" in text and "第一名" in text
    assert "5000" not in text and "5,000" not in text and "元" not in text


def test_excellent_studio_certificate(app, client, users, api_token, tmp_path):
    result = excellent_studio_result(users)
    headers = api_token("admin")
    response = issue(client, headers, assessment_result_id=result.id)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == "excellent_studio" and body["title_line"] == "优秀技能大师工作室"
    assert body["holder_name"] == "温州市瓯海区张晓明数控技能大师工作室" and body["id_number_masked"] == ""
    assert issue(client, headers, assessment_result_id=result.id).get_json()["serial"] == body["serial"]
    path = tmp_path / "studio.pdf"
    path.write_bytes(client.get(body["pdf_url"], headers=headers).data)
    text = "".join(_pdf_text(path).split())
    assert "2025年度温州市技能大师工作室考评" in text and "领办人：测试lead" in text


def test_only_published_excellent_results_are_certified(app, client, users, api_token):
    headers = api_token("admin")
    draft = excellent_studio_result(users, published=False)
    assert issue(client, headers, assessment_result_id=draft.id).status_code == 409


def test_qualified_result_gets_no_certificate(app, client, users, api_token):
    qualified = excellent_studio_result(users, grade="qualified")
    assert issue(client, api_token("admin"), assessment_result_id=qualified.id).status_code == 422


# --- competitions reopened ---------------------------------------------------------------------


def test_reopened_competition_keeps_its_certificates_and_finds_them_again(app, client, users, api_token):
    competition = finalized_competition(users["organiser"])
    headers = api_token("admin")
    title = awards_of(competition, "title")[0]
    title_id = title.id
    serial = issue(client, headers, award_id=title_id).get_json()["serial"]

    competition_operations.reopen(competition, "核对成绩")
    db.session.commit()
    certificate = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    assert certificate.award_id is None and certificate.valid  # the award went, the certificate stays
    assert issue(client, headers, award_id=title_id).status_code == 422  # no such award any more
    competition_operations.finalize(competition)
    db.session.commit()
    new_title = awards_of(competition, "title")[0]
    again = issue(client, headers, award_id=new_title.id)
    assert again.status_code == 200 and again.get_json()["serial"] == serial  # same subject, same certificate
    db.session.refresh(certificate)
    assert certificate.award_id == new_title.id


def test_certificates_need_finalized_results(app, client, users, api_token):
    competition = finalized_competition(users["organiser"])
    title = awards_of(competition, "title")[0]
    competition.status = "results_entered"  # as if reopened, with the award still there
    db.session.commit()
    response = issue(client, api_token("admin"), award_id=title.id)
    assert response.status_code == 409


# --- revocation ---------------------------------------------------------------------------------


def test_revocation_needs_staff_and_a_reason_and_is_audited(app, client, users, api_token):
    competition = finalized_competition(users["organiser"])
    admin = api_token("admin")
    serial = issue(client, admin, award_id=awards_of(competition, "title")[0].id).get_json()["serial"]
    url = f"/api/v1/certificates/{serial}/revoke"
    assert client.post(url, json={"reason": "x"}, headers=api_token("organiser")).status_code == 403
    assert client.post(url, json={"reason": "x"}, headers=api_token("lead")).status_code == 403
    assert client.post(url, json={"reason": "x"}).status_code == 401
    assert client.post(url, json={"reason": "  "}, headers=admin).status_code == 422
    response = client.post(url, json={"reason": "获奖资格经复核被取消"}, headers=admin)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "revoked" and body["revoked_reason"] == "获奖资格经复核被取消" and body["revoked_at"]
    assert client.post(url, json={"reason": "再次"}, headers=admin).status_code == 409
    assert client.get(body["pdf_url"], headers=admin).status_code == 409  # not printed again
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "certificate",
                                                        AuditEntry.action == "update")
                               .order_by(AuditEntry.id.desc()).limit(1)).one()  # after the one that issued it
    assert entry.after["status"] == "revoked" and "获奖资格经复核被取消" in entry.summary
    assert entry.actor_name == "admin"
    assert client.post("/api/v1/certificates/2026-RY-2222-2222-2222-22/revoke", json={"reason": "x"},
                       headers=admin).status_code == 404


def test_a_revoked_certificate_keeps_its_serial_and_a_new_one_can_be_issued(app, client, users, api_token):
    competition = finalized_competition(users["organiser"])
    admin = api_token("admin")
    award = awards_of(competition, "title")[0]
    old = issue(client, admin, award_id=award.id).get_json()["serial"]
    client.post(f"/api/v1/certificates/{old}/revoke", json={"reason": "姓名有误，重新发证"}, headers=admin)
    new = issue(client, admin, award_id=award.id)
    assert new.status_code == 201 and new.get_json()["serial"] != old
    assert client.get(f"/api/v1/certificates/{old}", headers=admin).get_json()["status"] == "revoked"


# --- concurrency (PostgreSQL: the database, not luck, keeps certificates unique) ----------------


def _issue_in_threads(app, award_ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(award_ids))
    serials: list[str | None] = [None] * len(award_ids)
    errors: list[BaseException] = []

    def work(index: int, award_id: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                certificate, _ = operations.issue_for_award(award_id)
                db.session.commit()
                serials[index] = certificate.serial
                db.session.remove()
        except BaseException as error:  # reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index, award_id)) for index, award_id in enumerate(award_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return serials


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_eight_threads_issuing_the_same_award_get_one_certificate(app, users):
    competition = finalized_competition(users["organiser"])
    award_id = awards_of(competition, "title")[0].id
    serials = _issue_in_threads(app, [award_id] * 8)
    assert len(set(serials)) == 1
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_eight_threads_issuing_different_awards_get_eight_serials(app, users):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY, count=8)
    award_ids = [award.id for award in awards_of(competition, "skill_level")]
    assert len(award_ids) == 8
    serials = _issue_in_threads(app, award_ids)
    assert len(set(serials)) == 8 and None not in serials
    assert db.session.scalar(select(func.count(func.distinct(Certificate.serial)))) == 8
