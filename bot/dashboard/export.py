"""(being written: see the helper working on it)."""

from .blueprint import bp  # noqa: F401
