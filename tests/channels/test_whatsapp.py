"""Meta's WhatsApp Cloud API: webhook verification and signatures, every message type, sending through the Graph API."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import requests
import responses

from bot.channels.errors import PayloadError
from bot.channels.whatsapp import fetch_media, message_body, parse, send
from bot.db.database import create_tables
from bot.db.tables import Contact, Message, Outbox, Ticket
from bot.flows.messages import Location, Media, OutboundMessage
from bot.messaging.sending import Outgoing, SendError
from tests.support.app import Resident, all_rows
from tests.support.departments import OBRAS_URL, department_endpoint
from tests.support.twilio_api import PHOTO
from tests.support.whatsapp import (
    ACCESS_TOKEN,
    GRAPH,
    MESSAGES_URL,
    VERIFY_TOKEN,
    WEBHOOK_PATH,
    GraphAPI,
    MetaResident,
    first_message,
    graph_media,
    make_app,
    meta_signature,
    post,
    whatsapp_fixture,
)

OUR_WAMID = whatsapp_fixture("status_sent")["entry"][0]["changes"][0]["value"]["statuses"][0]["id"]
MENU_IDS = ["pothole", "trash", "streetlight", "park_evaluation", "city_info"]


@pytest.fixture
def app(tmp_path, redis_url):
    """conftest's app, with Meta's secret, tokens and a Graph URL of our own (overrides `app` for this module)."""
    app = make_app(tmp_path, redis_url)
    create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


@pytest.fixture
def lupita(client):
    return MetaResident(client)


@pytest.fixture
def svc(app):
    with app.app_context():
        yield app.extensions["ventanilla"]


# --- the verification handshake -----------------------------------------------------------------


@pytest.mark.parametrize(
    "args, status",
    [
        ({"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}, 200),
        ({"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"}, 403),
        ({"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}, 403),
        ({"hub.mode": "subscribe", "hub.challenge": "1158201444"}, 403),
        ({}, 403),
    ],
    ids=["ok", "wrong-token", "wrong-mode", "no-token", "nothing"],
)
def test_subscription_handshake(client, args, status):
    response = client.get(WEBHOOK_PATH, query_string=args)
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "text/plain" and response.data == b"1158201444"


def test_unset_verify_token_refuses_the_handshake(app, client):
    svc = app.extensions["ventanilla"]
    svc.config = svc.config.replace(whatsapp_verify_token="")
    response = client.get(
        WEBHOOK_PATH, query_string={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )
    assert response.status_code == 403


# --- signatures and malformed bodies ------------------------------------------------------------

TEXT_BODY = json.dumps(whatsapp_fixture("text")).encode()


@pytest.mark.parametrize(
    "signature",
    [
        False,
        "sha256=" + "0" * 64,
        "garbage",
        meta_signature(TEXT_BODY, secret="another-app"),
        meta_signature(TEXT_BODY + b" "),
        meta_signature(TEXT_BODY).replace("sha256=", "sha1="),
    ],
    ids=["missing", "zeros", "garbage", "other-secret", "other-body", "sha1"],
)
def test_bad_signature_is_403_and_stores_nothing(client, db, signature):
    response = post(client, TEXT_BODY, signature=signature)
    assert response.status_code == 403
    assert all_rows(db, Message) == [] and all_rows(db, Contact) == []


def test_signature_is_checked_on_the_raw_bytes(client, db):
    """The same JSON re-serialised differently (spacing, escapes) is another body: Meta's signature is of the bytes."""
    exact = json.dumps(whatsapp_fixture("text"), ensure_ascii=True, separators=(",", ":")).encode()
    assert post(client, exact, signature=meta_signature(exact)).status_code == 200
    respaced = json.dumps(whatsapp_fixture("text"), indent=1).encode()
    assert post(client, respaced, signature=meta_signature(exact)).status_code == 403


def test_unset_app_secret_refuses_everything(app, client, db):
    svc = app.extensions["ventanilla"]
    svc.config = svc.config.replace(whatsapp_app_secret="")
    assert post(client, TEXT_BODY, signature=meta_signature(TEXT_BODY, secret="")).status_code == 403
    assert all_rows(db, Message) == []


