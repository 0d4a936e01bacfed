"""Garbage at every webhook and API endpoint, signed and unsigned (property-based, with hypothesis).

Two modes per endpoint:
  (a) unsigned or badly signed (or, for the web chat, a bad session token): refused (403, the web
      chat's 400/401; 413 when oversize) and nothing stored;
  (b) correctly signed garbage, signed as the provider would sign whatever it sent: 2xx, 400, 413 or
      415 (409 for a status change the ticket cannot make) and never a 5xx.

After every example the database must hold only whole records (`assert_whole_records`), and a
request that was refused must not have changed any count.

Each example talks as a resident of its own (a fresh phone number, web chat session or ticket), so
an example behaves the same when hypothesis replays it; the app and its database are shared by the
examples of one test, so the invariants are checked cumulatively.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import itertools
import json
import os
import re
import string
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from flask import Request
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, text
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import EnvironBuilder, encode_multipart

from bot import create_app
from bot.db.database import create_tables
from bot.db.tables import (
    Contact,
    ContactAddress,
    Conversation,
    Message,
    Outbox,
    SurveyResponse,
    Ticket,
    TicketEvent,
)
from bot.delivery.webhook import SIGNATURE_HEADER, sign
from bot.messaging.signing import SIGNATURE_V1_HEADER, TIMESTAMP_HEADER, sign_request
from bot.tickets.lifecycle import FINAL_STATUSES, STATUSES
from tests.support.app import (
    ACCOUNT_SID,
    DEPARTMENT_KEYS,
    PUBLIC_URL,
    WEBHOOK_PATH,
    app_settings,
    twilio_fixture,
    twilio_signature,
)
from tests.support.app import (
    FIXTURES as FIXTURE_DIR,
)
from tests.support.garbage import (
    BAD_BYTES,
    CONTENT_TYPES,
    HOSTILE,
    TOKEN_CHARS,
    hostile_text,
    json_bytes,
    json_text,
    json_values,
    meta_batch,
    mutated,
    twilio_form,
)
from tests.support.whatsapp import text_payload

APP_SECRET = "garbage-meta-app-secret"
VERIFY_TOKEN = "garbage-verify-token"
STATUS_SECRET = DEPARTMENT_KEYS["OBRAS_PUBLICAS_STATUS_SECRET"]  # the filed potholes are Obras Públicas'
TICKET_KEYS = {  # what the demo inbox checks: the key that signs the tickets we send
    "obras_publicas": DEPARTMENT_KEYS["OBRAS_PUBLICAS_WEBHOOK_SECRET"],
    "servicios_publicos": DEPARTMENT_KEYS["SERVICIOS_PUBLICOS_WEBHOOK_SECRET"],
}
STATUS_PATH = "/webhooks/twilio/status"
META_PATH = "/webhooks/whatsapp"
MAX_BODY = 1024 * 1024

SIGNED_OK = {400, 413, 415}  # besides any 2xx
TABLES = [Contact, ContactAddress, Conversation, Message, Ticket, TicketEvent, Outbox, SurveyResponse]

_numbers = itertools.count(1)
_ids = itertools.count(1)


# Shrinking replays a failing example hundreds of times (each with its resident's prelude): minutes while
# a bug is open. Off by default so the file stays quick either way; GARBAGE_SHRINK=1 turns it on.
PHASES = tuple(Phase) if os.environ.get("GARBAGE_SHRINK") else (Phase.explicit, Phase.reuse, Phase.generate)


ON_POSTGRESQL = bool(os.environ.get("TEST_DATABASE_URL"))  # conftest's switch: every write is a round trip there


def fuzz(examples: int):
    if ON_POSTGRESQL:
        examples = max(10, examples // 3)
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        phases=PHASES,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )


@pytest.fixture
def app(tmp_path, redis_url):
    """conftest's app with Meta's settings and the demo inbox too: every endpoint in one app."""
    app = create_app(
        app_settings(
            tmp_path,
            redis_url,
            whatsapp_app_secret=APP_SECRET,
            whatsapp_verify_token=VERIFY_TOKEN,
            whatsapp_token="EAAgarbage",
            whatsapp_phone_number_id="112233445566778",
            whatsapp_graph_url="https://graph.example.test/v21.0",
            demo_mode=True,
        )
    )
    app.config["PROPAGATE_EXCEPTIONS"] = (
        True  # a 5xx surfaces as its own exception and traceback: hypothesis tells bugs apart
    )
    create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


# --- what the database must always look like -----------------------------------------------------------


_COUNTS = text("SELECT " + ", ".join(f"(SELECT count(*) FROM {t.__tablename__})" for t in TABLES))


def counts(app) -> dict[str, int]:
    """Rows per table, in one statement."""
    with app.extensions["ventanilla"].engine.connect() as connection:
        return dict(zip((t.__tablename__ for t in TABLES), connection.execute(_COUNTS).one()))


_BROKEN = {
    "message without its contact": "SELECT m.id FROM message m LEFT JOIN contact c ON c.id = m.contact_id WHERE c.id IS NULL",
    "message neither in nor out": "SELECT id FROM message WHERE direction NOT IN ('in', 'out')",
    "contact without its conversation or address": "SELECT c.id FROM contact c WHERE NOT EXISTS (SELECT 1 FROM conversation v WHERE v.contact_id = c.id)"
    " OR NOT EXISTS (SELECT 1 FROM contactaddress a WHERE a.contact_id = c.id)",
    "conversation seq not bumped once per inbound message": "SELECT v.contact_id, v.seq, (SELECT count(*) FROM message m WHERE m.contact_id = v.contact_id AND m.direction = 'in')"
    " AS n FROM conversation v WHERE v.seq != (SELECT count(*) FROM message m WHERE m.contact_id = v.contact_id"
    " AND m.direction = 'in')",
    "inbound message with a reply_to": "SELECT id FROM message WHERE direction = 'in' AND reply_to_id IS NOT NULL",
    "reply not to an inbound message of the same contact": "SELECT o.id FROM message o LEFT JOIN message i ON i.id = o.reply_to_id WHERE o.reply_to_id IS NOT NULL"
    " AND (o.direction != 'out' OR i.id IS NULL OR i.direction != 'in' OR i.contact_id != o.contact_id)",
    "ticket without its contact": "SELECT t.id FROM ticket t LEFT JOIN contact c ON c.id = t.contact_id WHERE c.id IS NULL",
    "ticket without its 'received' event": "SELECT t.id FROM ticket t WHERE NOT EXISTS (SELECT 1 FROM ticketevent e WHERE e.ticket_id = t.id AND e.kind = 'received')",
    "ticket (not a linked duplicate) without its deliver_ticket outbox row": "SELECT t.id FROM ticket t WHERE t.duplicate_of IS NULL AND NOT EXISTS"
    " (SELECT 1 FROM outbox o WHERE o.ticket_id = t.id AND o.kind = 'deliver_ticket')",
    "event of no ticket": "SELECT e.id FROM ticketevent e LEFT JOIN ticket t ON t.id = e.ticket_id WHERE t.id IS NULL",
}


def assert_whole_records(app) -> None:
    """The invariants: no half-written message, contact, conversation or ticket."""
    broken = {}
    with app.extensions["ventanilla"].engine.connect() as connection:
        for what, sql in _BROKEN.items():
            rows = connection.execute(text(sql)).all()
            if rows:
                broken[what] = [tuple(r) for r in rows[:5]]
        queued_ids = set()
        for (payload,) in connection.execute(
            select(Outbox.__table__.c.payload).where(Outbox.__table__.c.kind == "send_messages")
        ):
            queued_ids.update(payload.get("message_ids", []))
        messages = {
            row.id: row
            for row in connection.execute(
                select(
                    Message.__table__.c.id,
                    Message.__table__.c.direction,
                    Message.__table__.c.reply_to_id,
                    Message.__table__.c.status,
                )
            )
        }
    missing = sorted(queued_ids - set(messages))
    if missing:
        broken["outbox naming messages that do not exist"] = missing[:5]
    orphans = [
        m.id
        for m in messages.values()
        if m.direction == "out" and m.reply_to_id is None and m.status != "failed" and m.id not in queued_ids
    ]
    if orphans:
        broken["outbound message neither a reply, nor queued in the outbox, nor failed"] = orphans[:5]
    unsent = [
        m.id for m in messages.values() if m.direction == "out" and m.status == "queued" and m.id not in queued_ids
    ]
    if unsent:
        broken["queued outbound message with no outbox row to send it"] = unsent[:5]
    assert not broken, broken


def stored_replies(app, provider: str, provider_id: str) -> list[str] | None:
    """The texts of the replies stored to an inbound message, or None when there is no such message."""
    with app.extensions["ventanilla"].engine.connect() as connection:
        found = connection.execute(
            text("SELECT id FROM message WHERE provider = :p AND provider_id = :i AND direction = 'in'"),
            {"p": provider, "i": provider_id},
        ).scalar()
        if found is None:
            return None
        return list(
            connection.execute(
                text("SELECT text FROM message WHERE reply_to_id = :id ORDER BY id"), {"id": found}
            ).scalars()
        )


def inbound_text(app, provider: str, provider_id: str) -> str:
    with app.extensions["ventanilla"].engine.connect() as connection:
        return connection.execute(
            text("SELECT text FROM message WHERE provider = :p AND provider_id = :i AND direction = 'in'"),
            {"p": provider, "i": provider_id},
        ).scalar_one()


def raw_post(client, path: str, body: bytes, content_type: str, headers: dict | None = None, **kwargs):
    """POST exactly these bytes (the test client would make up a multipart body for an empty one)."""
    headers = {**(headers or {}), **({"Content-Type": content_type} if content_type else {})}
    return client.post(path, input_stream=io.BytesIO(body), content_length=len(body), headers=headers, **kwargs)


def assert_status(response, allowed: set[int], what: str) -> None:
    code = response.status_code
    assert code in allowed or (200 <= code < 300 and "2xx" in allowed), (
        f"{what}: HTTP {code} (allowed {sorted(map(str, allowed))}): {response.get_data()[:300]!r}"
    )


def assert_unchanged(app, before: dict, what: str) -> None:
    after = counts(app)
    assert after == before, f"{what} changed the database: {before} -> {after}"


# --- Twilio: form bodies, signed as Twilio signs ------------------------------------------------------------


def fresh_phone() -> str:
    return f"+5281{30_000_000 + next(_numbers):08d}"


def fresh_sid() -> str:
    return f"SMgarbage{next(_ids):024x}"


def seen_form(path: str, body: bytes, content_type: str, query: str) -> dict:
    """The form fields the app will read from this body (what it checks the signature against)."""
    headers = {"Content-Type": content_type} if content_type else {}
    environ = EnvironBuilder(
        path=path,
        method="POST",
        input_stream=io.BytesIO(body),
        content_length=len(body),
        headers=headers,
        query_string=query,
    ).get_environ()
    try:
        return Request(environ).form.to_dict()
    except RequestEntityTooLarge:  # a field over Flask's MAX_FORM_MEMORY_SIZE: the app answers 413
        return {}


@st.composite
def form_body(draw, pairs: list[tuple[str, str]]) -> tuple[bytes, str]:
    """Fields on the wire: urlencoded (UTF-8 or latin-1), broken bytes, truncated, multipart, JSON, empty, huge."""
    how = draw(
        st.sampled_from(
            ["form"] * 6
            + ["latin1", "bad_bytes", "truncated", "multipart", "multipart", "json", "empty", "huge", "no_type"]
        )
    )
    encoded = urlencode(pairs).encode()
    form_type = draw(
        st.sampled_from(
            ["application/x-www-form-urlencoded"] * 4
            + [
                "application/x-www-form-urlencoded; charset=latin-1",
                "application/x-www-form-urlencoded; charset=\x00",
                "text/plain",
                "application/json",
            ]
        )
    )
    if how == "form":
        return encoded, form_type
    if how == "latin1":
        return urlencode(pairs, encoding="latin-1", errors="replace").encode(), form_type
    if how == "bad_bytes":
        at = draw(st.integers(0, len(encoded)))
        return encoded[:at] + draw(st.sampled_from(BAD_BYTES)) + encoded[at:], form_type
    if how == "truncated":
        return encoded[: draw(st.integers(0, max(0, len(encoded) - 1)))], form_type
    if how == "multipart":
        boundary, body = encode_multipart(MultiDict(pairs), boundary="garbage-boundary-0123456789")
        if draw(st.booleans()):  # a part without a name
            body = body.replace(
                b"--\r\n",
                b"\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n--" + boundary.encode() + b"--\r\n",
                1,
            )
        return body, f"multipart/form-data; boundary={boundary}"
    if how == "json":
        return json.dumps(dict(pairs)).encode(), "application/json"
    if how == "empty":
        return b"", form_type
    if how == "no_type":
        return encoded, ""
    return urlencode(pairs + [("Body", "x" * MAX_BODY)]).encode(), "application/x-www-form-urlencoded"


queries = st.one_of(
    st.just(""),
    st.just(""),
    st.just(""),
    st.builds(lambda a: urlencode({"a": a}), hostile_text(30)),
    st.just("bodySHA256=abc"),
    st.just("%ff%fe"),
)


def twilio_post(
    client, path: str, body: bytes, content_type: str, signature: str | None, query: str = "", environ=None
):
    headers = {"Content-Type": content_type} if content_type else {}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return raw_post(client, path, body, "", headers, query_string=query or None, environ_overrides=environ or {})


def twilio_sign(path: str, body: bytes, content_type: str, query: str) -> str:
    """Twilio's signature of what it sent: the public URL (with its query) and the fields.

    A multipart part without a name reaches Flask as a field named None: no provider can sign that one.
    """
    url = PUBLIC_URL + path + (f"?{query}" if query else "")
    fields = seen_form(path, body, content_type, query)
    return twilio_signature(url, {k: v for k, v in fields.items() if isinstance(k, str)})


def nameless(fields: dict) -> bool:
    return any(not isinstance(k, str) for k in fields)


def says(client, sender: str, text_: str) -> bytes:
    """A well-formed, signed message from a resident; returns the TwiML answer."""
    form = {**twilio_fixture("whatsapp_text"), "From": f"whatsapp:{sender}", "Body": text_}
    form["MessageSid"] = form["SmsMessageSid"] = form["SmsSid"] = fresh_sid()
    response = client.post(
        WEBHOOK_PATH, data=form, headers={"X-Twilio-Signature": twilio_signature(PUBLIC_URL + WEBHOOK_PATH, form)}
    )
    assert response.status_code == 200, response.data
    return response.data


PRELUDES = [
    [],
    ["hola"],
    ["bache"],
    ["bache", "Morelos y 5 de Mayo"],
    ["bache", "Morelos y 5 de Mayo", "omitir"],
    ["basura"],
    ["estado 2611-ABCDEF"],
    ["parque"],
]
FIXTURES = ["whatsapp_text", "sms_text", "whatsapp_location", "whatsapp_image"]


def twiml_messages(body: bytes) -> list[str]:
    root = ET.fromstring(body)  # well-formed XML, or this raises
    assert root.tag == "Response"
    return ["".join(m.itertext()) for m in root.iter("Message")]


@fuzz(120)
@given(data=st.data())
def test_signed_garbage_to_the_twilio_webhook_is_never_a_5xx_nor_half_stored(app, client, data):
    sender, sid = fresh_phone(), fresh_sid()
    for line in data.draw(st.sampled_from(PRELUDES), label="prelude"):
        says(client, sender, line)
    base = twilio_fixture(data.draw(st.sampled_from(FIXTURES), label="fixture"))
    pairs = data.draw(twilio_form(base, f"whatsapp:{sender}", sid), label="form")
    body, content_type = data.draw(form_body(pairs), label="body")
    query = data.draw(queries, label="query")
    form = seen_form(WEBHOOK_PATH, body, content_type, query)
    before = counts(app)

    response = twilio_post(
        client, WEBHOOK_PATH, body, content_type, twilio_sign(WEBHOOK_PATH, body, content_type, query), query
    )

    assert_status(response, {"2xx"} | SIGNED_OK | ({403} if nameless(form) else set()), "signed Twilio garbage")
    after = counts(app)
    if response.status_code != 200:
        assert after == before, f"HTTP {response.status_code} but the database changed: {before} -> {after}"
    else:
        texts = twiml_messages(response.data)
        message_sid = form.get("MessageSid") or form.get("SmsMessageSid", "")
        replies = stored_replies(app, "twilio", message_sid)
        assert replies is not None, "answered 200 but the message is not stored"
        assert len(texts) == len(replies), (texts, replies)
        grown = after["message"] - before["message"]
        assert grown in (0, 1 + len(replies)), f"messages grew by {grown} for one inbound with {len(replies)} replies"
    assert_whole_records(app)


BAD_TWILIO_SIGNATURES = [
    "missing",
    "empty",
    "garbage",
    "other_form",
    "other_token",
    "internal_url",
    "other_query",
    "tampered",
]


@fuzz(60)
@given(data=st.data())
def test_unsigned_or_badly_signed_twilio_posts_are_403_and_store_nothing(app, client, data):
    path = data.draw(st.sampled_from([WEBHOOK_PATH, STATUS_PATH]), label="path")
    base = twilio_fixture(data.draw(st.sampled_from(FIXTURES), label="fixture"))
    if path == STATUS_PATH:
        base = {"MessageSid": fresh_sid(), "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID}
    pairs = data.draw(twilio_form(base, f"whatsapp:{fresh_phone()}", fresh_sid()), label="form")
    body, content_type = data.draw(form_body(pairs), label="body")
    query = data.draw(queries, label="query")
    form = {k: v for k, v in seen_form(path, body, content_type, query).items() if isinstance(k, str)}
    url = PUBLIC_URL + path + (f"?{query}" if query else "")
    how = data.draw(st.sampled_from(BAD_TWILIO_SIGNATURES), label="signature")
    if how == "missing":
        signature = None
    elif how == "empty":
        signature = ""
    elif how == "garbage":
        signature = data.draw(
            st.one_of(
                hostile_text(60).filter(lambda s: s.isascii() and "\n" not in s and "\r" not in s),
                st.binary(min_size=1, max_size=40).map(lambda b: base64.b64encode(b).decode()),
            ),
            label="garbage signature",
        )
    elif how == "other_form":
        signature = twilio_signature(url, {**form, "Body": form.get("Body", "") + "!"})
    elif how == "other_token":
        signature = twilio_signature(url, form, token="not-our-token")
    elif how == "internal_url":
        signature = twilio_signature("http://localhost" + path + (f"?{query}" if query else ""), form)
    elif how == "other_query":
        signature = twilio_signature(PUBLIC_URL + path + "?x=1", form)
    else:
        good = twilio_signature(url, form)
        signature = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    before = counts(app)

    response = twilio_post(client, path, body, content_type, signature, query)

    assert_status(response, {403, 413}, f"Twilio post with a {how} signature")
    assert_unchanged(app, before, "a refused Twilio post")


@pytest.mark.parametrize("path", [WEBHOOK_PATH, STATUS_PATH])
@fuzz(15)
@given(raw=st.binary(min_size=1, max_size=12).filter(lambda b: any(c >= 0x80 for c in b)))
def test_a_raw_non_utf8_query_string_is_refused_not_a_crash(app, client, path, raw):
    """Servers hand the query string over as it came on the wire (WSGI: latin-1): it need not be UTF-8."""
    before = counts(app)
    query = "a=" + raw.decode("latin-1")
    response = twilio_post(
        client,
        path,
        urlencode(twilio_fixture("whatsapp_text")).encode(),
        "application/x-www-form-urlencoded",
        "bm90IGEgc2lnbmF0dXJl",
        environ={"QUERY_STRING": query},
    )
    assert_status(response, {400, 403}, f"unsigned Twilio post to {path}?{query!r}")
    assert_unchanged(app, before, "a refused Twilio post")


@pytest.mark.parametrize("path", [WEBHOOK_PATH, STATUS_PATH])
@fuzz(10)
@given(
    signature=st.one_of(
        st.just("bm90IGEgc2lnbmF0dXJl"), st.text(string.ascii_letters + string.digits + "+/=", min_size=1, max_size=40)
    ),
    name=st.sampled_from([None, ""]),
)
def test_a_multipart_part_without_a_name_is_refused_not_a_crash(app, client, path, signature, name):
    """Content-Disposition: form-data with no name (or an empty one): Flask files the value under None."""
    disposition = "form-data" if name is None else f'form-data; name="{name}"'
    body = (
        f'--b\r\nContent-Disposition: form-data; name="From"\r\n\r\nwhatsapp:{fresh_phone()}\r\n'
        f"--b\r\nContent-Disposition: {disposition}\r\n\r\nx\r\n--b--\r\n"
    ).encode()
    before = counts(app)
    response = twilio_post(client, path, body, "multipart/form-data; boundary=b", signature)
    assert_status(response, {400, 403}, f"unsigned multipart post to {path} with a nameless part")
    assert_unchanged(app, before, "a refused Twilio post")


@fuzz(80)
@given(data=st.data())
def test_signed_garbage_to_the_twilio_status_callback(app, client, data):
    sender, sid = fresh_phone(), fresh_sid()
    says(client, sender, "hola")
    base = {
        "MessageSid": data.draw(st.sampled_from([sid, fresh_sid(), "SM" + "0" * 32])),
        "MessageStatus": "delivered",
        "ErrorCode": "",
        "AccountSid": ACCOUNT_SID,
        "To": f"whatsapp:{sender}",
    }
    pairs = data.draw(twilio_form(base, f"whatsapp:{sender}", base["MessageSid"]), label="form")
    for key in data.draw(
        st.lists(st.sampled_from(["MessageStatus", "ErrorCode", "MessageSid"]), max_size=2, unique=True)
    ):
        pairs = [(k, v) for k, v in pairs if k != key] + [(key, data.draw(hostile_text(), label=key))]
    body, content_type = data.draw(form_body(pairs), label="body")
    query = data.draw(queries, label="query")
    before = counts(app)

    response = twilio_post(
        client, STATUS_PATH, body, content_type, twilio_sign(STATUS_PATH, body, content_type, query), query
    )

    form = seen_form(STATUS_PATH, body, content_type, query)
    assert_status(
        response, {"2xx"} | SIGNED_OK | ({403} if nameless(form) else set()), "signed garbage status callback"
    )
    assert_unchanged(app, before, "a status callback")  # it updates statuses, it never adds a row
    assert_whole_records(app)


# --- what a resident types is stored as sent and comes back escaped ------------------------------------------------

# XML 1.0 forbids these characters anywhere in a document, escaped or not; with DEL, they are the control
# characters the app may drop from what residents send (keeping them or dropping them are both fine).
XML_ILLEGAL = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]) + "\ufffe\uffff"
CONTROLS = XML_ILLEGAL + "\x7f"
_SAFE_HOSTILE = [h for h in HOSTILE if not any(c in CONTROLS for c in h)]
xml_safe_text = st.one_of(
    st.sampled_from(_SAFE_HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters=CONTROLS), max_size=80),
    st.lists(st.sampled_from(_SAFE_HOSTILE), min_size=2, max_size=5).map(" ".join),
)


def without_controls(value: str) -> str:
    return value.translate({ord(c): None for c in CONTROLS})


FOLIO = re.compile(r"\b\d{4}-[0-9A-Za-z]{6}\b")


def xml_text(value: str) -> str:
    """What an XML parser reads back: line ends normalised (XML 1.0 §2.11), nothing else."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _address_roundtrip(app, client, address: str, verbatim: bool = True) -> tuple[str, list[str]]:
    """Take a fresh resident to the pothole's confirmation with a typed address.

    Returns the address as stored and the TwiML texts of the confirmation."""
    sender = fresh_phone()
    says(client, sender, "bache")
    says(client, sender, "sí")  # the privacy notice
    form = {**twilio_fixture("whatsapp_text"), "From": f"whatsapp:{sender}", "Body": address}
    form["MessageSid"] = form["SmsMessageSid"] = form["SmsSid"] = sid = fresh_sid()
    response = client.post(
        WEBHOOK_PATH, data=form, headers={"X-Twilio-Signature": twilio_signature(PUBLIC_URL + WEBHOOK_PATH, form)}
    )
    assert response.status_code == 200, response.data
    stored = inbound_text(app, "twilio", sid)
    if verbatim:
        assert stored == address  # SQL, markup, emoji, RTL marks: as sent
    else:
        assert without_controls(stored) == without_controls(address)  # as sent, or without its control characters
    assert "foto" in " ".join(twiml_messages(response.data))
    return stored, twiml_messages(says(client, sender, "omitir"))


