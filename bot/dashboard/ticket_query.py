"""Which tickets an operator asked for: filters read from the query string, scoped to their departments, keyset-paged.

The queue, its live updates, the map and the exports all read tickets through here, so a filter
means the same everywhere and no page shows a ticket of a department the operator does not serve.
Pages continue after the last row's sort key (never OFFSET): page 10,000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from flask import has_app_context
from sqlalchemy import false, func, literal, tuple_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from bot.config import Config
from bot.dashboard.access import department_scope, visible
from bot.db.tables import ContactAddress, Ticket, as_utc, utcnow
from bot.messaging.phones import mask_phone
from bot.reports.periods import day_bounds
from bot.services import services
from bot.tickets.lifecycle import OPEN_STATUSES, STATUSES
from bot.tickets.search import like_pattern, matching_ids, normalise
from bot.translatable import N_, TranslatableError

__all__ = [
    "FilterError",
    "TicketFilters",
    "Cursor",
    "Page",
    "parse_filters",
    "parse_cursor",
    "filtered",
    "fetch_page",
    "newer_than",
    "masked_phones",
    "present_values",
    "is_overdue",
    "parse_day",
    "city_zone",
    "PAGE_SIZE",
    "SORTS",
]

PAGE_SIZE = 50
SORTS = ("newest", "urgent")
MAX_QUERY_CHARS = 200
MAX_WORDS = 8
MAX_VALUES = 20
MAX_COLONIA_CHARS = 100
NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
FOLIO = re.compile(r"\d{4}-[0-9A-Z]{6}")
TRUE, FALSE = ("1", "on", "true", "yes"), ("", "0", "off", "false", "no")


class FilterError(TranslatableError):
    """A filter the queue cannot use; the message names the parameter and what it takes."""


@dataclass(frozen=True)
class TicketFilters:
    """What the operator asked for; an empty tuple means no filter on that field."""

    statuses: tuple[str, ...] = OPEN_STATUSES
    categories: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    colonias: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    created_from: date | None = None  # the city's days (CITY_TIMEZONE)
    created_to: date | None = None  # inclusive
    overdue: bool = False
    text: str = ""
    sort: str = "newest"
    words: tuple[str, ...] = field(default=(), compare=False)  # text, normalised and split

    @property
    def folio(self) -> str | None:
        """The folio typed in the search box, if the search is one."""
        candidate = self.text.strip().upper()
        return candidate if FOLIO.fullmatch(candidate) else None

    def as_args(self) -> list[tuple[str, str]]:
        """The query string that gives these filters back (for links: next page, exports, the map)."""
        statuses = "open" if self.statuses == OPEN_STATUSES else "all" if not self.statuses else None
        args = [("status", statuses)] if statuses else [("status", s) for s in self.statuses]
        args += [("category", c) for c in self.categories] + [("department", d) for d in self.departments]
        args += [("channel", c) for c in self.channels]
        args += [("colonia", c) for c in self.colonias] + [("zone", z) for z in self.zones]
        args += [("from", self.created_from.isoformat())] if self.created_from else []
        args += [("to", self.created_to.isoformat())] if self.created_to else []
        args += [("overdue", "1")] if self.overdue else []
        args += [("q", self.text)] if self.text else []
        return args + ([("sort", self.sort)] if self.sort != "newest" else [])


def parse_filters(args) -> TicketFilters:
    """Read filters from request.args (a MultiDict); raise FilterError on a value that makes no sense."""
    created_from, created_to = parse_day(args, "from"), parse_day(args, "to")
    if created_from and created_to and created_from > created_to:
        raise FilterError(N_("from: the start date is after the end date"))
    text = _text(args)
    return TicketFilters(
        statuses=_statuses(args),
        categories=_names(args, "category"),
        departments=_names(args, "department"),
        channels=_names(args, "channel"),
        colonias=_colonias(args),
        zones=_names(args, "zone"),
        created_from=created_from,
        created_to=created_to,
        overdue=_flag(args, "overdue"),
        text=text,
        sort=_choice(args, "sort", SORTS),
        words=_words(text),
    )


def _values(args, name: str) -> list[str]:
    values = [v.strip() for raw in args.getlist(name) for v in raw.split(",") if v.strip()]
    if len(values) > MAX_VALUES:
        raise FilterError(N_("%(name)s: at most %(limit)d values"), name=name, limit=MAX_VALUES)
    return values


def _statuses(args) -> tuple[str, ...]:
    values = _values(args, "status")
    if not values or values == ["open"]:
        return OPEN_STATUSES
    if "all" in values:
        return ()
    unknown = [v for v in values if v not in STATUSES and v != "open"]
    if unknown:
        raise FilterError(
            N_("status: unknown '%(status)s' (use open, all or one of: %(known)s)"),
            status=unknown[0][:40],
            known=", ".join(STATUSES),
        )
    return tuple(s for s in STATUSES if s in values or ("open" in values and s in OPEN_STATUSES))


def _names(args, name: str) -> tuple[str, ...]:
    values = _values(args, name)
    for value in values:
        if not NAME.fullmatch(value):
            raise FilterError(N_("%(name)s: letters, digits, '_', '-' or '.' only (up to 64)"), name=name)
    return tuple(dict.fromkeys(values))


def _colonias(args) -> tuple[str, ...]:
    """Colonias as the places name them ("Del Valle", "Residencial San Agustín, 1er Sector"): whole, never split."""
    values = [" ".join(raw.split()) for raw in args.getlist("colonia")]
    values = [v for v in values if v]
    if len(values) > MAX_VALUES:
        raise FilterError(N_("%(name)s: at most %(limit)d values"), name="colonia", limit=MAX_VALUES)
    for value in values:
        if len(value) > MAX_COLONIA_CHARS or not value.isprintable():
            raise FilterError(N_("colonia: a colonia's name (up to %(limit)d characters)"), limit=MAX_COLONIA_CHARS)
    return tuple(dict.fromkeys(values))


def parse_day(args, name: str) -> date | None:
    """A YYYY-MM-DD day from the query string (None when absent); FilterError naming the parameter otherwise."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError
        day = date.fromisoformat(raw)
    except ValueError:
        raise FilterError(N_("%(name)s: use YYYY-MM-DD"), name=name) from None
    if not 2000 <= day.year <= 2999:
        raise FilterError(N_("%(name)s: a date between the years 2000 and 2999"), name=name)
    return day


