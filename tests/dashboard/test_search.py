"""Text search through the databases' own text index gives the rows `LIKE '%word%'` gave, page by page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from bot.dashboard.ticket_query import fetch_page, filtered, parse_cursor, parse_filters
from bot.db.database import transaction
from bot.db.tables import Operator, Ticket, TicketEvent
from bot.db.text_search import FTS_TABLE
from bot.tickets.lifecycle import OPEN_STATUSES
from bot.tickets.search import like_pattern, matching_ids, normalise
from tests.support.desks import seed_ticket
from tests.support.search import change, ids_by_index

NOW = datetime.now(UTC).replace(microsecond=0)
OBRAS = ("obras_publicas",)

# (department, status, summary, address): accents, case, punctuation, words shared across departments
STORIES = [
    ("obras_publicas", "received", "Bache en Morelos y 5 de Mayo", "Morelos 120, Centro"),
    ("obras_publicas", "in_progress", "Bache profundo en JUÁREZ", "Av. Juárez 1200, Mitras Centro"),
    ("obras_publicas", "resolved", "Bache tapado en Juárez y Hidalgo", "Hidalgo 5, Obispado"),
    ("obras_publicas", "received", "Árbol caído sobre la banqueta", "Padre Mier 3000, Mitras"),
    ("obras_publicas", "acknowledged", "Coladera sin tapa: 100% peligrosa", "Zaragoza 1_00, Centro"),
    ("obras_publicas", "closed", "Hundimiento frente a la panadería Ñandú", "Constitución 45, Del Valle"),
    ("obras_publicas", "received", "Fuga de agua en Hidalgo", "Hidalgo 77, Mitras Centro"),
    ("obras_publicas", "delivered", "Semáforo sin luz en Morelos y Juárez", "Morelos 1, Centro"),
    ("parques", "received", "Árbol caído en Morelos", "Morelos 9, Mitras"),
    ("parques", "received", "Pasto alto en Juárez", "Juárez 4, Centro"),
]
QUERIES = [
    "morel",  # part of a word
    "MORELOS",
    "juárez",
    "juarez hidalgo",
    "hidalgo JUÁREZ",  # any order
    "arbol caido",
    "ñandu",
    "nandú panaderia",
    "mitras centro",
    "5",  # shorter than a trigram: checked row by row
    "de mayo",
    "bache 5",
    "100%",
    "12%",  # % and _ are letters, not wildcards
    "1_00",
    "1_0",
    "zzyzx",  # found nowhere
    "morelos zzyzx",
    "tapa:",
]


def operator(*departments: str) -> Operator:
    return Operator(email="o@x.mx", password_hash="-", role="operator", departments=list(departments))


@pytest.fixture
def stories(app):
    """Two rounds of STORIES, an hour apart each, so a search's hits fill several pages of three."""
    made = []
    for n, (department, status, summary, address) in enumerate(STORIES * 2):
        category = "bache" if department == "obras_publicas" else "areas_verdes"
        folio = seed_ticket(
            app, department, category, status=status, summary=summary, created_at=NOW - timedelta(hours=n)
        )
        change(app, folio, address=address)
        made.append(folio)
    return made


def engine(app):
    return app.extensions["ventanilla"].engine


def as_like_found(app, query: str, statuses: tuple[str, ...]) -> list[str]:
    """The folios the search meant before the index: every word inside the ticket's text, newest first."""
    words = normalise(query).split()
    with transaction(engine(app)) as db:
        tickets = db.exec(select(Ticket).where(Ticket.department.in_(OBRAS))).all()
    hits = [t for t in tickets if all(w in t.search_text for w in words) and (not statuses or t.status in statuses)]
    return [t.folio for t in sorted(hits, key=lambda t: (t.created_at, t.id), reverse=True)]


def pages(app, args: dict, with_index: bool, size: int = 3) -> list[str]:
    """Every page of the search, as the queue walks them by cursor (with the index asked, or row by row)."""
    filters, found, after = parse_filters(MultiDict(args)), [], None
    while True:
        with transaction(engine(app)) as db:
            statement = filtered(filters, NOW, operator(*OBRAS), db=db if with_index else None)
            page = fetch_page(db, statement, filters.sort, after, size=size)
        found += [t.folio for t in page.tickets]
        if page.next_cursor is None:
            return found
        after = parse_cursor(page.next_cursor.encode(), filters.sort)


