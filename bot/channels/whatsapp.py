"""Meta's WhatsApp Cloud API: verify the webhook, parse its batches, send through the Graph API.

Meta signs every POST with the app secret (X-Hub-Signature-256: sha256=<HMAC of the raw
body>) and may batch several entries, changes, messages and statuses in one of them.
Replies are not answered inline: handle_inbound stores them as queued and the
send_messages job hands them to send() below.

The Graph API is called with plain `requests`, not a client library (pywa, heyoo...):
those use httpx, which the tests' `responses` mocks cannot intercept.
"""

from __future__ import annotations

import hmac
import logging
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from flask import Blueprint, Request, Response, abort, jsonify, request

from bot.channels.errors import PayloadError
from bot.channels.payloads import load_json
from bot.channels.provider import Capabilities
from bot.channels.whatsapp_payload import (
    ButtonBody,
    ContactCard,
    ContactCards,
    Envelope,
    Interactive,
    LocationBody,
    MediaBody,
    Message,
    TextBody,
    Value,
    read,
)
from bot.conversation.handler import handle_inbound
from bot.flows.messages import InboundMessage, Location, Media, OutboundMessage, is_on_earth
from bot.messaging.media import fetch_from_provider, read_limited
from bot.messaging.phones import PhoneError, normalize_phone
from bot.messaging.sending import Outgoing, SendError, is_retryable_status, network_error
from bot.messaging.signing import is_signed
from bot.messaging.statuses import record_status
from bot.messaging.unsupported import tell_unsupported
from bot.metrics import timed_webhook
from bot.services import services

__all__ = [
    "bp",
    "NAME",
    "CAPABILITIES",
    "CARRIES",
    "verify",
    "parse",
    "parse_request",
    "reply",
    "send",
    "message_body",
    "fetch_media",
    "PROVIDER",
    "MEDIA_PREFIX",
]

log = logging.getLogger(__name__)
bp = Blueprint("whatsapp", __name__)

NAME = PROVIDER = "meta"
MEDIA_PREFIX = "meta:"  # Media.url of an attachment: "meta:<media id>", fetched with the token
SIGNATURE_HEADER = "X-Hub-Signature-256"
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
IGNORED_TYPES = ("reaction", "system")  # an emoji on a message, "the user changed number": nothing to answer
_MEDIA_ID = re.compile(r"[0-9A-Za-z_-]{1,128}")

# Limits of the Cloud API's messages (https://developers.facebook.com/docs/whatsapp/cloud-api/messages)
TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
MAX_BUTTONS, BUTTON_TITLE_MAX = 3, 20
MAX_ROWS, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX = 10, 24, 72
LIST_BUTTON = "Ver opciones"
# The Cloud API has no inline reply: the send_messages job sends them.
CAPABILITIES = Capabilities(inline_replies=False, buttons=True, lists=True, max_text=TEXT_MAX, downloads_media=True)
# WhatsApp carries photos, pins and voice notes, and our options come back as taps on buttons or list rows.
CARRIES = {"whatsapp": frozenset({"photo", "location", "buttons", "voice"})}

TIMEOUT_SECONDS = 15
# Graph error codes worth trying again later: throttling and Meta's own transient failures.
RETRYABLE_CODES = {"4", "80007", "130429", "131000", "131016", "131056", "133004"}


# --- webhook -----------------------------------------------------------------------------------


def verify(config, request: Request) -> bool:
    """Tell whether Meta signed this request's raw body with our app secret ("sha256=<hex>")."""
    return is_signed(config.whatsapp_app_secret, request.get_data(), request.headers.get(SIGNATURE_HEADER, ""))


def parse_request(request: Request) -> list[InboundMessage]:
    """The messages of a webhook body, oldest first (its statuses are parse's second half)."""
    return parse(load_json(request.get_data()))[0]


def reply(replies: tuple[OutboundMessage, ...]) -> dict:
    """The webhook's answer: an acknowledgement only, the replies go out through the send job."""
    return {"ok": True}