def _flag(args, name: str) -> bool:
    raw = (args.get(name) or "").strip().lower()
    if raw not in TRUE + FALSE:
        raise FilterError(N_("%(name)s: use 1 or 0"), name=name)
    return raw in TRUE


def _choice(args, name: str, choices: tuple[str, ...]) -> str:
    raw = (args.get(name) or "").strip() or choices[0]
    if raw not in choices:
        raise FilterError(
            N_("%(name)s: use %(choices)s or %(last)s"), name=name, choices=", ".join(choices[:-1]), last=choices[-1]
        )
    return raw


def _text(args) -> str:
    text = " ".join((args.get("q") or "").replace("\x00", " ").split())
    if len(text) > MAX_QUERY_CHARS:
        raise FilterError(N_("q: at most %(limit)d characters"), limit=MAX_QUERY_CHARS)
    return text


def _words(text: str) -> tuple[str, ...]:
    words = tuple(dict.fromkeys(normalise(text).split()))
    if len(words) > MAX_WORDS:
        raise FilterError(N_("q: at most %(limit)d words"), limit=MAX_WORDS)
    return words


def filtered(
    filters: TicketFilters, now: datetime, operator=None, zone: tzinfo | None = None, db: Session | None = None
):
    """A select of the tickets the filters ask for, among those the operator may see (unordered).

    Dates are days in the zone: the city's (CITY_TIMEZONE) unless another is given. With db, a text search
    on SQLite first asks the text index how many tickets hold its words (bot/tickets/search.py): when few
    do, the select reads just those; without db the same rows are found along the queue's index, more slowly
    for a rare word. (PostgreSQL's planner uses its text index either way.)
    """
    conditions = _conditions(filters, now, zone)
    if filters.words and not filters.folio and db is not None:
        ids = matching_ids(db, filters.words, departments=_departments_searched(filters, operator))
        conditions += [Ticket.id.in_(ids)] if ids is not None else []
    return visible(select(Ticket), operator).where(*conditions)