def _broken(change):
    payload = whatsapp_fixture("text")
    change(payload)
    return json.dumps(payload).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"\x00\xff{not json",
        b"",
        b"[1, 2, 3]",
        json.dumps({"object": "page", "entry": []}).encode(),
        _broken(lambda p: p.update(entry={"id": "1"})),
        _broken(lambda p: p["entry"][0].update(changes="messages")),
        _broken(lambda p: p["entry"][0]["changes"][0].update(value=[])),
        _broken(lambda p: first_message(p).pop("id")),
        _broken(lambda p: first_message(p).pop("from")),
        _broken(lambda p: first_message(p).update(text={"body": ""})),
        _broken(lambda p: first_message(p).update({"from": "not-a-number"})),
        _broken(lambda p: first_message(p).update(type="location", location={"latitude": "norte", "longitude": 1})),
        _broken(lambda p: first_message(p).update(type="location", location={"latitude": 95, "longitude": -100.4})),
        _broken(lambda p: first_message(p).update(type="image", image={"mime_type": "image/jpeg"})),
        _broken(lambda p: first_message(p).update(type="image", image={"id": "../../me"})),
        _broken(
            lambda p: first_message(p).update(
                type="interactive", interactive={"type": "button_reply", "button_reply": {"title": "Sí"}}
            )
        ),
        _broken(lambda p: p["entry"][0]["changes"][0]["value"].update(statuses=[{"status": "read"}])),
    ],
    ids=[
        "not-json",
        "empty",
        "a-list",
        "not-whatsapp",
        "entry-not-list",
        "changes-not-list",
        "value-not-object",
        "no-id",
        "no-from",
        "empty-text",
        "sender-not-phone",
        "latitude-word",
        "latitude-range",
        "media-without-id",
        "media-id-path",
        "reply-without-id",
        "status-without-id",
    ],
)
def test_signed_malformed_body_is_400_and_stores_nothing(client, db, body):
    response = post(client, body)
    assert response.status_code == 400
    assert all_rows(db, Message) == [] and all_rows(db, Contact) == []


def test_other_change_fields_and_empty_changes_are_acknowledged(client, db):
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "104455667788990",
                "changes": [
                    {
                        "field": "message_template_status_update",
                        "value": {"event": "APPROVED", "message_template_name": "ticket_update"},
                    },
                    {
                        "field": "account_update",
                        "value": {"phone_number": "5218187654321", "event": "VERIFIED_ACCOUNT"},
                    },
                    {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {}}},
                ],
            },
            {"id": "104455667788990"},
        ],
    }
    response = post(client, payload)
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    assert all_rows(db, Message) == []


# --- parsing every message type -----------------------------------------------------------------

LUPITA_E164 = "+528112345678"


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("text", {"text": "hola", "payload": "", "location": None, "media": ()}),
        ("interactive_button_reply", {"text": "Tiradero de basura", "payload": "illegal_dumping"}),
        ("interactive_list_reply", {"text": "Reportar un bache", "payload": "pothole"}),
        ("button", {"text": "Ver estado", "payload": "status"}),
        (
            "location",
            {
                "text": "",
                "location": Location(
                    25.6581,
                    -100.4025,
                    "Av. José Vasconcelos 356, Del Valle, San Pedro Garza García, N.L.",
                    "Parque Clouthier",
                ),
            },
        ),
        (
            "image",
            {"text": "Está enorme, frente a la tienda", "media": (Media("meta:1479537139650973", "image/jpeg"),)},
        ),
        ("document", {"text": "Mi reporte anterior", "media": (Media("meta:1034574378163425", "application/pdf"),)}),
        ("audio_voice", {"text": "", "media": (Media("meta:1003383421387256", "audio/ogg; codecs=opus"),)}),
        ("video", {"text": "Así se ve de noche", "media": (Media("meta:1684364868844417", "video/mp4"),)}),
        ("sticker", {"text": "", "media": (Media("meta:1017788476741463", "image/webp"),)}),
        ("contacts", {"text": "👤 Juan Pérez: +52 1 81 8765 0000"}),
        ("unsupported", {"text": "", "payload": "", "media": (), "location": None}),
    ],
)
def test_parse_every_message_type(fixture, expected):
    payload = whatsapp_fixture(fixture)
    (msg,), statuses = parse(payload)
    assert statuses == []
    assert (msg.channel, msg.provider, msg.sender) == ("whatsapp", "meta", LUPITA_E164)
    assert msg.provider_id == first_message(payload)["id"] and msg.provider_id.startswith("wamid.")
    assert (msg.recipient, msg.profile_name) == ("5218187654321", "Lupita")
    assert msg.received_at is not None
    for field, value in expected.items():
        assert getattr(msg, field) == value, field


