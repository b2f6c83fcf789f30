"""Showing refused input on a WTForms form."""
from __future__ import annotations

from flask import flash
from flask_babel import gettext as _

from bureau.errors import Invalid


def show_problems(form, error: Invalid) -> None:
    """Put each problem under its field on ``form``; flash those that belong to no field.

    ``problem.field in form`` (not getattr alone): a field name such as "data" or "validate"
    must not land on one of the form's own attributes.
    """
    for problem in error.problems:
        message = _(problem.message_template, **problem.params)
        field = form[problem.field] if problem.field in form else None
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "danger")
