from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from bureau.forms import OneTimeForm

TIER_LABELS = {"world": _l("世界技能大赛"), "national": _l("国家级"), "provincial": _l("省级"),
               "city": _l("市级"), "county": _l("县级")}
CATEGORY_LABELS = {"": _l("不分类"), "1": _l("一类"), "2": _l("二类")}
GROUP_LABELS = {"": _l("不分组"), "worker": _l("职工组"), "student": _l("学生组")}
MEDAL_LABELS = {"": _l("无"), "gold": _l("金牌"), "silver": _l("银牌"), "bronze": _l("铜牌"), "excellence": _l("优胜奖")}
STATUS_LABELS = {"draft": _l("草稿"), "results_entered": _l("已录入成绩"), "finalized": _l("已确认"),
                 "published": _l("已公示")}


class CompetitionForm(OneTimeForm):
    version = HiddenField()
    name = StringField(_l("竞赛名称"), validators=[DataRequired(), Length(max=200)])
    tier = SelectField(_l("级别"), choices=list(TIER_LABELS.items()))
    category = SelectField(_l("类别"), choices=list(CATEGORY_LABELS.items()), default="")
    national_games = BooleanField(_l("全国技能大赛（未颁发奖牌时按名次确定金银铜牌和优胜奖）"))
    occupation = StringField(_l("职业（工种）"), validators=[Length(max=100)])
    year = IntegerField(_l("年度"), validators=[DataRequired(), NumberRange(2000, 2100)])
    held_on = DateField(_l("举办日期"), validators=[Optional()])
    group = SelectField(_l("组别"), choices=list(GROUP_LABELS.items()), default="")
    policy = SelectField(_l("适用政策文件"))
    organiser_name = StringField(_l("组织单位"), validators=[Length(max=200)])
    practical_only = BooleanField(_l("只考操作技能（无理论考试）"))
    theory_weight = DecimalField(_l("理论成绩权重（0–1）"), places=3, default=0.3, validators=[NumberRange(0, 1)])
    pass_mark = DecimalField(_l("合格分数线"), places=2, default=60, validators=[NumberRange(0, 100)])
    promotions = TextAreaField(_l("晋升等级表（竞赛文件规定时填写）"),
                               description=_l("每行一段：名次起-名次止 等级，如“1-3 技师”"))
    prizes = TextAreaField(_l("奖金表（市级竞赛由竞赛文件规定）"),
                           description=_l("每行一段：名次起-名次止 金额（元），如“1-1 5000”"))


class ResultForm(OneTimeForm):
    version = HiddenField()
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=50)])
    id_number = StringField(_l("身份证号"), validators=[DataRequired(), Length(max=30)])
    employer = StringField(_l("工作单位"), validators=[Length(max=200)])
    local = BooleanField(_l("本地企业（单位）人员"))
    group = SelectField(_l("组别"), choices=list(GROUP_LABELS.items()), default="")
    team = StringField(_l("团队"), validators=[Length(max=100)])
    theory = StringField(_l("理论成绩"))
    practical = StringField(_l("实操成绩"))
    rank = StringField(_l("名次（由组织单位给定时填写）"))
    medal = SelectField(_l("奖牌"), choices=list(MEDAL_LABELS.items()), default="")
    base = StringField(_l("集训基地编号"))


class UploadForm(FlaskForm):
    file = FileField(_l("成绩文件（.xlsx 或 .csv）"), validators=[FileRequired()])


class VersionForm(FlaskForm):
    """A button that changes state, carrying the version the page was read at."""

    version = HiddenField()


class ReopenForm(VersionForm):
    reason = TextAreaField(_l("重新开放理由"), validators=[DataRequired(), Length(max=1000)])


class NoticeForm(VersionForm):
    starts_on = DateField(_l("公示开始日期"), validators=[DataRequired()])
    working_days = IntegerField(_l("公示期（工作日）"), default=5, validators=[DataRequired(), NumberRange(1, 30)])
    contact = StringField(_l("异议受理联系方式"), validators=[Length(max=200)])


class ObjectionForm(OneTimeForm):
    objector = StringField(_l("异议人"), validators=[DataRequired(), Length(max=100)])
    received_on = DateField(_l("收到日期"), validators=[DataRequired()])
    subject = TextAreaField(_l("异议内容"), validators=[DataRequired()])
    evidence = TextAreaField(_l("证据材料"))


class DecisionForm(FlaskForm):
    version = HiddenField()
    status = SelectField(_l("处理结果"), choices=[("dismissed", _l("异议不成立")), ("upheld", _l("异议成立"))])
    decision = TextAreaField(_l("处理意见"), validators=[DataRequired()])