def _departments_searched(filters: TicketFilters, operator) -> list[str] | None:
    """The departments whose tickets a search may find: the operator's, narrowed by the filter (None: all)."""
    scope = department_scope(operator)
    if filters.departments:
        return [d for d in filters.departments if scope is None or d in scope]
    return None if scope is None else list(scope)


def city_zone() -> tzinfo:
    """The city's time zone: the app's setting, or CITY_TIMEZONE's default outside an app (a bench, a script)."""
    return services().config.city_zone() if has_app_context() else Config().city_zone()


def _conditions(filters: TicketFilters, now: datetime, zone: tzinfo | None) -> list:
    if filters.folio:  # a typed folio finds its ticket whatever the other filters say (still only if visible)
        return [Ticket.folio == filters.folio]
    conditions = _status_conditions(filters, now)
    conditions += [Ticket.category.in_(filters.categories)] if filters.categories else []
    conditions += [Ticket.department.in_(filters.departments)] if filters.departments else []
    conditions += [Ticket.channel.in_(filters.channels)] if filters.channels else []
    conditions += [Ticket.colonia.in_(filters.colonias)] if filters.colonias else []
    conditions += [Ticket.zone.in_(filters.zones)] if filters.zones else []
    if filters.created_from or filters.created_to:  # from the city's midnight to the one after the last day
        days = day_bounds(filters.created_from, filters.created_to, zone or city_zone())
        conditions += [Ticket.created_at >= days.since] if days.since else []
        conditions += [Ticket.created_at < days.until] if days.until else []
    return conditions + [Ticket.search_text.like(like_pattern(word), escape="\\") for word in filters.words]


def _status_conditions(filters: TicketFilters, now: datetime) -> list:
    """The statuses asked for; overdue narrows them to the open ones past their deadline."""
    if not filters.overdue:
        return [Ticket.status.in_(filters.statuses)] if filters.statuses else []
    statuses = [s for s in (filters.statuses or OPEN_STATUSES) if s in OPEN_STATUSES]
    return [Ticket.status.in_(statuses), Ticket.due_at < as_utc(now)] if statuses else [false()]


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last row's sort key (received time or deadline, then id)."""

    sort: str
    ticket_id: int
    at: datetime | None = None  # newest: created_at; urgent: due_at (None: among the tickets without one)

    def encode(self) -> str:
        """An opaque token for the `after` parameter."""
        at = as_utc(self.at).isoformat() if self.at else None
        raw = json.dumps([self.sort, self.ticket_id, at], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_cursor(raw: str | None, sort: str) -> Cursor | None:
    """Read the `after` token of a page of this sort; FilterError if it is not one."""
    if not raw:
        return None
    try:
        kind, ticket_id, at = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if kind != sort or type(ticket_id) is not int or not 0 <= ticket_id < 2**63:
            raise ValueError
        if not (isinstance(at, str) or (at is None and sort == "urgent")):
            raise ValueError
        return Cursor(kind, ticket_id, as_utc(datetime.fromisoformat(at)) if at else None)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise FilterError(N_("after: not a page of this list; start again from the first page")) from None


@dataclass
class Page:
    """One page of tickets and the cursor of the next one (None on the last page)."""

    tickets: list[Ticket]
    next_cursor: Cursor | None


def fetch_page(db: Session, statement, sort: str, after: Cursor | None = None, size: int = PAGE_SIZE) -> Page:
    """The page of `statement`'s tickets after the cursor, in the sort's order."""
    rows = _newest(db, statement, after, size + 1) if sort == "newest" else _urgent(db, statement, after, size + 1)
    tickets = rows[:size]
    more = len(rows) > size
    return Page(tickets, _cursor_after(sort, tickets[-1]) if more else None)


def _cursor_after(sort: str, ticket: Ticket) -> Cursor:
    return Cursor(sort, ticket.id, ticket.created_at if sort == "newest" else ticket.due_at)


def _beyond(column, after: Cursor, descending: bool = False):
    """(column, id) past the cursor's in the page order: one row comparison an index on (..., column, id) answers."""
    key, last = tuple_(column, Ticket.id), tuple_(literal(as_utc(after.at), column.type), after.ticket_id)
    return key < last if descending else key > last


def _newest(db: Session, statement, after: Cursor | None, limit: int) -> list[Ticket]:
    """Latest received first (ties by id): the order an index on (department, created_at, id) keeps."""
    if after:
        statement = statement.where(_beyond(Ticket.created_at, after, descending=True))
    return list(db.exec(statement.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)).all())


