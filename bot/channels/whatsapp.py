"""Meta's WhatsApp Cloud API: verify the webhook, parse its batches, send through the Graph API.

Meta signs every POST with the app secret (X-Hub-Signature-256: sha256=<HMAC of the raw
body>) and may batch several entries, changes, messages and statuses in one of them.
Replies are not answered inline: handle_inbound stores them as queued and the
send_messages job hands them to send() below.

The Graph API is called with plain `requests`, not a client library (pywa, heyoo...):
those use httpx, which the tests' `responses` mocks cannot intercept.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import datetime, timezone

import requests
from flask import Blueprint, Response, abort, jsonify, request
from sqlmodel import select

from bot.conversation.handler import handle_inbound
from bot.db.engine import transaction
from bot.flows.messages import InboundMessage, Location, Media, OutboundMessage
from bot.messaging.media import read_limited
from bot.messaging.statuses import record_status
from bot.db.tables import ContactAddress, Message, utcnow
from bot.messaging.outbound import WHATSAPP_WINDOW, contact_language, queue_message, route_for
from bot.jobs.outbox import enqueue_after_commit
from bot.messaging.phones import PhoneError, normalize_phone
from bot.messaging.sending import Outgoing, SendError
from bot.services import services
from bot.channels.errors import PayloadError
from bot.channels.payloads import load_json

__all__ = ["bp", "verify", "parse", "send", "message_body", "fetch_media", "PROVIDER", "MEDIA_PREFIX"]

log = logging.getLogger(__name__)
bp = Blueprint("whatsapp", __name__)

PROVIDER = "meta"
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

TIMEOUT_SECONDS = 15
RETRYABLE_STATUSES = {429, 500, 502, 503, 504}
# Graph error codes worth trying again later: throttling and Meta's own transient failures.
RETRYABLE_CODES = {"4", "80007", "130429", "131000", "131016", "131056", "133004"}


# --- webhook -----------------------------------------------------------------------------------


def verify(app_secret: str, body: bytes, signature: str) -> bool:
    """Tell whether Meta signed this raw body with our app secret ("sha256=<hex>")."""
    if not app_secret or not signature.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.removeprefix("sha256=").strip().lower().encode())


@bp.get("/webhooks/whatsapp")
def subscribe():
    """Meta's verification request when the webhook is configured: echo hub.challenge."""
    token = services().config.whatsapp_verify_token
    given = request.args.get("hub.verify_token", "")
    if token and request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(given.encode(), token.encode()):
        return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")
    abort(403, "verification refused")


@bp.post("/webhooks/whatsapp")
def webhook():
    """Receive a batch of messages and statuses from Meta; acknowledge it once all are handled."""
    svc = services()
    body = request.get_data()  # the raw bytes Meta signed, before anything parses them
    if not svc.config.whatsapp_app_secret:
        log.error("WHATSAPP_APP_SECRET is not set: refusing every WhatsApp webhook")
    if not verify(svc.config.whatsapp_app_secret, body, request.headers.get(SIGNATURE_HEADER, "")):
        abort(403, "invalid X-Hub-Signature-256")
    try:
        messages, statuses = parse(load_json(body))
    except (ValueError, RecursionError) as exc:  # PayloadError, JSON or UTF-8 that does not decode
        abort(400, str(exc)[:200])
    for msg in messages:
        if msg.raw.get("unsupported"):
            _say_unsupported(svc, msg)
        handle_inbound(svc, msg)  # replies are queued; the send_messages job sends them
    for status in statuses:
        record_status(svc.engine, PROVIDER, status["id"], status["status"], _status_error(status))
    return jsonify(ok=True)


def _status_error(status: dict) -> str:
    errors = status.get("errors") or []
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return f"{first.get('code', '')} {first.get('title', '')}".strip()


def _say_unsupported(svc, msg: InboundMessage) -> None:
    """Before the engine re-asks, say which kinds of message the bot reads (flows.yaml unsupported_message).

    Only for a known resident whose last message came over Meta within WhatsApp's window;
    a first-time sender just gets the menu, and a redelivered message is not told twice.
    """
    flows = svc.flows
    if "unsupported_message" not in flows.messages:
        return
    with transaction(svc.engine, immediate=True) as session:
        enqueue_after_commit(session, svc.queue)
        seen = session.exec(
            select(Message.id).where(Message.provider == PROVIDER, Message.provider_id == msg.provider_id)
        ).first()
        contact_id = session.exec(
            select(ContactAddress.contact_id).where(ContactAddress.kind == "phone", ContactAddress.address == msg.sender)
        ).first()
        if seen is not None or contact_id is None:
            return
        route = route_for(session, contact_id)
        if route is None or route.provider != PROVIDER or utcnow() - route.last_inbound_at > WHATSAPP_WINDOW:
            return
        lang = contact_language(session, contact_id) or flows.default_language
        notice = OutboundMessage(flows.message("unsupported_message", lang))
        queue_message(session, flows, contact_id, "unsupported_message", notice, lang=lang)


