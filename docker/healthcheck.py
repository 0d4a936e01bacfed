"""The image's HEALTHCHECK: exit 0 when the web process's /healthz (liveness) answers 200, else 1.

Python's own urllib, since the slim image has no curl. The Host header is the first of TRUSTED_HOSTS (else
PUBLIC_URL's host), so a service that answers only its own names still answers its health check.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit


def host_header(environ: dict[str, str]) -> str | None:
    """The host name the service answers to, or None when it answers any (TRUSTED_HOSTS unset)."""
    trusted = [name.strip().lstrip(".") for name in environ.get("TRUSTED_HOSTS", "").split(",") if name.strip()]
    if trusted:
        return trusted[0]
    return urlsplit(environ.get("PUBLIC_URL", "")).hostname or None


def main() -> int:
    url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz"
    request = urllib.request.Request(url)
    host = host_header(dict(os.environ))
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