@fuzz(40)
@given(text_=xml_safe_text)
def test_residents_sql_and_html_round_trip_verbatim_and_come_back_escaped_in_twiml(app, client, text_):
    address = "Calle " + text_
    assume(not FOLIO.search(address))  # "…2611-ABCDEF…" would ask for a folio's status
    _, texts = _address_roundtrip(app, client, address)
    assert f"*{xml_text(address.strip().rstrip(' .,;!'))}*" in " ".join(texts), texts  # its closing full stop dropped
    assert_whole_records(app)


@fuzz(25)
@given(text_=st.text(st.characters(exclude_categories=("Cs",)), max_size=20), bad=st.sampled_from(XML_ILLEGAL))
def test_control_characters_in_a_residents_text_still_give_well_formed_twiml(app, client, text_, bad):
    """A NUL or an ESC in a typed address: stored (with or without it), and the TwiML echoing it still parses."""
    address = f"Calle {text_}{bad}Morelos"
    assume(not FOLIO.search(address))
    stored, texts = _address_roundtrip(app, client, address, verbatim=False)  # ParseError: TwiML that is not XML
    # what was stored is what is echoed, give or take its control characters
    assert f"*{without_controls(xml_text(stored))}*" in without_controls(" ".join(texts)), texts
    assert_whole_records(app)


