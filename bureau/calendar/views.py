"""Staff page of the working-day calendar: a year at a glance, and a form to enter ranges."""
from __future__ import annotations

import calendar as month_calendar
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import Optional

from bureau.access import allow
from bureau.accounts.models import Role
from bureau.calendar import operations
from bureau.calendar.demo import load_demo_calendar
from bureau.calendar.models import KIND_LABELS, CalendarDay
from bureau.calendar.workdays import is_working_day
from bureau.clock import local_today
from bureau.db import db
from bureau.demo import LOADERS
from bureau.errors import Conflict, Invalid
from bureau.forms import OneTimeForm, show_problems, submitted_once
from bureau.web import add_navigation

blueprint = Blueprint("calendar", __name__)
STAFF = Role.admin.value
add_navigation(_l("节假日安排"), "calendar.index", STAFF, system=True)
LOADERS.append(load_demo_calendar)


class RangeForm(OneTimeForm):
    first = DateField(_l("开始日期"), validators=[Optional()])
    last = DateField(_l("结束日期"), validators=[Optional()], description=_l("只录一天时与开始日期相同。"))
    kind = SelectField(_l("安排"), choices=[(kind, _l(label)) for kind, label in KIND_LABELS.items()]
                       + [(operations.CLEAR, _l("恢复正常（按周一至周五上班）"))])
    name = StringField(_l("节日名称"), description=_l("如“春节”；调休上班日也填所属节日。"))
    source = StringField(_l("依据"), description=_l("如“国务院办公厅关于2026年部分节假日安排的通知”。"))


class RemoveForm(FlaskForm):
    version = HiddenField()


def _year_argument() -> int:
    text = request.args.get("year", "")
    return int(text) if text.isdecimal() and 2000 <= int(text) <= 2100 else local_today().year


def _months(year: int, overrides: dict[date, str]) -> list[dict]:
    """Twelve month grids (weeks of seven days from Monday) with each day's state for the page."""
    today = local_today()
    grid = month_calendar.Calendar(firstweekday=0)
    months = []
    for month in range(1, 13):
        weeks = [[{"day": day, "in_month": day.month == month, "kind": overrides.get(day),
                   "working": is_working_day(day, overrides), "today": day == today}
                  for day in week] for week in grid.monthdatescalendar(year, month)]
        months.append({"month": month, "weeks": weeks})
    return months


def _page(year: int, form: RangeForm, status: int = 200):
    days = operations.days_of_year(year)
    overrides = {row.day: row.kind for row in days}
    counts = operations.count_by_year()
    years = sorted(set(counts) | {local_today().year, local_today().year + 1, year})
    months = _months(year, overrides)
    working = sum(1 for month in months for week in month["weeks"] for cell in week
                  if cell["in_month"] and cell["working"])
    weekdays = [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")]
    return render_template("calendar/index.html", year=year, years=years, counts=counts, days=days, months=months,
                           form=form, remove_form=RemoveForm(formdata=None), working_days=working,
                           weekdays=weekdays), status


@blueprint.route("/calendar")
@allow(STAFF)
def index():
    return _page(_year_argument(), RangeForm(formdata=None))


@blueprint.route("/calendar", methods=["POST"])
@allow(STAFF)
@submitted_once
def save_range():
    form = RangeForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _page(_year_argument(), form, 422)
    try:
        changed = operations.set_days(form.first.data, form.last.data, form.kind.data, form.name.data or "",
                                      form.source.data or "")
    except Invalid as error:
        show_problems(form, error)
        return _page(_year_argument(), form, 422)
    except Conflict as conflict:
        db.session.rollback()
        flash(_(conflict.message_template, **conflict.params), "danger")
        return _page(_year_argument(), form, 409)
    flash(_("已更新 %(count)d 天的安排。", count=changed), "success")
    return redirect(url_for("calendar.index", year=form.first.data.year))


@blueprint.route("/calendar/<int:day_id>/delete", methods=["POST"])
@allow(STAFF)
def remove(day_id: int):
    row = db.get_or_404(CalendarDay, day_id)
    form = RemoveForm()
    if not form.validate_on_submit():
        abort(400)
    year = row.day.year
    try:
        operations.remove_day(row, version=form.version.data)
    except Conflict as conflict:
        flash(_(conflict.message_template, **conflict.params), "danger")
        return redirect(url_for("calendar.index", year=year))
    flash(_("已删除 %(day)s 的安排，该日恢复按星期计算。", day=row.day.isoformat()), "success")
    return redirect(url_for("calendar.index", year=year))
