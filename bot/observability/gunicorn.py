"""gunicorn's own logs (its error log and the access log) in the process's LOG_FORMAT, behind the Redactor.

gunicorn.conf.py names `GunicornLogger` as gunicorn's logger_class. In JSON, an access line is
structured (method, path, status, bytes, duration_ms, request_id from the response's X-Request-ID)
and never carries the query string, the client's address, the referrer or the user agent: they can
name a resident (a signed link's query, a resident's address) and no one reading logs needs them. In
text, gunicorn writes the Procfile's `--access-logformat`, whose `%(U)s` is the path without query.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from bot.config import Config, variable
from bot.observability.context import set_process_role
from bot.observability.jsonlogs import formatter_for
from bot.observability.setup import add_context
from bot.privacy.logs import Redactor

__all__ = ["GunicornLogger", "log_format_from_env"]


def log_format_from_env() -> str:
    """LOG_FORMAT as the app will read it (bot.config), before the app is loaded (gunicorn's master)."""
    value = os.environ.get(variable("log_format"))
    return Config.model_validate({"log_format": value} if value else {}).log_format


class GunicornLogger(Logger):
    """gunicorn's logger, its handlers given our format, the Redactor and the context (role web)."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        set_process_role("web")
        self.json = log_format_from_env() == "json"
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if self.json or log is self.error_log:
                    handler.setFormatter(formatter_for(log_format_from_env()))
                if not any(isinstance(f, Redactor) for f in handler.filters):
                    handler.addFilter(Redactor())
                add_context(handler)

    def access(self, resp, req, environ, request_time) -> None:
        """In JSON, one structured line per request; in text, gunicorn's own line."""
        if not getattr(self, "json", False):
            super().access(resp, req, environ, request_time)
            return
        if not self.cfg.accesslog:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        fields: dict[str, Any] = {
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
        }
        request_id = _header(resp.headers, "x-request-id")
        if request_id:
            fields["request_id"] = request_id
        try:
            self.access_log.info("%s %s %s", fields["method"], fields["path"], fields["status"], extra=fields)
        except Exception:
            self.exception("access log failed")


def _header(headers: Any, name: str) -> str | None:
    items = headers.items() if hasattr(headers, "items") else headers
    for key, value in items or []:
        if key.lower() == name:
            return value
    return None
