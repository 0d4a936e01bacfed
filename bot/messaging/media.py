"""Our media store: a local folder by default, files named by their content's hash.

Also how our copies are linked (signed links that expire) and how a provider's copy is
fetched (its credentials sent over https to its own hosts only, redirects included).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import mimetypes
import re
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import requests

from bot.config import Config
from bot.messaging.sending import SendError, network_error

__all__ = [
    "store_media",
    "media_path",
    "MediaRefusedError",
    "check_media",
    "read_limited",
    "media_link",
    "delivery_media_link",
    "verify_media_link",
    "shown_inline",
    "fetch_from_provider",
]

EXTENSIONS = {"image/jpeg": ".jpg", "audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/amr": ".amr", "audio/mp4": ".m4a"}


class MediaRefusedError(ValueError):
    """Too large, or a type we do not keep."""


def check_media(config: Config, size: int, content_type: str) -> None:
    """Refuse what is too large or not a kept type."""
    base_type = content_type.split(";")[0].strip().lower()
    if base_type not in config.media_types:
        raise MediaRefusedError(f"type {base_type or 'unknown'} is not accepted")
    if size > config.media_max_bytes:
        raise MediaRefusedError(f"{size} bytes is over the limit of {config.media_max_bytes}")


def store_media(config: Config, content: bytes, content_type: str) -> str:
    """Keep the bytes (after the checks); return the stored file's name."""
    check_media(config, len(content), content_type)
    base_type = content_type.split(";")[0].strip().lower()
    extension = EXTENSIONS.get(base_type) or mimetypes.guess_extension(base_type) or ".bin"
    name = hashlib.sha256(content).hexdigest()[:32] + extension
    folder = Path(config.media_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(content)
        temporary.replace(path)  # never a half-written file under the final name
    return name


def media_path(config: Config, name: str) -> Path | None:
    """The path of a stored file, or None for names that are not ours."""
    if "/" in name or name.startswith("."):
        return None
    path = Path(config.media_dir) / name
    return path if path.is_file() else None


def read_limited(response, limit: int) -> bytes:
    """Read a streamed download up to limit + 1 bytes: enough to know a file is too large without keeping it all."""
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


# --- signed links to our copies ----------------------------------------------------------------

LINK_SALT = b"ventanilla media link v1"  # a key of its own, derived from SECRET_KEY
LINK_STEP = 300  # expiries round up to 5 minutes, so a page shows the same URL (cached) for a while
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})  # shown in the page; never SVG
_EXPIRES = re.compile(r"[0-9]{1,12}")


def media_link(config: Config, name: str, ttl: int, *, external: bool = False, now: float | None = None) -> str:
    """A link to a stored file that works for ttl seconds (a little more: expiries round up to 5 minutes).

    `/media/<name>?exp=<unix time>&sig=<HMAC>`; external puts PUBLIC_URL in front (for departments).
    """
    moment = time.time() if now is None else now
    expires = math.ceil((moment + ttl) / LINK_STEP) * LINK_STEP
    path = f"/media/{quote(name, safe='')}?exp={expires}&sig={_signature(config, name, expires)}"
    return config.public_url + path if external else path


def delivery_media_link(config: Config, name: str) -> str | None:
    """The link departments (webhook, Open311) get: MEDIA_DELIVERY_LINK_DAYS long; None without PUBLIC_URL."""
    if not config.public_url:
        return None
    return media_link(config, name, config.media_delivery_link_days * 86400, external=True)


def verify_media_link(config: Config, name: str, expires: str, signature: str, now: float | None = None) -> bool:
    """Tell whether exp and sig are ours for this name and not past."""
    if not _EXPIRES.fullmatch(expires or "") or not signature:
        return False
    if int(expires) < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(signature.encode(), _signature(config, name, int(expires)).encode())


def shown_inline(name: str) -> bool:
    """Whether a stored file may be displayed in the page (images) rather than downloaded."""
    return mimetypes.guess_type(name)[0] in INLINE_TYPES


def _signature(config: Config, name: str, expires: int) -> str:
    if not config.secret_key:
        raise ValueError("SECRET_KEY is unset: media links cannot be signed")
    key = hmac.new(config.secret_key.encode(), LINK_SALT, hashlib.sha256).digest()
    mac = hmac.new(key, f"{name}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


# --- fetching a provider's copy ----------------------------------------------------------------

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5


def fetch_from_provider(
    url: str, credentials: dict[str, str], is_provider_host: Callable[[str], bool], timeout: float
) -> requests.Response:
    """GET a provider's media with its credentials, following redirects by hand (streamed, not read).

    Every hop must be https; the credentials go only to hosts is_provider_host accepts, and the
    first URL must be one (else nothing is requested). A redirect elsewhere is followed without them.
    Refusals are final SendErrors (code "media_url"); the caller judges the last response's status.
    """
    first = _https_host(url)
    if not is_provider_host(first):
        raise SendError(f"media is not on the provider's hosts: {first}", retryable=False, code="media_url")
    for _ in range(MAX_REDIRECTS + 1):
        host = _https_host(url)
        headers = credentials if is_provider_host(host) else {}
        try:
            response = requests.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
        except requests.RequestException as exc:
            raise network_error(exc) from exc
        location = response.headers.get("Location")
        if response.status_code not in REDIRECT_STATUSES or not location:
            return response
        response.close()
        url = urljoin(url, location)
    raise SendError(f"more than {MAX_REDIRECTS} redirects fetching media", retryable=False, code="media_url")


def _https_host(url: str) -> str:
    """The host of an https URL without user info; anything else is refused before a request is made."""
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname or "", parts.port  # a malformed port raises ValueError
    except ValueError:
        parts, host = urlsplit(""), ""
    if parts.scheme != "https" or not host or "@" in parts.netloc or re.search(r"[\\\s]", url):
        shown = f"{parts.scheme or 'no scheme'}://{host or '?'}"
        raise SendError(f"media URL refused (https to a named host only): {shown}", retryable=False, code="media_url")
    return host