# --- Meta's WhatsApp Cloud API: JSON, signed with the app secret ------------------------------------------


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def fresh_wa_id() -> str:
    return f"52181{60_000_000 + next(_numbers):08d}"


_wamids = (f"wamid.GARBAGE{n:012d}" for n in itertools.count(1))


def meta_post(client, body: bytes, signature: str | None, content_type: str = "application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return raw_post(client, META_PATH, body, "", headers)


def meta_says(client, wa_id: str, body_text: str, refusable: bool = False) -> bool:
    """A well-formed, signed text from a resident; tells whether it was taken (a 400 only when refusable)."""
    payload = text_payload(wa_id, body_text, next(_wamids))
    body = json.dumps(payload).encode()
    response = meta_post(client, body, meta_signature(body))
    assert response.status_code == 200 or (refusable and response.status_code == 400), response.data
    return response.status_code == 200


META_FIXTURES = sorted(p.stem for p in (FIXTURE_DIR / "whatsapp").glob("*.json"))  # batch.json included


@st.composite
def meta_payload(draw, wa_id: str):
    """A batch built with wrong types here and there, or a captured payload mutated at random places."""
    if draw(st.booleans()):
        return draw(meta_batch(wa_id, _wamids))
    payload = json.loads((FIXTURE_DIR / "whatsapp" / f"{draw(st.sampled_from(META_FIXTURES))}.json").read_text())
    for change in payload["entry"][0]["changes"]:
        for message in change["value"].get("messages", []):
            message.update({"from": wa_id, "id": next(_wamids)})
    value = payload["entry"][0]["changes"][0]["value"]
    focus = ("entry", 0, "changes", 0, "value", "messages" if "messages" in value else "statuses", 0)
    return draw(mutated(payload, focus=focus))


@fuzz(120)
@given(data=st.data())
def test_signed_garbage_to_the_whatsapp_webhook_is_never_a_5xx_nor_half_stored(app, client, data):
    wa_id = fresh_wa_id()
    for line in data.draw(st.sampled_from(PRELUDES), label="prelude"):
        meta_says(client, wa_id, line)
    payload = data.draw(meta_payload(wa_id), label="payload")
    body = data.draw(json_bytes(payload), label="body")
    content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="content type")
    before = counts(app)

    response = meta_post(client, body, meta_signature(body), content_type)
    event(f"HTTP {response.status_code}")

    assert_status(response, {"2xx"} | SIGNED_OK, "signed WhatsApp garbage")
    if response.status_code == 200:
        assert response.get_json() == {"ok": True}
    else:
        assert_unchanged(app, before, f"a WhatsApp post answered {response.status_code}")
    assert_whole_records(app)


