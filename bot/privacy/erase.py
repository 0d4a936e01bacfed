"""Erasing one contact (an ARCO cancellation, or retention for a contact silent too long).

Nothing that identifies the resident is left in any table, file or search column; what their reports
were (category, department, colonia, status, dates) stays, so the city's figures do not change.
Field by field (docs/privacy.md is written from this list):

| table | field | after erasure | why |
| --- | --- | --- | --- |
| contact | name | "" | the WhatsApp profile name |
| contact | anonymised_at | set (the first erasure's time) | marks the row; lang, opted_out, created_at kept |
| contactaddress | every row | deleted | the phone number, the web chat id: a new message is a new contact |
| conversation | state | {} (seq bumped) | a report under way holds answers; a write in flight is refused |
| message | text | "" | what the resident wrote, and replies quoting it |
| message | data | {} | media URLs and names, pins, button payloads |
| message | provider_id | None | Meta's message ids encode the phone number |
| message | error | "" ("erased" for a message still queued, now failed) | providers' errors name the number |
| message | direction, channel, provider, status, created_at, reply_to_id | kept | counts by channel and day |
| ticket | address, place_note | None | typed by the resident ("frente a la tienda de …") |
| ticket | latitude, longitude | rounded to 3 decimals (about 100 m) | the block, not the house |
| ticket | answers | only choice, rating, yes_no, number, date, confirm steps not marked personal | see anonymous.py |
| ticket | summary | rebuilt from the flow's template with those answers and the colonia | it quoted the address |
| ticket | media | [] (files deleted) | photos |
| ticket | search_text | recomputed (bot.tickets.search) | it held the address and the summary |
| ticket | folio, flow, category, department, priority, status, colonia, zone, geo_*, dates, ... | kept | statistics |
| ticketevent | detail | only ids, statuses, folios, channels, counts (KEPT_EVENT_DETAIL) | replies, notes, reasons and errors may quote the resident |
| surveyresponse | answers | as ticket answers (and their labels) | free text, places, photos go |
| privacyrequest | detail, response | "" | what the resident wrote and what they were told; folio, right, status, dates kept |
| consent | every field | kept | a version, a yes or no, a channel, a time: nothing personal |
| privacyevent | every field | kept | bot.privacy.audit refuses personal detail |
| outbox | payload | kept (ids only) | no payload holds a phone or a name |
| outbox | last_error | "contact erased" where it was about the contact | a provider's error names the number |
| outbox | status | pending sends and downloads of the contact: cancelled | nothing goes out after |
| media folder | the contact's files | deleted after commit, unless another contact's row names the same file | photos |
| Redis | the web chat session's backlog, sequence and poll counters | deleted | later messages to the widget |

Calling it again is harmless: it finds nothing left and records no second audit entry.
"""

from __future__ import annotations

import logging
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Text, case, cast, delete, or_, select, update
from sqlmodel import Session

from bot.config import Config
from bot.db.tables import (
    Contact,
    ContactAddress,
    Conversation,
    Message,
    Outbox,
    PrivacyRequest,
    SurveyResponse,
    Ticket,
    TicketEvent,
    utcnow,
)
from bot.flows.model import Flows
from bot.opendata.store import withdraw_quotes
from bot.privacy import audit
from bot.privacy.anonymous import (
    anonymous_summary,
    kept_answers,
    kept_event_detail,
    kept_survey_answers,
    rounded,
)
from bot.privacy.media_files import referenced, remove_after_commit, stored_names
from bot.reports.tallies import record_scrubbed

__all__ = ["erase_contact", "ERASED", "webchat_keys"]

log = logging.getLogger(__name__)
ERASED = "erased"  # the error of a message that was still queued, and of an outbox row about the contact
OUTBOX_ERASED = "contact erased"
MESSAGE_WORK = ("send_messages", "download_media")  # outbox kinds whose payload names the contact's messages
MESSAGE = Message.__table__


