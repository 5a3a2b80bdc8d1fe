"""The SMTP mailer against a real SMTP server (aiosmtpd) on a loopback port; its span."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from hexa.adapters.mail import SmtpMailer
from hexa.domain.errors import Unavailable
from tests.cli.test_cli import _free_port
from tests.tracing import Spans


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[Envelope, Message]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        assert isinstance(envelope.content, bytes)
        self.messages.append((envelope, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


async def test_a_message_reaches_the_server_with_its_headers(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    mailer = SmtpMailer(host="127.0.0.1", port=port, sender="hexa@example.com", starttls=False)

    await mailer.send(to="ada@example.com", subject="Verify your account", body="token: abc")

    [(envelope, message)] = inbox.messages
    assert envelope.mail_from == "hexa@example.com"
    assert envelope.rcpt_tos == ["ada@example.com"]
    assert message["Subject"] == "Verify your account"
    assert message.get_payload(decode=True).strip() == b"token: abc"  # type: ignore[union-attr]


async def test_an_unreachable_server_is_unavailable_not_a_crash() -> None:
    mailer = SmtpMailer(
        host="127.0.0.1", port=_free_port(), sender="hexa@example.com", starttls=False, timeout=2
    )

    with pytest.raises(Unavailable, match="mail could not be sent"):
        await mailer.send(to="ada@example.com", subject="s", body="b")


async def test_a_message_sent_within_a_span_is_a_span_that_names_no_recipient(
    smtp_server: tuple[Inbox, int], spans: Spans
) -> None:
    _, port = smtp_server
    mailer = SmtpMailer(host="127.0.0.1", port=port, sender="hexa@example.com", starttls=False)
    with trace.get_tracer("test").start_as_current_span("forgot password") as request:
        await mailer.send(to="ada@example.com", subject="Reset", body="link: https://x/?t=abc")

    sent = spans.one("send mail")
    assert sent.kind is SpanKind.CLIENT
    assert sent.parent is not None and sent.parent.span_id == request.get_span_context().span_id
    assert dict(sent.attributes or {}) == {"server.address": "127.0.0.1", "server.port": port}
