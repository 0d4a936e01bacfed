"""Request limits counted in Redis (Flask-Limiter), shared by every process: sign-in attempts, web chat traffic."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

__all__ = ["limiter", "init_limiter"]

# swallow_errors: with Redis down, requests go on unlimited rather than failing (residents and sign-ins keep working)
limiter = Limiter(get_remote_address, storage_uri="redis://", swallow_errors=True, headers_enabled=True)


def init_limiter(app: Flask) -> None:
    """Count in the app's own Redis (its connection pool, whatever REDIS_URL points at)."""
    app.config.update(
        RATELIMIT_STORAGE_OPTIONS={"connection_pool": app.extensions["ventanilla"].redis.connection_pool},
        RATELIMIT_KEY_PREFIX="ventanilla-limits",
    )
    limiter.init_app(app)