def erase_contact(
    session: Session,
    config: Config,
    flows: Flows,
    contact_id: int,
    *,
    actor: str,
    reason: str,
    request_id: int | None = None,
    redis: Redis | None = None,
    detail: dict | None = None,
) -> dict:
    """Anonymise a contact across every table (and, after commit, the media store); return what changed.

    `reason` is a word for the audit trail (arco_cancellation, retention); `detail` adds identifier-like
    facts to its contact_erased entry. A LookupError when there is no such contact.
    """
    contact = _locked(session, contact_id)
    first = contact.anonymised_at is None
    sessions = [a.address for a in _addresses(session, contact_id) if a.kind == "webchat"]
    message_ids, files = _message_ids_and_files(session, contact_id)
    counts: dict[str, Any] = {"conversation": _reset_conversation(session, contact_id)}
    counts["messages"] = _blank_messages(session, contact_id)
    counts["tickets"], ticket_files, ticket_ids = _anonymise_tickets(session, flows, contact_id)
    counts["ticket_events"] = _scrub_ticket_events(session, ticket_ids)
    counts["survey_responses"] = _scrub_surveys(session, flows, contact_id)
    # Published comments quote responses: withdrawn until the next publication writes them without these.
    counts["open_data_files"] = withdraw_quotes(session) if counts["survey_responses"] else 0
    counts["privacy_requests"] = _scrub_requests(session, contact_id)
    counts["outbox"] = _settle_outbox(session, message_ids, ticket_ids)
    counts["addresses"] = _delete_addresses(session, contact_id)
    counts["contact"] = _anonymise(session, contact)
    session.flush()
    files |= ticket_files
    gone = files - referenced(session, files)
    counts["media_files"] = len(gone)
    remove_after_commit(session, config, gone)
    counts["redis_keys"] = _forget_webchat(redis, sessions)
    if first or any(counts.values()):
        audit.record(
            session,
            "contact_erased",
            actor=actor,
            request_id=request_id,
            contact_id=contact_id,
            detail={"reason": reason, **counts, **(detail or {})},
        )
    return counts


def _locked(session: Session, contact_id: int) -> Contact:
    """Hold the conversation, then the contact (the order a webhook takes them; SQLite holds the database)."""
    conversation = Conversation.__table__
    session.execute(select(conversation.c.id).where(conversation.c.contact_id == contact_id).with_for_update())
    contact = session.get(Contact, contact_id, with_for_update=True)
    if contact is None:
        raise LookupError(f"no contact {contact_id}")
    return contact


def _addresses(session: Session, contact_id: int) -> list[ContactAddress]:
    return list(session.scalars(select(ContactAddress).where(ContactAddress.contact_id == contact_id)))


def _message_ids_and_files(session: Session, contact_id: int) -> tuple[set[int], set[str]]:
    ids, files = set(), set()
    for message_id, data in session.execute(
        select(MESSAGE.c.id, MESSAGE.c.data).where(MESSAGE.c.contact_id == contact_id)
    ):
        ids.add(message_id)
        files |= stored_names((data or {}).get("media", []))
    return ids, files


def _reset_conversation(session: Session, contact_id: int) -> int:
    """Forget a report under way; the bumped seq refuses a webhook's write based on an older read."""
    table = Conversation.__table__
    result = session.execute(
        update(table)
        .where(table.c.contact_id == contact_id, cast(table.c.state, Text) != "{}")
        .values(state={}, seq=table.c.seq + 1, updated_at=utcnow())
    )
    return result.rowcount


def _blank_messages(session: Session, contact_id: int) -> int:
    queued = MESSAGE.c.status == "queued"
    result = session.execute(
        update(MESSAGE)
        .where(
            MESSAGE.c.contact_id == contact_id,
            or_(
                MESSAGE.c.text != "",
                cast(MESSAGE.c.data, Text) != "{}",
                MESSAGE.c.provider_id.is_not(None),
                MESSAGE.c.error.not_in(("", ERASED)),
                queued,
            ),
        )
        .values(
            text="",
            data={},
            provider_id=None,
            status=case((queued, "failed"), else_=MESSAGE.c.status),
            error=case((queued, ERASED), (MESSAGE.c.error == ERASED, ERASED), else_=""),
        )
    )
    return result.rowcount


