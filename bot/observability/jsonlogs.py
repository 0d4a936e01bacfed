"""Log records as one JSON object per line, for a log collector (Loki, CloudWatch, Elasticsearch, journald).

Every line starts with the same keys: time (UTC, ISO 8601), level, logger, message, role, then request_id
and job_id when known, then the record's own fields (`log.info("...", extra={"outbox_id": 7})`), then
exc_info for an exception. The Redactor (bot.privacy.logs) has rewritten the record before it gets here;
the traceback is taken from its redacted text, never formatted again from the live exception.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from bot.privacy.logs import LOG_FORMAT, redact

__all__ = ["JsonLines", "TextLines", "LOG_FORMATS", "formatter_for"]

LOG_FORMATS = ("json", "text")
CONTEXT_KEYS = ("role", "request_id", "job_id")


class JsonLines(JsonFormatter):
    """python-json-logger's formatter with our keys first, UTC times and redacted tracebacks."""

    def __init__(self) -> None:
        # The context keys are written in add_fields, in their place; "color_message" is uvicorn's duplicate.
        reserved = [*RESERVED_ATTRS, *CONTEXT_KEYS, "taskName", "color_message"]
        super().__init__(reserved_attrs=reserved, json_ensure_ascii=False)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        for key in CONTEXT_KEYS:
            value = getattr(record, key, None)
            if value:
                log_data[key] = value
        super().add_fields(log_data, record, message_dict)

    def formatException(self, ei) -> str:
        """The traceback as the Redactor left it on the record, else redacted here."""
        return redact(str(super().formatException(ei)))

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_text:  # redacted by the Redactor: write that, not the live exception again
            exc_info, record.exc_info = record.exc_info, None
            try:
                return super().format(record)
            finally:
                record.exc_info = exc_info
        return super().format(record)

    def formatStack(self, stack_info: str) -> str:
        return redact(stack_info)


class TextLines(logging.Formatter):
    """The readable line of a terminal (`make run`), ending with the request and job ids when there are any."""

    def __init__(self) -> None:
        super().__init__(LOG_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{key}={value}" for key in ("request_id", "job_id") if (value := getattr(record, key, None)))
        if not ids:
            return line
        first, newline, rest = line.partition("\n")  # after the message, before a traceback
        return f"{first} [{ids}]{newline}{rest}"


def formatter_for(log_format: str) -> logging.Formatter:
    """The formatter a process's handlers use: JSON lines, or the readable text of a terminal."""
    if log_format == "json":
        return JsonLines()
    if log_format == "text":
        return TextLines()
    raise ValueError(f"unknown log format {log_format!r}; expected json or text")
