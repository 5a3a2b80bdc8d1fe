"""Mailers: one that writes messages to the log (dev, tests), one that speaks SMTP."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from hexa.domain.errors import Unavailable

log = logging.getLogger("hexa.mail")
tracer = trace.get_tracer("hexa.mail")


@dataclass(frozen=True, slots=True)
class SentMail:
    to: str
    subject: str
    body: str


class ConsoleMailer:
    """Logs each message and keeps the last ones, so a developer or a test can read them.

    Bodies carry one-time links (verify, reset), as good as a password until used: the
    log shows them only when `show_bodies` (ENV=dev, where the console is the inbox).
    Elsewhere log lines are collected and kept by machines, so only the recipient and
    subject are logged; a deployment that must deliver mail sets MAILER=smtp."""

    def __init__(self, keep: int = 100, *, show_bodies: bool = False) -> None:
        self.sent: list[SentMail] = []
        self._keep = keep
        self._show_bodies = show_bodies

    async def send(self, *, to: str, subject: str, body: str) -> None:
        if self._show_bodies:
            log.info("mail to %s: %s\n%s", to, subject, body)
        else:
            log.info("mail to %s: %s (body not logged outside ENV=dev)", to, subject)
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
        # Where mail goes, never to whom or what: a body holds one-time links.
        self._server: dict[str, str | int] = {"server.address": host, "server.port": port}

    async def send(self, *, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._sender, to, subject
        message.set_content(body)
        # An SMTP error's text names the recipient: the span says its type only.
        with tracer.start_as_current_span(
            "send mail",
            kind=SpanKind.CLIENT,
            attributes=self._server,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                await aiosmtplib.send(message, **self._options)  # type: ignore[arg-type]
            except (aiosmtplib.SMTPException, OSError) as error:
                span.set_status(StatusCode.ERROR, type(error).__name__)
                raise Unavailable(f"mail could not be sent: {type(error).__name__}") from error
