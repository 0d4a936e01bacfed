"""A resident's data to download: a signed link that expires, and the zip it serves (data.json + media/<name>).

The link is `PUBLIC_URL/privacidad/descarga/<token>`; the token names the contact, signed with a key of its
own derived from SECRET_KEY (itsdangerous, its own salt) and dated, so it works PRIVACY_EXPORT_LINK_MINUTES.
"""

from __future__ import annotations

import json
import time
import zipfile
from typing import IO, Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlmodel import Session

from bot.config import Config
from bot.db.tables import Contact, utcnow
from bot.messaging.media import media_path
from bot.privacy.inventory import export_data, media_files

__all__ = ["DOWNLOAD_PATH", "export_token", "export_link", "contact_of", "write_export"]

DOWNLOAD_PATH = "/privacidad/descarga/"
SALT = "ventanilla privacy export v1"  # no other token signed with SECRET_KEY opens an export


class _Signer(TimestampSigner):
    """itsdangerous's timestamp signer on a clock we may hand it (tests sign and check at chosen moments)."""

    def __init__(self, *args: Any, moment: float | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.moment = moment

    def get_timestamp(self) -> int:
        return int(time.time() if self.moment is None else self.moment)


def _serializer(config: Config, now: float | None) -> URLSafeTimedSerializer:
    if not config.secret_key:
        raise ValueError("SECRET_KEY is unset: export links cannot be signed")
    return URLSafeTimedSerializer(config.secret_key, salt=SALT, signer=_Signer, signer_kwargs={"moment": now})


def export_token(config: Config, contact_id: int, now: float | None = None) -> str:
    """A token naming the contact, signed now (or at now)."""
    return _serializer(config, now).dumps({"contact": contact_id})


def export_link(config: Config, contact_id: int, now: float | None = None) -> str:
    """The link a resident downloads their data with; it works PRIVACY_EXPORT_LINK_MINUTES."""
    return f"{config.public_url}{DOWNLOAD_PATH}{export_token(config, contact_id, now)}"


def contact_of(config: Config, token: str, now: float | None = None) -> int | None:
    """The contact a token names; None when it is not ours, was altered or has expired."""
    try:
        payload = _serializer(config, now).loads(token, max_age=config.privacy_export_link_minutes * 60)
    except BadSignature:  # SignatureExpired is one too
        return None
    contact = payload.get("contact") if isinstance(payload, dict) else None
    return contact if isinstance(contact, int) and not isinstance(contact, bool) else None


def write_export(session: Session, config: Config, contact_id: int, out: IO[bytes]) -> dict | None:
    """Write the contact's zip to out; return its counts, or None for a contact gone or erased."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.anonymised_at is not None:
        return None
    data = export_data(session, contact_id, has_file=lambda name: media_path(config, name) is not None)
    data = {"exported_at": utcnow().isoformat(), **data}
    files = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for name in media_files(data):
            path = media_path(config, name)
            if path is not None:  # retention may have removed it since data.json was read
                archive.write(path, f"media/{name}", compress_type=zipfile.ZIP_STORED)
                files += 1
    return {"messages": len(data["messages"]), "tickets": len(data["tickets"]), "files": files}
