"""A handover keeps what the resident sent: the person taking over hears the voice note, sees the photo."""

from __future__ import annotations

from bot.conversation.event_handlers import EventContext, apply_event
from bot.db.database import transaction
from bot.db.tables import Contact, Message, Outbox, Ticket
from bot.flows import HandoverRequested
from bot.messaging.stored_media import put_on_tickets
from tests.support.app import all_rows

VOICE_NOTE = {"url": "meta:1234567890", "content_type": "audio/ogg"}
STORED_VOICE_NOTE = {**VOICE_NOTE, "stored": "a1b2c3.ogg", "size": 4096}
PHOTO = {"url": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1", "content_type": "image/jpeg"}


def handover(*media: dict) -> HandoverRequested:
    return HandoverRequested(
        folio="2611-HND001",
        flow="trash",
        department="servicios_publicos",
        lang="es",
        summary="Recolección de basura: la conversación pasa a una persona",
        answers={"problem": "missed_collection"},
        media=media,
    )


def a_resident(app, *received: dict) -> int:
    """A contact whose inbound messages carried these media items; return its id."""
    with transaction(app.extensions["ventanilla"].engine) as session:
        contact = Contact(name="Lupita")
        session.add(contact)
        session.flush()
        for n, item in enumerate(received):
            session.add(
                Message(
                    contact_id=contact.id,
                    direction="in",
                    channel="whatsapp",
                    provider="meta",
                    provider_id=f"wamid.HND{n}",
                    data={"media": [item]},
                )
            )
        return contact.id


def hand_over(app, contact_id: int, event: HandoverRequested) -> None:
    svc = app.extensions["ventanilla"]
    with transaction(svc.engine) as session:
        apply_event(session, event, EventContext(contact_id, "whatsapp", svc.flow_store.current))


def test_the_handover_ticket_carries_the_residents_media(app, db):
    contact_id = a_resident(app, VOICE_NOTE, PHOTO)
    hand_over(app, contact_id, handover(VOICE_NOTE, PHOTO))
    (ticket,) = all_rows(db, Ticket)
    assert (ticket.category, ticket.media) == ("handover", [VOICE_NOTE, PHOTO])
    assert [o.ticket_id for o in all_rows(db, Outbox) if o.kind == "deliver_ticket"] == [ticket.id]


def test_media_downloaded_during_the_conversation_go_as_our_copy(app, db):
    contact_id = a_resident(app, STORED_VOICE_NOTE)  # the download job got to it before the handover
    hand_over(app, contact_id, handover(VOICE_NOTE))
    (ticket,) = all_rows(db, Ticket)
    assert ticket.media == [STORED_VOICE_NOTE]


def test_media_downloaded_after_the_handover_reach_its_ticket(app, db):
    contact_id = a_resident(app, VOICE_NOTE)
    hand_over(app, contact_id, handover(VOICE_NOTE))
    with transaction(app.extensions["ventanilla"].engine) as session:
        put_on_tickets(session, contact_id, [STORED_VOICE_NOTE])  # what the download job does once it has it
    (ticket,) = all_rows(db, Ticket)
    assert ticket.media == [STORED_VOICE_NOTE]


def test_a_handover_without_media_has_none(app, db):
    hand_over(app, a_resident(app), handover())
    (ticket,) = all_rows(db, Ticket)
    assert ticket.media == []