# --- parsing -----------------------------------------------------------------------------------


def parse(payload) -> tuple[list[InboundMessage], list[dict]]:
    """Turn one webhook body into its messages (oldest first) and its statuses; raise PayloadError.

    Reactions and system notices are dropped, other change fields are logged and ignored.
    """
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise PayloadError('object must be "whatsapp_business_account"')
    messages, statuses = [], []
    for entry in _list(payload, "entry", required=True):
        for change in _list(_dict(entry, "entry"), "changes"):
            change = _dict(change, "change")
            if change.get("field") != "messages":
                log.info("WhatsApp change %r ignored", change.get("field"))
                continue
            value = _dict(change.get("value"), "change value")
            messages += _messages(value)
            statuses += [_status(s) for s in _list(value, "statuses")]
            if not value.get("messages") and not value.get("statuses"):
                log.info("WhatsApp messages change without messages or statuses ignored: %s", list(value))
    messages.sort(key=lambda m: m.received_at or datetime.min.replace(tzinfo=timezone.utc))  # stable
    return messages, statuses


def _list(container: dict, key: str, required: bool = False) -> list:
    value = container.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{key} must be a list")
    return value


def _dict(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise PayloadError(f"{what} must be an object")
    return value


def _text(container: dict, key: str, what: str) -> str:
    value = container.get(key)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"{what} needs {key}")
    return value


def _optional_text(container, key: str) -> str | None:
    """A string field that may be missing; anything but a string is malformed."""
    value = container.get(key) if isinstance(container, dict) else None
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{key} must be text")
    return value


def _status(status) -> dict:
    status = _dict(status, "status")
    _text(status, "id", "a status")
    _text(status, "status", "a status")
    return status


def _messages(value: dict) -> list[InboundMessage]:
    metadata = value.get("metadata") or {}
    recipient = str(metadata.get("display_phone_number", "")) if isinstance(metadata, dict) else ""
    names = {
        str(c.get("wa_id", "")): str((c.get("profile") or {}).get("name") or "")
        for c in _list(value, "contacts") if isinstance(c, dict) and isinstance(c.get("profile") or {}, dict)
    }
    parsed = []
    for message in _list(value, "messages"):
        msg = _message(_dict(message, "message"), recipient, names)
        if msg is not None:
            parsed.append(msg)
    return parsed


def _message(message: dict, recipient: str, names: dict) -> InboundMessage | None:
    wamid, sender, kind = _text(message, "id", "a message"), _text(message, "from", "a message"), _text(message, "type", "a message")
    if kind in IGNORED_TYPES:
        log.info("WhatsApp %s %s ignored", kind, wamid)
        return None
    try:
        number = normalize_phone(sender)
    except PhoneError as exc:
        raise PayloadError(str(exc)) from None
    fields = _content(kind, message)
    return InboundMessage(
        channel="whatsapp", sender=number, recipient=recipient, provider=PROVIDER, provider_id=wamid,
        profile_name=names.get(sender, ""), received_at=_timestamp(message.get("timestamp")), **fields,
    )


def _content(kind: str, message: dict) -> dict:
    """text, payload, location, media and raw of one message, by its type."""
    body = message.get(kind)
    if kind == "text":
        return {"text": _text(_dict(body, "text"), "body", "a text message"), "raw": {"type": kind}}
    if kind == "interactive":
        body = _dict(body, "interactive")
        if body.get("type") not in ("button_reply", "list_reply"):
            return _unsupported(f"interactive.{body.get('type')}")
        reply = _dict(body.get(body["type"]), body["type"])
        return {"text": str(reply.get("title", "")), "payload": _text(reply, "id", "an interactive reply"), "raw": {"type": body["type"]}}
    if kind == "button":
        body = _dict(body, "button")
        return {"text": str(body.get("text", "")), "payload": str(body.get("payload", "")), "raw": {"type": kind}}
    if kind == "location":
        return {"location": _location(_dict(body, "location")), "raw": {"type": kind}}
    if kind in MEDIA_TYPES:
        body = _dict(body, kind)
        media_id = _text(body, "id", f"an {kind} message")
        if not _MEDIA_ID.fullmatch(media_id):
            raise PayloadError(f"unexpected media id {media_id!r}")
        media = Media(MEDIA_PREFIX + media_id, str(body.get("mime_type", "")))
        raw = {"type": kind, **({"filename": body["filename"]} if body.get("filename") else {}), **({"voice": True} if body.get("voice") else {})}
        return {"text": str(body.get("caption", "")), "media": (media,), "raw": raw}
    if kind == "contacts":
        return {"text": _contacts_text(_list(message, "contacts", required=True)), "raw": {"type": kind}}
    return _unsupported(kind)


