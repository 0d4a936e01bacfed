"""The process's role and the request and job a log record belongs to, carried without passing them around.

A web request takes its id from the proxy's X-Request-ID when that is a safe token, else gets a new one
(bot.web.request_ids). Outbox rows created meanwhile keep it in their payload (bot.jobs.outbox), RQ jobs
in their meta, and a worker running the job binds it again with the job's id (bot.jobs.registry): every
line of one resident's message, from webhook to delivery, can be found with one id.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from bot.privacy.logs import redact

__all__ = [
    "ContextFields",
    "bound",
    "current_job_id",
    "current_request_id",
    "new_request_id",
    "process_role",
    "safe_request_id",
    "set_process_role",
    "ROLES",
]

ROLES = ("web", "worker", "relay", "cli")
# What a proxy's id may look like to be kept: a UUID, nginx's $request_id, Heroku's, a trace id.
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{8,128}")

_role = "cli"  # until an entry point says otherwise: wsgi.py, worker.py, the relay command
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_job_id: ContextVar[str | None] = ContextVar("job_id", default=None)


def set_process_role(role: str) -> None:
    """Name what this process is (web, worker, relay, cli): every later log line says it."""
    global _role
    if role not in ROLES:
        raise ValueError(f"unknown process role {role!r}; expected one of {', '.join(ROLES)}")
    _role = role


def process_role() -> str:
    return _role


def current_request_id() -> str | None:
    """The id of the web request under way, or of the request that led to the job under way."""
    return _request_id.get()


def current_job_id() -> str | None:
    return _job_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def safe_request_id(value: str | None) -> str | None:
    """The proxy's id if it is a bounded token that says nothing personal (no number the Redactor would hide)."""
    if value is None:
        return None
    value = value.strip()
    if not _TOKEN.fullmatch(value) or redact(value) != value:
        return None
    return value


@contextmanager
def bound(request_id: str | None = None, job_id: str | None = None) -> Iterator[None]:
    """Within the block, log records (and outbox rows created) name this request and job."""
    tokens = (_request_id.set(request_id), _job_id.set(job_id))
    try:
        yield
    finally:
        _job_id.reset(tokens[1])
        _request_id.reset(tokens[0])


class ContextFields(logging.Filter):
    """Adds role, request_id and job_id to a record (a record that names its own keeps them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "role"):
            record.role = _role
        if not getattr(record, "request_id", None):
            record.request_id = _request_id.get()
        if not getattr(record, "job_id", None):
            record.job_id = _job_id.get()
        return True