WRONG_TYPES = [None, 7, True, "", "\ud800", "\x00", [7], {"x": 7}]  # and two strings no database stores


def _nodes(tree, prefix=()):
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _nodes(value, prefix + (key,))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _nodes(value, prefix + (index,))


def test_a_wrong_type_at_every_level_of_every_whatsapp_payload_is_never_a_5xx(app, client):
    """Every captured payload, every node of it in turn replaced by each JSON type (and a lone surrogate, and a NUL),
    signed, from a resident whose pothole report is waiting for its location: 200 or 400, never a crash,
    and a 400 stores nothing. Every failure is collected, then reported together.

    On PostgreSQL (a second pass of the suite) only what a database may refuse is swept again: a NUL, a number."""
    failures = []
    for fixture in META_FIXTURES:
        original = json.loads((FIXTURE_DIR / "whatsapp" / f"{fixture}.json").read_text())
        paths = list(_nodes(original))[1:]
        if fixture != "text":  # the envelope is the same in every payload: sweep it once
            paths = [
                p
                for p in paths
                if len(p) > 7
                and p[:6] == ("entry", 0, "changes", 0, "value", p[5])
                and p[5] in ("messages", "statuses", "contacts")
            ]
        for path in paths:
            for wrong in ["\x00", 7] if ON_POSTGRESQL else WRONG_TYPES:
                payload = json.loads(json.dumps(original))
                wa_id = fresh_wa_id()
                for change in payload["entry"][0]["changes"]:
                    for message in change["value"].get("messages", []):
                        message.update({"from": wa_id, "id": next(_wamids)})
                node = payload
                for step in path[:-1]:
                    node = node[step]
                if node[path[-1]] == wrong and type(node[path[-1]]) is type(wrong):
                    continue
                node[path[-1]] = wrong
                if fixture == "location":  # the answer to a pending question: where the pothole is
                    meta_says(client, wa_id, "bache")
                body = json.dumps(payload).encode()
                before = counts(app)
                try:
                    response = meta_post(client, body, meta_signature(body))
                except Exception as exc:  # PROPAGATE_EXCEPTIONS: what would have been a 500
                    failures.append((fixture, path, wrong, f"{type(exc).__name__}: {exc}"))
                    continue
                if response.status_code not in (200, 400):
                    failures.append((fixture, path, wrong, f"HTTP {response.status_code}"))
                elif response.status_code == 400 and counts(app) != before:
                    failures.append((fixture, path, wrong, "400 but stored something"))
    assert_whole_records(app)
    assert not failures, f"{len(failures)} payloads crashed or half-stored:\n" + "\n".join(
        f"  {fixture}: {'.'.join(map(str, path))} = {wrong!r} -> {what}" for fixture, path, wrong, what in failures
    )