@pytest.mark.parametrize("query", QUERIES)
def test_a_search_finds_what_like_found_page_by_page_with_and_without_the_index(app, stories, query):
    for status, statuses in (("open", OPEN_STATUSES), ("all", ())):
        expected = as_like_found(app, query, statuses)
        args = {"q": query, "status": status}
        assert pages(app, args, with_index=True) == expected, (query, status)
        assert pages(app, args, with_index=False) == expected, (query, status)


def test_the_searches_find_something_and_the_department_scope_holds(app, stories):
    """The data above is not vacuous: the queries hit, several pages deep, and never another department."""
    assert len(as_like_found(app, "morel", ())) == 4  # two pages of three
    assert as_like_found(app, "zzyzx", ()) == [] and as_like_found(app, "1_00", ())
    parques = {f for f, story in zip(stories, STORIES * 2, strict=True) if story[0] == "parques"}
    assert parques and not parques & set(pages(app, {"q": "morelos", "status": "all"}, with_index=True))


def test_search_combines_with_the_other_filters_and_the_urgent_sort(app, stories):
    args = {"q": "juarez", "status": "received,in_progress", "sort": "urgent"}
    expected = as_like_found(app, "juarez", ("received", "in_progress"))
    assert sorted(pages(app, args, with_index=True)) == sorted(expected) and expected


def shown(response) -> list[str]:
    """The folios a queue page links to, top to bottom."""
    assert response.status_code == 200, response.text[:500]
    return list(dict.fromkeys(re.findall(r'data-url="/dashboard/tickets/(\d{4}-[0-9A-Z]{6})"', response.text)))


def test_the_queue_page_searches_through_the_index_and_a_folio_finds_its_ticket(app, stories, desk):
    ana = desk("ana@x.mx", "operator", list(OBRAS))
    assert shown(ana.get(f"/dashboard/?q={stories[2].lower()}")) == [stories[2]]
    assert shown(ana.get("/dashboard/?q=morel&status=all")) == as_like_found(app, "morel", ())
    assert shown(ana.get("/dashboard/?q=zzyzx&status=all")) == []


def test_sqlite_asks_the_index_how_many_hold_the_words_up_to_a_few(app, stories):
    with transaction(engine(app)) as db:
        if db.connection().dialect.name != "sqlite":
            assert matching_ids(db, ["zzyzx"]) is None  # PostgreSQL's planner weighs its index itself
            return
        everywhere = matching_ids(db, ["morelos"], few=100)
        assert everywhere is not None and len(everywhere) == 6  # both departments: the queue scopes them after
        assert matching_ids(db, ["morelos"], few=5) is None  # more than a few: read along the queue's index
        assert matching_ids(db, ["zzyzx"]) == []
        assert matching_ids(db, ["5", "de"]) is None  # no trigram in them: nothing to ask the index
        assert len(matching_ids(db, ["5", "mayo"]) or []) == 2  # the long word narrows, the short one is checked after
        assert matching_ids(db, ["morelos", "zzyzx"], few=5) == []  # a rare word bounds a common one
        assert len(matching_ids(db, ["juarez", "morelos", "hundimiento"], few=5) or []) == 2


def test_a_sqlite_database_not_yet_upgraded_to_the_index_still_searches(app, stories):
    with transaction(engine(app)) as db:
        if db.connection().dialect.name != "sqlite":
            return
        db.connection().exec_driver_sql(f"DROP TABLE {FTS_TABLE}")  # as a database before 0007
        for kind in ("insert", "delete", "update"):
            db.connection().exec_driver_sql(f"DROP TRIGGER {FTS_TABLE}_{kind}")
    assert pages(app, {"q": "morel", "status": "all"}, with_index=True) == as_like_found(app, "morel", ())


def test_the_index_finds_parts_of_words_as_like_does(app, stories):
    with transaction(engine(app)) as db:
        for words in (["morel"], ["juarez", "hidalgo"], ["1_00"], ["100%"], ["tapa:"], ["zzyzx"]):
            with_like = db.exec(
                select(Ticket.id).where(*[Ticket.search_text.like(like_pattern(w), escape="\\") for w in words])
            ).all()
            assert ids_by_index(db, words) == sorted(with_like), words


