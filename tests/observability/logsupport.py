"""A process's stderr handler, as configure_logging makes it, writing into memory for a test to read."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.observability.setup import OWN_HANDLER_MARK


class Lines:
    """What the handler wrote: raw lines, and each parsed as JSON."""

    def __init__(self, stream: io.StringIO):
        self.stream = stream

    def raw(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def parsed(self) -> list[dict]:
        return [json.loads(line) for line in self.raw()]


@contextmanager
def process_stderr() -> Iterator[Lines]:
    """Root's stderr handler in memory: marked as configure_logging's own, so create_app sets its format and filters."""
    root, stream = logging.getLogger(), io.StringIO()
    handler = logging.StreamHandler(stream)
    setattr(handler, OWN_HANDLER_MARK, True)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)  # as basicConfig sets it in a process (pytest's handlers stop it here)
    try:
        yield Lines(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
