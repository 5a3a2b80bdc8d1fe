"""`hexa serve` takes the client's address from `X-Forwarded-For` only when the peer is a
proxy named in FORWARDED_ALLOW_IPS: the access event's `client` (and the sign-in limit per
address) is otherwise the peer's own. A malformed entry stops start-up with one line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from hexa.config import ConfigError, load_settings
from tests.cli.test_cli import serving

FORWARDED = {"X-Forwarded-For": "203.0.113.7"}


def _client_logged(tmp_path: Path, trusted: str) -> str:
    settings = {"PERSISTENCE": "memory", "LOG_FORMAT": "json", "FORWARDED_ALLOW_IPS": trusted}
    with serving(tmp_path, **settings) as (base, log_path):
        httpx.get(f"{base}/api/v1/auth/me", headers=FORWARDED, timeout=5)
        time.sleep(0.3)  # the access line is written by its own thread
    events = [json.loads(line) for line in log_path.read_text().splitlines() if line[:1] == "{"]
    [access] = [e for e in events if e.get("route") == "/api/v1/auth/me"]
    client: str = access["client"]
    return client


def test_a_trusted_proxy_names_the_client_and_another_peer_cannot(tmp_path: Path) -> None:
    assert _client_logged(tmp_path, "127.0.0.1") == "203.0.113.7"
    assert _client_logged(tmp_path, "10.0.0.0/8") == "127.0.0.1"


@pytest.mark.parametrize("value", ["10.0.0.1/8", "localhost", "10.0.0.0/33", " , "])
def test_a_malformed_proxy_stops_start_up_naming_the_setting(value: str) -> None:
    with pytest.raises(ConfigError, match="FORWARDED_ALLOW_IPS"):
        load_settings(persistence="memory", forwarded_allow_ips=value)


def test_proxies_are_read_as_written() -> None:
    settings = load_settings(persistence="memory", forwarded_allow_ips=" 10.0.0.0/8, ::1 ,*")
    assert settings.forwarded_allow_ips == "10.0.0.0/8,::1,*"