@fuzz(60)
@given(data=st.data())
def test_unsigned_or_badly_signed_whatsapp_posts_are_403_and_store_nothing(app, client, data):
    wa_id = fresh_wa_id()
    payload = data.draw(
        st.one_of(meta_payload(wa_id), st.just(json.loads((FIXTURE_DIR / "whatsapp" / "text.json").read_text())))
    )
    body = data.draw(json_bytes(payload), label="body")
    good = meta_signature(body)
    signature = data.draw(
        st.one_of(
            st.none(),
            st.just(""),
            st.just("sha256="),
            st.just(good.replace("sha256=", "sha1=")),
            st.just(meta_signature(body, secret="another-app")),
            st.just(meta_signature(body + b" ")),
            st.just(good[:-1] + ("0" if good[-1] != "0" else "1")),
            st.just("sha256=" + "0" * 64),
            hostile_text(80).filter(lambda s: s.isascii() and "\n" not in s and "\r" not in s),
        ),
        label="signature",
    )
    accepted = (signature or "").startswith("sha256=") and signature.removeprefix(
        "sha256="
    ).strip().lower() == good.removeprefix("sha256=")
    assume(not accepted)
    before = counts(app)

    response = meta_post(client, body, signature, data.draw(st.sampled_from(CONTENT_TYPES), label="content type"))

    assert_status(response, {403, 413}, f"WhatsApp post signed {signature!r}")
    assert_unchanged(app, before, "a refused WhatsApp post")


@fuzz(30)
@given(text_=xml_safe_text | hostile_text())
def test_whatsapp_text_is_stored_and_echoed_in_the_queued_reply(app, client, text_):
    """SQL, markup, NULs: stored as sent (control characters may be dropped; a NUL may be refused with a 400),
    and the confirmation echoes the address read from it."""
    address = "Calle " + text_
    assume(not FOLIO.search(address))
    wa_id = fresh_wa_id()
    meta_says(client, wa_id, "bache")
    meta_says(client, wa_id, "sí")  # the privacy notice
    before = counts(app)
    if not meta_says(client, wa_id, address, refusable="\x00" in address):
        assert_unchanged(app, before, "a refused message")
        return
    meta_says(client, wa_id, "omitir")
    with app.extensions["ventanilla"].engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT m.direction, m.text FROM message m JOIN contactaddress a ON a.contact_id = m.contact_id"
                " WHERE a.address = :phone ORDER BY m.id"
            ),
            {"phone": "+5281" + wa_id[5:]},
        ).all()
    inbound = [t for d, t in rows if d == "in"][1:]  # after "bache": "sí" to the privacy notice, the address, "omitir"
    assert inbound[0::2] == ["sí", "omitir"] and without_controls(inbound[1]) == without_controls(address)
    if not any(c in CONTROLS for c in address):
        assert inbound[1] == address
    assert f"*{inbound[1].strip().rstrip(' .,;!')}*" in rows[-1][1]  # the address, its closing full stop dropped
    assert_whole_records(app)


