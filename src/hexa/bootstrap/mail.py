"""Outgoing mail: SMTP when MAILER=smtp, the log otherwise."""

from __future__ import annotations

from hexa.adapters.mail import ConsoleMailer, SmtpMailer
from hexa.config import Settings
from hexa.ports.security import Mailer


def mailer(settings: Settings) -> Mailer:
    if settings.mailer == "smtp":
        assert settings.smtp_host is not None  # Settings refuse smtp without a host
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpMailer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=password,
            starttls=settings.smtp_starttls,
        )
    return ConsoleMailer(show_bodies=settings.env == "dev")
