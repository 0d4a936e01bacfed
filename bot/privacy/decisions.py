"""What a privacy officer decides on a resident's ARCO request: fulfil it, reject it with a legal reason, or extend
its deadline once.

Each checks its input, closes or moves the request, tells the resident on their channel and writes a privacy audit
event with the officer's email as actor, all in the caller's transaction. A fulfilled cancellation also queues the
contact's erasure (outbox kind erase_contact), whose job sends the message telling the resident first. A fulfilled
rectification may correct the contact's name; a fulfilled opposition changes nothing by itself beyond the record.
Nothing here knows about Flask: the dashboard calls these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from bot.db.tables import Contact, Message, Outbox, PrivacyRequest, utcnow
from bot.flows import Flows
from bot.flows.messages import OutboundMessage
from bot.flows.model import render
from bot.messaging.outbound import queue_message
from bot.messaging.text import without_controls
from bot.privacy import audit
from bot.privacy.calendar import add_business_days
from bot.privacy.requests import right_label, shown_date
from bot.translatable import N_, Code, TranslatableError

__all__ = [
    "DecisionError",
    "RequestClosedError",
    "Decision",
    "REASON_PREFIX",
    "rejection_reasons",
    "MAX_RESPONSE",
    "MAX_NAME",
    "UPDATE_KIND",
    "ERASE_KIND",
    "find_request",
    "rejection_reason",
    "fulfil",
    "reject",
    "extend",
]

MAX_RESPONSE = 1000  # what the officer writes to the resident (a WhatsApp message holds 4,096 characters)
MAX_NAME = 120  # as an operator's or a contact's name
UPDATE_KIND = "privacy_request_update"  # the kind flows.yaml `templates:` names for these outside WhatsApp's window
ERASE_KIND = "erase_contact"  # the outbox job that erases a contact (bot/jobs/privacy_jobs.py)

REASON_PREFIX = "privacy_reason_"  # flows.yaml's messages privacy_reason_<code>: the legal grounds to refuse


class DecisionError(TranslatableError):
    """The decision cannot be taken as asked (an empty response, an unknown reason, a second extension)."""


class RequestClosedError(DecisionError):
    """The request was fulfilled or rejected already: nothing more can be decided on it."""


@dataclass(frozen=True)
class Decision:
    """What a decision did: the request as it now is, and the message telling the resident (None: not told)."""

    request: PrivacyRequest
    message: Message | None

    @property
    def told(self) -> bool:
        """Whether a message to the resident is on its way."""
        return self.message is not None and self.message.status == "queued"


def find_request(session: Session, folio: str, *, for_update: bool = False) -> PrivacyRequest | None:
    """The request with this folio; locked against a colleague's decision when for_update (PostgreSQL)."""
    statement = select(PrivacyRequest).where(PrivacyRequest.folio == folio)
    return session.exec(statement.with_for_update() if for_update else statement).first()


def rejection_reasons(flows: Flows) -> tuple[str, ...]:
    """The codes of the legal grounds a request may be refused on: flows.yaml's privacy_reason_<code> messages
    (the causes of improcedencia of the general law, as the resident reads them; a city may add its own)."""
    return tuple(key.removeprefix(REASON_PREFIX) for key in flows.messages if key.startswith(REASON_PREFIX))


def rejection_reason(flows: Flows, code: str, lang: str) -> str:
    """A legal reason in the resident's language."""
    return flows.message(REASON_PREFIX + code, lang)


