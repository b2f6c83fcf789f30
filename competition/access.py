"""Who owns a competition: the organiser who registered it (bureau staff pass every check)."""
from __future__ import annotations

from sqlalchemy import select

from bureau.accounts.models import Role, User
from bureau.db import db
from competition.models import Competition

STAFF = Role.admin.value
ORGANISER = Role.organiser.value


def owns_competition(user: User, view_args: dict) -> bool:
    owner_id = db.session.scalar(select(Competition.owner_id).where(Competition.id == view_args["competition_id"]))
    return owner_id is not None and owner_id == user.id


def visible_competitions(user: User):
    """A select of the competitions ``user`` may see: all for staff, their own for organisers."""
    query = select(Competition)
    if not user.is_admin:
        query = query.where(Competition.owner_id == user.id)
    return query