def test_an_edit_reindexes_the_ticket_and_a_deleted_one_leaves_the_index(app, stories):
    folio = stories[0]
    change(app, folio, address="Callejón Xochimilco 8")
    with transaction(engine(app)) as db:
        ticket_id = db.exec(select(Ticket.id).where(Ticket.folio == folio)).one()
        assert ids_by_index(db, ["xochimilco"]) == [ticket_id]
        assert ticket_id in ids_by_index(db, ["morelos"])  # still in the summary
    change(app, folio, summary="Bache", answers={})
    with transaction(engine(app)) as db:
        assert ticket_id not in ids_by_index(db, ["morelos"])
        db.exec(sa.delete(TicketEvent).where(TicketEvent.ticket_id == ticket_id))  # its audit trail first
        db.exec(sa.delete(Ticket).where(Ticket.id == ticket_id))
    with transaction(engine(app)) as db:
        assert ids_by_index(db, ["xochimilco"]) == []
    assert_index_is_sound(app)


def test_a_row_written_without_the_orm_is_indexed(app, stories):
    with transaction(engine(app)) as db:
        contact_id = db.exec(select(Ticket.contact_id)).first()
        db.exec(
            sa.insert(Ticket).values(
                folio="2611-RAWRAW",
                contact_id=contact_id,
                channel="sms",
                flow="pothole",
                department="obras_publicas",
                category="bache",
                answers={},
                media=[],
                created_at=NOW,
                updated_at=NOW,
                search_text="2611-rawraw tlaquepaque",
            )
        )
    with transaction(engine(app)) as db:
        assert len(ids_by_index(db, ["tlaquepaque"])) == 1
    assert pages(app, {"q": "tlaque"}, with_index=True) == ["2611-RAWRAW"]
    assert_index_is_sound(app)


def assert_index_is_sound(app) -> None:
    """SQLite: FTS5's own check that the index holds exactly the ticket table's text."""
    with transaction(engine(app)) as db:
        if db.connection().dialect.name == "sqlite":
            db.connection().exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('integrity-check', 1)")


def test_the_index_by_department_answers_for_the_operators_tickets_alone(app, stories, monkeypatch):
    """A word common in another department and absent (or rare) in the operator's is answered from their entries."""
    with transaction(engine(app)) as db:
        if db.connection().dialect.name == "sqlite":
            assert matching_ids(db, ["pasto"], few=1) is None  # two tickets of Parques: more than a few
        assert matching_ids(db, ["pasto"], few=1, departments=list(OBRAS)) == []  # none of Obras
        assert matching_ids(db, ["pasto"], few=1, departments=[]) == []  # no department: nothing to find
        assert len(matching_ids(db, ["arbol"], few=2, departments=list(OBRAS)) or []) == 2
        assert matching_ids(db, ["arbol"], few=1, departments=list(OBRAS)) is None
        both = matching_ids(db, ["arbol"], few=10, departments=["parques", *OBRAS]) or []
        assert sorted(both) == ids_by_index(db, ["arbol"]) and len(both) == 4
    monkeypatch.setattr(matching_ids, "__defaults__", (1, None))  # few: one, so Parques' two are many
    for query in ("pasto", "arbol caido", "arbol", "morelos pasto"):
        for status, statuses in (("open", OPEN_STATUSES), ("all", ())):
            expected = as_like_found(app, query, statuses)
            assert pages(app, {"q": query, "status": status}, with_index=True) == expected, (query, status)


def test_the_index_by_department_follows_edits_moves_and_deletions(app, stories):
    """Every department's entries find what LIKE finds in it, after a ticket is edited, moved and deleted."""
    change(app, stories[0], address="Callejón Xochimilco 8")
    change(app, stories[1], department="parques")
    change(app, stories[8], department="obras_publicas", summary="Pasto y árbol en Xochimilco")
    with transaction(engine(app)) as db:
        db.exec(sa.delete(TicketEvent).where(TicketEvent.ticket_id == db.exec(select(Ticket.id)).first()))
        db.exec(sa.delete(Ticket).where(Ticket.id == db.exec(select(Ticket.id)).first()))
    with transaction(engine(app)) as db:
        for department in ("obras_publicas", "parques"):
            for word in ("xochimilco", "pasto", "arbol", "juarez", "morelos", "bache"):
                like = db.exec(
                    select(Ticket.id).where(Ticket.department == department, Ticket.search_text.like(f"%{word}%"))
                ).all()
                found = matching_ids(db, [word], few=1000, departments=[department])
                assert found is not None and sorted(found) == sorted(like), (department, word)
