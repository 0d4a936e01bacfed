"""Twilio Messaging (SMS and WhatsApp) on one webhook: verify, parse, reply with TwiML.

Twilio posts form-encoded fields and signs them with the account's auth token
(X-Twilio-Signature over the public URL plus the sorted fields).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from ..conversations import handle_inbound
from ..flows.messages import InboundMessage, Location, Media, OutboundMessage
from ..phones import PhoneError, normalize_phone
from ..services import services
from .errors import PayloadError
from .render import as_numbered_text

__all__ = ["bp", "verify", "parse", "reply", "CHANNEL_PREFIX"]

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__)
CHANNEL_PREFIX = "whatsapp:"
MAX_MEDIA = 10


def verify(token: str, url: str, form: dict, signature: str) -> bool:
    """Tell whether Twilio signed this request with our auth token."""
    if not token or not signature:
        return False
    return RequestValidator(token).validate(url, form, signature)


def parse(form) -> InboundMessage:
    """Turn Twilio's form fields into an InboundMessage; raise PayloadError when they do not fit."""
    sender, sid = form.get("From", ""), form.get("MessageSid") or form.get("SmsMessageSid", "")
    if not sender or not sid:
        raise PayloadError("From and MessageSid are required")
    channel = "whatsapp" if sender.startswith(CHANNEL_PREFIX) else "sms"
    try:
        number = normalize_phone(sender.removeprefix(CHANNEL_PREFIX))
    except PhoneError as exc:
        raise PayloadError(str(exc)) from None
    return InboundMessage(
        channel=channel,
        sender=number,
        recipient=form.get("To", "").removeprefix(CHANNEL_PREFIX),
        provider="twilio",
        provider_id=sid,
        text=form.get("Body", ""),
        payload=form.get("ButtonPayload", ""),
        location=_location(form),
        media=_media(form),
        profile_name=form.get("ProfileName", ""),
        raw={"WaId": form.get("WaId", ""), "ButtonText": form.get("ButtonText", "")},
    )


def _location(form) -> Location | None:
    if not form.get("Latitude") and not form.get("Longitude"):
        return None
    try:
        lat, lng = float(form["Latitude"]), float(form["Longitude"])
    except (KeyError, ValueError):
        raise PayloadError("Latitude and Longitude must be numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise PayloadError("Latitude or Longitude out of range")
    return Location(lat, lng, form.get("Address") or None, form.get("Label") or None)


def _media(form) -> tuple[Media, ...]:
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        raise PayloadError("NumMedia must be a number") from None
    if not 0 <= count <= MAX_MEDIA:
        raise PayloadError("NumMedia out of range")
    items = tuple(Media(form.get(f"MediaUrl{i}", ""), form.get(f"MediaContentType{i}", "")) for i in range(count))
    if any(not m.url for m in items):
        raise PayloadError("a MediaUrlN announced by NumMedia is missing")
    return items


def reply(replies: tuple[OutboundMessage, ...]) -> str:
    """Render replies as TwiML, one <Message> each (options as numbered text)."""
    response = MessagingResponse()
    for message in replies:
        response.message(as_numbered_text(message))
    return str(response)


def _signed_url() -> str:
    """The URL Twilio signed: the public one when the app sits behind a proxy."""
    public_url = services().config.public_url
    if not public_url:
        return request.url
    query = request.query_string.decode()
    return public_url + request.path + (f"?{query}" if query else "")


@bp.post("/webhooks/twilio")
def webhook():
    """Receive one message from Twilio and answer it inline."""
    svc = services()
    if not svc.config.twilio_auth_token:
        log.error("TWILIO_AUTH_TOKEN is not set: refusing every Twilio webhook")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not verify(svc.config.twilio_auth_token, _signed_url(), request.form.to_dict(), signature):
        abort(403, "invalid Twilio signature")
    try:
        msg = parse(request.form)
    except PayloadError as exc:
        abort(400, str(exc))
    handled = handle_inbound(svc, msg)
    return Response(reply(handled.replies), mimetype="application/xml")
