"""The web chat: a widget for the city's own site, its JSON API, and later messages by long polling.

Sessions are anonymous. POST /webchat/api/session hands out a token signed with the
secret key that names a new session id (the contact's address, kind "webchat"); the
widget keeps it in localStorage, and every answer carries a fresh one, so a session
ends after `expire_after` (2 hours by default) without messages.

Replies come back inline, in the JSON answer. Later messages (operator replies,
notices) go through send(): published on Redis channel webchat:<session id>, kept a
while in a short backlog, and fetched by the widget's polls (GET /webchat/api/updates,
the token in an Authorization header, never in a URL). A poll waits at most
WEBCHAT_POLL_SECONDS, and only a few wait at once (webchat_polls): the webhooks always
keep most of a process's threads.

The API answers other origins (CORS, no cookies): a city's site on its own domain embeds
the widget with one script tag, and the token is the only credential. WEBCHAT_ALLOWED_ORIGINS,
when set, names the only sites whose pages may call it.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Request,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    send_file,
    send_from_directory,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from bot.channels.errors import PayloadError
from bot.channels.payloads import has_surrogates, load_json
from bot.channels.provider import Capabilities
from bot.channels.webchat_backlog import as_seq, channel_name, kept_after, publish, wait_for
from bot.channels.webchat_payload import ApiError, client_message_id, location_field, string_field
from bot.channels.webchat_polls import Busy, hold
from bot.conversation.handler import handle_inbound
from bot.flows.messages import InboundMessage, Media, OutboundMessage
from bot.messaging.media import media_path, store_media, verify_media_link
from bot.messaging.sending import Outgoing, SendError, network_error
from bot.messaging.stored_media import record_stored_media
from bot.metrics import timed_webhook
from bot.services import services
from bot.web.ratelimit import limiter

__all__ = [
    "bp",
    "NAME",
    "CAPABILITIES",
    "CARRIES",
    "verify",
    "parse_request",
    "reply",
    "send",
    "fetch_media",
    "make_token",
    "session_id",
    "channel_name",
    "MAX_TEXT",
]

log = logging.getLogger(__name__)
bp = Blueprint("webchat", __name__)

NAME = "webchat"
SALT = "webchat"
DEFAULT_MAX_AGE = timedelta(hours=2)
MAX_TEXT = 2000
MAX_PAYLOAD = 200
MAX_LANG = 8
_SESSION_ID = re.compile(r"[0-9a-f]{32}")
# Pictures a browser shows (SVG is left out on purpose: it can carry scripts).
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}
_MAGIC = {
    "image/jpeg": lambda b: b[:3] == b"\xff\xd8\xff",
    "image/png": lambda b: b[:8] == b"\x89PNG\r\n\x1a\n",
    "image/webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
    "image/gif": lambda b: b[:6] in (b"GIF87a", b"GIF89a"),
}
MULTIPART_SLACK = 64 * 1024  # the form fields and boundaries around the photo
BUSY_RETRY_SECONDS = 5  # at least, before a refused poll comes back (the widget adds its own backoff)
# Replies travel in the answer's JSON; the widget draws options as buttons. Photos are stored on arrival.
CAPABILITIES = Capabilities(inline_replies=True, buttons=True, max_text=MAX_TEXT)
# The widget uploads photos (/webchat/api/photo), shares the browser's location and draws buttons; it records no voice.
CARRIES = {"webchat": frozenset({"photo", "location", "buttons"})}


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    answer = {"error": exc.code, "detail": exc.detail}
    if exc.retry_after is None:
        return jsonify(answer), exc.status
    return jsonify({**answer, "retry_after": exc.retry_after}), exc.status, {"Retry-After": str(exc.retry_after)}


def _origin_allowed(origin: str) -> bool:
    """Whether a page on `origin` may call the API: any, unless WEBCHAT_ALLOWED_ORIGINS names some (ours always)."""
    config = services().config
    if not config.webchat_allowed_origins:
        return True
    origin = origin.rstrip("/").lower()
    ours = {f"{request.scheme}://{request.host}".lower(), _origin_of(config.public_url)}
    return origin in config.webchat_allowed_origins or origin in ours


def _origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower case ('' for none)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


@bp.before_request
def _refuse_other_origins():
    """A page on a site the city did not name may not use the API (browsers send Origin; others may not)."""
    origin = request.headers.get("Origin")
    if request.path.startswith("/webchat/api/") and origin is not None and not _origin_allowed(origin):
        raise ApiError(403, "origin_not_allowed", "this site may not use the web chat")


@bp.after_request
def _cross_origin(response: Response) -> Response:
    """The widget runs on the city's site, another origin: let it call the API (no cookies involved)."""
    if request.path.startswith(("/webchat/api/", "/webchat/media/", "/webchat/widget.")):
        origin = request.headers.get("Origin")
        if not services().config.webchat_allowed_origins:
            response.headers["Access-Control-Allow-Origin"] = "*"
        elif origin is not None and _origin_allowed(origin):
            response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
        if "Access-Control-Allow-Origin" in response.headers:
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
            response.headers["Access-Control-Expose-Headers"] = "Retry-After"
            response.headers["Access-Control-Max-Age"] = "7200"  # Chromium's most
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- the pages ---------------------------------------------------------------------------------


