"""Who may use which route: the declared expectation the access matrix checks the app against.

One entry per endpoint (every method of an endpoint shares its access rule). A route added to
the app without an entry here fails ``test_every_route_has_a_declared_expectation``: decide who
may use it and declare it, in words a reviewer can check against the design, not by copying the
view's decorator.

Outcomes per actor:
  OK      allowed: a GET answers 2xx or 3xx (never a redirect to the login page); a POST, PUT,
          PATCH or DELETE reaches the view (its effect is skipped in the matrix).
  LOGIN   not logged in: pages redirect to /login, the API answers 401.
  DENY    logged in with the wrong role: 403.
  HIDDEN  the right role but not the owner: 404, so the record's existence does not leak.
"""
from __future__ import annotations

OK, LOGIN, DENY, HIDDEN = "ok", "login", "deny", "hidden"


def expect(anonymous=LOGIN, organiser_a=DENY, organiser_b=DENY, lead_a=DENY, lead_b=DENY, staff=DENY) -> dict:
    return {"anonymous": anonymous, "organiser_a": organiser_a, "organiser_b": organiser_b,
            "lead_a": lead_a, "lead_b": lead_b, "staff": staff}


PUBLIC = expect(OK, OK, OK, OK, OK, OK)
ANY_SIGNED_IN = expect(organiser_a=OK, organiser_b=OK, lead_a=OK, lead_b=OK, staff=OK)
STAFF_ONLY = expect(staff=OK)
STAFF_AND_ORGANISERS = expect(organiser_a=OK, organiser_b=OK, staff=OK)
STAFF_AND_LEADS = expect(lead_a=OK, lead_b=OK, staff=OK)
# Organiser A registered the competition; organiser B must not learn it exists.
COMPETITION_OWNER = expect(organiser_a=OK, organiser_b=HIDDEN, staff=OK)
# Lead A leads the studio; lead B must not learn it exists.
STUDIO_OWNER = expect(lead_a=OK, lead_b=HIDDEN, staff=OK)
# Only the studio's own lead writes its report: staff review, they do not write it for them.
STUDIO_LEAD_ONLY = expect(lead_a=OK, lead_b=HIDDEN)
# Organiser A's own API token: every other user, whatever the role, gets 404 (staff pass).
TOKEN_OWNER = expect(organiser_a=OK, organiser_b=HIDDEN, lead_a=HIDDEN, lead_b=HIDDEN, staff=OK)

