"""The web chat as tests drive it: a resident's session over the JSON API, and the web process started
as the Procfile starts it."""

from __future__ import annotations

import io
import os
import re
import shlex
import uuid
from pathlib import Path

from itsdangerous import URLSafeTimedSerializer

from bot.channels import webchat
from tests.support.app import AUTH_TOKEN, ROOT, accepting_notice, database_url

PHOTO = b"\xff\xd8\xff\xe0 a JPEG from a resident's phone"
SECRET_KEY = "process-test-secret"  # what process tests give gunicorn, so they can sign sessions themselves


class Chat:
    """A resident in the web chat: a session token, and messages in and replies out as JSON.

    It answers "sí" to the privacy notice and returns what follows, unless accepts_notice=False.
    """

    def __init__(self, client, accepts_notice: bool = True):
        self.client, self.accepts_notice = client, accepts_notice
        response = client.post("/webchat/api/session")
        assert response.status_code == 200, response.data
        self.token, self.limits = response.json["token"], response.json["limits"]

    def post(self, **fields):
        body = {"token": self.token, "id": fields.pop("id", None) or str(uuid.uuid4()), **fields}
        return self.client.post("/webchat/api/messages", json=body)

    def says(self, **fields) -> list[dict]:
        response = self.post(**fields)
        assert response.status_code == 200, response.data
        self.token = response.json["token"]
        replies = response.json["replies"]
        if self.accepts_notice and (accepting := accepting_notice(text_of(replies))):
            return self.says(text=accepting)
        return replies

    def photo(self, content: bytes = PHOTO, content_type: str = "image/jpeg", **fields):
        data = {"token": self.token, "id": str(uuid.uuid4()), "file": (io.BytesIO(content), "photo.jpg", content_type)}
        return self.client.post("/webchat/api/photo", data={**data, **fields}, content_type="multipart/form-data")


def text_of(replies: list[dict]) -> str:
    return "\n".join(reply["text"] for reply in replies)


def session_of(app, token: str) -> str:
    """The session a token names, as the app reads it."""
    with app.test_request_context():
        return webchat.session_id(token)


# --- the real web process ------------------------------------------------------------------------------


def procfile_web_options(env: dict) -> list[str]:
    """The Procfile's web command as gunicorn options, its variables expanded as sh would; without --bind
    and the app, which tests.support.processes.gunicorn adds (on loopback)."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))

    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(3)
        return env.get(name) or (match.group(2) or "")

    words = shlex.split(re.sub(r"\$\{(\w+):-([^}]*)\}|\$(\w+)", value, line.removeprefix("web:")))
    assert words[0] == "gunicorn" and words[-1] == "wsgi:app", line
    options = words[1:-1]
    at = options.index("--bind")
    return options[:at] + options[at + 2 :]


def web_environment(tmp_path: Path, redis_url: str, port: int, **extra: str) -> dict:
    """The web process's variables: a fresh database, the test Redis, SECRET_KEY, Twilio's test token."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(tmp_path, "app.db"),
        "REDIS_URL": redis_url,
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "FLOWS_PATH": str(ROOT / "flows.yaml"),
        "MEDIA_DIR": str(tmp_path / "media"),
        "SECRET_KEY": SECRET_KEY,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        **extra,
    }


def session_token() -> str:
    """A new web chat session's token, signed as a web process given SECRET_KEY signs them."""
    return URLSafeTimedSerializer(SECRET_KEY, salt="webchat").dumps(uuid.uuid4().hex)
