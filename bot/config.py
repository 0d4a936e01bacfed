"""Configuration from environment variables, with defaults that are safe on a laptop."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Config"]


@dataclass(frozen=True)
class Config:
    """Settings read once at start; see the README's Configuration table."""

    database_url: str
    redis_url: str
    flows_path: str
    public_url: str
    twilio_auth_token: str
    secret_key: str
    demo_inbox: bool

    @classmethod
    def from_env(cls, environ=None, instance_path: str | Path = "instance") -> "Config":
        """Read settings from the environment (os.environ by default)."""
        env = os.environ if environ is None else environ
        default_db = f"sqlite:///{Path(instance_path).resolve() / 'ventanilla.db'}"
        return cls(
            database_url=env.get("DATABASE_URL") or default_db,
            redis_url=env.get("REDIS_URL") or "redis://localhost:6379/0",
            flows_path=env.get("FLOWS_PATH") or "flows.yaml",
            public_url=(env.get("PUBLIC_URL") or "").rstrip("/"),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or "",
            secret_key=env.get("SECRET_KEY") or os.urandom(32).hex(),
            demo_inbox=env.get("VENTANILLA_DEMO_INBOX", "") == "1",
        )