def _urgent(db: Session, statement, after: Cursor | None, limit: int) -> list[Ticket]:
    """Soonest deadline first, then tickets without one (by id): two index-ordered reads, never a sort of all rows."""
    rows: list[Ticket] = []
    if after is None or after.at is not None:
        with_deadline = statement.where(Ticket.due_at.is_not(None))
        if after:
            with_deadline = with_deadline.where(_beyond(Ticket.due_at, after))
        rows = list(db.exec(with_deadline.order_by(Ticket.due_at, Ticket.id).limit(limit)).all())
    if len(rows) < limit:
        without = statement.where(Ticket.due_at.is_(None))
        if after and after.at is None:
            without = without.where(Ticket.id > after.ticket_id)
        rows += list(db.exec(without.order_by(Ticket.id).limit(limit - len(rows))).all())
    return rows


def newer_than(db: Session, statement, since: int, limit: int = PAGE_SIZE) -> list[Ticket]:
    """Tickets stored after ticket `since`, newest first (the queue's live updates)."""
    return list(db.exec(statement.where(Ticket.id > since).order_by(Ticket.id.desc()).limit(limit)).all())


def masked_phones(db: Session, tickets: list[Ticket]) -> dict[int, str]:
    """contact id -> masked phone number, for a page of tickets in one query."""
    contact_ids = {t.contact_id for t in tickets}
    if not contact_ids:
        return {}
    rows = db.exec(
        select(ContactAddress.contact_id, ContactAddress.address)
        .where(ContactAddress.contact_id.in_(contact_ids), ContactAddress.kind == "phone")
        .order_by(ContactAddress.id.desc())
    ).all()
    return {contact_id: mask_phone(address) for contact_id, address in rows}  # the first number wins


def present_values(db: Session, column, operator=None) -> list[str]:
    """The values of a ticket column (colonia, zone) among the tickets the operator may see, sorted.

    Read department by department along the (department, column, ...) index, skipping from one value
    straight to the next (a loose index scan): a few lookups per value, however many tickets hold it.
    """
    scope = department_scope(operator)
    departments = _distinct(db, Ticket.department) if scope is None else scope
    return sorted({value for department in departments for value in _distinct(db, column, department)})


def _distinct(db: Session, column, department: str | None = None) -> list[str]:
    """The distinct non-NULL values of a column (within one department), each found by one index seek."""
    within = [Ticket.department == department] if department is not None else []
    found = select(func.min(column).label("value")).where(*within).cte("found", recursive=True)
    later = aliased(Ticket)
    following = getattr(later, column.key)
    step = select(
        select(func.min(following))
        .where(*([later.department == department] if department is not None else []), following > found.c.value)
        .scalar_subquery()
    ).where(found.c.value.is_not(None))
    found = found.union_all(step)
    return list(db.exec(select(found.c.value).where(found.c.value.is_not(None))).all())


def is_overdue(ticket: Ticket, now: datetime | None = None) -> bool:
    """Whether an open ticket is past its deadline."""
    return (
        ticket.status in OPEN_STATUSES and ticket.due_at is not None and as_utc(ticket.due_at) < as_utc(now or utcnow())
    )