@fuzz(30)
@given(text_=xml_safe_text | hostile_text())
def test_web_chat_text_is_stored_and_echoed_in_the_json_replies(app, client, text_):
    address = "Calle " + text_
    assume(not FOLIO.search(address) and len(address) <= 2000)
    token = chat_says(client, chat_says(client, new_session(client), "bache"), "sí")  # and the privacy notice
    message_id = uuid.uuid4().hex
    before = counts(app)
    response = client.post("/webchat/api/messages", json={"token": token, "id": message_id, "text": address})
    if response.status_code == 400 and "\x00" in address:  # a NUL may be refused (nothing stored) or dropped
        assert_unchanged(app, before, "a refused message")
        return
    assert response.status_code == 200, response.data
    stored = inbound_text(app, "webchat", f"{_session_of(app, token)}:{message_id}")
    assert without_controls(stored) == without_controls(address)
    if not any(c in CONTROLS for c in address):
        assert stored == address
    response = client.post(
        "/webchat/api/messages", json={"token": response.json["token"], "id": uuid.uuid4().hex, "text": "omitir"}
    )
    assert response.status_code == 200, response.data
    assert f"*{stored.strip().rstrip(' .,;!')}*" in " ".join(r["text"] for r in response.json["replies"])
    assert_whole_records(app)


@fuzz(30)
@given(
    args=st.dictionaries(
        st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge", "x"]),
        st.one_of(hostile_text(40), st.just(VERIFY_TOKEN), st.just("subscribe")),
    )
)
def test_the_whatsapp_verification_handshake_with_garbage_arguments(client, args):
    response = client.get(META_PATH, query_string=args)
    ok = args.get("hub.mode") == "subscribe" and args.get("hub.verify_token") == VERIFY_TOKEN
    assert response.status_code == (200 if ok else 403), response.data
    if ok:
        assert response.get_data(as_text=True) == args.get("hub.challenge", "") and response.mimetype == "text/plain"


# --- the web chat: JSON with a session token --------------------------------------------------------------


def new_session(client) -> str:
    response = client.post("/webchat/api/session")
    assert response.status_code == 200, response.data
    return response.json["token"]


def chat_says(client, token: str, line: str) -> str:
    response = client.post("/webchat/api/messages", json={"token": token, "id": uuid.uuid4().hex, "text": line})
    assert response.status_code == 200, response.data
    return response.json["token"]


