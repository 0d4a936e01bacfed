"""Database tables (SQLModel). Timestamps are UTC; JSON columns hold channel-neutral data."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, event, text
from sqlmodel import Field, SQLModel

from bot.db import first_resolution, ticket_tallies

__all__ = [
    "Contact",
    "ContactAddress",
    "Conversation",
    "Message",
    "Ticket",
    "TicketEvent",
    "TicketTally",
    "TicketFollowup",
    "SurveyResponse",
    "SurveyTally",
    "SurveyTallyState",
    "FlowVersion",
    "Outbox",
    "Operator",
    "OperatorSession",
    "OperatorChange",
    "PlaceStreet",
    "PlaceArea",
    "PlaceLayer",
    "Consent",
    "PrivacyRequest",
    "PrivacyEvent",
    "ApiKey",
    "OpenDataFile",
    "Campaign",
    "CampaignSend",
    "CampaignEvent",
    "utcnow",
    "as_utc",
]


# The open statuses (bot.tickets.lifecycle.OPEN_STATUSES, which tests hold this to) as a partial index's predicate.
OPEN_TICKET = "status IN ('received', 'delivered', 'delivery_failed', 'acknowledged', 'in_progress')"


def utcnow() -> datetime:
    """Return the current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC with its zone: databases hand stored timestamps back naive (they are UTC)."""
    return moment.replace(tzinfo=UTC) if moment.utcoffset() is None else moment.astimezone(UTC)


class Contact(SQLModel, table=True):
    """A resident, whichever channels they use."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    lang: str | None = None
    opted_out: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    anonymised_at: datetime | None = None  # when its personal data was erased (ARCO cancellation or retention)
    surveys_opted_in_at: datetime | None = None  # when they asked for survey invitations ("quiero encuestas"); None: no


class ContactAddress(SQLModel, table=True):
    """How a contact is known: a phone number in E.164 (SMS and both WhatsApps), a web chat id."""

    __table_args__ = (UniqueConstraint("kind", "address"),)
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    kind: str  # "phone" or "webchat"
    address: str


