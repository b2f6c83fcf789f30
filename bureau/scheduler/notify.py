"""In-app notifications, e-mailed as well when SMTP is configured."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from bureau.accounts.models import User
from bureau.db import db, utcnow
from bureau.scheduler.models import Notification
from bureau.text import one_line

log = logging.getLogger(__name__)


def notify(user: User, key: str, subject: str, body: str = "", link: str = "") -> bool:
    """Tell ``user`` once per ``key``; True when this call created the notification."""
    exists = db.session.scalar(select(Notification.id).where(Notification.user_id == user.id, Notification.key == key))
    if exists:
        return False
    notification = Notification(user_id=user.id, key=key, subject=subject, body=body, link=link)
    db.session.add(notification)
    if user.email and current_app.config.get("SMTP_HOST"):
        try:
            send_email(user.email, subject, f"{body}\n\n{link}".strip())
            notification.emailed_at = utcnow()
        except (OSError, smtplib.SMTPException):
            # The in-app notification still stands; the mail is tried again by no one, so log it.
            log.exception("could not e-mail %s", user.username)
    return True


def send_email(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    # The subject carries names people typed; on one line, so that none adds a header.
    message["From"], message["To"], message["Subject"] = config["MAIL_FROM"], to, one_line(subject)
    message.set_content(body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        smtp.send_message(message)
