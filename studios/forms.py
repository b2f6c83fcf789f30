"""Forms of the studio pages. They parse and carry CSRF; the rules live in ``studios.operations``
and ``studios.report`` (shared with the API), so fields here have no validators of their own."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Form, FieldList, FormField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from bureau.forms import OneTimeForm
from bureau.policies.model import SKILL_LEVELS
from studios.models import KIND_LABELS, LEVEL_LABELS, STATUS_LABELS
from studios.report import FUNDS_FIELDS, SECTIONS, Section
from studios.rubrics import Rubric

SPARE_ROWS = 1  # a blank row under each list, so a new line can be typed without script


def _choices(labels: dict[str, str]) -> list[tuple[str, object]]:
    return [(value, _l(label)) for value, label in labels.items()]


class StudioForm(OneTimeForm):
    name = StringField(_l("名称"))
    kind = SelectField(_l("类型"), choices=_choices(KIND_LABELS), validate_choice=False)
    level = SelectField(_l("级别"), choices=_choices(LEVEL_LABELS), default="city", validate_choice=False)
    jurisdiction = StringField(_l("所属地区"), description=_l("如：温州市；县级填到县（市、区），如：温州市鹿城区"))
    policy = SelectField(_l("适用政策文件"), validate_choice=False)
    lead = SelectField(_l("负责人（领办人）账号"), validate_choice=False)
    occupation = StringField(_l("职业（工种）或领域"))
    host_employer = StringField(_l("依托单位"))
    established = StringField(_l("认定日期"), render_kw={"type": "date"})
    term_years = StringField(_l("认定期限（年）"), default="3", render_kw={"inputmode": "numeric"})
    status = SelectField(_l("状态"), choices=_choices(STATUS_LABELS), validate_choice=False)
    revoked_reason = TextAreaField(_l("摘牌原因"), render_kw={"rows": 2})
    grant_paid_on = StringField(_l("一次性资助发放日期"), render_kw={"type": "date"},
                                description=_l("未发放留空；留空时按新认定单位列出应发资助"))
    version = HiddenField()


def _row_form(section: Section) -> type[Form]:
    """A row of one report section, built from the section's columns in ``studios.report``."""
    level_choices = [("", _l("无"))] + [(level, level) for level in SKILL_LEVELS]
    fields = {}
    for column in section.columns:
        label = _l(column.label)
        if column.kind == "level":
            fields[column.key] = SelectField(label, choices=level_choices, validate_choice=False)
        elif column.kind == "long_text":
            fields[column.key] = TextAreaField(label, render_kw={"rows": 1})
        elif column.kind == "date":
            fields[column.key] = StringField(label, render_kw={"type": "date"})
        elif column.kind == "count":
            fields[column.key] = StringField(label, render_kw={"inputmode": "numeric", "class": "short"})
        else:
            fields[column.key] = StringField(label)
    return type(f"{section.key.title()}RowForm", (Form,), fields)


class FundsForm(Form):
    received = StringField(_l(FUNDS_FIELDS[0][1]), render_kw={"inputmode": "numeric"})
    spent = StringField(_l(FUNDS_FIELDS[1][1]), render_kw={"inputmode": "numeric"})
    note = TextAreaField(_l("经费使用说明"), render_kw={"rows": 2})


class ReportForm(OneTimeForm):
    funds = FormField(FundsForm)
    summary = TextAreaField(_l("年度工作总结"), render_kw={"rows": 6})
    version = HiddenField()


for _section in SECTIONS:
    setattr(ReportForm, _section.key, FieldList(FormField(_row_form(_section)), min_entries=SPARE_ROWS))


def report_form(content: dict | None = None, **kwargs) -> ReportForm:
    """The report form filled from saved ``content`` (on GET), or from the request (on POST),
    with a spare blank row under each list."""
    form = ReportForm(data=content, **kwargs) if content is not None else ReportForm(**kwargs)
    for section in SECTIONS:
        rows = getattr(form, section.key)
        filled = sum(1 for entry in rows.entries if any((value or "").strip() for value in entry.data.values()))
        while len(rows.entries) < filled + SPARE_ROWS:
            rows.append_entry()
    return form


def report_data(form: ReportForm) -> dict:
    """The form's values as the raw content ``studios.report.clean_content`` checks."""
    raw = {section.key: [dict(entry.data) for entry in getattr(form, section.key).entries] for section in SECTIONS}
    raw["funds"] = dict(form.funds.data)
    raw["summary"] = form.summary.data
    return raw


class AttachmentForm(OneTimeForm):
    file = FileField(_l("附件（PDF、PNG或JPEG，每个不超过5MB）"))


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("退回原因"), render_kw={"rows": 3})


class WindowForm(OneTimeForm):
    year = StringField(_l("年度"), render_kw={"inputmode": "numeric"})
    opens_on = StringField(_l("开始提交日期"), render_kw={"type": "date"})
    deadline = StringField(_l("截止日期"), render_kw={"type": "date"})


def score_form(rubric: Rubric, item_scores: dict | None = None, **kwargs) -> FlaskForm:
    """One number per rubric item, named by the item's key."""
    fields = {item.key: StringField(item.label, description=item.description,
                                    render_kw={"inputmode": "decimal", "class": "short", "data-max": item.max})
              for item in rubric.items}
    form_class = type("ScoreForm", (FlaskForm,), fields)
    return form_class(data=item_scores or {}, **kwargs)


class AssessmentRunForm(OneTimeForm):
    year = StringField(_l("年度"), render_kw={"inputmode": "numeric"})
    kind = SelectField(_l("类型"), choices=_choices(KIND_LABELS), validate_choice=False)
    level = SelectField(_l("级别"), choices=_choices(LEVEL_LABELS), default="city", validate_choice=False)
    jurisdiction = SelectField(_l("地区"), validate_choice=False)
    reward_amount = StringField(_l("优秀奖励金额（元/个）"), render_kw={"inputmode": "numeric"},
                                description=_l("不得超过政策规定的上限；留空按上限"))


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TieForm(FlaskForm):
    excellent = CheckboxesField(_l("评为优秀的单位"), coerce=int, validate_choice=False)
    reason = TextAreaField(_l("决定理由"), render_kw={"rows": 3})
    version = HiddenField()


class PublishForm(FlaskForm):
    notice_ends_on = StringField(_l("公示截止日期"), render_kw={"type": "date"})
    version = HiddenField()
