"""One JSON object per log line, with the process's role and the request and job ids, and no personal data.

The handler is the process's own stderr handler as configure_logging sets it up (format, Redactor,
context): lines are read back as a log collector would, one json.loads per line.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Config, ConfigError
from bot.observability.context import bound, set_process_role
from bot.observability.setup import configure_logging
from tests.observability.logsupport import process_stderr

PHONE = "+52 81 5550 1234"
DIGITS = "8155501234"
NAME = "Xochiquetzal Tepoztécatl"
log = logging.getLogger("bot.tests.observability")


@pytest.fixture
def json_lines():
    with process_stderr() as lines:
        configure_logging("json")
        yield lines
    set_process_role("cli")


def test_a_line_is_one_json_object_with_our_keys_first(json_lines):
    set_process_role("worker")
    with bound(request_id="3f2a9c1e7b5d4e60", job_id="outbox-7"):
        log.warning("delivery of outbox %s failed", 7, extra={"outbox_id": 7, "attempt": 2})
    (line,) = json_lines.raw()
    (record,) = json_lines.parsed()
    assert list(record)[:7] == ["time", "level", "logger", "message", "role", "request_id", "job_id"]
    assert record["level"] == "WARNING" and record["logger"] == "bot.tests.observability"
    assert record["message"] == "delivery of outbox 7 failed"
    assert (record["role"], record["request_id"], record["job_id"]) == ("worker", "3f2a9c1e7b5d4e60", "outbox-7")
    assert (record["outbox_id"], record["attempt"]) == (7, 2)
    written = datetime.fromisoformat(record["time"])
    assert written.utcoffset() == timedelta(0) and abs(datetime.now(UTC) - written) < timedelta(minutes=1)
    assert "\n" not in line


def test_a_line_outside_a_request_or_job_has_no_ids(json_lines):
    log.info("relay enqueued %s outbox rows", 3)
    (record,) = json_lines.parsed()
    assert record["role"] == "cli" and "request_id" not in record and "job_id" not in record


def test_a_phone_number_or_name_never_reaches_the_line(json_lines):
    log.info("sending to whatsapp:%s", PHONE.replace(" ", ""), extra={"to": PHONE, "profile_name": NAME})
    log.info("contact", extra={"contact": {"name": NAME, "numbers": [PHONE, "5218155501234"]}, "wa_id": 5218155501234})
    try:
        raise ValueError(f"Twilio refused {PHONE} ({NAME.split()[0]} is not a valid sender?)")
    except ValueError:
        log.exception("sending failed", extra={"body": f"Hola, soy {NAME}"})
    text = "\n".join(json_lines.raw())
    first, second, third = json_lines.parsed()
    assert first["message"] == "sending to whatsapp:[phone]" and first["to"] == "[phone]"
    assert first["profile_name"] == "[redacted]" and second["contact"]["name"] == "[redacted]"
    assert second["contact"]["numbers"] == ["[phone]", "[phone]"] and second["wa_id"] == "[phone]"
    assert third["body"] == "[redacted]" and "ValueError: Twilio refused [phone]" in third["exc_info"]
    assert DIGITS not in text.replace(" ", "") and "Tepoztécatl" not in text
    assert "Xochiquetzal" in text  # a name inside free text has no pattern: our own lines never write one


def test_text_stays_the_readable_line_with_the_ids_at_its_end(json_lines):
    configure_logging("text")
    log.info("sent to %s", PHONE)
    with bound(request_id="3f2a9c1e7b5d4e60", job_id="outbox-7"):
        log.warning("delivery of outbox 7 failed")
    first, second = json_lines.raw()
    assert first.endswith(" INFO bot.tests.observability: sent to [phone]")
    assert second.endswith(": delivery of outbox 7 failed [request_id=3f2a9c1e7b5d4e60 job_id=outbox-7]")


def test_log_format_is_json_unless_set_to_text():
    assert Config.from_env({}).log_format == "json"
    assert Config.from_env({"LOG_FORMAT": " Text "}).log_format == "text"
    with pytest.raises(ConfigError, match="LOG_FORMAT='xml': Input should be json or text"):
        Config.from_env({"LOG_FORMAT": "xml"})