@bp.get("/webhooks/whatsapp")
def subscribe():
    """Meta's verification request when the webhook is configured: echo hub.challenge."""
    token = services().config.whatsapp_verify_token
    given = request.args.get("hub.verify_token", "")
    if token and request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(given.encode(), token.encode()):
        return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")
    abort(403, "verification refused")


@bp.post("/webhooks/whatsapp")
@timed_webhook(PROVIDER)
def webhook():
    """Receive a batch of messages and statuses from Meta; acknowledge it once all are handled."""
    svc = services()
    if not svc.config.whatsapp_app_secret:
        log.error("WHATSAPP_APP_SECRET is not set: refusing every WhatsApp webhook")
    if not verify(svc.config, request):  # the raw bytes Meta signed, before anything parses them
        abort(403, "invalid X-Hub-Signature-256")
    try:
        messages, statuses = parse(load_json(request.get_data()))
    except (ValueError, RecursionError) as exc:  # PayloadError, JSON or UTF-8 that does not decode
        abort(400, str(exc)[:200])
    for msg in messages:
        if msg.raw.get("unsupported"):
            tell_unsupported(svc, msg)
        handle_inbound(svc, msg)  # replies are queued; the send_messages job sends them
    for status in statuses:
        record_status(svc.engine, PROVIDER, status["id"], status["status"], _status_error(status))
    return jsonify(reply(()))


def _status_error(status: dict) -> str:
    errors = status.get("errors") or []
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return f"{first.get('code', '')} {first.get('title', '')}".strip()


# --- parsing -----------------------------------------------------------------------------------


def parse(payload) -> tuple[list[InboundMessage], list[dict]]:
    """Turn one webhook body into its messages (oldest first) and its statuses; raise PayloadError.

    Reactions and system notices are dropped, other change fields are logged and ignored.
    """
    envelope = read(Envelope, payload, "the webhook body")
    messages, statuses = [], []
    for change in (c for entry in envelope.entry for c in entry.changes or ()):
        if change.field != "messages":
            log.info("WhatsApp change %r ignored", change.field)
            continue
        value = read(Value, change.value, "a messages change")
        messages += _messages(value)
        statuses += [status.model_dump() for status in value.statuses or ()]
        if not value.messages and not value.statuses:
            log.info("WhatsApp messages change without messages or statuses ignored: %s", list(change.value))
    messages.sort(key=lambda m: m.received_at or datetime.min.replace(tzinfo=UTC))  # stable
    return messages, statuses


def _messages(value: Value) -> list[InboundMessage]:
    metadata = value.metadata if isinstance(value.metadata, dict) else {}
    recipient = str(metadata.get("display_phone_number", ""))
    names = {
        str(c.get("wa_id", "")): str((c.get("profile") or {}).get("name") or "")
        for c in value.contacts or ()
        if isinstance(c, dict) and isinstance(c.get("profile") or {}, dict)
    }
    parsed = [_message(message, recipient, names) for message in value.messages or ()]
    return [msg for msg in parsed if msg is not None]


def _message(message: Message, recipient: str, names: dict) -> InboundMessage | None:
    if message.type in IGNORED_TYPES:
        log.info("WhatsApp %s %s ignored", message.type, message.id)
        return None
    try:
        number = normalize_phone(message.sender)
    except PhoneError as exc:
        raise PayloadError(str(exc)) from None
    return InboundMessage(
        channel="whatsapp",
        sender=number,
        recipient=recipient,
        provider=PROVIDER,
        provider_id=message.id,
        profile_name=names.get(message.sender, ""),
        received_at=_timestamp(message.timestamp),
        carries=CARRIES["whatsapp"],
        **_content(message),
    )