def loads_like_flask(body: bytes):
    """The JSON in the body, as far as Python reads it (None when it cannot): tells whether the token arrives."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


@st.composite
def chat_body(draw, token: str):
    fields = {
        "id": draw(
            st.one_of(
                st.just(uuid.uuid4().hex),
                st.text(TOKEN_CHARS, min_size=1, max_size=64),
                json_values,
                st.sampled_from(["", "a" * 65, "abc\n", "a b", "ñ", "../x"]),
            )
        ),
        "text": draw(st.one_of(json_text(), st.just("bache"), st.just("x" * 2001), json_values)),
        "payload": draw(st.one_of(st.none(), json_text(40), st.just("pothole"), st.just("p" * 201), json_values)),
        "location": draw(
            st.one_of(
                st.none(),
                json_values,
                st.fixed_dictionaries(
                    {
                        "latitude": st.one_of(st.floats(), st.integers(), json_values),
                        "longitude": st.one_of(st.floats(), json_values),
                        "address": st.one_of(hostile_text(), json_values),
                        "label": hostile_text(400),
                    }
                ),
            )
        ),
    }
    fields = {k: v for k, v in fields.items() if v is not None or draw(st.booleans())}
    if draw(st.booleans()):
        fields = draw(mutated(fields))
    if isinstance(fields, dict):
        fields = {"token": token, **fields}
    return fields


@fuzz(120)
@given(data=st.data())
def test_garbage_with_a_valid_session_to_the_web_chat_is_never_a_5xx_nor_half_stored(app, client, data):
    token = new_session(client)
    for line in data.draw(st.sampled_from(PRELUDES), label="prelude"):
        token = chat_says(client, token, line)
    body = data.draw(json_bytes(data.draw(chat_body(token), label="fields")), label="body")
    content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="content type")
    parsed = loads_like_flask(body)
    intact = isinstance(parsed, dict) and parsed.get("token") == token
    before = counts(app)

    response = raw_post(client, "/webchat/api/messages", body, content_type)

    assert_status(response, {"2xx"} | SIGNED_OK if intact else {400, 401, 413, 415}, "web chat garbage")
    assert response.is_json, response.data[:200]
    after = counts(app)
    if response.status_code == 200:
        provider_id = f"{_session_of(app, token)}:{parsed['id']}"
        replies = stored_replies(app, "webchat", provider_id)
        assert replies is not None and [r["text"] for r in response.json["replies"]] == replies
        assert after["message"] - before["message"] in (0, 1 + len(replies))
    else:
        assert after == before, f"HTTP {response.status_code} but the database changed: {before} -> {after}"
    assert_whole_records(app)


def _session_of(app, token: str) -> str:
    key = app.extensions["ventanilla"].config.secret_key
    return URLSafeTimedSerializer(key, salt="webchat").loads(token)


def _tampered(token: str) -> str:
    """The token with the first character of its signature changed: the last character of a
    base64 signature carries unused bits, so changing it may decode to the same signature."""
    head, _, signature = token.rpartition(".")
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


@st.composite
def bad_tokens(draw, app, good: str):
    key = app.extensions["ventanilla"].config.secret_key
    return draw(
        st.one_of(
            json_values,
            json_text(60),
            st.just(""),
            st.just(_tampered(good)),
            st.just(good + "x"),
            st.just(URLSafeTimedSerializer("another-key", salt="webchat").dumps(uuid.uuid4().hex)),
            st.just(URLSafeTimedSerializer(key, salt="other-salt").dumps(uuid.uuid4().hex)),
            st.just(URLSafeTimedSerializer(key, salt="webchat").dumps({"sid": "x"})),
            st.just(URLSafeTimedSerializer(key, salt="webchat").dumps("../../etc")),
            st.just("x" * 5000),
        )
    )


@fuzz(60)
@given(data=st.data())
def test_a_bad_session_token_is_refused_and_stores_nothing(app, client, data):
    good = new_session(client)
    bad = data.draw(bad_tokens(app, good), label="token")
    fields = data.draw(chat_body(good), label="fields")
    fields = {**fields, "token": bad} if isinstance(fields, dict) else {"token": bad, "text": "hola", "id": "m1"}
    body = data.draw(json_bytes(fields), label="body")
    before = counts(app)

    response = raw_post(client, "/webchat/api/messages", body, "application/json")

    assert_status(response, {400, 401, 413}, f"web chat message with token {bad!r:.80}")
    assert_unchanged(app, before, "a refused web chat message")
    if isinstance(bad, str) and len(bad) < 2000 and bad.isascii() and bad.isprintable():  # what a header carries
        code = client.get("/webchat/api/updates", headers={"Authorization": f"Bearer {bad}"}).status_code
        assert code in (400, 401), f"web chat poll with token {bad!r:.80}: HTTP {code}"


@fuzz(30)
@given(
    body=st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode()), st.just(b"[" * 50_000)),
    content_type=st.sampled_from(CONTENT_TYPES),
)
def test_starting_a_session_ignores_any_body(app, client, body, content_type):
    before = counts(app)
    response = raw_post(client, "/webchat/api/session", body, content_type)
    assert response.status_code == 200 and response.json["token"]
    assert_unchanged(app, before, "starting a session")


JPEG, PNG = b"\xff\xd8\xff\xe0 a JPEG", b"\x89PNG\r\n\x1a\n a PNG"
PHOTO_MAX = 10 * 1024 * 1024


def media_files(app) -> set[str]:
    folder = Path(app.extensions["ventanilla"].config.media_dir)
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


PHOTO_FAULTS = [
    "no_file",
    "bad_type",
    "bad_magic",
    "empty_file",
    "huge_file",
    "long_text",
    "huge_text",
    "bad_id",
    "no_id",
    "extra_fields",
    "second_token",
    "hostile_filename",
    "truncated",
    "no_boundary",
    "other_boundary",
    "bad_bytes",
    "as_json",
]


@st.composite
def photo_body(draw, token: str) -> tuple[bytes, str]:
    """A well-formed photo post (token, id, text, a JPEG or a PNG) with up to two faults."""
    faults = draw(st.sets(st.sampled_from(PHOTO_FAULTS), max_size=2), label="faults")
    content, file_type = draw(
        st.sampled_from(
            [(JPEG, "image/jpeg"), (PNG, "image/png"), (JPEG, "IMAGE/JPEG"), (JPEG, "image/jpeg; charset=utf-8")]
        )
    )
    content += draw(st.binary(max_size=100))
    if "bad_type" in faults:
        file_type = draw(
            st.sampled_from(["image/webp", "image/gif", "image/svg+xml", "text/html", "application/octet-stream", ""])
        )
    if "bad_magic" in faults:
        content = draw(
            st.sampled_from(
                [b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP", b"<svg onload=alert(1)>", b"\x00" * 10, b"\xff\xd8"]
            )
        )
    if "empty_file" in faults:
        content = b""
    if "huge_file" in faults:
        content = JPEG + b"\x00" * (draw(st.sampled_from([PHOTO_MAX + 1, PHOTO_MAX + 64 * 1024 + 1])) - len(JPEG))
    fields = MultiDict([("token", token), ("id", uuid.uuid4().hex)])
    text_ = draw(st.one_of(st.just("bache"), hostile_text()), label="text")
    if "long_text" in faults:
        text_ = "t" * 2001
    if "huge_text" in faults:
        text_ = "t" * 600_000  # over Flask's MAX_FORM_MEMORY_SIZE for a field
    fields.add("text", text_)
    if "bad_id" in faults:
        fields.setlist("id", [draw(st.one_of(hostile_text(70), st.sampled_from(["", "a" * 65, "a b", "../x"])))])
    if "no_id" in faults:
        fields.pop("id")
    if "extra_fields" in faults:
        for key, value in draw(
            st.lists(st.tuples(st.sampled_from(["id", "text", "x", "file"]), hostile_text()), min_size=1, max_size=3)
        ):
            fields.add(key, value)
    if "second_token" in faults:
        fields.add("token", draw(hostile_text(60)))
    if "no_file" not in faults:
        filename = draw(hostile_text(40)) if "hostile_filename" in faults else "photo.jpg"
        fields.add("file", FileStorage(io.BytesIO(content), filename=filename, content_type=file_type or None))
    boundary, body = encode_multipart(fields, boundary="garbage-photo-boundary-0123456789")
    content_type = f"multipart/form-data; boundary={boundary}"
    if "truncated" in faults:
        body = body[: draw(st.integers(0, max(0, len(body) - 1)))]
    if "no_boundary" in faults:
        content_type = "multipart/form-data"
    if "other_boundary" in faults:
        content_type = "multipart/form-data; boundary=nope"
    if "bad_bytes" in faults:
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.sampled_from(BAD_BYTES)) + body[at:]
    if "as_json" in faults:
        body, content_type = (
            json.dumps({"token": token, "id": "p1", "file": "data:image/jpeg;base64,/9j/"}).encode(),
            "application/json",
        )
    return body, content_type


@fuzz(60)
@given(data=st.data())
def test_garbage_photos_to_the_web_chat_are_never_a_5xx_nor_half_stored(app, client, data):
    token = new_session(client)
    for line in data.draw(st.sampled_from([[], ["bache", "Morelos y 5 de Mayo"]]), label="prelude"):
        token = chat_says(client, token, line)
    valid = data.draw(st.booleans(), label="valid token")
    sent_token = (
        token
        if valid
        else data.draw(
            bad_tokens(app, token).filter(lambda t: isinstance(t, str) and t.encode("utf-8", "replace").decode() == t),
            label="token",
        )
    )
    body, content_type = data.draw(photo_body(sent_token), label="body")
    token_arrives = seen_form("/webchat/api/photo", body, content_type, "").get("token") == token
    before, files_before = counts(app), media_files(app)

    response = raw_post(client, "/webchat/api/photo", body, content_type)

    if valid and token_arrives:
        assert_status(response, {"2xx"} | SIGNED_OK, "a web chat photo with a valid session")
    else:
        assert_status(response, {400, 401, 413}, "a web chat photo without a valid session")
    assert response.is_json, response.data[:200]
    if response.status_code != 200:
        assert_unchanged(app, before, f"a web chat photo answered {response.status_code}")
        assert media_files(app) == files_before, f"answered {response.status_code} {response.json} yet kept a file"
    assert_whole_records(app)


# --- the departments' status API: signed with their delivery secret ------------------------------------------

_positions = itertools.count(1)


def file_ticket(client) -> str:
    """A resident files a pothole report through Twilio (far from any other: no duplicate); return its folio."""
    sender = fresh_phone()
    says(client, sender, "bache")
    says(client, sender, "sí")  # the privacy notice
    n = next(_positions)
    location = {
        **twilio_fixture("whatsapp_location"),
        "From": f"whatsapp:{sender}",
        "Latitude": f"{20 + n * 0.01:.4f}",
        "Longitude": f"{-100 + n * 0.01:.4f}",
    }
    location["MessageSid"] = location["SmsMessageSid"] = location["SmsSid"] = fresh_sid()
    response = client.post(
        WEBHOOK_PATH,
        data=location,
        headers={"X-Twilio-Signature": twilio_signature(PUBLIC_URL + WEBHOOK_PATH, location)},
    )
    assert response.status_code == 200, response.data
    says(client, sender, "omitir")
    done = " ".join(twiml_messages(says(client, sender, "sí")))
    return FOLIO.search(done).group(0)


def ticket_row(app, folio: str):
    with app.extensions["ventanilla"].engine.connect() as connection:
        ticket = connection.execute(select(Ticket.__table__).where(Ticket.__table__.c.folio == folio)).one()
        events = connection.execute(
            text("SELECT count(*) FROM ticketevent WHERE ticket_id = :id"), {"id": ticket.id}
        ).scalar()
    return ticket, events


def open_folio(app, client) -> str:
    """A ticket that can still change: the last one filed, or a new one once it is closed or rejected."""
    folio = app.extensions.get("garbage_folio")
    if folio is None or ticket_row(app, folio)[0].status in FINAL_STATUSES:
        folio = app.extensions["garbage_folio"] = file_ticket(client)
    return folio


@st.composite
def status_update(draw):
    fields = {
        "status": draw(
            st.one_of(
                st.sampled_from(STATUSES), st.sampled_from(STATUSES).map(str.upper), hostile_text(30), json_values
            )
        ),
        "reason": draw(st.one_of(st.just(""), json_text(), st.just("r" * 1001), json_values)),
        "actor": draw(st.one_of(json_text(40), st.just("a" * 101), json_values)),
    }
    fields = {k: v for k, v in fields.items() if draw(st.integers(0, 4))}
    return draw(mutated(fields)) if draw(st.booleans()) else fields


def v1_headers(key: str, path: str, body: bytes, timestamp: float | None = None) -> dict:
    stamp = str(int(time.time() if timestamp is None else timestamp))
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_V1_HEADER: sign_request(key, stamp, "POST", path, body)}


def api_path(folio: str) -> str:
    return f"/api/v1/tickets/{folio}/status"


def api_post(client, folio: str, body: bytes, signing: dict | None, content_type: str = "application/json"):
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(signing or {})
    return raw_post(client, f"/api/v1/tickets/{quote(folio, safe='')}/status", body, "", headers)


@fuzz(80)
@given(data=st.data())
def test_signed_garbage_to_the_status_api_is_never_a_5xx(app, client, data):
    folio = open_folio(app, client)
    sent_folio = data.draw(st.sampled_from([folio, folio, folio.lower(), folio.swapcase()]), label="folio")
    update = data.draw(status_update(), label="update")
    if isinstance(update, dict) and data.draw(st.booleans(), label="names its folio"):
        update = {"folio": data.draw(st.sampled_from([folio, sent_folio, folio.lower()])), **update}
    body = data.draw(json_bytes(update), label="body")
    content_type = data.draw(st.sampled_from(CONTENT_TYPES), label="content type")
    ticket, events = ticket_row(app, folio)
    before = counts(app)

    response = api_post(client, sent_folio, body, v1_headers(STATUS_SECRET, api_path(sent_folio), body), content_type)

    assert_status(response, {"2xx", 409} | SIGNED_OK, "signed garbage to the status API")
    after_ticket, after_events = ticket_row(app, folio)
    if response.status_code == 200:
        answer = response.json
        assert answer["folio"] == folio and answer["status"] == after_ticket.status
        assert after_events == events + (1 if answer["changed"] else 0)
        assert after_ticket.status == json.loads(body)["status"]
    else:
        assert (after_ticket.status, after_events) == (ticket.status, events)
        assert_unchanged(app, before, f"a status update answered {response.status_code}")
    assert_whole_records(app)


@fuzz(50)
@given(data=st.data())
def test_unsigned_or_badly_signed_status_updates_are_403_and_change_nothing(app, client, data):
    folio = open_folio(app, client)
    sent_folio = data.draw(
        st.one_of(
            st.sampled_from([folio, folio.lower(), "2611-NOPE00"]),
            st.text(st.characters(exclude_categories=("Cs",), exclude_characters="/\\?#."), min_size=1, max_size=30),
        ),
        label="folio",
    )
    assume(sent_folio.strip())
    body = data.draw(
        st.one_of(
            json_bytes(data.draw(status_update(), label="update")), st.just(json.dumps({"status": "resolved"}).encode())
        ),
        label="body",
    )
    path = api_path(sent_folio)
    good = v1_headers(STATUS_SECRET, path, body)
    flipped = good[SIGNATURE_V1_HEADER][:-1] + ("0" if good[SIGNATURE_V1_HEADER][-1] != "0" else "1")
    printable = hostile_text(80).filter(lambda s: s.isascii() and "\n" not in s and "\r" not in s)
    signing = data.draw(
        st.one_of(
            st.none(),
            st.just({SIGNATURE_V1_HEADER: good[SIGNATURE_V1_HEADER]}),  # no timestamp
            st.just({TIMESTAMP_HEADER: good[TIMESTAMP_HEADER]}),  # no signature
            st.just(v1_headers("otro" * 10, path, body)),
            st.just(v1_headers(TICKET_KEYS["obras_publicas"], path, body)),  # the key that signs our tickets
            st.just(v1_headers(STATUS_SECRET, path, body + b" ")),
            st.just(v1_headers(STATUS_SECRET, api_path("2611-OTRO00"), body)),  # signed for another folio's URL
            st.just(v1_headers(STATUS_SECRET, path, body, time.time() - 3600)),  # an hour old
            st.just({**good, SIGNATURE_V1_HEADER: flipped}),
            st.just({**good, SIGNATURE_V1_HEADER: good[SIGNATURE_V1_HEADER].removeprefix("v1=")}),
            st.just({SIGNATURE_HEADER: sign(STATUS_SECRET, body)}),  # the old body-only scheme
            st.just({SIGNATURE_HEADER: sign("dev-secret-change-me", body)}),  # the old shipped default
            st.builds(lambda t, s: {TIMESTAMP_HEADER: t, SIGNATURE_V1_HEADER: s}, printable, printable),
        ),
        label="signature",
    )
    assume(signing != good)
    ticket, events = ticket_row(app, folio)
    before = counts(app)

    response = api_post(client, sent_folio, body, signing)

    assert_status(response, {403, 413}, f"status update for {sent_folio!r} signed {signing!r:.160}")
    assert ticket_row(app, folio) == (ticket, events)
    assert_unchanged(app, before, "a refused status update")


# --- the demo inbox (a department's system on a laptop): signed JSON ---------------------------------------


@fuzz(40)
@given(data=st.data())
def test_the_demo_inbox_answers_any_signed_body_without_a_5xx(app, client, data):
    department = data.draw(st.sampled_from(["obras_publicas", "servicios_publicos"]), label="department")
    body = data.draw(
        json_bytes(
            data.draw(st.one_of(json_values, st.just({"folio": "2611-ABCDEF", "summary": "<b>x</b>"})), label="ticket")
        ),
        label="body",
    )
    signed = data.draw(st.booleans(), label="signed")
    path = f"/demo/inbox/{department}"
    signing = (
        v1_headers(TICKET_KEYS[department], path, body)
        if signed
        else data.draw(
            st.sampled_from(
                [
                    {},
                    {SIGNATURE_HEADER: sign(TICKET_KEYS[department], body)},  # only the old header
                    v1_headers("otro" * 10, path, body),
                    v1_headers(TICKET_KEYS[department], path, body, time.time() - 3600),
                ]
            )
        )
    )
    before = counts(app)

    response = raw_post(client, path, body, "application/json", signing)

    assert_status(response, {"2xx"} | SIGNED_OK if signed else {403, 413}, "the demo inbox")
    assert_unchanged(app, before, "the demo inbox")