@bp.get("/webchat/")
def demo():
    """A page standing in for the city's site, with the widget embedded as the city would."""
    lang = "en" if request.args.get("lang") == "en" else "es"
    base = services().config.public_url or request.host_url.rstrip("/")
    return render_template("webchat/demo.html", lang=lang, widget_url=f"{base}/webchat/widget.js")


@bp.get("/webchat/widget.js")
def widget_js():
    """The widget: plain JavaScript, its CSS inside."""
    response = send_from_directory(Path(current_app.static_folder) / "webchat", "widget.js", max_age=300)
    response.mimetype = "text/javascript"
    return response


@bp.get("/webchat/media/<name>")
def media(name: str):
    """A stored photo, through a signed link that expires, as /media serves it (a name alone opens nothing:
    it travels in payloads and would otherwise open any resident's photo forever)."""
    config = services().config
    if not verify_media_link(config, name, request.args.get("exp", ""), request.args.get("sig", "")):
        abort(403)
    types = {extension: kind for kind, extension in PHOTO_TYPES.items()}
    extension = Path(name).suffix.lower()
    path = media_path(config, name) if extension in types else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=types[extension], max_age=86400, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- sessions ----------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services().config.secret_key, salt=SALT)


def max_age(svc) -> timedelta:
    """How long a session lasts without messages: the flows' expire_after, or 2 hours."""
    return svc.flows.expire_after or DEFAULT_MAX_AGE


def make_token(session: str) -> str:
    """Sign a session id."""
    return _serializer().dumps(session)


def session_id(token) -> str:
    """The session a token names; ApiError 401 when it is invalid or expired (400 when not even a string)."""
    if token is None or token == "":
        raise ApiError(401, "no_session", "a session token is required")
    if not isinstance(token, str) or len(token) > 200 or has_surrogates(token):
        raise ApiError(400, "bad_request", "token must be a string")
    try:
        session = _serializer().loads(token, max_age=int(max_age(services()).total_seconds()))
    except BadSignature:  # SignatureExpired is one
        raise ApiError(401, "invalid_session", "the session token is invalid or expired") from None
    if not isinstance(session, str) or not _SESSION_ID.fullmatch(session):
        raise ApiError(401, "invalid_session", "the session token is invalid")
    return session


def _session_answer(session: str) -> dict:
    svc = services()
    return {"token": make_token(session), "expires_in": int(max_age(svc).total_seconds())}


@bp.post("/webchat/api/session")
@limiter.limit(lambda: services().config.webchat_session_limit)
def new_session():
    """Start a session: a new id, signed; with the limits the widget checks before uploading."""
    config = services().config
    answer = _session_answer(uuid.uuid4().hex)
    answer["limits"] = {
        "max_text": MAX_TEXT,
        "max_photo_bytes": config.media_max_bytes,
        "photo_types": [t for t in config.media_types if t in PHOTO_TYPES],
    }
    return jsonify(answer)


# --- messages ----------------------------------------------------------------------------------


def _inbound(session: str, client_id: str, **fields) -> InboundMessage:
    # The client chooses its ids: scoped to the session, nobody can replay another's message id.
    return InboundMessage(
        channel="webchat",
        sender=session,
        provider="webchat",
        provider_id=f"{session}:{client_id}",
        carries=CARRIES["webchat"],
        **fields,
    )


