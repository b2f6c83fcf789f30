"""The database helpers every area uses: a savepoint is part of the request's transaction."""
from datetime import date

from sqlalchemy import func, select

from bureau.calendar.models import CalendarDay
from bureau.db import db, insert_unless_taken


def _holiday(day: date) -> CalendarDay:
    return CalendarDay(day=day, kind="holiday", name="元旦", source="测试")


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(CalendarDay))


def test_an_insert_in_a_savepoint_as_the_requests_first_write_is_undone_by_its_rollback(app):
    # pysqlite opens no transaction before a SAVEPOINT, so the RELEASE used to commit the row.
    assert insert_unless_taken(_holiday(date(2027, 1, 1)))
    db.session.rollback()
    assert _count() == 0


def test_a_refused_insert_leaves_the_rest_of_the_request_to_commit_or_roll_back(app):
    db.session.add(_holiday(date(2027, 1, 1)))
    db.session.commit()
    assert not insert_unless_taken(_holiday(date(2027, 1, 1)))
    assert insert_unless_taken(_holiday(date(2027, 1, 2)))
    db.session.rollback()
    assert _count() == 1
    assert insert_unless_taken(_holiday(date(2027, 1, 3)))
    db.session.commit()
    assert _count() == 2