def fulfil(
    session: Session,
    flows: Flows,
    request: PrivacyRequest,
    actor: str,
    response: str,
    *,
    name: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """Close the request as done, tell the resident, and for a cancellation queue the contact's erasure.

    `name` corrects the contact's name (rectification only).
    """
    _ensure_open(request)
    response = _text(response, N_("write what the resident is told"))
    corrected = _corrected_name(request, name)
    if corrected is not None:
        contact = session.get(Contact, request.contact_id)
        if contact is None:
            raise DecisionError(N_("the contact is gone: there is no name to correct"))
        contact.name = corrected
        session.add(contact)
    _close(request, "fulfilled", response, now)
    erasing = request.right == "cancellation"  # the erasure's job sends the message, then erases
    message = _tell(session, flows, request, "fulfilled", response, send=not erasing)
    detail = {"right": request.right, "told": _told(message), "name_corrected": corrected is not None}
    if erasing:
        detail["erase_outbox_id"] = _queue_erasure(session, request, message).id
    audit.record(
        session,
        "request_fulfilled",
        actor=actor,
        request_id=request.id,
        contact_id=request.contact_id,
        detail=detail,
    )
    return Decision(request, message)


def reject(
    session: Session,
    flows: Flows,
    request: PrivacyRequest,
    actor: str,
    reason: str,
    text: str = "",
    *,
    now: datetime | None = None,
) -> Decision:
    """Close the request as refused on a legal ground (one of rejection_reasons) and tell the resident why."""
    _ensure_open(request)
    if reason not in rejection_reasons(flows):
        raise DecisionError(N_("choose the legal reason for refusing it"))
    more = _text(text, "", required=False)
    response = rejection_reason(flows, reason, request.lang or flows.default_language) + (f". {more}" if more else ".")
    _close(request, "rejected", response[:MAX_RESPONSE], now)
    message = _tell(session, flows, request, "rejected", request.response)
    audit.record(
        session,
        "request_rejected",
        actor=actor,
        request_id=request.id,
        contact_id=request.contact_id,
        detail={"right": request.right, "reason": reason, "told": _told(message)},
    )
    return Decision(request, message)


def extend(
    session: Session,
    flows: Flows,
    request: PrivacyRequest,
    actor: str,
    text: str,
    today: date,
) -> Decision:
    """Move the due date once by privacy.extension_days business days, told to the resident within the period
    (`today` is the city's), with the reasons for it."""
    _ensure_open(request)
    privacy = flows.privacy
    if privacy is None or privacy.extension_days <= 0:
        raise DecisionError(N_("flows.yaml allows no extension (privacy: extension_business_days is 0 or unset)"))
    if request.extended:
        raise DecisionError(N_("the one extension the law allows was used already"))
    if today > request.due_on:
        raise DecisionError(
            N_("the answer period ended on %(due_on)s: an extension is told within it"),
            due_on=request.due_on.isoformat(),
        )
    response = _text(text, N_("write why it needs more time: the resident reads it"))
    was = request.due_on
    request.due_on, request.extended = add_business_days(was, privacy.extension_days, privacy), True
    session.add(request)
    message = _tell(session, flows, request, "extended", response)
    audit.record(
        session,
        "request_extended",
        actor=actor,
        request_id=request.id,
        contact_id=request.contact_id,
        detail={
            "right": request.right,
            "due_on_was": was.isoformat(),
            "due_on": request.due_on.isoformat(),
            "told": _told(message),
        },
    )
    return Decision(request, message)


def _ensure_open(request: PrivacyRequest) -> None:
    if request.status != "open":
        raise RequestClosedError(
            N_("request %(folio)s is %(status)s already: nothing more can be decided"),
            folio=request.folio,
            status=Code("privacy_status", request.status),
        )


def _text(text: str | None, missing: str, required: bool = True) -> str:
    """The officer's text as stored and sent: control characters dropped, trimmed, bounded."""
    text = without_controls(text or "").strip()
    if required and not text:
        raise DecisionError(missing)
    if len(text) > MAX_RESPONSE:
        raise DecisionError(
            N_("at most %(limit)d characters, please (%(length)d written)"), limit=MAX_RESPONSE, length=len(text)
        )
    return text


def _corrected_name(request: PrivacyRequest, name: str | None) -> str | None:
    """The contact's corrected name, if the form gives one; only a rectification corrects anything."""
    name = "".join(c for c in (name or "") if c.isprintable()).strip()
    if not name:
        return None
    if request.right != "rectification":
        raise DecisionError(N_("only a rectification corrects the contact's name"))
    if len(name) > MAX_NAME:
        raise DecisionError(N_("a name has at most %(limit)d characters"), limit=MAX_NAME)
    return name


def _close(request: PrivacyRequest, status: str, response: str, now: datetime | None) -> None:
    request.status, request.response, request.closed_at = status, response, now or utcnow()


def _tell(
    session: Session, flows: Flows, request: PrivacyRequest, outcome: str, response: str, send: bool = True
) -> Message | None:
    """Queue privacy_request_<outcome> to the resident on their channel, in their language (send=False: no send
    job of its own; the caller's job sends it)."""
    lang = request.lang or flows.default_language
    due = shown_date(request.due_on)
    values = {
        "folio": request.folio,
        "right": right_label(flows, request.right, lang),
        "response": response,
        "due": due,
        "status": render(flows.message(f"privacy_status_{outcome}", lang), {"due": due}),
    }
    text = render(flows.message(f"privacy_request_{outcome}", lang), values).strip()
    message = OutboundMessage(text)
    return queue_message(session, flows, request.contact_id, UPDATE_KIND, message, values, lang, send=send)


def _told(message: Message | None) -> bool:
    return message is not None and message.status == "queued"


def _queue_erasure(session: Session, request: PrivacyRequest, message: Message | None) -> Outbox:
    """Add the erase_contact job: it sends the message telling the resident (which has no send job of its own),
    then erases, so the message is sent once and before the number is gone."""
    message_ids = [message.id] if _told(message) and message is not None and message.id is not None else []
    outbox = Outbox(
        kind=ERASE_KIND,
        payload={"contact_id": request.contact_id, "request_id": request.id, "message_ids": message_ids},
    )
    session.add(outbox)
    session.flush()
    return outbox
