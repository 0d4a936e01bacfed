"""A process's logging: the privacy safety net (bot.privacy.logs), the context fields, and the chosen format."""

from __future__ import annotations

import logging

from bot.observability.context import ContextFields
from bot.observability.jsonlogs import formatter_for
from bot.privacy import logs as privacy_logs

__all__ = ["configure_logging", "OWN_HANDLER_MARK"]

OWN_HANDLER_MARK = "_ventanilla_stderr"  # the handler this module made, whose format LOG_FORMAT sets


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Log to stderr at level in log_format (json or text), every handler behind the Redactor with the context.

    A handler the process set up itself (pytest's, a test's) keeps its formatter; only the stderr
    handler made here (or by an earlier call) is switched to log_format. Safe to call again: create_app
    runs many times in one test process.
    """
    root = logging.getLogger()
    made = not root.handlers
    privacy_logs.configure_logging(level)  # basicConfig, then the Redactor on every handler
    if made and root.handlers:
        setattr(root.handlers[0], OWN_HANDLER_MARK, True)
    for handler in root.handlers:
        add_context(handler)
        if getattr(handler, OWN_HANDLER_MARK, False):
            handler.setFormatter(formatter_for(log_format))
    for (
        name
    ) in privacy_logs.OWN_HANDLER_LOGGERS:  # gunicorn's loggers: its handlers are set up in bot.observability.gunicorn
        add_context(logging.getLogger(name))


def add_context(target: logging.Handler | logging.Logger) -> None:
    """The context filter, once, after the Redactor (the ids it adds are ours, already safe)."""
    if not any(isinstance(present, ContextFields) for present in target.filters):
        target.addFilter(ContextFields())