def test_parse_marks_unsupported_types():
    (msg,), _ = parse(whatsapp_fixture("unsupported"))
    assert msg.raw == {"unsupported": "unsupported"}
    payload = whatsapp_fixture("text")
    first_message(payload).update(type="order", order={"catalog_id": "1", "product_items": []})
    (msg,), _ = parse(payload)
    assert msg.raw == {"unsupported": "order"} and msg.text == ""
    first_message(payload).update(type="interactive", interactive={"type": "nfm_reply", "nfm_reply": {}})
    assert parse(payload)[0][0].raw == {"unsupported": "interactive.nfm_reply"}


def test_parse_ignores_reactions():
    assert parse(whatsapp_fixture("reaction")) == ([], [])


@pytest.mark.parametrize(
    "fixture, status",
    [("status_sent", "sent"), ("status_delivered", "delivered"), ("status_read", "read"), ("status_failed", "failed")],
)
def test_parse_statuses(fixture, status):
    messages, (parsed,) = parse(whatsapp_fixture(fixture))
    assert messages == [] and (parsed["id"], parsed["status"]) == (OUR_WAMID, status)


def test_parse_a_batch_keeps_everything_oldest_first():
    messages, statuses = parse(whatsapp_fixture("batch"))
    assert [(m.sender, m.text, m.payload) for m in messages] == [
        (LUPITA_E164, "hola", ""),
        ("+525512345678", "hola", ""),
        (LUPITA_E164, "bache", ""),
        ("+525512345678", "Recolección de basura", "trash"),
        (LUPITA_E164, "", ""),
    ]
    assert [m.profile_name for m in messages] == ["Lupita", "Beto", "Lupita", "Beto", "Lupita"]
    assert messages[-1].location.label == "Parque Clouthier"
    assert [s["status"] for s in statuses] == ["delivered", "read"]


def test_parse_malformed_raises_payload_error():
    with pytest.raises(PayloadError):
        parse({"object": "whatsapp_business_account"})


# --- a whole conversation through the webhook, replies sent by the job ---------------------------