def _anonymise_tickets(session: Session, flows: Flows, contact_id: int) -> tuple[int, set[str], list[int]]:
    changed, files, ids = 0, set[str](), list[int]()
    for ticket in session.scalars(select(Ticket).where(Ticket.contact_id == contact_id).order_by(Ticket.id)):
        assert ticket.id is not None  # a stored row
        ids.append(ticket.id)
        files |= stored_names(ticket.media)
        answers = kept_answers(flows.flows.get(ticket.flow), ticket.answers)
        after: dict[str, Any] = {
            "address": None,
            "place_note": None,
            "latitude": rounded(ticket.latitude),
            "longitude": rounded(ticket.longitude),
            "answers": answers,
            "media": [],
            "summary": anonymous_summary(flows, ticket.flow, ticket.category, ticket.lang, answers, ticket.colonia),
        }
        if any(getattr(ticket, name) != value for name, value in after.items()):
            for name, value in after.items():
                setattr(ticket, name, value)
            session.add(ticket)  # its search text is recomputed as it is written (bot.tickets.search)
            changed += 1
    return changed, files, ids


def _scrub_ticket_events(session: Session, ticket_ids: list[int]) -> int:
    if not ticket_ids:
        return 0
    changed = 0
    tickets = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids)))}
    for event in session.scalars(select(TicketEvent).where(TicketEvent.ticket_id.in_(ticket_ids))):
        ticket = tickets[event.ticket_id]
        detail = kept_event_detail(event.detail, set(ticket.answers))
        if detail != event.detail:
            event.detail = detail
            session.add(event)
            changed += 1
    return changed


def _scrub_surveys(session: Session, flows: Flows, contact_id: int) -> int:
    changed = 0
    for response in session.scalars(select(SurveyResponse).where(SurveyResponse.contact_id == contact_id)):
        answers = kept_survey_answers(flows.flows.get(response.flow), response.answers)
        if answers != response.answers:
            before, response.answers = response.answers, answers
            session.add(response)
            record_scrubbed(session, flows.flows.get(response.flow), response, before)  # uncount what went
            changed += 1
    return changed


def _scrub_requests(session: Session, contact_id: int) -> int:
    table = PrivacyRequest.__table__
    result = session.execute(
        update(table)
        .where(table.c.contact_id == contact_id, or_(table.c.detail != "", table.c.response != ""))
        .values(detail="", response="")
    )
    return result.rowcount


def _settle_outbox(session: Session, message_ids: set[int], ticket_ids: list[int]) -> int:
    """Cancel the contact's pending sends and downloads; clear errors that were about the contact."""
    changed = 0
    rows = session.scalars(
        select(Outbox).where(or_(Outbox.status == "pending", Outbox.last_error.not_in(("", OUTBOX_ERASED))))
    )
    for row in rows:
        if not (_names_messages(row.payload, message_ids) or row.ticket_id in ticket_ids):
            continue
        status = "cancelled" if row.status == "pending" and row.kind in MESSAGE_WORK else row.status
        error = OUTBOX_ERASED if row.last_error or status != row.status else ""
        if (status, error) != (row.status, row.last_error):
            row.status, row.last_error = status, error
            session.add(row)
            changed += 1
    return changed


def _names_messages(payload: dict, message_ids: set[int]) -> bool:
    named = list((payload or {}).get("message_ids") or []) + [(payload or {}).get("message_id")]
    return any(isinstance(i, int) and i in message_ids for i in named)


def _delete_addresses(session: Session, contact_id: int) -> int:
    return session.execute(delete(ContactAddress).where(ContactAddress.contact_id == contact_id)).rowcount


def _anonymise(session: Session, contact: Contact) -> int:
    if contact.name == "" and contact.anonymised_at is not None and contact.surveys_opted_in_at is None:
        return 0
    contact.name, contact.anonymised_at = "", contact.anonymised_at or utcnow()
    contact.surveys_opted_in_at = None  # no campaign invites an erased contact
    session.add(contact)
    return 1


def webchat_keys(session_id: str) -> list[str]:
    """The Redis keys of a web chat session (bot/channels/webchat_backlog.py, webchat_polls.py)."""
    return [f"webchat:{session_id}:backlog", f"webchat:{session_id}:seq", f"webchat:polls:session:{session_id}"]


def _forget_webchat(redis: Redis | None, sessions: list[str]) -> int:
    if redis is None or not sessions:
        return 0
    try:
        return int(redis.delete(*[key for s in sessions for key in webchat_keys(s)]))
    except RedisError as exc:
        log.warning("the web chat's later messages were not cleared from Redis (%s); they expire", exc)
        return 0
