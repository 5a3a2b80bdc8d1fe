"""Mailers: one that writes messages to the log (dev, tests), one that speaks SMTP."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from hexa.domain.errors import Unavailable

log = logging.getLogger("hexa.mail")


@dataclass(frozen=True, slots=True)
class SentMail:
    to: str
    subject: str
    body: str


class ConsoleMailer:
    """Logs each message and keeps the last ones, so a developer or a test can read them."""

    def __init__(self, keep: int = 100) -> None:
        self.sent: list[SentMail] = []
        self._keep = keep

    async def send(self, *, to: str, subject: str, body: str) -> None:
        log.info("mail to %s: %s\n%s", to, subject, body)
        self.sent = [*self.sent, SentMail(to, subject, body)][-self._keep :]


class SmtpMailer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self._options = {
            "hostname": host,
            "port": port,
            "username": username,
            "password": password,
            "start_tls": starttls,
            "timeout": timeout,
        }
        self._sender = sender

    async def send(self, *, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._sender, to, subject
        message.set_content(body)
        try:
            await aiosmtplib.send(message, **self._options)  # type: ignore[arg-type]
        except (aiosmtplib.SMTPException, OSError) as error:
            raise Unavailable(f"mail could not be sent: {type(error).__name__}") from error