def test_pothole_over_meta_from_hello_to_ticket(lupita, run_worker, db, no_network, app):
    graph = GraphAPI(no_network)
    received = department_endpoint(no_network, OBRAS_URL)
    photo_fetches = graph_media(no_network, "1479537139650973", PHOTO)

    lupita.says("hola")
    lupita.says("bache")
    lupita.says("sí")  # to the privacy notice
    lupita.send("location")
    lupita.send("image")
    assert graph.requests == []  # nothing is answered inline: the job sends
    lupita.says("sí")
    run_worker()

    texts = graph.texts()
    assert len(texts) == 6
    assert texts[0].startswith("¡Hola! 👋 Soy Ventanilla") and "Aviso de privacidad" in texts[1]
    assert "¿Dónde está el bache?" in texts[2]
    assert "foto" in texts[3] and "Parque Clouthier" in texts[4] and "(sí / no)" in texts[4]
    folio = all_rows(db, Ticket)[0].folio
    assert f"folio *{folio}*" in texts[5]

    menu = graph.sent[0]
    assert (menu["type"], menu["interactive"]["type"]) == ("interactive", "list")  # 5 flows: more than 3 buttons
    rows = menu["interactive"]["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == MENU_IDS and rows[0]["title"] == "Reportar un bache"
    notice = graph.sent[1]  # two buttons: accept, decline
    assert [b["reply"]["id"] for b in notice["interactive"]["action"]["buttons"]] == ["accept", "decline"]
    assert all(b["type"] == "text" for b in graph.sent[2:])
    for request in graph.requests:
        assert request["headers"]["Authorization"] == f"Bearer {ACCESS_TOKEN}"
        assert request["body"]["to"] == "528112345678" and request["body"]["messaging_product"] == "whatsapp"

    outbound = [m for m in all_rows(db, Message) if m.direction == "out"]
    assert [(m.provider, m.provider_id, m.status) for m in outbound] == [
        ("meta", s["wamid"], "sent") for s in graph.sent
    ]

    assert len(photo_fetches) == 2  # the media id's URL, then the file, both with the token
    assert photo_fetches[0] == f"{GRAPH}/1479537139650973" and "mid=1479537139650973" in photo_fetches[1]
    ticket = all_rows(db, Ticket)[0]
    assert (ticket.channel, ticket.latitude, ticket.longitude) == ("whatsapp", 25.6581, -100.4025)
    (photo,) = ticket.media
    assert photo["url"] == "meta:1479537139650973" and photo["stored"]
    assert (Path(app.extensions["ventanilla"].config.media_dir) / photo["stored"]).read_bytes() == PHOTO
    assert len(received) == 1 and ticket.status == "delivered"


def test_two_options_arrive_as_buttons_and_a_tap_answers(lupita, run_worker, db, no_network):
    graph = GraphAPI(no_network)
    lupita.says("hola")
    lupita.taps("trash", "Recolección de basura", kind="list_reply")  # the menu's row
    run_worker()
    question = graph.sent[-1]
    assert question["interactive"]["type"] == "button"
    buttons = question["interactive"]["action"]["buttons"]
    assert [(b["reply"]["id"], b["reply"]["title"]) for b in buttons] == [
        ("missed_collection", "No pasó el camión"),
        ("illegal_dumping", "Tiradero de basura"),
    ]
    lupita.taps("illegal_dumping", "Tiradero de basura")
    run_worker()
    inbound = [m for m in all_rows(db, Message) if m.direction == "in"]
    assert inbound[-1].data == {"payload": "illegal_dumping"} and inbound[-1].text == "Tiradero de basura"
    assert "¿Aceptas?" in graph.texts()[-1]  # illegal dumping skips "since when": the place is next, after the notice
    lupita.says("sí")
    run_worker()
    assert "¿Dónde?" in graph.texts()[-1]


# --- statuses -----------------------------------------------------------------------------------


def _one_sent_message(lupita, run_worker, no_network, db) -> Message:
    GraphAPI(no_network, wamids=[OUR_WAMID])
    lupita.says("hola")
    run_worker()
    (out,) = [m for m in all_rows(db, Message) if m.direction == "out"]
    assert (out.provider_id, out.status) == (OUR_WAMID, "sent")
    return out


def test_statuses_move_forward_only(lupita, client, run_worker, no_network, db):
    _one_sent_message(lupita, run_worker, no_network, db)
    seen = []
    for fixture in ("status_delivered", "status_read", "status_sent", "status_delivered"):
        assert post(client, whatsapp_fixture(fixture)).status_code == 200
        seen.append(next(m.status for m in all_rows(db, Message) if m.direction == "out"))
    assert seen == ["delivered", "read", "read", "read"]  # a late "sent" or "delivered" does not go back


def test_failed_status_stores_the_error_code(lupita, client, run_worker, no_network, db):
    _one_sent_message(lupita, run_worker, no_network, db)
    assert post(client, whatsapp_fixture("status_failed")).status_code == 200
    (out,) = [m for m in all_rows(db, Message) if m.direction == "out"]
    assert out.status == "failed" and out.error == "131047 Re-engagement message"


def test_status_of_a_message_we_never_sent_is_acknowledged(client, db):
    assert post(client, whatsapp_fixture("status_read")).status_code == 200
    assert all_rows(db, Message) == []


# --- retries, duplicates, batches -----------------------------------------------------------------


def test_same_wamid_twice_is_one_message_and_one_reply(lupita, run_worker, no_network, db):
    graph = GraphAPI(no_network)
    lupita.says("hola", wamid="wamid.SAME")
    lupita.says("hola", wamid="wamid.SAME")  # Meta redelivers when we were slow
    run_worker()
    assert [m.text for m in all_rows(db, Message) if m.direction == "in"] == ["hola"]
    assert len(graph.sent) == 1
    assert [o.kind for o in all_rows(db, Outbox)] == ["send_messages"]


def test_a_batch_for_two_residents_is_handled_whole(lupita, client, run_worker, no_network, db):
    _one_sent_message(lupita, run_worker, no_network, db)  # Lupita's menu, sent as OUR_WAMID
    graph = GraphAPI(no_network)
    response = post(client, whatsapp_fixture("batch"))
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    run_worker()

    contacts = all_rows(db, Contact)
    assert sorted(c.name for c in contacts) == ["Beto", "Lupita"]
    inbound = [m for m in all_rows(db, Message) if m.direction == "in"]
    assert len(inbound) == 6  # the first "hola", then the batch's five
    by_resident = {}
    for body in graph.sent:
        by_resident.setdefault(body["to"], []).append(body)
    lupita_texts = [
        b.get("text", {}).get("body") or b["interactive"]["body"]["text"] for b in by_resident["528112345678"]
    ]
    assert "¿Aceptas?" in lupita_texts[1]  # the privacy notice, before the pothole's place
    assert "Responde *sí* o *no*" in lupita_texts[2]  # a pin is no answer to it
    beto = by_resident["525512345678"]
    assert beto[0]["interactive"]["type"] == "list" and beto[1]["interactive"]["type"] == "button"
    first_out = next(m for m in all_rows(db, Message) if m.provider_id == OUR_WAMID)
    assert first_out.status == "delivered"  # the batch's status was recorded too


def test_graph_429_is_retried_and_delivered_once(app, lupita, run_worker, retry_now, no_network, db):
    throttled = {"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException", "code": 130429}}
    graph = GraphAPI(no_network, fail_first=[(429, throttled)])
    lupita.says("hola")
    run_worker()  # throttled: the next try is written in the database, after a backoff
    (out,) = [m for m in all_rows(db, Message) if m.direction == "out"]
    assert out.status == "queued" and out.error.startswith("130429") and graph.sent == []
    (outbox,) = all_rows(db, Outbox)
    assert outbox.status == "pending" and outbox.available_at is not None

    assert retry_now() == 1
    from bot.jobs.message_jobs import send_messages

    with app.app_context():
        assert send_messages(outbox.id) == "nothing to do"  # run twice: nothing sent twice
    assert len(graph.requests) == 2 and len(graph.sent) == 1
    (out,) = [m for m in all_rows(db, Message) if m.direction == "out"]
    assert (out.status, out.provider_id) == ("sent", graph.sent[0]["wamid"])


