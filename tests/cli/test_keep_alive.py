"""`hexa serve` keeps an idle connection open past uvicorn's 5 s default, so a load
balancer (idle timeout 60 s on AWS ALB and nginx) that reuses it gets an answer, not a
connection closed under it: the 502s and "Server disconnected" of a too-short keep-alive."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from tests.cli.test_cli import serving

REQUEST = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"


def _answer(connection: socket.socket) -> bytes:
    received = b""
    while not received.endswith(b'{"status":"ok"}'):
        chunk = connection.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


def test_a_connection_idle_past_five_seconds_is_still_served(tmp_path: Path) -> None:
    with serving(tmp_path, PERSISTENCE="memory", LOG_LEVEL="WARNING") as (base, _):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(REQUEST)
            assert _answer(connection).startswith(b"HTTP/1.1 200")
            time.sleep(6)  # past uvicorn's default keep-alive of 5 s
            connection.sendall(REQUEST)
            assert _answer(connection).startswith(b"HTTP/1.1 200")
