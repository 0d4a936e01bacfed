"""Application logs without residents' personal data: the process's logging set-up and its safety net.

Our own log lines name ids (contact, message, outbox, ticket, operator), never a phone number, a name, a
message's text, an email address or a token. The safety net catches what slips through, ours or a
library's: every record reaching the app's handlers has phone-number-looking digits, email addresses,
URL query strings (signed links, geocoder queries) and signed tokens replaced before it is written, in
its message and in every structured field it carries (`extra=`), whose personal-sounding keys (a name,
phone, email, body, text, address, password, token) are blanked whatever their value.
Libraries that log requests or rows are kept to what they need to say (LOUD_LOGGERS, ROW_LOGGERS).
"""

from __future__ import annotations

import logging
import re

__all__ = ["configure_logging", "redact", "redact_value", "error_head", "Redactor", "LOG_FORMAT", "PERSONAL_KEYS"]

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# A phone number as people, providers and our database write it: +52 81 1234 5678, (81) 1234-5678,
# 5218112345678, whatsapp:+5218112345678. Ten to fifteen digits, grouped by spaces, dashes or brackets;
# not inside a word or a dashed id (provider ids, hex, UUIDs) and not a clock time's start ("2026-01-05 10:11").
_PHONE = re.compile(r"(?<![\w+-])\+?\(?\d(?:[ \-()]{0,2}\d){9,14}(?![\w:-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A URL's query (signed media links' exp and sig, a geocoder's q=, a department's ?token=).
_QUERY = re.compile(r"\?[\w.%\[\]-]+=[^\s\"'<>]*")
# itsdangerous and JWT tokens (the web chat's session, signed downloads): three dot-separated parts.
_TOKEN = re.compile(r"(?<![\w.-])[\w-]+\.[\w-]{4,}\.[\w-]{20,}(?![\w.-])")

# Libraries whose records below WARNING carry what they send (twilio's request log names the URL and headers
# of every API call; a later version may add more): only their warnings and errors are kept.
LOUD_LOGGERS = ("twilio.http_client",)
# SQLAlchemy's engine logs result rows at DEBUG ("Row (...)"): never kept (statements are, their
# parameters hidden by the engine: bot.db.database).
ROW_LOGGERS = ("sqlalchemy.engine.Engine",)
# Loggers that write to handlers of their own rather than the root's (gunicorn), or may (werkzeug).
OWN_HANDLER_LOGGERS = ("gunicorn.access", "gunicorn.error", "werkzeug")
# A structured field named like this holds personal data whatever it looks like (a name has no pattern):
# its value is blanked. Matched at the end of the key, lower-cased: "profile_name", "to_phone", "body".
PERSONAL_KEYS = ("name", "phone", "phone_number", "email", "body", "text", "address", "password", "token", "secret")
# A record's own attributes; anything else on it came in through `extra=` (or a filter) and is a field.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def redact(text: str) -> str:
    """The text with phone numbers, email addresses, URL queries and signed tokens replaced."""
    text = _QUERY.sub("?[query]", text)
    text = _TOKEN.sub("[token]", text)
    text = _EMAIL.sub("[email]", text)
    return _PHONE.sub("[phone]", text)


def redact_value(value: object, key: str = "") -> object:
    """A structured value with personal data replaced: strings redacted, containers walked, personal keys blanked."""
    if key and key.lower().endswith(PERSONAL_KEYS):
        return "[redacted]" if value not in (None, "") else value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact_value(v) for v in value]
    if isinstance(value, (bool, float)) or value is None:
        return value
    if isinstance(value, int):
        return value if redact(str(value)) == str(value) else "[phone]"  # a number stored as digits
    return redact(str(value))  # anything else is written as its text: redact that


def error_head(error: object) -> str:
    """The part of an error a log may carry: its words before the first colon.

    What follows is often what the other side answered, which may echo what it was sent (a
    department's 400 quoting the ticket, a provider naming the number); the whole error stays on
    the outbox row or message, where the dashboard shows it.
    """
    return redact(str(error).split(":", 1)[0].strip())


class Redactor(logging.Filter):
    """Rewrites a record in place, its message, exception, stack text and fields redacted (so every later handler gets it so)."""

    _exceptions = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._exceptions.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key in record.__dict__.keys() - _RECORD_ATTRIBUTES:
            setattr(record, key, redact_value(record.__dict__[key], key))
        return True


class QuietBelow(logging.Filter):
    """Drops a logger's records below a level, whatever level the logger is set to."""

    def __init__(self, level: int):
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level


class NoRows(logging.Filter):
    """Drops SQLAlchemy's records of result rows and columns."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(("Row ", "Col ")))


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr at level (unless the process set logging up already), every handler behind the Redactor."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        _add_once(handler, Redactor())
    for name in OWN_HANDLER_LOGGERS:
        _add_once(logging.getLogger(name), Redactor())
    for name in LOUD_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
        _add_once(logging.getLogger(name), QuietBelow(logging.WARNING))
    for name in ROW_LOGGERS:
        _add_once(logging.getLogger(name), NoRows())


def _add_once(target: logging.Handler | logging.Logger, found: logging.Filter) -> None:
    """Add the filter unless one of its kind is there (create_app runs many times in one test process)."""
    if not any(type(present) is type(found) for present in target.filters):
        target.addFilter(found)
