"""A ticket as an operator sees it (transcript, photos, map, audit, duplicates, the full phone with every view
audited) and the actions on it: assign, status, note, reply, merge, retry a failed delivery."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from types import SimpleNamespace

from sqlmodel import Session, select

from bot.dashboard.ticket import place
from bot.db.database import transaction
from bot.db.tables import Contact, Message, Operator, Outbox, Ticket, TicketEvent
from bot.flows.model import Zone
from bot.jobs.outbox import ORIGIN_KEY
from tests.support.app import Resident, twilio_fixture
from tests.support.departments import OBRAS_URL, department_endpoint
from tests.support.desks import (
    read_ticket,
    seed_ticket,
    signed_in,
    with_failed_delivery,
)
from tests.support.twilio_api import twilio_api, twilio_media

SCRIPT = "<script>alert(1)</script>"


def rows(app, model, **where) -> list:
    """Every row of a table (matching where), as stored now."""
    with Session(app.extensions["ventanilla"].engine) as db:
        statement = select(model).order_by(model.id)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return list(db.exec(statement).all())


def events(app, folio: str, kind: str | None = None) -> list[TicketEvent]:
    ticket = read_ticket(app, folio)
    return [e for e in rows(app, TicketEvent, ticket_id=ticket.id) if kind is None or e.kind == kind]


NOW = datetime.now(UTC) - timedelta(minutes=5)  # the conversation that made the ticket


def add_message(app, folio: str, **fields) -> None:
    """Store one more message of the ticket's resident."""
    with transaction(app.extensions["ventanilla"].engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        db.add(Message(contact_id=ticket.contact_id, channel=ticket.channel, provider="twilio", **fields))


def link_duplicate(app, duplicate: str, original: str) -> None:
    with transaction(app.extensions["ventanilla"].engine) as db:
        copy, first = (db.exec(select(Ticket).where(Ticket.folio == f)).one() for f in (duplicate, original))
        copy.duplicate_of = first.id
        db.add(copy)


def flashed(response) -> str:
    return unescape(" ".join(re.findall(r'<p class="flash[^"]*" role="status">([^<]*)</p>', response.text)))


def said(response) -> str:
    """The page's text as a person reads it (entities decoded)."""
    return unescape(response.text)


# The page


def test_the_page_shows_summary_resident_transcript_photo_and_map(app, desk):
    photo = {"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg", "stored": "a1b2c3.jpg"}
    folio = seed_ticket(app, phone="+528112345678", texts=("hola", "bache"), media=[photo], created_at=NOW)
    add_message(app, folio, direction="out", text="¿Dónde está el bache?", status="replied_inline", created_at=NOW)
    add_message(
        app,
        folio,
        direction="in",
        text="",
        data={"media": [{"url": "u", "content_type": "image/jpeg", "stored": "d4e5f6.jpg"}]},
        created_at=NOW,
    )
    page = desk("ana@x.mx").get(f"/dashboard/tickets/{folio.lower()}")
    assert page.status_code == 200
    html = page.text
    assert folio in html and "Obras Públicas" in html and "Bache en Morelos y 5 de Mayo" in html
    assert "+528112345678" in html and "Lupita" in html  # the full number: the only page that shows it
    said = re.findall(r'<li class="msg msg-(in|out)[^"]*">.*?<div class="msg-text">([^<]*)</div>', html, re.S)
    assert said == [("in", "hola"), ("in", "bache"), ("out", "¿Dónde está el bache?")]
    assert '<img src="/media/a1b2c3.jpg?exp=' in html and 'src="/media/d4e5f6.jpg?exp=' in html
    assert (
        'data-lat="25.6573" data-lng="-100.4024"' in html
        and "openstreetmap.org/?mlat=25.6573&amp;mlon=-100.4024" in html
    )
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/dashboard/ticket.js" in html


def test_every_view_is_an_audit_event_with_the_operator(app, desk):
    folio = seed_ticket(app)
    ana = desk("ana@x.mx")
    for _ in range(2):
        assert ana.get(f"/dashboard/tickets/{folio}").status_code == 200
    views = events(app, folio, "viewed")
    assert [v.actor for v in views] == ["ana@x.mx", "ana@x.mx"]
    assert "Viewed 3 times" in ana.get(f"/dashboard/tickets/{folio}").text  # this view included


def test_resident_text_and_summary_are_escaped(app):
    folio = seed_ticket(app, summary=f"Bache {SCRIPT}", texts=(SCRIPT,))
    html = signed_in(app, "ana@x.mx").get(f"/dashboard/tickets/{folio}").text
    assert SCRIPT not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 2


def place_facts(html: str) -> dict[str, str]:
    """The Location panel's facts: colonia, zone, how it was placed, the note."""
    facts = html[html.index('<dl class="facts place-facts">') :]
    facts = facts[: facts.index("</dl>")]
    return {unescape(dt): unescape(dd) for dt, dd in re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", facts)}


def set_place(app, folio: str, **values) -> None:
    with transaction(app.extensions["ventanilla"].engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        for name, value in values.items():
            setattr(ticket, name, value)
        db.add(ticket)


def test_the_location_says_colonia_zone_how_it_was_placed_and_the_note(app):
    typed, pinned, bare = seed_ticket(app), seed_ticket(app), seed_ticket(app)
    set_place(app, typed, colonia="Del Valle", zone="norte", geo_method="intersection", geo_confidence=0.949)
    set_place(app, pinned, colonia="Centro", geo_method="pin", place_note=f"Morelos y Padre Mier {SCRIPT}")
    ana = signed_in(app, "ana@x.mx")
    assert place_facts(ana.get(f"/dashboard/tickets/{typed}").text) == {
        "Colonia": "Del Valle",
        "Zone": "norte",  # a zone flows.yaml no longer defines: its id
        "Located by": "intersection (95%)",
    }
    html = ana.get(f"/dashboard/tickets/{pinned}").text
    assert SCRIPT not in html
    assert place_facts(html) == {
        "Colonia": "Centro",
        "Zone": "—",
        "Located by": "resident's pin",
        "Near": f"Morelos y Padre Mier {SCRIPT}",
    }
    assert "place-facts" not in ana.get(f"/dashboard/tickets/{bare}").text


def test_a_zone_flows_yaml_defines_is_shown_by_its_name():
    flows = SimpleNamespace(zones=(Zone("norte", "Sector Norte"), Zone("sur", "", ("Obispado",))))
    shown = [place(Ticket(zone=zone, geo_method="street", geo_confidence=0.4), flows) for zone in ("norte", "sur")]
    assert [(p["zone"], p["located_by"]) for p in shown] == [
        ("Sector Norte", "street only (40%)"),
        ("sur", "street only (40%)"),
    ]


def test_the_audit_trail_is_newest_first_and_says_who_and_why(app):
    folio = seed_ticket(app)
    ana = signed_in(app, "ana@x.mx")
    ana.post(f"/dashboard/tickets/{folio}/note", {"text": "Llamar a la cuadrilla 3"})
    ana.post(f"/dashboard/tickets/{folio}/status", {"status": "in_progress", "reason": "cuadrilla en camino"})
    html = ana.get(f"/dashboard/tickets/{folio}").text
    trail = html[html.index("Audit trail") :]
    assert re.findall(r'<span class="audit-what">([^<]*)</span>', trail) == ["status changed", "note", "received"]
    assert "received → in progress" in trail and "Reason: cuadrilla en camino" in trail and "ana@x.mx" in trail


def test_duplicates_link_both_ways(app):
    original, copy = seed_ticket(app), seed_ticket(app)
    link_duplicate(app, copy, original)
    ana = signed_in(app, "ana@x.mx")
    assert f'href="/dashboard/tickets/{original}"' in ana.get(f"/dashboard/tickets/{copy}").text
    assert f'href="/dashboard/tickets/{copy}"' in ana.get(f"/dashboard/tickets/{original}").text


def test_a_viewer_sees_the_page_without_any_action_form(app):
    folio = seed_ticket(app, status="delivery_failed")
    html = signed_in(app, "vera@x.mx", "viewer").get(f"/dashboard/tickets/{folio}").text
    assert folio in html and '<form method="post" action="/dashboard/tickets/' not in html


def test_the_retry_button_shows_only_for_a_failed_delivery(app):
    failed, fine = seed_ticket(app, status="delivery_failed"), seed_ticket(app)
    ana = signed_in(app, "ana@x.mx")
    assert f"/dashboard/tickets/{failed}/retry" in ana.get(f"/dashboard/tickets/{failed}").text
    assert f"/dashboard/tickets/{fine}/retry" not in ana.get(f"/dashboard/tickets/{fine}").text


def test_an_overdue_ticket_says_so(app):
    from datetime import datetime

    late = seed_ticket(app, created_at=datetime.now(UTC) - timedelta(days=3), sla=timedelta(days=1))
    on_time, ana = seed_ticket(app), signed_in(app, "ana@x.mx")
    assert '<span class="badge overdue">overdue</span>' in ana.get(f"/dashboard/tickets/{late}").text
    assert '<span class="badge overdue">' not in ana.get(f"/dashboard/tickets/{on_time}").text


# The actions


def test_resolving_stores_the_status_audits_it_and_queues_the_residents_notice(app):
    folio = seed_ticket(app)
    response = signed_in(app, "ana@x.mx").post(
        f"/dashboard/tickets/{folio}/status", {"status": "resolved", "reason": "bacheado"}, follow_redirects=True
    )
    assert "Status changed to resolved" in flashed(response)
    assert read_ticket(app, folio).status == "resolved"
    (change,) = events(app, folio, "status_changed")
    assert (change.actor, change.detail) == ("ana@x.mx", {"from": "received", "to": "resolved", "reason": "bacheado"})
    (notice,) = rows(app, Message, direction="out")
    assert notice.status == "queued" and f"*{folio}*" in notice.text and "quedó atendido" in notice.text
    (outbox,) = rows(app, Outbox, kind="send_messages")
    assert outbox.payload == {"message_ids": [notice.id], ORIGIN_KEY: outbox.payload[ORIGIN_KEY]}  # and its request


def test_bad_status_changes_answer_400_and_change_nothing(app):
    folio = seed_ticket(app)
    ana = signed_in(app, "ana@x.mx")
    rejected = ana.post(f"/dashboard/tickets/{folio}/status", {"status": "rejected", "reason": "  "})
    assert rejected.status_code == 400 and "A rejection needs a reason" in rejected.text
    unknown = ana.post(f"/dashboard/tickets/{folio}/status", {"status": "delivered"})
    assert unknown.status_code == 400 and "choose a status among" in unknown.text.lower()
    assert read_ticket(app, folio).status == "received" and events(app, folio, "status_changed") == []
    ana.post(f"/dashboard/tickets/{folio}/status", {"status": "rejected", "reason": "propiedad privada"})
    final = ana.post(f"/dashboard/tickets/{folio}/status", {"status": "in_progress"})
    assert final.status_code == 400 and f"Ticket {folio} is rejected; it cannot become in progress" in final.text


def test_a_note_is_audited_and_never_sent(app):
    folio = seed_ticket(app)
    ana = signed_in(app, "ana@x.mx")
    assert ana.post(f"/dashboard/tickets/{folio}/note", {"text": "  Revisar con\x00 tránsito  "}).status_code == 302
    (note,) = events(app, folio, "note")
    assert (note.actor, note.detail) == ("ana@x.mx", {"text": "Revisar con tránsito"})
    assert rows(app, Message, direction="out") == [] and rows(app, Outbox) == []
    assert ana.post(f"/dashboard/tickets/{folio}/note", {"text": "   "}).status_code == 400
    too_long = ana.post(f"/dashboard/tickets/{folio}/note", {"text": "x" * 4001})
    assert too_long.status_code == 400 and "the limit is 4000" in too_long.text
    assert len(events(app, folio, "note")) == 1


def test_a_reply_is_stored_and_queued_for_the_residents_channel(app):
    folio = seed_ticket(app, phone="+528112345678")
    response = signed_in(app, "ana@x.mx").post(
        f"/dashboard/tickets/{folio}/reply", {"text": "Mañana pasa la cuadrilla"}, follow_redirects=True
    )
    assert "Reply queued" in flashed(response)
    (reply,) = rows(app, Message, direction="out")
    assert (reply.text, reply.channel, reply.status) == ("Mañana pasa la cuadrilla", "whatsapp", "queued")
    assert reply.data["kind"] == "operator_reply"
    (outbox,) = rows(app, Outbox)
    assert outbox.payload == {"message_ids": [reply.id], ORIGIN_KEY: outbox.payload[ORIGIN_KEY]}  # and its request
    (event,) = events(app, folio, "replied")
    assert event.actor == "ana@x.mx" and event.detail["message_id"] == reply.id


def test_a_reply_to_a_resident_who_opted_out_is_not_sent_and_the_operator_is_told(app):
    folio = seed_ticket(app)
    with transaction(app.extensions["ventanilla"].engine) as db:
        contact = db.get(Contact, read_ticket(app, folio).contact_id)
        contact.opted_out = True
        db.add(contact)
    response = signed_in(app, "ana@x.mx").post(
        f"/dashboard/tickets/{folio}/reply", {"text": "Hola"}, follow_redirects=True
    )
    assert "Not sent: the resident opted out" in flashed(response)
    assert rows(app, Message, direction="out") == [] and events(app, folio, "replied") == []


def test_a_whatsapp_reply_after_24_hours_goes_as_the_approved_template(app):
    from datetime import datetime

    folio = seed_ticket(app, created_at=datetime.now(UTC) - timedelta(hours=30))
    response = signed_in(app, "ana@x.mx").post(
        f"/dashboard/tickets/{folio}/reply", {"text": "Ya vamos"}, follow_redirects=True
    )
    assert "Reply queued to the resident." in flashed(response)
    (reply,) = rows(app, Message, direction="out")
    assert reply.status == "queued" and reply.data["template"] == {
        "twilio": "HX00000000000000000000000000000002",
        "variables": [folio, "Ya vamos"],
    }


def test_a_whatsapp_reply_after_24_hours_without_a_template_is_kept_as_failed_and_the_operator_is_told(
    tmp_path, redis_url
):
    from datetime import datetime

    from bot import create_app
    from bot.db.database import create_tables
    from tests.support.app import ROOT, app_settings

    flows = (ROOT / "flows.yaml").read_text(encoding="utf-8")
    start = flows.index("  operator_reply:\n")
    end = re.compile(r"^(?:  [a-z_]+:|[a-z_]+:)", re.M).search(flows, flows.index("\n", start) + 1)
    assert end is not None
    flows = flows[:start] + flows[end.start() :]  # the operator_reply template, up to the next template or section
    (tmp_path / "flows.yaml").write_text(flows, encoding="utf-8")
    (tmp_path / "parks.csv").write_text((ROOT / "parks.csv").read_text(encoding="utf-8"), encoding="utf-8")
    app = create_app(app_settings(tmp_path, redis_url, flows_path=str(tmp_path / "flows.yaml")))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    folio = seed_ticket(app, created_at=datetime.now(UTC) - timedelta(hours=30))
    response = signed_in(app, "ana@x.mx").post(
        f"/dashboard/tickets/{folio}/reply", {"text": "Hola"}, follow_redirects=True
    )
    assert "more than 24 hours passed" in flashed(response) and "'operator_reply' template" in flashed(response)
    (reply,) = rows(app, Message, direction="out")
    assert reply.status == "failed" and rows(app, Outbox) == []
    assert events(app, folio, "replied")[0].detail["status"] == "failed"
    assert (
        '<div class="msg-error">Not sent: outside WhatsApp' in response.text
    )  # the failed reply shows in the conversation
    app.extensions["ventanilla"].engine.dispose()


def test_assign_to_me_to_a_colleague_and_to_nobody(app):
    folio = seed_ticket(app)
    ana = signed_in(app, "ana@x.mx")
    beto = signed_in(app, "beto@x.mx")
    signed_in(app, "pablo@x.mx", departments=["parques"])
    page = ana.get(f"/dashboard/tickets/{folio}").text
    assert "beto@x.mx" in page and "pablo@x.mx" not in page  # colleagues of the ticket's department only
    ana.post(f"/dashboard/tickets/{folio}/assign", {"assignee": "me"})
    ana_id = read_ticket(app, folio).assignee_id
    beto_id = next(o.id for o in rows(app, Operator) if o.email == "beto@x.mx")
    assert ana.post(f"/dashboard/tickets/{folio}/assign", {"assignee": str(beto_id)}).status_code == 302
    assert read_ticket(app, folio).assignee_id == beto_id
    beto.post(f"/dashboard/tickets/{folio}/assign", {"assignee": ""})
    assert read_ticket(app, folio).assignee_id is None and ana_id is not None
    assert [(e.actor, e.detail) for e in events(app, folio, "assigned")] == [
        ("ana@x.mx", {"from": None, "to": "ana@x.mx"}),
        ("ana@x.mx", {"from": "ana@x.mx", "to": "beto@x.mx"}),
        ("beto@x.mx", {"from": "beto@x.mx", "to": None}),
    ]


def test_assigning_to_someone_of_another_department_or_a_stranger_is_refused(app):
    folio = seed_ticket(app)
    ana = signed_in(app, "ana@x.mx")
    signed_in(app, "pablo@x.mx", departments=["parques"])
    pablo_id = next(o.id for o in rows(app, Operator) if o.email == "pablo@x.mx")
    for choice in (str(pablo_id), "99999", "abc"):
        response = ana.post(f"/dashboard/tickets/{folio}/assign", {"assignee": choice})
        assert response.status_code == 400 and "Nobody who can work on obras_publicas" in said(response)
    assert read_ticket(app, folio).assignee_id is None and events(app, folio, "assigned") == []


def test_merge_closes_the_duplicate_links_both_and_tells_its_resident(app):
    original, copy = seed_ticket(app), seed_ticket(app)
    response = signed_in(app, "ana@x.mx").post(
        f"/dashboard/tickets/{copy}/merge", {"original": original.lower()}, follow_redirects=True
    )
    assert f"Closed as a duplicate of {original}" in flashed(response)
    stored = read_ticket(app, copy)
    assert stored.duplicate_of == read_ticket(app, original).id and stored.status == "closed"
    assert events(app, copy, "status_changed")[0].detail["reason"] == f"duplicate of {original}"
    assert [(e.actor, e.detail) for e in events(app, copy, "merged_into")] == [("ana@x.mx", {"folio": original})]
    assert [(e.actor, e.detail) for e in events(app, original, "duplicate_linked")] == [("ana@x.mx", {"folio": copy})]
    (told,) = rows(app, Message, direction="out")
    assert told.contact_id == stored.contact_id and f"*{copy}*" in told.text and original not in told.text


def test_merges_that_make_no_sense_are_refused(app):
    original, copy, other = seed_ticket(app), seed_ticket(app), seed_ticket(app)
    parques = seed_ticket(app, department="parques", category="parque", flow="park_evaluation")
    link_duplicate(app, copy, original)
    ana = signed_in(app, "ana@x.mx")
    for folio, target, problem in [
        (other, other, "cannot be a duplicate of itself"),
        (other, copy, "is itself a duplicate: merge into its original"),
        (copy, other, "is already a duplicate"),
        (other, "2611-ZZZZZZ", "No ticket '2611-ZZZZZZ' among those you can see"),
        (
            other,
            parques,
            f"No ticket '{parques}' among those you can see",
        ),  # the same answer as a folio that does not exist
        (other, "", "Write the folio of the original"),
        (other, "2611-\x00AAAA", "That is not a folio"),  # PostgreSQL would refuse the NUL: a 500 without the check
    ]:
        response = ana.post(f"/dashboard/tickets/{folio}/merge", {"original": target})
        assert response.status_code == 400 and problem in said(response), (folio, target, said(response)[-600:])
    assert read_ticket(app, other).duplicate_of is None and read_ticket(app, other).status == "received"


def test_retry_puts_a_failed_delivery_back_in_the_outbox(app):
    folio = seed_ticket(app, status="delivery_failed")
    with_failed_delivery(app, folio)
    response = signed_in(app, "ana@x.mx").post(f"/dashboard/tickets/{folio}/retry", follow_redirects=True)
    assert "Delivery retried" in flashed(response)
    failed, retried = rows(app, Outbox, kind="deliver_ticket")
    assert failed.status == "failed" and (retried.status, retried.attempts) == ("pending", 0)
    assert read_ticket(app, folio).status == "received"
    assert events(app, folio, "delivery_retried")[0].actor == "ana@x.mx"


def test_retry_without_a_failed_delivery_answers_400(app):
    folio = seed_ticket(app)
    response = signed_in(app, "ana@x.mx").post(f"/dashboard/tickets/{folio}/retry")
    assert response.status_code == 400 and "has no delivery to retry" in response.text
    assert rows(app, Outbox) == []


# End to end: a resident over Twilio, an operator's reply back through Twilio's API


def test_a_residents_whatsapp_report_is_answered_from_the_dashboard(app, client, desk, run_worker, no_network):
    department_endpoint(no_network, OBRAS_URL)
    calls = twilio_api(no_network)
    lupita = Resident(client)
    twilio_media(no_network, twilio_fixture("whatsapp_image")["MediaUrl0"])
    lupita.says("bache")
    lupita.send("whatsapp_location")
    lupita.send("whatsapp_image")
    run_worker()  # the photo is downloaded while she confirms
    lupita.says("sí")
    run_worker()  # delivered to Obras Públicas
    (ticket,) = rows(app, Ticket)
    ana = desk("ana@sanpedro.gob.mx")
    html = ana.get(f"/dashboard/tickets/{ticket.folio}").text
    assert "+528112345678" in html and f'<img src="/media/{ticket.media[0]["stored"]}?exp=' in html
    assert 'data-lat="25.6581" data-lng="-100.4025"' in html
    ana.post(f"/dashboard/tickets/{ticket.folio}/reply", {"text": "Gracias, Lupita: va la cuadrilla 3"})
    run_worker()
    (sent,) = [c for c in calls if c.get("Body") == "Gracias, Lupita: va la cuadrilla 3"]
    assert sent["To"] == "whatsapp:+528112345678"
    (reply,) = [m for m in rows(app, Message, direction="out") if m.data.get("kind") == "operator_reply"]
    assert reply.status == "sent" and reply.provider_id.startswith("SM")


def test_a_merged_duplicate_not_yet_delivered_is_not_sent_to_the_department(app, run_worker, no_network):
    original, copy = seed_ticket(app), seed_ticket(app)
    with transaction(app.extensions["ventanilla"].engine) as db:
        db.add(
            Outbox(kind="deliver_ticket", ticket_id=read_ticket(app, copy).id)
        )  # still waiting (Redis was down, say)
    signed_in(app, "ana@x.mx").post(f"/dashboard/tickets/{copy}/merge", {"original": original})
    (outbox,) = [o for o in rows(app, Outbox) if o.kind == "deliver_ticket"]
    assert (outbox.status, outbox.last_error) == ("cancelled", f"merged into {original}")
    from bot.jobs.outbox import relay

    svc = app.extensions["ventanilla"]
    relay(svc.engine, svc.queue, timedelta(0))
    run_worker()
    assert [c.request.url for c in no_network.calls if "demo/inbox" in c.request.url] == []  # nothing to the department
    assert read_ticket(app, copy).status == "closed"