def _answer(session: str, msg: InboundMessage):
    handled = handle_inbound(services(), msg)
    return jsonify(
        {
            "replies": reply(handled.replies),
            "duplicate": handled.duplicate,
            **_session_answer(session),  # a fresh token: the session lasts while the resident writes
        }
    )


def _sender_key() -> str:
    """Limits count per conversation (many residents share a mobile carrier's address), else per address."""
    try:
        return "webchat:" + _message_session(_message_body())
    except (ApiError, HTTPException):  # the view answers these itself
        return "address:" + (request.remote_addr or "")


def _message_body() -> dict:
    """The posted message's JSON object, parsed once per request (the rate limit's key reads it first)."""
    if "webchat_body" not in g:
        try:
            g.webchat_body = load_json(request.get_data(cache=True))  # the widget sends text/plain: no CORS preflight
        except PayloadError:
            g.webchat_body = None
    if not isinstance(g.webchat_body, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return g.webchat_body


def _message_session(data: dict) -> str:
    """The session the message's token names, verified once per request."""
    if "webchat_session" not in g:
        g.webchat_session = session_id(data.get("token"))
    return g.webchat_session


def _reply_data(message: OutboundMessage) -> dict:
    return {"text": message.text, "options": list(message.options), "option_ids": list(message.option_ids)}


def reply(replies: tuple[OutboundMessage, ...]) -> list[dict]:
    """The replies as the widget reads them in the answer's JSON."""
    return [_reply_data(message) for message in replies]


def verify(config, request: Request) -> bool:
    """Tell whether the posted message carries a valid session token (the widget's only credential)."""
    try:
        _message_session(_message_body())
    except ApiError:
        return False
    return True


def parse_request(request: Request) -> list[InboundMessage]:
    """The posted message (text, button press or shared location); ApiError (a 4xx) when it does not fit."""
    data = _message_body()
    session = _message_session(data)
    client_id = client_message_id(data.get("id"))
    text, payload = string_field(data, "text", MAX_TEXT), string_field(data, "payload", MAX_PAYLOAD)
    location = location_field(data.get("location"))
    if not (text.strip() or payload or location):
        raise ApiError(400, "empty", "send text, a payload or a location")
    lang_hint = string_field(data, "lang", MAX_LANG)  # the page's language, for a first message that shows none
    return [_inbound(session, client_id, text=text, payload=payload, location=location, lang_hint=lang_hint)]


def _per_address():
    """One count per address for messages and photos together, beside the per-conversation one."""
    return limiter.shared_limit(lambda: services().config.webchat_address_message_limit, scope="webchat-address")


@bp.post("/webchat/api/messages")
@limiter.limit(lambda: services().config.webchat_message_limit, key_func=lambda: _sender_key())
@_per_address()
@timed_webhook("webchat")
def post_message():
    """A resident's text, button press or shared location; answer with the bot's replies."""
    (msg,) = parse_request(request)
    return _answer(msg.sender, msg)


@bp.post("/webchat/api/photo")
@limiter.limit(lambda: services().config.webchat_message_limit)  # per address: the token is inside the upload
@_per_address()
@timed_webhook("webchat")
def post_photo():
    """A resident's photo (multipart: token, id, file): checked, stored, then handled like any message."""
    config = services().config
    request.max_content_length = config.media_max_bytes + MULTIPART_SLACK
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        raise _too_large(config) from None
    session = session_id(form.get("token"))
    client_id = client_message_id(form.get("id"))
    upload = files.get("file")
    if upload is None:
        raise ApiError(400, "bad_request", "a file is required")
    content_type = (upload.mimetype or "").lower()
    if content_type not in PHOTO_TYPES or content_type not in config.media_types:
        raise ApiError(415, "unsupported_type", f"{content_type or 'this file'} is not a photo we accept")
    content = upload.read(config.media_max_bytes + 1)
    if len(content) > config.media_max_bytes:
        raise _too_large(config)
    if not _MAGIC[content_type](content):
        raise ApiError(415, "unsupported_type", f"the file is not a {content_type} picture")
    text = string_field(form, "text", MAX_TEXT)  # every check before the file is kept: a 400 leaves nothing behind
    _count_photo_bytes(len(content))
    name = store_media(config, content, content_type)
    msg = _inbound(
        session, client_id, text=text, media=(Media(url=f"/webchat/media/{name}", content_type=content_type),)
    )
    answer = _answer(session, msg)
    stored = {"url": msg.media[0].url, "content_type": content_type, "stored": name, "size": len(content)}
    # What other channels' download job records, on the message and its tickets.
    record_stored_media(services().engine, msg.provider, msg.provider_id, stored)
    return answer


def _count_photo_bytes(size: int) -> None:
    """Count a photo against its address's bytes for the day (UTC); ApiError 429 when the day's quota is spent.

    Redis down: the photo is taken (residents are not refused for our outage) and a warning logged."""
    svc, now = services(), datetime.now(UTC)
    quota, key = svc.config.webchat_photo_bytes_per_day, f"webchat:photo-bytes:{request.remote_addr}:{now:%Y-%m-%d}"
    try:
        with svc.redis.pipeline() as pipe:
            used, _ = pipe.incrby(key, size).expire(key, 2 * 86400).execute()
        if used <= quota:
            return
        svc.redis.decrby(key, size)  # refused: it does not count
    except RedisError as exc:
        log.warning("web chat photo quota not counted: %s", exc)
        return
    tomorrow = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    megabytes = quota / (1024 * 1024)
    detail = f"this connection has sent its {megabytes:g} MB of photos for today; try again tomorrow"
    raise ApiError(429, "photo_quota", detail, retry_after=int((tomorrow - now).total_seconds()) + 1)


def _too_large(config) -> ApiError:
    megabytes = config.media_max_bytes / (1024 * 1024)
    return ApiError(413, "too_large", f"photos can be up to {megabytes:g} MB")


@bp.errorhandler(RequestEntityTooLarge)
def _body_too_large(exc):
    return jsonify({"error": "too_large", "detail": "the request is too large"}), 413


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if not request.path.startswith("/webchat/api/"):
        return exc
    return jsonify({"error": exc.name.lower().replace(" ", "_"), "detail": exc.description}), exc.code


# --- later messages ----------------------------------------------------------------------------


def send(svc, outgoing: Outgoing) -> str:
    """Publish a later message to the resident's widget (and keep it a while, should it be closed)."""
    session = outgoing.to
    if not isinstance(session, str) or not _SESSION_ID.fullmatch(session):
        raise SendError(f"not a web chat session: {session!r}", retryable=False, code="address")
    message_id = f"webchat-{uuid.uuid4()}"
    keep = int(max_age(svc).total_seconds()) + 3600
    try:
        publish(svc.redis, session, {"id": message_id, **_reply_data(outgoing.message)}, keep)
    except RedisError as exc:
        raise network_error(exc, code="redis") from exc
    return message_id


def fetch_media(svc, media: dict) -> tuple[bytes, str]:
    """Read a photo the widget uploaded: it is in our media store already (SendError when it is not)."""
    name = str(media.get("url", "")).removeprefix("/webchat/media/")
    path = media_path(svc.config, name)
    if path is None:
        raise SendError(f"no stored web chat photo {media.get('url')!r}", retryable=False, code="media")
    return path.read_bytes(), media.get("content_type", "")


def _bearer_token() -> str | None:
    """The session token from `Authorization: Bearer …` (None without one): tokens never travel in URLs."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


@bp.get("/webchat/api/updates")
def updates():
    """Long polling: the later messages after ?after=, at once if some are kept, else the first within
    WEBCHAT_POLL_SECONDS (maybe none). 503 with Retry-After when too many polls wait already."""
    svc = services()
    session = session_id(_bearer_token())
    after = as_seq(request.args.get("after"))
    retry = max(BUSY_RETRY_SECONDS, round(svc.config.webchat_poll_seconds))
    try:
        found = kept_after(svc.redis, session, after)
        if not found:
            with hold(svc.redis, session, request.remote_addr or "", svc.config):
                found = wait_for(svc.redis, session, after, svc.config.webchat_poll_seconds)
    except Busy as exc:
        raise ApiError(503, "busy", f"too many polls waiting ({exc.reason}); come back later", retry) from None
    except RedisError as exc:
        log.warning("web chat poll failed: %s", type(exc).__name__)  # no session: it names a resident
        raise ApiError(503, "unavailable", "later messages cannot be read right now", retry) from None
    last = max([after, *(as_seq(message.get("seq")) for message in found)])
    return jsonify({"messages": found, "after": last})
