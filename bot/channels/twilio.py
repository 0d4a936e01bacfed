"""Twilio Messaging (SMS and WhatsApp) on one webhook: verify, parse, reply with TwiML.

Twilio posts form-encoded fields and signs them with the account's auth token
(X-Twilio-Signature over the public URL plus the sorted fields).
"""

from __future__ import annotations

import base64
import json
import logging
import re

import requests
from flask import Blueprint, Request, Response, abort, request
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.errors import PayloadError
from bot.channels.payloads import clean_text, storable
from bot.channels.provider import Capabilities
from bot.conversation.handler import handle_inbound
from bot.flows.messages import InboundMessage, Location, Media, OutboundMessage, is_on_earth
from bot.messaging.media import fetch_from_provider, read_limited
from bot.messaging.phones import PhoneError, normalize_phone
from bot.messaging.sending import Outgoing, SendError, is_retryable_status, network_error
from bot.messaging.statuses import record_status
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
    "fetch_media",
    "CHANNEL_PREFIX",
]

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__)
NAME = "twilio"
# TwiML answers inline; WhatsApp via Twilio shows options as numbered text (no content template per question).
CAPABILITIES = Capabilities(inline_replies=True, max_text=1600, downloads_media=True)
# Mexican SMS lines carry no MMS: text only. WhatsApp carries photos, pins and voice notes; no buttons, as above.
CARRIES = {"sms": frozenset(), "whatsapp": frozenset({"photo", "location", "voice"})}
CHANNEL_PREFIX = "whatsapp:"
MAX_MEDIA = 10


def verify(config, request: Request) -> bool:
    """Tell whether Twilio signed this request with our auth token."""
    return _signed_by_twilio(
        config.twilio_auth_token,
        _signed_url(config, request),
        _form_fields(request),
        request.headers.get("X-Twilio-Signature", ""),
    )


def _signed_by_twilio(token: str, url: str, form: dict, signature: str) -> bool:
    """Tell whether signature is Twilio's for this URL and these fields with our auth token."""
    if not token or not signature:
        return False
    return RequestValidator(token).validate(url, form, signature)


def parse_request(request: Request) -> list[InboundMessage]:
    """The one message a Twilio webhook carries; PayloadError when it does not fit."""
    return [parse(_storable_fields(request))]


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
        text=storable(form.get("Body", "")),
        payload=storable(form.get("ButtonPayload", "")),
        location=_location(form),
        media=_media(form),
        profile_name=storable(form.get("ProfileName", "")),
        carries=CARRIES[channel],
        raw={"WaId": form.get("WaId", ""), "ButtonText": form.get("ButtonText", "")},
    )


def _location(form) -> Location | None:
    if not form.get("Latitude") and not form.get("Longitude"):
        return None
    try:
        lat, lng = float(form["Latitude"]), float(form["Longitude"])
    except (KeyError, ValueError):
        raise PayloadError("Latitude and Longitude must be numbers") from None
    if not is_on_earth(lat, lng):
        raise PayloadError("Latitude or Longitude out of range")
    return Location(lat, lng, storable(form.get("Address", "")) or None, storable(form.get("Label", "")) or None)


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
        response.message(clean_text(message.as_numbered_text()))  # XML cannot carry control characters
    return str(response)


def _signed_url(config, request: Request) -> str:
    """The URL Twilio signed: the public one when the app sits behind a proxy."""
    public_url = config.public_url
    if not public_url:
        return request.url
    query = request.query_string.decode("utf-8", "replace")  # Twilio sends UTF-8; anything else fails the signature
    return public_url + request.path + (f"?{query}" if query else "")


@bp.post("/webhooks/twilio")
@timed_webhook(NAME)
def webhook():
    """Receive one message from Twilio and answer it inline."""
    svc = services()
    _refuse_unsigned(svc.config)
    try:
        (msg,) = parse_request(request)
    except PayloadError as exc:
        abort(400, str(exc))
    handled = handle_inbound(svc, msg)
    return Response(reply(handled.replies), mimetype="application/xml")


