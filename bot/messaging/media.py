"""Our media store: a local folder by default, files named by their content's hash."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from bot.config import Config

__all__ = ["store_media", "media_path", "MediaRefusedError", "check_media", "read_limited"]

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