def _unsupported(kind: str) -> dict:
    """An empty text, so the engine answers as to anything it cannot read (it asks again)."""
    log.info("WhatsApp message type %s is not supported", kind)
    return {"text": "", "raw": {"unsupported": kind}}


def _location(body: dict) -> Location:
    try:
        lat, lng = float(body["latitude"]), float(body["longitude"])
    except (KeyError, TypeError, ValueError):
        raise PayloadError("latitude and longitude must be numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise PayloadError("latitude or longitude out of range")
    return Location(lat, lng, _optional_text(body, "address"), _optional_text(body, "name"))


def _contacts_text(contacts: list) -> str:
    """A shared contact card as a line a person can read: "👤 Juan Pérez: +52 1 81 1234 5678"."""
    lines = []
    for card in contacts:
        card = _dict(card, "contact")
        name = _optional_text(card.get("name"), "formatted_name") or ""
        cards = card.get("phones") if isinstance(card.get("phones"), list) else []
        phones = ", ".join(str(p.get("phone") or p.get("wa_id") or "") for p in cards if isinstance(p, dict))
        lines.append("👤 " + ": ".join(part for part in (name, phones) if part))
    return "\n".join(lines)


def _timestamp(raw) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# --- sending -----------------------------------------------------------------------------------


def send(svc, outgoing: Outgoing) -> str:
    """Send one message through the Graph API; return its wamid."""
    config = svc.config
    if not (config.whatsapp_token and config.whatsapp_phone_number_id):
        raise SendError("WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID are needed to send", retryable=False, code="config")
    url = f"{config.whatsapp_graph_url}/{config.whatsapp_phone_number_id}/messages"
    try:
        response = requests.post(url, json=message_body(outgoing), headers=_auth(config), timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise SendError(f"{type(exc).__name__}: {exc}", retryable=True, code="network") from exc
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
    return {**body, "type": "text", "text": {"body": _clip(outgoing.message.as_numbered_text(), TEXT_MAX), "preview_url": False}}


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
    if len(options) <= MAX_BUTTONS and all(len(o) <= BUTTON_TITLE_MAX for o in options) and len(set(options)) == len(options):
        buttons = [{"type": "reply", "reply": {"id": i, "title": o}} for i, o in zip(ids, options)]
        return {"type": "button", "body": {"text": message.text}, "action": {"buttons": buttons}}
    if len(options) > MAX_ROWS:
        return None
    rows = [_row(i, o) for i, o in zip(ids, options)]
    if len({r["title"] for r in rows}) != len(rows):
        return None  # clipped titles would look alike
    return {"type": "list", "body": {"text": message.text}, "action": {"button": LIST_BUTTON, "sections": [{"rows": rows}]}}


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
    retryable = response.status_code in RETRYABLE_STATUSES or code in RETRYABLE_CODES
    return SendError(f"HTTP {response.status_code} {doing}: {message}", retryable=retryable, code=code or str(response.status_code))


# --- media -------------------------------------------------------------------------------------


def fetch_media(svc, media: dict) -> tuple[bytes, str]:
    """Download an attachment in Meta's two steps: its URL from the media id, then the bytes (both with the token)."""
    config = svc.config
    media_id = str(media.get("url", "")).removeprefix(MEDIA_PREFIX)
    if not str(media.get("url", "")).startswith(MEDIA_PREFIX) or not _MEDIA_ID.fullmatch(media_id):
        raise SendError(f"not a Meta media reference: {media.get('url')!r}", retryable=False, code="media")
    info = _get(f"{config.whatsapp_graph_url}/{media_id}", config, "looking up media")
    try:
        details = info.json()
        url = details["url"]
    except (ValueError, KeyError, TypeError):
        raise SendError("the Graph API gave no media URL", retryable=False, code="media") from None
    if not str(url).startswith(("https://", "http://")):
        raise SendError(f"unexpected media URL {url!r}", retryable=False, code="media")
    response = _get(url, config, "downloading media", stream=True)
    content = read_limited(response, config.media_max_bytes)
    content_type = details.get("mime_type") or response.headers.get("Content-Type") or media.get("content_type", "")
    return content, content_type


def _get(url: str, config, doing: str, stream: bool = False):
    try:
        response = requests.get(url, headers=_auth(config), timeout=TIMEOUT_SECONDS, stream=stream)
    except requests.RequestException as exc:
        raise SendError(f"{type(exc).__name__}: {exc}", retryable=True, code="network") from exc
    if response.status_code != 200:
        raise _graph_error(response, doing)
    return response

