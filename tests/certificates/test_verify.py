"""The public verification page, and the staff pages around one certificate (issue, PDF, revoke)."""
from __future__ import annotations

from sqlalchemy import select

from bureau.certificates.models import Certificate
from bureau.certificates.serials import new_serial
from bureau.db import db
from tests.certificates.test_issue import XIAMEN_CITY, awards_of, finalized_competition, issue, people
from tests.conftest import csrf_token_from


def _issued(client, users, api_token, spec=XIAMEN_CITY):
    competition = finalized_competition(users["organiser"], spec)
    award = awards_of(competition, "skill_level")[0]
    return competition, award, issue(client, api_token("admin"), award_id=award.id).get_json()["serial"]


def _typo(serial: str) -> str:
    """The serial with its last (check) character changed."""
    return serial[:-1] + ("2" if serial[-1] != "2" else "3")


def test_anyone_can_verify_a_valid_certificate_without_logging_in(app, client, users, api_token):
    _, award, serial = _issued(client, users, api_token)
    response = client.get(f"/verify/{serial}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "有效" in page and "已吊销" not in page
    assert award.name in page and serial in page
    assert people(1)[0]["id_number"] not in page and "3303**********" in page  # masked only
    assert "高级工（三级）" in page and "职业技能等级证书" in page
    assert app.config["BUREAU_NAME"] in page
    assert response.headers["Cache-Control"] == "no-cache"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert "<script>" not in page  # CSP: no inline script


def test_revoked_by_staff_with_a_reason_the_page_says_revoked(app, client, users, api_token, login_as):
    _, _, serial = _issued(client, users, api_token)
    assert "有效" in client.get(f"/verify/{serial}").get_data(as_text=True)
    login_as("admin")
    token = csrf_token_from(client, f"/certificates/{serial}")
    version = db.session.scalar(select(Certificate.version).where(Certificate.serial == serial))
    response = client.post(f"/certificates/{serial}/revoke",
                           data={"csrf_token": token, "reason": "经复核，理论成绩登记有误", "version": version})
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/home")})
    page = client.get(f"/verify/{serial}").get_data(as_text=True)
    assert "已吊销" in page and "经复核，理论成绩登记有误" in page


def test_revoking_without_a_reason_changes_nothing(app, client, users, api_token, login_as):
    _, _, serial = _issued(client, users, api_token)
    login_as("admin")
    token = csrf_token_from(client, f"/certificates/{serial}")
    response = client.post(f"/certificates/{serial}/revoke", data={"csrf_token": token, "reason": ""},
                           follow_redirects=True)
    assert "吊销须填写理由" in response.get_data(as_text=True)
    assert db.session.scalar(select(Certificate.status).where(Certificate.serial == serial)) == "valid"
    # and without the CSRF token the form is refused outright
    assert client.post(f"/certificates/{serial}/revoke", data={"reason": "x"}).status_code == 400


def test_a_mistyped_serial_is_called_mistyped_and_an_unknown_one_not_found(app, client, users, api_token):
    _, _, serial = _issued(client, users, api_token)
    mistyped = client.get(f"/verify/{_typo(serial)}")
    assert mistyped.status_code == 404
    assert "编号有误" in mistyped.get_data(as_text=True) and "校验码" in mistyped.get_data(as_text=True)
    unknown = client.get(f"/verify/{new_serial(2026, 'skill_level')}")
    assert unknown.status_code == 404 and "未查到" in unknown.get_data(as_text=True)
    assert "编号有误" not in unknown.get_data(as_text=True)


def test_typed_serials_are_normalised(app, client, users, api_token):
    _, _, serial = _issued(client, users, api_token)
    response = client.get(f"/verify/{serial.lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{serial}")
    response = client.get("/verify", query_string={"serial": f"  {serial.lower()} "})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{serial}")
    form = client.get("/verify")
    assert form.status_code == 200 and 'name="serial"' in form.get_data(as_text=True)


def test_there_is_no_public_list(app, client, users, api_token):
    _issued(client, users, api_token)
    assert client.get("/verify/").status_code == 404
    assert client.get("/certificates").status_code == 302  # to the login page
    assert client.get("/certificates/lookup?serial=2026").status_code == 302
    assert client.get("/api/v1/certificates").status_code == 405  # no list, not even for staff
    assert client.get("/api/v1/certificates", headers=api_token("admin")).status_code == 405


def test_organisers_and_leads_cannot_reach_the_staff_pages(app, client, users, api_token, login_as):
    competition, award, serial = _issued(client, users, api_token)
    login_as("organiser")
    for path in ("/certificates", f"/certificates/{serial}", f"/certificates/{serial}/pdf",
                 f"/certificates/competitions/{competition.id}"):
        assert client.get(path).status_code == 403, path
    token = csrf_token_from(client, "/home")
    assert client.post(f"/certificates/{serial}/revoke", data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert client.post("/certificates/issue", data={"csrf_token": token, "award_id": award.id}).status_code == 403
    assert client.post("/certificates/batches",
                       data={"csrf_token": token, "competition_id": competition.id}).status_code == 403
    assert client.get(f"/verify/{serial}").status_code == 200


def test_staff_issue_from_the_competition_page_and_download(app, client, users, login_as):
    competition = finalized_competition(users["organiser"], XIAMEN_CITY)
    login_as("admin")
    page = client.get(f"/certificates/competitions/{competition.id}").get_data(as_text=True)
    assert "应发证书（6 份，已签发 0 份）" in page and "高级工（三级）" in page
    award = awards_of(competition, "title")[0]
    token = csrf_token_from(client, f"/certificates/competitions/{competition.id}")
    response = client.post("/certificates/issue", data={"csrf_token": token, "award_id": award.id})
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert response.headers["Location"].endswith(f"/certificates/{certificate.serial}")
    detail = client.get(f"/certificates/{certificate.serial}").get_data(as_text=True)
    assert "厦门市技术能手" in detail and certificate.serial in detail
    again = client.post("/certificates/issue", data={"csrf_token": token, "award_id": award.id}, follow_redirects=True)
    assert "未重复签发" in again.get_data(as_text=True)
    pdf = client.get(f"/certificates/{certificate.serial}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    listing = client.get(f"/certificates/competitions/{competition.id}").get_data(as_text=True)
    assert "已签发 1 份" in listing and certificate.serial in listing
    assert client.get(f"/certificates/lookup?serial={certificate.serial.lower()}").status_code == 302