EXPECTATIONS: dict[str, dict] = {
    # --- platform ---
    "static": PUBLIC,
    "main.index": PUBLIC,
    "main.home": ANY_SIGNED_IN,
    "main.set_language": PUBLIC,
    "accounts.login": PUBLIC,
    "accounts.logout": ANY_SIGNED_IN,
    "accounts.change_password": ANY_SIGNED_IN,
    "accounts.tokens": ANY_SIGNED_IN,
    "accounts.revoke_token": TOKEN_OWNER,
    "accounts.user_list": STAFF_ONLY,
    "audit.entries": STAFF_ONLY,
    "jobs.index": STAFF_ONLY,
    "jobs.edit": STAFF_ONLY,
    "jobs.run_now": STAFF_ONLY,
    "jobs.notifications": ANY_SIGNED_IN,
    "api.openapi": PUBLIC,
    "api.me": ANY_SIGNED_IN,
    "api.list_users": STAFF_ONLY,
    "api.create_user": STAFF_ONLY,
    # --- competitions: pages ---
    "competitions.index": STAFF_AND_ORGANISERS,
    "competitions.new": STAFF_AND_ORGANISERS,
    "competitions.results_template": STAFF_AND_ORGANISERS,
    "competitions.detail": COMPETITION_OWNER,
    "competitions.edit": COMPETITION_OWNER,
    "competitions.result_new": COMPETITION_OWNER,
    "competitions.result_edit": COMPETITION_OWNER,
    "competitions.result_delete": COMPETITION_OWNER,
    "competitions.upload": COMPETITION_OWNER,
    "competitions.upload_confirm": COMPETITION_OWNER,
    "competitions.results_export": COMPETITION_OWNER,
    "competitions.notice_admin": COMPETITION_OWNER,
    "competitions.finalize": STAFF_ONLY,
    "competitions.reopen": STAFF_ONLY,
    "competitions.publish_notice": STAFF_ONLY,
    "competitions.objection_new": STAFF_ONLY,
    "competitions.objection_decide": STAFF_ONLY,
    "competitions.notices": PUBLIC,
    "competitions.notice": PUBLIC,
    "competitions.notice_export": PUBLIC,
    # --- policy conversion, awards and payments ---
    "policy.register": STAFF_ONLY,
    "policy.approve": STAFF_ONLY,
    "policy.approve_filtered": STAFF_ONLY,
    "policy.payment_list": STAFF_ONLY,
    "policy.what_if": STAFF_ONLY,
    "policy.competition_awards": COMPETITION_OWNER,
    "policy.documents": ANY_SIGNED_IN,
    "policy.document": ANY_SIGNED_IN,
    # --- competitions: API ---
    "api.create_competition": STAFF_AND_ORGANISERS,
    "api.list_competitions": STAFF_AND_ORGANISERS,
    "api.get_competition": COMPETITION_OWNER,
    "api.update_competition": COMPETITION_OWNER,
    "api.get_awards": COMPETITION_OWNER,
    "api.get_results": COMPETITION_OWNER,
    "api.put_results": COMPETITION_OWNER,
    "api.finalize": STAFF_ONLY,
    "api.reopen": STAFF_ONLY,
    # --- studios: pages ---
    "studios.studio_list": STAFF_AND_LEADS,
    "studios.studio_new": STAFF_ONLY,
    "studios.studio_edit": STAFF_ONLY,
    "studios.studio_detail": STUDIO_OWNER,
    "studios.report_page": STUDIO_OWNER,
    "studios.report_save": STUDIO_LEAD_ONLY,
    "studios.attachment_add": STUDIO_LEAD_ONLY,
    "studios.attachment_delete": STUDIO_LEAD_ONLY,
    "studios.attachment_download": STUDIO_OWNER,
    "studios.report_return": STAFF_ONLY,
    "studios.report_accept": STAFF_ONLY,
    "studios.report_score": STAFF_ONLY,
    "studios.review_queue": STAFF_ONLY,
    "studios.report_windows": STAFF_ONLY,
    "studios.grant_register": STAFF_ONLY,
    "studios.assessment_list": STAFF_ONLY,
    "studios.assessment_detail": STAFF_ONLY,
    "studios.assessment_export": STAFF_ONLY,
    "studios.assessment_publish": STAFF_ONLY,
    "studios.assessment_ties": STAFF_ONLY,
    "studios.public_assessments": PUBLIC,
    "studios.public_assessment": PUBLIC,
    # --- studios: API ---
    "api.create_studio": STAFF_ONLY,
    "api.list_studios": STAFF_AND_LEADS,
    "api.get_studio": STUDIO_OWNER,
    "api.update_studio": STAFF_ONLY,
    "api.studio_grants": STUDIO_OWNER,
    "api.get_report": STUDIO_OWNER,
    "api.save_report": STUDIO_LEAD_ONLY,
    "api.submit_report": STUDIO_LEAD_ONLY,
    "api.accept_report": STAFF_ONLY,
    "api.return_report": STAFF_ONLY,
    "api.score_report": STAFF_ONLY,
    "api.get_rubric": ANY_SIGNED_IN,
    "api.run_assessment": STAFF_ONLY,
    "api.list_assessments": STAFF_ONLY,
    "api.get_assessment": STAFF_ONLY,
    "api.publish_assessment": STAFF_ONLY,
    "api.decide_tie": STAFF_ONLY,
    # --- certificates ---
    "certificates.verify_form": PUBLIC,
    "certificates.verify": PUBLIC,
    "certificates.index": STAFF_ONLY,
    "certificates.lookup": STAFF_ONLY,
    "certificates.competition": STAFF_ONLY,
    "certificates.assessment": STAFF_ONLY,
    "certificates.issue": STAFF_ONLY,
    "certificates.start_batch": STAFF_ONLY,
    "certificates.batch": STAFF_ONLY,
    "certificates.batch_status": STAFF_ONLY,
    "certificates.batch_pdf": STAFF_ONLY,
    "certificates.batch_zip": STAFF_ONLY,
    "certificates.detail": STAFF_ONLY,
    "certificates.pdf": STAFF_ONLY,
    "certificates.revoke": STAFF_ONLY,
    "api.issue_certificate": STAFF_ONLY,
    "api.get_certificate": STAFF_ONLY,
    "api.certificate_pdf": STAFF_ONLY,
    "api.revoke_certificate": STAFF_ONLY,
    "api.start_certificate_batch": STAFF_ONLY,
    "api.get_certificate_batch": STAFF_ONLY,
    "api.certificate_batch_pdf": STAFF_ONLY,
    "api.certificate_batch_zip": STAFF_ONLY,
    # --- dashboard: targets, budgets and money are the bureau's own business ---
    "dashboard.index": STAFF_ONLY,
    "dashboard.targets": STAFF_ONLY,
    "dashboard.create_target": STAFF_ONLY,
    "dashboard.edit_target": STAFF_ONLY,
    "dashboard.delete_target": STAFF_ONLY,
    "dashboard.load_targets": STAFF_ONLY,
    "dashboard.budget": STAFF_ONLY,
    "dashboard.quota": STAFF_ONLY,
    "dashboard.mark_contest": STAFF_ONLY,
    "dashboard.unmark_contest": STAFF_ONLY,
    "dashboard.export": STAFF_ONLY,
    "dashboard.summary_pdf": STAFF_ONLY,
    # --- the working-day calendar: the bureau enters the State Council's holidays ---
    "calendar.index": STAFF_ONLY,
    "calendar.save_range": STAFF_ONLY,
    "calendar.remove": STAFF_ONLY,
}

# Values for the routes' URL variables, by variable name: a key of ``World.ids`` or a constant.
URL_VALUES: dict[str, object] = {
    "competition_id": "competition_id",
    "result_id": "result_id",
    "notice_id": "notice_id",
    "objection_id": "objection_id",
    "award_id": "award_id",
    "studio_id": "studio_id",
    "year": "year",
    "attachment_id": "attachment_id",
    "assessment_id": "assessment_id",
    "serial": "serial",
    "batch_id": "batch_id",
    "token_id": "token_id",
    "token": ("const", "a-staged-upload-token"),
    "name": ("const", "close_notices"),
    "lang": ("const", "en"),
    "code": ("const", "wenzhou-2018"),
    "kind": ("const", "master_studio"),
    "filename": ("const", "css/app.css"),
    "target_id": "target_id",
    "day_id": "calendar_day_id",
    "mark_id": "mark_id",
    "table": ("const", "targets"),
}