def test_outside_the_24_hour_window_fails_without_retry(app, lupita, run_worker, no_network, db):
    reengagement = {
        "error": {
            "message": "(#131047) Re-engagement message",
            "type": "OAuthException",
            "code": 131047,
            "error_data": {
                "messaging_product": "whatsapp",
                "details": "More than 24 hours have passed since the recipient last replied.",
            },
        }
    }
    graph = GraphAPI(no_network, fail_first=[(400, reengagement)])
    lupita.says("hola")
    run_worker()
    (out,) = [m for m in all_rows(db, Message) if m.direction == "out"]
    assert out.status == "failed" and out.error.startswith("131047")
    assert all_rows(db, Outbox)[0].status == "done"
    with app.app_context():
        from rq.registry import ScheduledJobRegistry

        assert ScheduledJobRegistry(queue=app.extensions["ventanilla"].queue).get_job_ids() == []
    assert len(graph.requests) == 1


def test_sms_and_meta_whatsapp_from_one_number_are_one_resident(client, lupita, db, no_network):
    GraphAPI(no_network)
    on_sms = Resident(client, "sms_text", accepts_notice=False, From="+528112345678")
    lupita.says("hola")
    lupita.says("bache")
    lupita.says("sí")  # the privacy notice, accepted on WhatsApp, holds for the number on SMS too
    assert "foto" in on_sms.says("Morelos y 5 de Mayo")  # the same conversation, one step on
    assert len(all_rows(db, Contact)) == 1
    assert [(m.channel, m.provider) for m in all_rows(db, Message) if m.direction == "in"] == [
        ("whatsapp", "meta"),
        ("whatsapp", "meta"),
        ("whatsapp", "meta"),
        ("sms", "twilio"),
    ]


# --- what the bot cannot read -------------------------------------------------------------------


def test_unsupported_message_gets_a_polite_answer_and_the_question_again(app, lupita, run_worker, no_network, db):
    graph = GraphAPI(no_network)
    lupita.says("hola")
    lupita.says("bache")
    lupita.says("sí")  # to the privacy notice
    run_worker()
    lupita.send("unsupported")
    run_worker()
    flows = app.extensions["ventanilla"].flows
    after = graph.texts()[3:]
    expected_notice = [flows.message("unsupported_message", "es")] if "unsupported_message" in flows.messages else []
    assert len(after) == len(expected_notice) + 2 and after[: len(expected_notice)] == expected_notice
    assert "Necesito saber dónde está" in after[-2] and "¿Dónde está el bache?" in after[-1]
    inbound = [m for m in all_rows(db, Message) if m.direction == "in"]
    assert inbound[-1].text == ""


