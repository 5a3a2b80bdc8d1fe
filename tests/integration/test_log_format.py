"""LOG_FORMAT and LOG_LEVEL: JSON lines for machines, readable lines for people, and every
library's logger in the same format."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from hexa.config import ConfigError, Settings, load_settings
from hexa.drivers.logs import configure_logging
from tests.log_capture import captured_logs

SECRET = "s" * 40


def _settings(**overrides: str) -> Settings:
    return load_settings(**({"jwt_secret": SECRET, "api_key_pepper": SECRET} | overrides))


def test_the_format_defaults_to_console_in_dev_and_json_elsewhere() -> None:
    assert _settings(env="dev").resolved_log_format == "console"
    assert _settings(env="test").resolved_log_format == "json"
    assert _settings(env="prod").resolved_log_format == "json"
    assert _settings(env="prod", log_format="CONSOLE").resolved_log_format == "console"
    assert _settings().log_level == "INFO"
    assert _settings(log_level="debug").log_level == "DEBUG"


@pytest.mark.parametrize(
    ("setting", "value"), [("log_format", "xml"), ("log_level", "loud")], ids=["format", "level"]
)
def test_a_bad_value_is_one_line_naming_the_setting(setting: str, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _settings(**{setting: value})
    [line] = str(refused.value).splitlines()
    assert line.startswith(f"{setting.upper()}=")


def test_json_lines_parse_and_carry_an_exception_as_a_field() -> None:
    with captured_logs(_settings(env="prod")) as logs:
        logging.getLogger("hexa.services.example").info("job %s started", "j-1")
        try:
            raise ValueError("broken")
        except ValueError:
            logging.getLogger("hexa.services.example").exception("job failed")
        structlog.get_logger("hexa.drivers.example").warning("native", answer=42)

    started, failed, native = (json.loads(line) for line in logs.text.splitlines())
    assert started["event"] == "job j-1 started"
    assert (started["level"], started["logger"]) == ("info", "hexa.services.example")
    assert started["timestamp"].endswith("Z")
    assert failed["level"] == "error"
    assert "ValueError: broken" in failed["exception"]
    assert (native["event"], native["answer"], native["level"]) == ("native", 42, "warning")


def test_console_lines_are_for_people() -> None:
    with (
        captured_logs(_settings(env="dev")) as logs,
        structlog.contextvars.bound_contextvars(request_id="r-1"),
    ):
        logging.getLogger("hexa.example").warning("disk %s is full", "/var")

    [line] = logs.text.splitlines()
    assert "disk /var is full" in line and "request_id=r-1" in line and "warning" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


def test_uvicorn_and_arq_loggers_come_through_the_same_format() -> None:
    with captured_logs(_settings(env="test")) as logs:
        # As uvicorn's own command line leaves them: handlers of their own, not propagating.
        for name in ("uvicorn", "uvicorn.access"):
            logging.getLogger(name).addHandler(logging.StreamHandler())
            logging.getLogger(name).propagate = False
        configure_logging(_settings(env="test"), logs.stream)
        logging.getLogger("uvicorn.error").info("Application startup complete.")
        logging.getLogger("arq.worker").info("Starting worker for 1 functions")
        # uvicorn writes access lines only when its access logger has a handler: ours
        # replace them.
        assert not logging.getLogger("uvicorn.access").hasHandlers()

    assert [(e["logger"], e["event"]) for e in logs.events()] == [
        ("uvicorn.error", "Application startup complete."),
        ("arq.worker", "Starting worker for 1 functions"),
    ]


def test_a_token_in_a_logged_url_is_hidden() -> None:
    with captured_logs(_settings(env="test")) as logs:
        # What uvicorn logs when a WebSocket handshake is accepted.
        logging.getLogger("uvicorn.error").info(
            '%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", "/ws/jobs/j-1?token=eyJhbGci.x.y"
        )

    [event] = logs.events()
    assert "eyJhbGci" not in event["event"]
    assert "/ws/jobs/j-1?token=[hidden]" in event["event"]


def test_a_clean_stop_loses_no_line_though_a_thread_writes_them() -> None:
    """Lines are handed to a writer thread; `logging.shutdown` at exit writes what is left."""
    import subprocess
    import sys

    program = (
        "import logging; from hexa.config import load_settings; "
        "from hexa.drivers.logs import access, configure_logging; "
        f"configure_logging(load_settings(env='prod', jwt_secret='{SECRET}', "
        f"api_key_pepper='{SECRET}')); "
        "[logging.getLogger('hexa.x').info('line %d', n) for n in range(10000)]; "
        "[access('request', {'n': n}) for n in range(10000)]"
    )
    ran = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    events = [json.loads(line) for line in ran.stderr.splitlines()]
    assert [e["event"] for e in events[:2]] == ["line 0", "line 1"]
    assert len([e for e in events if e["logger"] == "hexa.x"]) == 10000
    accessed = [e for e in events if e["logger"] == "hexa.access"]
    assert [e["n"] for e in accessed] == list(range(10000))
    assert {"timestamp", "level", "event"} <= accessed[0].keys()
