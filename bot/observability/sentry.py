"""Errors to Sentry, only when SENTRY_DSN is set, with no resident's personal data in what is sent.

Sentry is off by default and nothing of it loads then. When on, the Flask and RQ integrations report
a request's or a job's unhandled exception (and ERROR log records, through Sentry's logging
integration), tagged with the request id and job id that the log lines carry. What leaves the process
is scrubbed by `scrub`: messages, exception values, breadcrumbs and the request's URL go through the
log Redactor (bot.privacy.logs); request bodies, query strings, cookies and credentials' headers are
dropped; local variables of stack frames are never collected; `send_default_pii` stays off.
"""

from __future__ import annotations

import contextlib
from typing import Any

from bot.config import Config
from bot.observability.context import current_job_id, current_request_id, process_role
from bot.privacy.logs import redact, redact_value

__all__ = ["init_sentry", "scrub", "DROPPED_HEADERS"]

# Headers that carry credentials or identify a person (cookies, signatures, a forwarded address).
DROPPED_HEADERS = frozenset(
    {
        "cookie",
        "authorization",
        "x-twilio-signature",
        "x-hub-signature-256",
        "x-csrftoken",
        "x-csrf-token",
        "x-forwarded-for",
        "x-real-ip",
        "forwarded",
    }
)


def init_sentry(config: Config, **options: Any) -> bool:
    """Start Sentry's client when SENTRY_DSN is set; tell whether it did. options: more sentry_sdk.init options."""
    if not config.sentry_dsn:
        return False
    import sentry_sdk  # only with a DSN: a process without Sentry never loads it
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    sentry_sdk.init(
        dsn=config.sentry_dsn,
        environment=config.sentry_environment or None,
        traces_sample_rate=config.sentry_traces_sample_rate,
        integrations=[FlaskIntegration(), RqIntegration()],
        send_default_pii=False,
        include_local_variables=False,  # a frame's variables hold what residents wrote
        max_request_body_size="never",
        before_send=scrub,
        before_send_transaction=scrub,
        **options,
    )
    sentry_sdk.set_tag("role", process_role())
    return True


def scrub(event: Any, hint: Any = None) -> Any:
    """The event as it may leave: personal data redacted or dropped, tagged with the request and job ids."""
    for key in ("message", "transaction"):
        if isinstance(event.get(key), str):
            event[key] = redact(event[key])
    if isinstance(event.get("logentry"), dict):
        event["logentry"] = _scrub_logentry(event["logentry"])
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = redact(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
            for key in ("pre_context", "context_line", "post_context"):  # our source lines, redacted anyway
                if key in frame:
                    frame[key] = _redact_strings(frame[key])
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values") if isinstance(crumbs, dict) else crumbs
    for crumb in values or []:
        if isinstance(crumb.get("message"), str):
            crumb["message"] = redact(crumb["message"])
        if "data" in crumb:  # a log record's fields: blanked and redacted as in the log line
            crumb["data"] = redact_value(crumb["data"])
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    for key in ("extra", "contexts"):  # the SDK's own (runtime, trace, argv): their strings redacted
        if isinstance(event.get(key), dict):
            event[key] = _redact_strings(event[key])
    event.pop("user", None)  # no address, no id of a person
    for span in event.get("spans") or []:
        if isinstance(span.get("description"), str):
            span["description"] = redact(span["description"])
        span.pop("data", None)
    tags = event.setdefault("tags", {})
    for tag, value in (("request_id", current_request_id()), ("job_id", current_job_id())):
        if value:
            tags[tag] = value
    return event


def _redact_strings(value: Any) -> Any:
    """Every string inside value redacted; keys, numbers and the shape kept (unlike a log field's redact_value)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_strings(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact_strings(item) for item in value]
    return value


def _scrub_logentry(entry: dict[str, Any]) -> dict[str, Any]:
    """A log record's text, formatted and redacted; its parameters are not sent on their own."""
    message = entry.get("formatted") or entry.get("message") or ""
    params = entry.get("params")
    if not entry.get("formatted") and params:
        with contextlib.suppress(TypeError, ValueError, KeyError):  # unformattable: the template alone
            message = message % tuple(params) if isinstance(params, list) else message % params
    return {"message": redact(str(message)), "formatted": redact(str(message))}


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    """Method, URL without its query, and headers other than credentials: no body, query or cookies."""
    kept: dict[str, Any] = {}
    if isinstance(request.get("method"), str):
        kept["method"] = request["method"]
    if isinstance(request.get("url"), str):
        kept["url"] = redact(request["url"].split("?", 1)[0])
    headers = request.get("headers")
    if isinstance(headers, dict):
        kept["headers"] = {
            name: redact(str(value)) for name, value in headers.items() if name.lower() not in DROPPED_HEADERS
        }
    return kept