def test_unsupported_first_message_gets_the_menu(lupita, run_worker, no_network, db):
    graph = GraphAPI(no_network)
    lupita.send("unsupported")
    run_worker()
    (menu,) = graph.sent  # no "I only understand..." before we even said hello
    assert menu["interactive"]["type"] == "list" and graph.texts()[0].startswith("¡Hola! 👋")


def test_a_reaction_is_acknowledged_and_ignored(lupita, run_worker, no_network, db):
    graph = GraphAPI(no_network)
    lupita.send("reaction")
    run_worker()
    assert all_rows(db, Message) == [] and graph.requests == []


# --- send(): the message JSON and the Graph API's errors -----------------------------------------


def _outgoing(text="¿Qué pasó?", options=(), ids=None, template=None, to="+528112345678"):
    ids = tuple(ids if ids is not None else (f"opt{n}" for n in range(len(options))))
    return Outgoing("whatsapp", to, OutboundMessage(text, tuple(options), ids), template=template)


def test_body_of_plain_text():
    body = message_body(_outgoing("Hola"))
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "528112345678",
        "type": "text",
        "text": {"body": "Hola", "preview_url": False},
    }


@pytest.mark.parametrize(
    "options, kind",
    [
        (["Sí", "No"], "button"),
        (["No pasó el camión", "Tiradero de basura", "Otro"], "button"),
        (["Uno", "Dos", "Tres", "Cuatro"], "list"),  # more than 3
        (["Corto", "Una opción de más de veinte"], "list"),  # a title over 20
        ([f"Parque {n}" for n in range(10)], "list"),
        ([f"Parque {n}" for n in range(11)], "text"),  # more than 10 rows
    ],
)
def test_options_become_buttons_a_list_or_numbered_text(options, kind):
    body = message_body(_outgoing(options=options))
    if kind == "text":
        assert body["type"] == "text" and body["text"]["body"].endswith("11. Parque 10")
        return
    assert (body["type"], body["interactive"]["type"]) == ("interactive", kind)
    assert body["interactive"]["body"] == {"text": "¿Qué pasó?"}
    if kind == "button":
        assert [b["reply"] for b in body["interactive"]["action"]["buttons"]] == [
            {"id": f"opt{n}", "title": o} for n, o in enumerate(options)
        ]
    else:
        action = body["interactive"]["action"]
        assert action["button"] == "Ver opciones"
        assert [r["id"] for r in action["sections"][0]["rows"]] == [f"opt{n}" for n in range(len(options))]


def test_long_row_labels_go_into_the_description():
    label = "Parque Fundidora, entrada por Avenida Fundidora y Adolfo Prieto"
    body = message_body(_outgoing(options=["Parque Clouthier", label, "Otro", "Ninguno"]))
    row = body["interactive"]["action"]["sections"][0]["rows"][1]
    assert len(row["title"]) == 24 and row["title"].endswith("…") and row["description"] == label


@pytest.mark.parametrize(
    "message",
    [
        OutboundMessage("x" * 1025, ("Sí", "No"), ("yes", "no")),  # body too long for interactive
        OutboundMessage("¿Cuál?", ("Sí", "No")),  # no ids to send back
        OutboundMessage("", ("Sí", "No"), ("yes", "no")),  # interactive needs a body
    ],
    ids=["long-body", "no-ids", "empty-body"],
)
def test_what_interactive_cannot_carry_is_numbered_text(message):
    body = message_body(Outgoing("whatsapp", "+528112345678", message))
    assert body["type"] == "text" and body["text"]["body"].endswith("1. Sí\n2. No")


def test_long_text_is_clipped_to_whatsapps_limit():
    body = message_body(_outgoing("a" * 5000))
    assert len(body["text"]["body"]) == 4096 and body["text"]["body"].endswith("…")


def test_template_body():
    template = {
        "meta": {"name": "ticket_update", "language": "es_MX"},
        "twilio": "HX0",
        "variables": ["2611-7K3M9Q", "atendido"],
    }
    body = message_body(_outgoing("Tu reporte…", template=template))
    assert body["type"] == "template" and body["template"] == {
        "name": "ticket_update",
        "language": {"code": "es_MX"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "2611-7K3M9Q"}, {"type": "text", "text": "atendido"}],
            }
        ],
    }


