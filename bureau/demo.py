"""The demo data set: ``flask --app wsgi demo``. Areas register their own loaders here."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bureau.accounts import operations
from bureau.accounts.models import Role, User
from bureau.db import db

# Demo accounts: (username, role, password, display name, organisation). Passwords are for a demo
# on one machine only and are printed by the run command.
DEMO_USERS = [
    ("admin", Role.admin.value, "Nanxi-jiang-58", "陈晓燕", "温州市人力资源和社会保障局职业能力建设处"),
    ("organiser", Role.organiser.value, "Yandang-shan-31", "王建国", "温州市总工会技能竞赛办公室"),
    ("organiser2", Role.organiser.value, "Jiangxin-yu-32", "李海峰", "温州职业技术学院"),
    ("lead", Role.studio_lead.value, "Wuma-jie-47", "张明华", "张明华数控技能大师工作室"),
    ("lead2", Role.studio_lead.value, "Oujiang-kou-48", "刘秀英", "刘秀英电工技能大师工作室"),
]

# Each loader returns lines to print; run in order after the users exist.
LOADERS: list[Callable[[], list[str]]] = []


def demo_user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def load() -> list[str]:
    lines = []
    for username, role, password, display_name, organisation in DEMO_USERS:
        if demo_user(username) is None:
            operations.create_user(username, role, password, display_name=display_name, organisation=organisation)
    for loader in LOADERS:
        lines.extend(loader())
    lines.append("Demo logins (用户名 / 密码):")
    lines.extend(f"  {username:<11} {password:<16} {role}" for username, role, password, _, _ in DEMO_USERS)
    return lines
