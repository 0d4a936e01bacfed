"""Security headers on every response: a strict Content-Security-Policy, no framing, no sniffing, HSTS over https.

Registered once on the app (`init_headers`), so the landing page, the health check, the web chat's
page, the dashboard and every error page carry them alike. A route that needs a stricter policy of
its own (stored media: `sandbox`) sets it and keeps it: these are defaults, never overrides.

The policy allows no inline script or style anywhere: templates link their CSS and JS from
/static, the widget styles its shadow root with a constructed stylesheet, and the dashboard's maps
load tiles from OpenStreetMap (the only outside host). The web chat widget goes on the city's site
as a `<script>` tag, not a frame, so no page of ours needs to be framed (`frame-ancestors 'none'`).
"""

from __future__ import annotations

from flask import Flask, Response

__all__ = ["CONTENT_SECURITY_POLICY", "HSTS", "init_headers", "security_headers"]

TILES = "https://tile.openstreetmap.org"  # the dashboard's map and ticket pages (bot/static/dashboard/*.js)
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' data: blob: {TILES}",  # blob: the widget's preview of a photo being sent
        "connect-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(https: bool) -> dict[str, str]:
    """The headers every response gets unless its route set its own; HSTS only when the public URL is https."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


def init_headers(app: Flask) -> None:
    """Add the security headers to every response of the app (pages, JSON, errors, static files)."""
    public_url = app.extensions["ventanilla"].config.public_url
    defaults = security_headers(public_url.lower().startswith("https://"))

    def add_headers(response: Response) -> Response:
        for name, value in defaults.items():
            response.headers.setdefault(name, value)
        return response

    app.after_request(add_headers)
