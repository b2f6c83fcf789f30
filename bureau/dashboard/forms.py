"""Forms of the dashboard. The checks are ``operations.target_values`` and ``budget_amounts``
(one set of rules); the forms carry the CSRF token, the choices and the version the page was read at."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from bureau.dashboard.metrics import BUDGET_CATEGORIES, COMPARISONS, METRICS
from bureau.forms import OneTimeForm
from bureau.policies.model import STUDIO_KINDS, STUDIO_LEVELS, TIERS
from competition.awards import TIER_LABELS
from studios.models import KIND_LABELS as STUDIO_KIND_LABELS
from studios.models import LEVEL_LABELS as STUDIO_LEVEL_LABELS

ANY = ("", _l("不限"))


class TargetForm(OneTimeForm):
    version = HiddenField()
    label = StringField(_l("指标名称"))
    metric = SelectField(_l("统计口径"), choices=[(key, _l(metric.label)) for key, metric in METRICS.items()],
                         description=_l("“人工填报”用于本系统没有数据的指标，完成数在下方填写。"))
    tier = SelectField(_l("竞赛级别"), choices=[ANY] + [(tier, _l(TIER_LABELS[tier])) for tier in TIERS], default="")
    category = SelectField(_l("竞赛类别"), choices=[ANY, ("1", _l("一类")), ("2", _l("二类"))], default="")
    award_kind = SelectField(_l("奖励类别"), choices=[ANY, ("skill_level", _l("技能等级")), ("title", _l("称号")),
                                                     ("cash", _l("奖金"))], default="")
    studio_kind = SelectField(_l("工作室/基地类型"),
                              choices=[ANY] + [(kind, _l(STUDIO_KIND_LABELS[kind])) for kind in STUDIO_KINDS],
                              default="")
    studio_level = SelectField(_l("工作室/基地级别"),
                               choices=[ANY] + [(level, _l(STUDIO_LEVEL_LABELS[level])) for level in STUDIO_LEVELS],
                               default="")
    comparison = SelectField(_l("目标类型"), choices=[(key, _l(label)) for key, label in COMPARISONS.items()],
                             description=_l("“左右”：达到目标的九成即算完成；“区间”：在下限和上限之间。"))
    value = StringField(_l("目标值（区间的下限）"))
    value_max = StringField(_l("上限（仅区间）"))
    unit = StringField(_l("单位"), description=_l("不填则用统计口径的单位。"))
    from_year = StringField(_l("累计起始年度"),
                             description=_l("多年累计的目标（如“到2025年新建10家”）填起始年度；只算本年度的不填。"))
    year = StringField(_l("目标年度"))
    manual_actual = StringField(_l("完成数（人工填报）"))
    note = TextAreaField(_l("说明或依据"))


class ActionForm(FlaskForm):
    """A button that changes state: the CSRF token and the version the page was read at."""

    version = HiddenField()


class QuotaMarkForm(FlaskForm):
    competition = SelectField(_l("竞赛"), coerce=str, choices=[])


def budget_form_class():
    """A form with one amount and one version field per budget category."""

    class BudgetForm(OneTimeForm):
        note = TextAreaField(_l("说明"))

    for category, label in BUDGET_CATEGORIES.items():
        setattr(BudgetForm, category, StringField(_l(label)))
        setattr(BudgetForm, f"version_{category}", HiddenField())
    return BudgetForm