@pytest.mark.parametrize(
    "answer, retryable, code",
    [
        ((429, {"error": {"message": "Too many calls", "code": 80007}}), True, "80007"),
        ((500, {"error": {"message": "Service unavailable", "code": 131016}}), True, "131016"),
        ((503, "upstream down"), True, "503"),
        ((400, {"error": {"message": "(#130429) Rate limit hit", "code": 130429}}), True, "130429"),
        ((400, {"error": {"message": "(#131047) Re-engagement message", "code": 131047}}), False, "131047"),
        ((400, {"error": {"message": "(#131026) Message undeliverable", "code": 131026}}), False, "131026"),
        ((401, {"error": {"message": "Invalid OAuth access token", "code": 190}}), False, "190"),
        ((200, {"messaging_product": "whatsapp"}), False, "response"),
        (requests.ConnectionError("connection refused"), True, "network"),
        (requests.Timeout("read timed out"), True, "network"),
    ],
)
def test_send_errors(svc, no_network, answer, retryable, code):
    if isinstance(answer, Exception):
        no_network.add(responses.POST, MESSAGES_URL, body=answer)
    else:
        status, data = answer
        no_network.add(
            responses.POST,
            MESSAGES_URL,
            status=status,
            **({"json": data} if isinstance(data, dict) else {"body": data}),
        )
    with pytest.raises(SendError) as caught:
        send(svc, _outgoing("Hola"))
    assert (caught.value.retryable, caught.value.code) == (retryable, code)


def test_send_without_credentials_is_a_final_error(svc):
    svc.config = svc.config.replace(whatsapp_token="")
    with pytest.raises(SendError) as caught:
        send(svc, _outgoing("Hola"))
    assert (caught.value.retryable, caught.value.code) == (False, "config")


# --- fetch_media() ------------------------------------------------------------------------------


def test_fetch_media_in_two_steps(svc, no_network):
    fetched = graph_media(no_network, "1003383421387256", b"OggS voice", "audio/ogg")
    assert fetch_media(svc, {"url": "meta:1003383421387256", "content_type": "audio/ogg; codecs=opus"}) == (
        b"OggS voice",
        "audio/ogg",
    )
    assert len(fetched) == 2


def test_fetch_media_stops_reading_past_the_limit(svc, no_network):
    svc.config = svc.config.replace(media_max_bytes=1000)
    graph_media(no_network, "1479537139650973", b"\xff" * 200_000)
    content, _ = fetch_media(svc, {"url": "meta:1479537139650973"})
    assert 1000 < len(content) < 200_000  # enough to refuse it, not the whole file


@pytest.mark.parametrize(
    "lookup, retryable",
    [
        ({"status": 404, "json": {"error": {"message": "Unsupported get request", "code": 100}}}, False),
        ({"status": 500, "json": {"error": {"message": "Unknown error", "code": 1}}}, True),
        ({"status": 429, "json": {"error": {"message": "Too many calls", "code": 4}}}, True),
        ({"status": 200, "json": {"id": "1479537139650973"}}, False),  # no URL
        ({"body": requests.ConnectionError("refused")}, True),
    ],
)
def test_fetch_media_errors(svc, no_network, lookup, retryable):
    no_network.add(responses.GET, f"{GRAPH}/1479537139650973", **lookup)
    with pytest.raises(SendError) as caught:
        fetch_media(svc, {"url": "meta:1479537139650973"})
    assert caught.value.retryable is retryable


def test_fetch_media_refuses_what_is_not_a_meta_reference(svc):
    with pytest.raises(SendError):
        fetch_media(svc, {"url": "https://api.twilio.com/some/media"})


def test_fixtures_are_in_metas_shape():
    """Every fixture is one webhook body Meta could send: the envelope our parser expects."""
    for path in sorted((Path(__file__).parent.parent / "fixtures" / "whatsapp").glob("*.json")):
        payload = json.loads(path.read_text())
        assert payload["object"] == "whatsapp_business_account", path.name
        for entry in payload["entry"]:
            for change in entry["changes"]:
                assert change["field"] == "messages" and change["value"]["messaging_product"] == "whatsapp"
        parse(copy.deepcopy(payload))
