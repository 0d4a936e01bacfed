"""Configuration from environment variables, with defaults that are safe on a laptop."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Config"]

DEFAULT_GRAPH_URL = "https://graph.facebook.com/v21.0"
DEFAULT_LOGIN_LIMIT = "10 per minute;50 per hour"  # per address and per account
DEFAULT_MEDIA_TYPES = "image/jpeg,image/png,image/webp,audio/ogg,audio/mpeg,audio/amr,audio/mp4,application/pdf"


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
    twilio_account_sid: str = ""
    twilio_sms_from: str = ""
    twilio_whatsapp_from: str = ""
    twilio_messaging_service_sid: str = ""
    whatsapp_app_secret: str = ""
    whatsapp_verify_token: str = ""
    whatsapp_token: str = ""
    whatsapp_phone_number_id: str = ""
    whatsapp_graph_url: str = DEFAULT_GRAPH_URL
    media_dir: str = "instance/media"
    media_max_bytes: int = 10 * 1024 * 1024
    media_types: tuple[str, ...] = tuple(DEFAULT_MEDIA_TYPES.split(","))
    session_idle_minutes: int = 30
    session_cookie_secure: bool = True
    login_rate_limit: str = DEFAULT_LOGIN_LIMIT
    trusted_proxies: int = 0
    webchat_message_limit: str = "30 per minute"
    webchat_session_limit: str = "60 per minute"

    @classmethod
    def from_env(cls, environ=None, instance_path: str | Path = "instance") -> "Config":
        """Read settings from the environment (os.environ by default)."""
        env = os.environ if environ is None else environ
        instance = Path(instance_path).resolve()
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{instance / 'ventanilla.db'}",
            redis_url=env.get("REDIS_URL") or "redis://localhost:6379/0",
            flows_path=env.get("FLOWS_PATH") or "flows.yaml",
            public_url=(env.get("PUBLIC_URL") or "").rstrip("/"),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or "",
            secret_key=env.get("SECRET_KEY") or _instance_secret(instance),
            demo_inbox=env.get("VENTANILLA_DEMO_INBOX", "") == "1",
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or "",
            twilio_sms_from=env.get("TWILIO_SMS_FROM") or "",
            twilio_whatsapp_from=env.get("TWILIO_WHATSAPP_FROM") or "",
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID") or "",
            whatsapp_app_secret=env.get("WHATSAPP_APP_SECRET") or "",
            whatsapp_verify_token=env.get("WHATSAPP_VERIFY_TOKEN") or "",
            whatsapp_token=env.get("WHATSAPP_TOKEN") or "",
            whatsapp_phone_number_id=env.get("WHATSAPP_PHONE_NUMBER_ID") or "",
            whatsapp_graph_url=(env.get("WHATSAPP_GRAPH_URL") or DEFAULT_GRAPH_URL).rstrip("/"),
            media_dir=env.get("MEDIA_DIR") or str(instance / "media"),
            media_max_bytes=int(env.get("MEDIA_MAX_BYTES") or 10 * 1024 * 1024),
            media_types=tuple((env.get("MEDIA_TYPES") or DEFAULT_MEDIA_TYPES).split(",")),
            session_idle_minutes=int(env.get("SESSION_IDLE_MINUTES") or 30),
            session_cookie_secure=env.get("SESSION_COOKIE_SECURE", "1") != "0",
            login_rate_limit=env.get("LOGIN_RATE_LIMIT") or DEFAULT_LOGIN_LIMIT,
            trusted_proxies=int(env.get("TRUSTED_PROXIES") or 0),
            webchat_message_limit=env.get("WEBCHAT_MESSAGE_LIMIT") or "30 per minute",
            webchat_session_limit=env.get("WEBCHAT_SESSION_LIMIT") or "60 per minute",
        )


def _instance_secret(instance: Path) -> str:
    """A secret key kept in instance/, so every process (and the next start) signs alike."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key
    except OSError:
        return secrets.token_hex(32)
