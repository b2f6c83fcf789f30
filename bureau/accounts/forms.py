from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from bureau.accounts.models import Role
from bureau.forms import OneTimeForm

ROLE_LABELS = {
    Role.admin.value: _l("人社局工作人员"),
    Role.organiser.value: _l("竞赛组织单位"),
    Role.studio_lead.value: _l("工作室 / 基地负责人"),
}


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=200)])


class UserForm(OneTimeForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    display_name = StringField(_l("姓名"), validators=[Length(max=100)])
    organisation = StringField(_l("单位"), validators=[Length(max=200)])
    role = SelectField(_l("角色"), choices=list(ROLE_LABELS.items()))
    password = PasswordField(_l("初始密码"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=200)])


class EmptyForm(FlaskForm):
    """Only the CSRF token: for buttons that change state."""