class Conversation(SQLModel, table=True):
    """The current state of a contact's conversation with the bot (one row per contact)."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", unique=True)
    state: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    seq: int = 0  # bumped on every message: a write based on an older read is refused
    updated_at: datetime = Field(default_factory=utcnow)


class Message(SQLModel, table=True):
    """Every message in or out; provider ids are unique per provider so retries are recognised."""

    __table_args__ = (UniqueConstraint("provider", "provider_id"),)
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    direction: str  # "in" or "out"
    channel: str  # sms, whatsapp, webchat
    provider: str = ""  # twilio, meta, webchat
    provider_id: str | None = None
    reply_to_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    text: str = ""
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = "received"  # in: received; out: replied_inline, queued, sent, delivered, read, failed
    error: str = ""  # the provider's error code or our reason, when status is failed
    created_at: datetime = Field(default_factory=utcnow)


class Ticket(SQLModel, table=True):
    """A resident's report for a department, known to everyone by its folio."""

    # The dashboard's queue reads newest first (created_at, id) or most urgent first (due_at, id) within these
    # filters; they also serve any lookup by department or status alone.
    __table_args__ = (
        Index("ix_ticket_department_created_at_id", "department", "created_at", "id"),
        Index("ix_ticket_status_created_at_id", "status", "created_at", "id"),
        Index("ix_ticket_department_status_created_at_id", "department", "status", "created_at", "id"),
        Index("ix_ticket_status_due_at_id", "status", "due_at", "id"),
        # The queue's colonia and zone filters, and their select boxes (the values a department's tickets hold).
        Index("ix_ticket_department_colonia_created_at_id", "department", "colonia", "created_at", "id"),
        Index("ix_ticket_department_zone_created_at_id", "department", "zone", "created_at", "id"),
        # The overview's median time to resolve: the window's first resolutions, read from the index alone.
        Index("ix_ticket_resolved_at", "resolved_at", "department", "category", "created_at"),
        # The overview's tickets per category per week and per channel, read from the index alone.
        Index("ix_ticket_created_at_department_category_channel", "created_at", "department", "category", "channel"),
        # Open and overdue tickets per department (the operators page, the overview's overdue), from the index alone.
        Index("ix_ticket_department_status_due_at", "department", "status", "due_at"),
        # Open311's public list by service (flow) and by service and status, newest first (bot/tickets/public_requests.py).
        Index("ix_ticket_flow_created_at_id", "flow", "created_at", "id"),
        Index("ix_ticket_flow_status_created_at_id", "flow", "status", "created_at", "id"),
        # The map's newest open tickets, already in order: no read of every open one, no sort.
        Index(
            "ix_ticket_open_created_at_id",
            "created_at",
            "id",
            sqlite_where=text(OPEN_TICKET),
            postgresql_where=text(OPEN_TICKET),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    folio: str = Field(unique=True, index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    channel: str
    flow: str
    department: str
    category: str
    priority: str = "normal"
    status: str = "received"
    summary: str = ""
    lang: str = "es"
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    colonia: str | None = None  # the colonia the place is in, as the city's places name it
    zone: str | None = None  # the id of the flows.yaml zone the place is in
    geo_method: str | None = None  # how it was placed: intersection, between, street_number, street, online, pin
    geo_confidence: float | None = None  # 0..1, for a typed address
    place_note: str | None = None  # what the map says a pin is near, or the resident's reference ("frente a ...")
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    media: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    duplicate_of: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    external_id: str | None = None  # the department system's own id (Open311 service_request_id, ...)
    assignee_id: int | None = Field(default=None, foreign_key="operator.id", index=True)
    due_at: datetime | None = None  # created_at plus the SLA of its department/category, when one is set
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None  # its first change to resolved; set by a trigger (db/first_resolution.py)
    search_text: str | None = (
        None  # folio, address, summary, answers: lowercase, no accents (bot/tickets/search.py; indexed: db/text_search.py)
    )


for _dialect in ("sqlite", "postgresql"):  # tickets per hour and day follow the tickets (db/ticket_tallies.py)
    for _ddl in ticket_tallies.ddl_for_create_all(_dialect):
        event.listen(Ticket.__table__, "after_create", _ddl)


class TicketTally(SQLModel, table=True):
    """How many tickets of a department, category and channel were created in a UTC hour or day (db/ticket_tallies.py).

    Kept by triggers on ticket, so the overview sums these rows instead of reading every ticket of its weeks.
    """

    grain: str = Field(primary_key=True)  # "h": the bucket is a UTC hour; "d": a UTC day
    bucket: datetime = Field(primary_key=True)  # its start, UTC
    department: str = Field(primary_key=True)
    category: str = Field(primary_key=True)
    channel: str = Field(primary_key=True)
    created: int = 0  # tickets created in it (0 once all have moved away: the row stays)


class TicketEvent(SQLModel, table=True):
    """One entry of a ticket's audit trail: what happened, who did it, when."""

    __table_args__ = (Index("ix_ticketevent_kind_created_at", "kind", "created_at"),)  # the overview's median

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    kind: str
    actor: str = "system"
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


for _dialect in ("sqlite", "postgresql"):  # ticket.resolved_at follows the audit trail (db/first_resolution.py)
    for _ddl in first_resolution.ddl_for_create_all(_dialect):
        event.listen(TicketEvent.__table__, "after_create", _ddl)


class TicketFollowup(SQLModel, table=True):
    """The city asking a resident, after a resolution, whether their ticket is really fixed and how satisfied they are.

    One row per resolution (a ticket resolved, reopened and resolved again is asked again about the new fix, never
    twice about one), written when the question goes out or is not sent (and why), then answered.
    """

    # The overview's satisfaction per department over its weeks, read from the index alone.
    __table_args__ = (
        Index("ix_ticketfollowup_answered_at_department", "answered_at", "department", "fixed", "rating"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    resolution_id: int = Field(unique=True)  # the audit event (status_changed to resolved) it asks about
    contact_id: int = Field(foreign_key="contact.id", index=True)
    department: str  # the ticket's when asked: the overview groups by it without reading tickets
    status: str = "asked"  # asked, answered, not_asked
    reason: str = ""  # why it was not asked: opted_out, erased, no_channel, reopened, no_template, busy, stale
    message_id: int | None = None  # the question sent
    fixed: bool | None = None  # the resident's answer: is it fixed?
    rating: int | None = None  # how satisfied, 1-5 (asked when it is fixed)
    created_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None


class SurveyResponse(SQLModel, table=True):
    """The answers of one completed survey flow (a park evaluation, say)."""

    __table_args__ = (Index("ix_surveyresponse_flow_created_at", "flow", "created_at"),)  # results by date

    id: int | None = Field(default=None, primary_key=True)
    flow: str = Field(index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    lang: str = "es"
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class SurveyTally(SQLModel, table=True):
    """How many responses of a survey flow gave one answer in a city day, month or year, or ever (bot.reports.tallies).

    Kept in the transaction that stores, scrubs or rebuilds responses, so results sum these rows instead of
    reading every response. step "" counts responses; a rating's rows are per subject (the first choice).
    """

    # Responses per day over a period (step "") and the days with data, read from the index alone.
    __table_args__ = (Index("ix_surveytally_flow_step_grain_bucket", "flow", "step", "grain", "bucket", "count"),)

    flow: str = Field(primary_key=True)
    grain: str = Field(primary_key=True)  # "d", "m", "y": the bucket is that day, month, year of the city; "a": all
    bucket: date = Field(primary_key=True)  # the first day of it (2000-01-01 for all time)
    step: str = Field(primary_key=True)
    subject: str = Field(default="", primary_key=True)  # the subject's answer as JSON, for ratings; else ""
    value: str = Field(default="", primary_key=True)  # the answer as JSON ("" on the count rows)
    label: str = Field(default="", primary_key=True)  # the label the resident saw, for choices; else ""
    count: int = 0


class SurveyTallyState(SQLModel, table=True):
    """A survey flow's tallies are complete for this city zone and these steps; otherwise results read responses."""

    flow: str = Field(primary_key=True)
    zone: str  # the IANA zone of the tallies' days (CITY_TIMEZONE when they were built)
    shape: str  # which steps are tallied how (bot.reports.tallies.shape_of); a changed flow stops the tallies
    built_at: datetime = Field(default_factory=utcnow)


class FlowVersion(SQLModel, table=True):
    """The text of every flows.yaml version that ran, so conversations finish on the one they began."""

    version: str = Field(primary_key=True)
    text: str
    created_at: datetime = Field(default_factory=utcnow)


class Outbox(SQLModel, table=True):
    """Work committed with the change that caused it, relayed to RQ until done."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", index=True)  # pending, done, failed, cancelled (a merged duplicate)
    attempts: int = 0
    available_at: datetime | None = Field(default=None, index=True)  # next try, when retrying (None: now)
    last_error: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    done_at: datetime | None = None


class Operator(SQLModel, table=True):
    """A person who works in the dashboard: an admin, an operator of some departments, or a viewer."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)  # stored lowercased
    name: str = ""
    password_hash: str
    role: str = "operator"  # admin, operator, viewer
    departments: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    language: str = Field(default="es", sa_column_kwargs={"server_default": "es"})  # the dashboard's: es or en
    created_at: datetime = Field(default_factory=utcnow)


class OperatorSession(SQLModel, table=True):
    """A signed-in browser: the cookie names it, logout or idleness ends it here, on the server."""

    id: str = Field(primary_key=True)  # a random token, the only thing the session cookie carries
    operator_id: int = Field(foreign_key="operator.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None


class OperatorChange(SQLModel, table=True):
    """What an admin changed about an operator (added, role, departments, disabled, password), who and when."""

    id: int | None = Field(default=None, primary_key=True)
    actor: str
    text: str  # bot.translatable.stored(): JSON with the English text, template and params (older rows: English)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class PlaceStreet(SQLModel, table=True):
    """One street centreline of the city's places (a segment, a block or a whole street), in WGS84."""

    id: int | None = Field(default=None, primary_key=True)
    name: str  # as the map writes it: "Av. Juárez"
    norm_name: str  # bot.flows.matching.normalize(name): "av juarez"
    kind: str = ""  # the map's street type (INEGI's TIPOVIAL): "Avenida", "Calle"
    geometry: dict = Field(sa_column=Column(JSON, nullable=False))  # GeoJSON LineString, (longitude, latitude)
    min_lat: float = Field(index=True)  # the bounding box, for "what is near this point" in SQL
    max_lat: float = Field(index=True)
    min_lng: float = Field(index=True)
    max_lng: float = Field(index=True)


class PlaceArea(SQLModel, table=True):
    """One named area of a layer of the city's places: a colonia, the boundary, a neighbour municipality, a zone."""

    id: int | None = Field(default=None, primary_key=True)
    layer: str = Field(index=True)  # colonias, boundary, municipalities, zones (bot.places.model.AREA_LAYERS)
    name: str
    norm_name: str
    geometry: dict = Field(sa_column=Column(JSON, nullable=False))  # GeoJSON Polygon or MultiPolygon, WGS84
    min_lat: float = Field(index=True)
    max_lat: float = Field(index=True)
    min_lng: float = Field(index=True)
    max_lng: float = Field(index=True)


class PlaceLayer(SQLModel, table=True):
    """A layer's last import: where it came from, how many features; its version changes on every import."""

    layer: str = Field(primary_key=True)  # streets or one of the area layers
    source: str  # the file names it was read from
    features: int
    version: str  # new on every import: processes rebuild their index when a layer's version changes
    imported_at: datetime = Field(default_factory=utcnow)


class Consent(SQLModel, table=True):
    """A resident's answer to the privacy notice: which version, accepted or declined, on which channel, when."""

    __table_args__ = (Index("ix_consent_contact_id_created_at", "contact_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    notice_version: str
    accepted: bool
    channel: str = ""
    created_at: datetime = Field(default_factory=utcnow)


class PrivacyRequest(SQLModel, table=True):
    """An ARCO request (rectification, cancellation, opposition) with its own folio and legal due date."""

    __table_args__ = (Index("ix_privacyrequest_status_due_on", "status", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    folio: str = Field(unique=True, index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    right: str  # rectification, cancellation, opposition (access is answered at once, by chat)
    detail: str = ""  # what the resident wrote: the data to correct, why they oppose
    channel: str = ""
    lang: str = "es"
    status: str = "open"  # open, fulfilled, rejected
    due_on: date  # the last business day to answer, in the city's calendar
    extended: bool = False  # the one extension the law allows was used
    response: str = ""  # what the resident was told when it closed (the legal reason of a rejection)
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class PrivacyEvent(SQLModel, table=True):
    """The privacy audit trail: notices answered, requests filed and answered, data exported, erased, expired."""

    __table_args__ = (Index("ix_privacyevent_kind_created_at", "kind", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="privacyrequest.id", index=True)
    contact_id: int | None = Field(default=None, index=True)  # no foreign key: the trail outlives what it names
    kind: str
    actor: str = "system"
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    """A key an admin issued to an application for Open311's POST: only its SHA-256 is kept, shown once."""

    id: int | None = Field(default=None, primary_key=True)
    name: str  # the application, as the admin named it
    key_hash: str = Field(
        unique=True, index=True
    )  # hex SHA-256 of the key (a random 32-byte secret needs no slow hash)
    prefix: str = ""  # the key's first characters, to tell keys apart in lists
    created_by: str = ""  # the admin's e-mail, or "cli"
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None  # a revoked key is refused; the row stays, so its tickets' trail names it


class OpenDataFile(SQLModel, table=True):
    """One file of the published open data (/datos/<name>), aggregates only (bot/opendata/): each publication
    replaces them all in one transaction, so /datos/ serves stored bytes and never computes a figure per request."""

    name: str = Field(primary_key=True)  # its path under /datos/: tickets-por-semana.csv, encuestas/parques.csv
    media_type: str
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    digest: str  # SHA-256 of the body, hex: its ETag
    quotes_residents: bool = False  # holds comments residents wrote for publication: an erasure withdraws it
    published_at: datetime = Field(default_factory=utcnow)


class Campaign(SQLModel, table=True):
    """A survey campaign: an invitation (an approved template) to a survey flow, for residents who opted in to surveys,
    narrowed to a colonia or a past category; created by an admin, then sent paced through the outbox."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    flow: str  # the survey flow the invitation opens
    template: str  # the flows.yaml template (and message) the invitation is sent with
    colonia: str | None = None  # only residents with a ticket in this colonia
    category: str | None = None  # only residents with a ticket of this category
    exempt: str | None = None  # the flow's `exempt` when created (health, education, civil_protection)
    status: str = "draft"  # draft, sending
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None  # when sending began


class CampaignSend(SQLModel, table=True):
    """One resident's invitation of a campaign (at most one per campaign): when it is due, what became of it."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id"),
        Index("ix_campaignsend_campaign_id_status", "campaign_id", "status"),
        Index("ix_campaignsend_contact_id_sent_at", "contact_id", "sent_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    contact_id: int = Field(foreign_key="contact.id")
    status: str = "pending"  # pending, sent, skipped (opted out since, or no way to reach them), held (blackout)
    reason: str = ""  # why skipped or held
    due_at: datetime  # when the paced outbox row may send it
    message_id: int | None = Field(default=None, foreign_key="message.id")
    sent_at: datetime | None = None
    answered_at: datetime | None = None  # the resident answered the invitation
    accepted: bool | None = None  # ... and started the survey (True) or declined (False)
    finished_at: datetime | None = None  # the resident completed the survey after the invitation


class CampaignEvent(SQLModel, table=True):
    """The campaigns' audit trail: created, sending, refused or held in an electoral blackout, and by whom."""

    __table_args__ = (Index("ix_campaignevent_campaign_id_created_at", "campaign_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int | None = None  # no foreign key: a refused creation names no campaign
    kind: str  # created, sending, refused, held
    actor: str = "system"
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