def _refuse_unsigned(config) -> None:
    """Abort with 403 unless Twilio signed this request."""
    if not config.twilio_auth_token:
        log.error("TWILIO_AUTH_TOKEN is not set: refusing every Twilio webhook")
    if not verify(config, request):
        abort(403, "invalid Twilio signature")


def _form_fields(request: Request) -> dict:
    return {key or "": value for key, value in request.form.to_dict().items()}  # an empty name parses as None


def _storable_fields(request: Request) -> dict:
    return {key: storable(value) for key, value in _form_fields(request).items()}  # signed, but still stored: no NUL


@bp.post("/webhooks/twilio/status")
def status_callback():
    """Record a sent message's status (queued, sent, delivered, read, failed, undelivered)."""
    _refuse_unsigned(services().config)
    form = _storable_fields(request)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        abort(400, "MessageSid and MessageStatus are required")
    record_status(services().engine, "twilio", sid, status, form.get("ErrorCode", ""))
    return Response(status=204)


TIMEOUT_SECONDS = 15


def send(svc, outgoing: Outgoing) -> str:
    """Send through Twilio's REST API (SMS or WhatsApp); return the MessageSid."""
    config = svc.config
    if not (config.twilio_account_sid and config.twilio_auth_token):
        raise SendError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are needed to send", retryable=False, code="config")
    client = Client(
        config.twilio_account_sid, config.twilio_auth_token, http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS)
    )
    try:
        message = client.messages.create(**_create_arguments(config, outgoing))
    except TwilioRestException as exc:
        raise SendError(exc.msg, retryable=is_retryable_status(exc.status), code=str(exc.code or exc.status)) from exc
    except requests.RequestException as exc:
        raise network_error(exc) from exc
    return message.sid


def _create_arguments(config, outgoing: Outgoing) -> dict:
    whatsapp = outgoing.channel == "whatsapp"
    arguments = {"to": f"{CHANNEL_PREFIX}{outgoing.to}" if whatsapp else outgoing.to}
    if config.twilio_messaging_service_sid:
        arguments["messaging_service_sid"] = config.twilio_messaging_service_sid
    else:
        arguments["from_"] = config.twilio_whatsapp_from if whatsapp else config.twilio_sms_from
    if config.public_url:
        arguments["status_callback"] = f"{config.public_url}/webhooks/twilio/status"
    template = outgoing.template
    if template and template.get("twilio"):
        arguments["content_sid"] = template["twilio"]
        arguments["content_variables"] = json.dumps({str(n): v for n, v in enumerate(template.get("variables", []), 1)})
    else:
        arguments["body"] = outgoing.message.as_numbered_text()
    return arguments


# Twilio's media URLs are on its REST API (api.twilio.com, or a region's api.<edge>.<region>.twilio.com);
# they answer with a redirect to a short-lived, already signed URL on its CDN (mms.twiliocdn.com),
# which is fetched without the account's credentials.
_TWILIO_API_HOST = re.compile(r"api(\.[a-z0-9-]+\.[a-z0-9-]+)?\.twilio\.com")


def fetch_media(svc, media: dict) -> tuple[bytes, str]:
    """Download one attachment: the account's credentials go only over https to Twilio's API hosts."""
    config = svc.config
    token = base64.b64encode(f"{config.twilio_account_sid}:{config.twilio_auth_token}".encode()).decode()
    response = fetch_from_provider(
        str(media.get("url", "")),
        {"Authorization": f"Basic {token}"},
        lambda host: _TWILIO_API_HOST.fullmatch(host) is not None,
        TIMEOUT_SECONDS,
    )
    if response.status_code != 200:
        response.close()
        retryable = is_retryable_status(response.status_code) or response.status_code == 404
        raise SendError(f"HTTP {response.status_code} fetching media", retryable=retryable)
    content = read_limited(response, config.media_max_bytes)
    return content, response.headers.get("Content-Type", media.get("content_type", ""))
