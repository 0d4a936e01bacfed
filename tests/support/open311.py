"""An Open311 server for tests: the real app under a real local HTTP server, and a key an admin issued."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from bot.db.database import transaction
from bot.tickets.apikeys import issue_key

# Limits have tests of their own; elsewhere many calls in a minute from one address are the test.
OPEN311_SETTINGS = {"open311_address_limit": "10000 per minute", "open311_post_limit": "10000 per minute"}


@contextmanager
def serving(app) -> Iterator[str]:
    """The app on 127.0.0.1 (a thread per request, as gunicorn's threads); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def issued_key(app, name: str = "App Cívica") -> str:
    """A live key, as `ventanilla apikeys add` issues it."""
    with transaction(app.extensions["ventanilla"].engine, immediate=True) as session:
        return issue_key(session, name).key
