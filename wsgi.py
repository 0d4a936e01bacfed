"""The web process: `gunicorn wsgi:app`."""

import sys

from bot import create_app
from bot.flows.loader import FlowsInvalidError

try:
    app = create_app()
except FlowsInvalidError as exc:
    print(f"refusing to start, the flows file has errors:\n{exc}", file=sys.stderr)
    raise SystemExit(1) from None
