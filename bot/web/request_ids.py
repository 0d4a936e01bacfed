"""Every request has an id: the proxy's X-Request-ID when it is a safe token, else a new one.

The id is on every log line of the request (bot.observability.context), on the outbox rows it creates
and so on the worker's lines for their jobs, in the response's X-Request-ID header (a resident's or a
department's report of a failure can quote it), and on gunicorn's access line. A proxy's value that is
too long, has other characters or looks like a phone number is replaced, not trusted: it is written
into every log line.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from bot.observability.context import bound, current_request_id, new_request_id, safe_request_id

__all__ = ["HEADER", "init_request_ids"]

HEADER = "X-Request-ID"


def init_request_ids(app: Flask) -> None:
    """Register the hooks; call before any other before_request hook, so their log lines name the request."""
    app.before_request(_take_id)
    app.after_request(_give_id)
    app.teardown_request(_drop_id)


def _take_id() -> None:
    binding = bound(request_id=safe_request_id(request.headers.get(HEADER)) or new_request_id())
    binding.__enter__()
    g._request_id_binding = binding


def _give_id(response: Response) -> Response:
    request_id = current_request_id()
    if request_id:
        response.headers[HEADER] = request_id
    return response


def _drop_id(error: BaseException | None) -> None:
    binding = g.pop("_request_id_binding", None)
    if binding is not None:
        binding.__exit__(None, None, None)