def _content(message: Message) -> dict:
    """text, payload, location, media and raw of one message, by its type."""
    kind, body = message.type, message.body()
    if kind == "text":
        return {"text": read(TextBody, body, "a text message").body, "raw": {"type": kind}}
    if kind == "interactive":
        return _interactive_reply(read(Interactive, body, "an interactive message"))
    if kind == "button":
        button = read(ButtonBody, body, "a button message")
        return {"text": str(button.text), "payload": str(button.payload), "raw": {"type": kind}}
    if kind == "location":
        return {"location": _location(read(LocationBody, body, "a location message")), "raw": {"type": kind}}
    if kind in MEDIA_TYPES:
        return _media(kind, read(MediaBody, body, f"an {kind} message"))
    if kind == "contacts":
        cards = read(ContactCards, message.model_extra.get("contacts"), "a contacts message")
        return {"text": _contacts_text(cards.root), "raw": {"type": kind}}
    return _unsupported(kind)


def _interactive_reply(body: Interactive) -> dict:
    if body.type not in ("button_reply", "list_reply"):
        return _unsupported(f"interactive.{body.type}")
    reply = body.button_reply if body.type == "button_reply" else body.list_reply
    if reply is None:
        raise PayloadError(f"an interactive message needs {body.type}")
    return {"text": str(reply.title), "payload": reply.id, "raw": {"type": body.type}}


def _media(kind: str, body: MediaBody) -> dict:
    media = Media(MEDIA_PREFIX + body.id, str(body.mime_type))
    raw = {
        "type": kind,
        **({"filename": body.filename} if body.filename else {}),
        **({"voice": True} if body.voice else {}),
    }
    return {"text": str(body.caption), "media": (media,), "raw": raw}


def _unsupported(kind: str) -> dict:
    """An empty text, so the engine answers as to anything it cannot read (it asks again)."""
    log.info("WhatsApp message type %s is not supported", kind)
    return {"text": "", "raw": {"unsupported": kind}}


def _location(body: LocationBody) -> Location:
    if not is_on_earth(body.latitude, body.longitude):
        raise PayloadError("latitude or longitude out of range")
    return Location(body.latitude, body.longitude, body.address or None, body.name or None)


def _contacts_text(cards: list[ContactCard]) -> str:
    """A shared contact card as a line a person can read: "👤 Juan Pérez: +52 1 81 1234 5678"."""
    lines = []
    for card in cards:
        phones = card.phones if isinstance(card.phones, list) else []
        numbers = ", ".join(str(p.get("phone") or p.get("wa_id") or "") for p in phones if isinstance(p, dict))
        lines.append("👤 " + ": ".join(part for part in (card.formatted_name(), numbers) if part))
    return "\n".join(lines)


def _timestamp(raw) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# --- sending -----------------------------------------------------------------------------------


