"""The flows a process runs: reloaded when flows.yaml changes, older versions kept for
conversations that started on them, a broken file refused while the running version stays."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from bot.flows import Flows, FlowsInvalidError, load_flows_text

__all__ = ["FlowStore"]

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 1.0


class FlowStore:
    """Loaded flows by version; the current one follows the file."""

    def __init__(self, path: str | Path, environ: dict | None = None, check_every: float = CHECK_EVERY_SECONDS):
        self.path, self.environ, self.check_every = Path(path), environ, check_every
        self.texts: dict[str, str] = {}
        self.versions: dict[str, Flows] = {}
        self._stamp = self._file_stamp()
        self.current = self._load(self.path.read_text(encoding="utf-8"))  # raises when broken: refuse to start
        self._checked = time.monotonic()

    def _file_stamp(self) -> tuple[float, int]:
        stat = os.stat(self.path)
        return stat.st_mtime, stat.st_size

    def _load(self, text: str) -> Flows:
        flows = load_flows_text(text, str(self.path), self.environ, self.path.parent)
        self.versions[flows.version], self.texts[flows.version] = flows, text
        return flows

    def latest(self) -> Flows:
        """Return the current flows, reloading the file if it changed (checked at most once a second)."""
        now = time.monotonic()
        if now - self._checked >= self.check_every:
            self._checked = now
            self.reload_if_changed()
        return self.current

    def reload_if_changed(self) -> bool:
        """Reload when the file changed; a broken file is logged and the running version stays."""
        try:
            stamp = self._file_stamp()
        except OSError as exc:
            log.error("flows file %s cannot be read (%s); keeping version %s", self.path, exc, self.current.version)
            return False
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        try:
            flows = self._load(self.path.read_text(encoding="utf-8"))
        except (FlowsInvalidError, OSError) as exc:
            log.error("flows file changed but has errors; keeping version %s:\n%s", self.current.version, exc)
            return False
        if flows.version != self.current.version:
            log.info("flows reloaded: version %s replaces %s", flows.version, self.current.version)
        self.current = flows
        return True

    def for_version(self, version: str | None, fetch_text: Callable[[str], str | None]) -> Flows:
        """Return the flows a conversation started on (fetching older text if needed), else the current."""
        latest = self.latest()
        if not version or version == latest.version:
            return latest
        if version not in self.versions:
            text = fetch_text(version)
            if text is None:
                return latest
            try:
                loaded = self._load(text)
            except FlowsInvalidError:
                return latest
            # The version covers the options files too (parks.csv): edited since, the same text loads under
            # another version. Its steps are still the conversation's; kept under the version asked for.
            self.versions.setdefault(version, loaded)
        return self.versions[version]