def send(svc, outgoing: Outgoing) -> str:
    """Send one message through the Graph API; return its wamid."""
    config = svc.config
    if not (config.whatsapp_token and config.whatsapp_phone_number_id):
        raise SendError(
            "WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID are needed to send", retryable=False, code="config"
        )
    url = f"{config.whatsapp_graph_url}/{config.whatsapp_phone_number_id}/messages"
    try:
        response = requests.post(url, json=message_body(outgoing), headers=_auth(config), timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise network_error(exc) from exc
    if response.status_code != 200:
        raise _graph_error(response, "sending")
    try:
        return str(response.json()["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        # Meta took the message (200) but said nothing usable: sending it again could duplicate it.
        raise SendError("the Graph API answered 200 without a message id", retryable=False, code="response") from None


def message_body(outgoing: Outgoing) -> dict:
    """The JSON of a Cloud API message: a template, interactive buttons or list, or (numbered) text."""
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": outgoing.to.removeprefix("+")}
    template = outgoing.template or {}
    if template.get("meta"):
        return {**body, "type": "template", "template": _template(template["meta"], template.get("variables", []))}
    interactive = _interactive(outgoing.message)
    if interactive:
        return {**body, "type": "interactive", "interactive": interactive}
    return {
        **body,
        "type": "text",
        "text": {"body": _clip(outgoing.message.as_numbered_text(), TEXT_MAX), "preview_url": False},
    }


def _template(meta: dict, variables: list) -> dict:
    template = {"name": meta["name"], "language": {"code": meta["language"]}}
    if variables:
        template["components"] = [{"type": "body", "parameters": [{"type": "text", "text": str(v)} for v in variables]}]
    return template


def _interactive(message: OutboundMessage) -> dict | None:
    """Buttons for up to 3 short options, a list for up to 10; None when only numbered text fits."""
    options, ids = message.options, message.option_ids
    if not options or len(ids) != len(options) or not message.text.strip() or len(message.text) > INTERACTIVE_BODY_MAX:
        return None
    if (
        len(options) <= MAX_BUTTONS
        and all(len(o) <= BUTTON_TITLE_MAX for o in options)
        and len(set(options)) == len(options)
    ):
        buttons = [{"type": "reply", "reply": {"id": i, "title": o}} for i, o in zip(ids, options)]
        return {"type": "button", "body": {"text": message.text}, "action": {"buttons": buttons}}
    if len(options) > MAX_ROWS:
        return None
    rows = [_row(i, o) for i, o in zip(ids, options)]
    if len({r["title"] for r in rows}) != len(rows):
        return None  # clipped titles would look alike
    return {
        "type": "list",
        "body": {"text": message.text},
        "action": {"button": LIST_BUTTON, "sections": [{"rows": rows}]},
    }


def _row(option_id: str, label: str) -> dict:
    if len(label) <= ROW_TITLE_MAX:
        return {"id": option_id, "title": label}
    return {"id": option_id, "title": _clip(label, ROW_TITLE_MAX), "description": _clip(label, ROW_DESCRIPTION_MAX)}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _auth(config) -> dict:
    return {"Authorization": f"Bearer {config.whatsapp_token}"}


def _graph_error(response, doing: str) -> SendError:
    """A Graph API error as a SendError: 429, 5xx and throttling codes are retryable."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code = str(error.get("code") or "") if isinstance(error, dict) else ""
    message = (error.get("message") if isinstance(error, dict) else "") or response.text[:200]
    retryable = is_retryable_status(response.status_code) or code in RETRYABLE_CODES
    return SendError(
        f"HTTP {response.status_code} {doing}: {message}", retryable=retryable, code=code or str(response.status_code)
    )


# --- media -------------------------------------------------------------------------------------


# Meta's bearer token goes over https to the Graph API (graph.facebook.com, or WHATSAPP_GRAPH_URL's
# host, which already gets it for sending) and to Meta's media hosts: the URL the Graph API gives is
# on lookaside.fbsbx.com, and Meta also serves files from its CDN (*.fbcdn.net).
META_MEDIA_DOMAINS = ("fbsbx.com", "fbcdn.net")


def fetch_media(svc, media: dict) -> tuple[bytes, str]:
    """Download an attachment in Meta's two steps: its URL from the media id, then the bytes (both with the token)."""
    config = svc.config
    media_id = str(media.get("url", "")).removeprefix(MEDIA_PREFIX)
    if not str(media.get("url", "")).startswith(MEDIA_PREFIX) or not _MEDIA_ID.fullmatch(media_id):
        raise SendError(f"not a Meta media reference: {media.get('url')!r}", retryable=False, code="media")
    graph_host = (
        urlsplit(config.whatsapp_graph_url).hostname if config.whatsapp_graph_url.startswith("https:") else None
    )

    def is_meta(host: str) -> bool:
        return host in ("graph.facebook.com", graph_host) or any(
            host == domain or host.endswith("." + domain) for domain in META_MEDIA_DOMAINS
        )

    def get(url: str, doing: str):
        response = fetch_from_provider(url, _auth(config), is_meta, TIMEOUT_SECONDS)
        if response.status_code != 200:
            error = _graph_error(response, doing)
            response.close()
            raise error
        return response

    info = get(f"{config.whatsapp_graph_url}/{media_id}", "looking up media")
    try:
        details = info.json()
        url = details["url"]
    except (ValueError, KeyError, TypeError):
        raise SendError("the Graph API gave no media URL", retryable=False, code="media") from None
    response = get(str(url), "downloading media")
    content = read_limited(response, config.media_max_bytes)
    content_type = details.get("mime_type") or response.headers.get("Content-Type") or media.get("content_type", "")
    return content, content_type
