"""The queue: filters, search, keyset pages, live updates, masked phones, and only the operator's departments."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import update
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from bot.dashboard.ticket_query import (
    Cursor,
    fetch_page,
    filtered,
    parse_cursor,
    parse_filters,
)
from bot.db.database import transaction
from bot.db.tables import Operator, Ticket
from bot.tickets.search import normalise
from tests.support.desks import RowCells, read_ticket, seed_ticket

NOW = datetime.now(UTC).replace(microsecond=0)
OBRAS = ["obras_publicas"]


class QueueRows(RowCells):
    """The queue table's ticket rows: id, url, the row's classes, the text of each cell."""

    def __init__(self, html: str):
        super().__init__()
        self.rows = []
        self.feed(html)

    def open_row(self, tag: str, attrs: dict) -> None:
        if tag == "tr" and "data-id" in attrs:
            self.row = []
            self.rows.append(
                {
                    "id": int(attrs["data-id"]),
                    "url": attrs["data-url"],
                    "classes": (attrs.get("class") or "").split(),
                    "cells": self.row,
                }
            )


def folios(response) -> list[str]:
    """The folios of the queue page, top to bottom."""
    assert response.status_code == 200, response.text[:500]
    return [row["cells"][0] for row in QueueRows(response.text).rows]


def engine(app):
    return app.extensions["ventanilla"].engine


def change(app, folio: str, **values) -> None:
    """Change a stored ticket as an edit would (through the ORM, so its search text follows)."""
    with transaction(engine(app)) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        for name, value in values.items():
            setattr(ticket, name, value)
        db.add(ticket)


def test_an_operator_sees_the_open_tickets_of_their_departments_newest_first(app, desk):
    older = seed_ticket(app, created_at=NOW - timedelta(hours=2))
    newer = seed_ticket(app, created_at=NOW - timedelta(hours=1), status="in_progress")
    seed_ticket(app, status="resolved")
    seed_ticket(app, department="parques", category="areas_verdes")
    assert folios(desk("ana@x.mx", "operator", OBRAS).get("/dashboard/")) == [newer, older]


def test_a_viewer_sees_the_queue_and_an_admin_every_department(app, desk):
    mine = seed_ticket(app)
    theirs = seed_ticket(app, department="parques", category="areas_verdes")
    assert folios(desk("vi@x.mx", "viewer", OBRAS).get("/dashboard/")) == [mine]
    assert folios(desk("admin@x.mx", "admin").get("/dashboard/")) == [theirs, mine]


def test_status_filter_takes_one_several_open_or_all(app, desk):
    received = seed_ticket(app, status="received")
    progress = seed_ticket(app, status="in_progress")
    resolved = seed_ticket(app, status="resolved")
    ana = desk("ana@x.mx", "operator", OBRAS)
    assert folios(ana.get("/dashboard/?status=resolved")) == [resolved]
    assert folios(ana.get("/dashboard/?status=received&status=in_progress")) == [progress, received]
    assert folios(ana.get("/dashboard/?status=received,resolved")) == [resolved, received]
    assert folios(ana.get("/dashboard/?status=open")) == [progress, received]
    assert folios(ana.get("/dashboard/?status=all")) == [resolved, progress, received]


def test_category_department_and_channel_filters(app, desk):
    bache = seed_ticket(app, category="bache", channel="sms")
    handover = seed_ticket(app, category="handover", channel="whatsapp")
    basura = seed_ticket(app, department="servicios_publicos", category="basura", channel="webchat")
    ana = desk("ana@x.mx", "operator", ["obras_publicas", "servicios_publicos"])
    assert folios(ana.get("/dashboard/?category=bache")) == [bache]
    assert folios(ana.get("/dashboard/?category=bache&category=basura")) == [basura, bache]
    assert folios(ana.get("/dashboard/?department=servicios_publicos")) == [basura]
    assert folios(ana.get("/dashboard/?department=obras_publicas")) == [handover, bache]
    assert folios(ana.get("/dashboard/?channel=whatsapp")) == [handover]
    assert folios(ana.get("/dashboard/?channel=sms&category=handover")) == []


def options(response, name: str) -> list[str]:
    """The values a select box of the filter form offers (besides Any)."""
    found = re.search(rf'<select name="{name}">(.*?)</select>', response.text, re.S)
    return [unescape(v) for v in re.findall(r'<option value="([^"]+)"', found[1])] if found else []


def place(app, folio: str, colonia: str | None = None, zone: str | None = None) -> str:
    change(app, folio, colonia=colonia, zone=zone)
    return folio


def test_colonia_and_zone_filters_offer_and_select_what_the_tickets_hold(app, desk):
    valle = place(app, seed_ticket(app), "Del Valle", "poniente")
    centro = place(app, seed_ticket(app), "Centro", "centro")
    centro_too = place(app, seed_ticket(app, category="handover"), "Centro", "poniente")
    unplaced = seed_ticket(app)
    ana = desk("ana@x.mx", "operator", OBRAS)
    page = ana.get("/dashboard/")
    assert folios(page) == [unplaced, centro_too, centro, valle]
    assert options(page, "colonia") == ["Centro", "Del Valle"] and options(page, "zone") == ["centro", "poniente"]
    assert folios(ana.get("/dashboard/?colonia=Centro")) == [centro_too, centro]
    assert folios(ana.get("/dashboard/?colonia=Del+Valle&colonia=Centro&category=bache")) == [centro, valle]
    assert folios(ana.get("/dashboard/?colonia=++Del++Valle+")) == [valle]  # spaces as typed in a URL
    assert folios(ana.get("/dashboard/?zone=poniente")) == [centro_too, valle]
    assert folios(ana.get("/dashboard/?zone=poniente&colonia=Centro")) == [centro_too]
    assert folios(ana.get("/dashboard/?colonia=Obispado")) == []
    chosen = ana.get("/dashboard/?colonia=Del+Valle&zone=poniente")
    assert '<option value="Del Valle" selected>' in chosen.text and '<option value="poniente" selected>' in chosen.text
    for path in ("/dashboard/export.csv?", "/dashboard/export.geojson?", "/dashboard/map?", "/dashboard/queue.json?"):
        link = re.search(re.escape(path) + r'[^"]*', chosen.text)[0].replace("&amp;", "&")
        assert "colonia=Del+Valle" in link and "zone=poniente" in link, link


def test_the_colonia_and_zone_filters_hold_across_pages_and_live_updates(app, desk):
    made = [place(app, seed_ticket(app), "Centro", "centro") for _ in range(51)]
    place(app, seed_ticket(app), "Del Valle", "centro")
    ana = desk("ana@x.mx", "operator", OBRAS)
    first = ana.get("/dashboard/?colonia=Centro")
    assert len(folios(first)) == 50
    next_url = re.search(r'id="queue-next" rel="next" href="([^"]+)"', first.text)[1].replace("&amp;", "&")
    assert folios(ana.get(next_url)) == [made[0]]
    live = re.search(r'id="queue-live" data-url="([^"]+)"', first.text)[1].replace("&amp;", "&")
    newer_valle = place(app, seed_ticket(app), "Del Valle", "centro")
    newer_centro = place(app, seed_ticket(app), "Centro", "norte")
    fresh = [t["folio"] for t in ana.get(live).json["tickets"]]
    assert newer_centro in fresh and newer_valle not in fresh
    zone_only = ana.get("/dashboard/queue.json?since=0&zone=norte").json["tickets"]
    assert [t["folio"] for t in zone_only] == [newer_centro]


def test_a_parques_operator_is_offered_only_the_colonias_and_zones_of_parques_tickets(app, desk):
    place(app, seed_ticket(app), "Obispado", "poniente")
    parque = place(app, seed_ticket(app, department="parques", category="areas_verdes"), "Centro", "centro")
    pat = desk("pat@x.mx", "operator", ["parques"])
    page = pat.get("/dashboard/")
    assert options(page, "colonia") == ["Centro"] and options(page, "zone") == ["centro"]
    assert "Obispado" not in page.text and "poniente" not in page.text
    assert folios(pat.get("/dashboard/?colonia=Obispado")) == []
    assert pat.get("/dashboard/queue.json?since=0&colonia=Obispado").json["tickets"] == []
    admin = desk("admin@x.mx", "admin").get("/dashboard/")
    assert options(admin, "colonia") == ["Centro", "Obispado"] and options(admin, "zone") == ["centro", "poniente"]
    assert folios(pat.get("/dashboard/?zone=centro")) == [parque]


def test_without_placed_tickets_there_is_no_colonia_or_zone_box(app, desk):
    seed_ticket(app)
    page = desk("ana@x.mx", "operator", OBRAS).get("/dashboard/")
    assert 'name="colonia"' not in page.text and 'name="zone"' not in page.text


def test_date_range_includes_both_days(app, desk):
    """The city's days (CITY_TIMEZONE's default, Mexico City, UTC-6): 1 April begins at 06:00 UTC."""
    seed_ticket(app, created_at=datetime(2026, 4, 1, 5, 59, tzinfo=UTC))  # 31 March, 23:59 in the city
    first = seed_ticket(app, created_at=datetime(2026, 4, 1, 6, 0, tzinfo=UTC))
    last = seed_ticket(app, created_at=datetime(2026, 5, 1, 5, 59, tzinfo=UTC))  # 30 April, 23:59 in the city
    seed_ticket(app, created_at=datetime(2026, 5, 1, 6, 0, tzinfo=UTC))
    ana = desk("ana@x.mx", "operator", OBRAS)
    assert folios(ana.get("/dashboard/?from=2026-04-01&to=2026-04-30")) == [last, first]
    assert len(folios(ana.get("/dashboard/?from=2026-04-01"))) == 3
    assert len(folios(ana.get("/dashboard/?to=2026-04-30"))) == 3


def test_overdue_tickets_stand_out_and_filter(app, desk):
    late = seed_ticket(app, created_at=NOW - timedelta(days=3), sla=timedelta(days=1), summary="Vencido")
    seed_ticket(app, created_at=NOW - timedelta(days=3), sla=timedelta(days=1), status="resolved")
    on_time = seed_ticket(app, sla=timedelta(days=2))
    ana = desk("ana@x.mx", "operator", OBRAS)
    rows = {row["cells"][0]: row for row in QueueRows(ana.get("/dashboard/").text).rows}
    assert "overdue" in rows[late]["classes"] and rows[late]["cells"][-1].startswith("overdue 2d")
    assert "overdue" not in rows[on_time]["classes"] and rows[on_time]["cells"][-1].startswith("in 1d")
    assert folios(ana.get("/dashboard/?overdue=1")) == [late]
    assert folios(ana.get("/dashboard/?overdue=1&status=resolved")) == []


def test_urgent_sort_puts_the_nearest_deadline_first(app, desk):
    later = seed_ticket(app, sla=timedelta(days=5))
    sooner = seed_ticket(app, created_at=NOW - timedelta(days=1), sla=timedelta(days=2))
    late = seed_ticket(app, created_at=NOW - timedelta(days=3), sla=timedelta(days=1))
    assert folios(desk("ana@x.mx", "operator", OBRAS).get("/dashboard/?sort=urgent")) == [late, sooner, later]


def test_search_finds_a_folio_exactly_however_it_is_typed_and_whatever_its_status(app, desk):
    wanted = seed_ticket(app)
    closed = seed_ticket(app, status="closed", category="handover")
    ana = desk("ana@x.mx", "operator", OBRAS)
    assert folios(ana.get(f"/dashboard/?q={wanted}")) == [wanted]
    assert folios(ana.get(f"/dashboard/?q=+{wanted.lower()}+")) == [wanted]
    assert folios(ana.get(f"/dashboard/?q={closed}&category=bache")) == [closed]  # the folio is what was asked for
    assert folios(ana.get("/dashboard/?q=2611-ZZZZZZ")) == []


def test_search_finds_words_of_the_address_summary_and_answers_without_accents_or_case(app, desk):
    street = seed_ticket(app, summary="Bache profundo")
    change(app, street, address="Av. Constitución 1200, Centro")
    lamp = seed_ticket(app, summary="Lámpara fundida frente a la PANADERÍA")
    told = seed_ticket(app, summary="Reporte")
    change(app, told, answers={"description": "El agua sale a chorros", "photo": None, "rating": 4})
    ana = desk("ana@x.mx", "operator", OBRAS)
    assert folios(ana.get("/dashboard/?q=constitucion")) == [street]
    assert folios(ana.get("/dashboard/?q=CONSTITUCIÓN")) == [street]
    assert folios(ana.get("/dashboard/?q=lampara panaderia")) == [lamp]
    assert folios(ana.get("/dashboard/?q=Panadería fundida")) == [lamp]
    assert folios(ana.get("/dashboard/?q=chorros")) == [told]
    assert folios(ana.get("/dashboard/?q=lampara chorros")) == []
    assert folios(ana.get("/dashboard/?q=1200")) == [street]
    assert folios(ana.get("/dashboard/?q=12%25")) == [] and folios(ana.get("/dashboard/?q=1_00")) == []  # not wildcards


def test_tickets_from_a_conversation_are_searchable(app, resident, desk):
    for text in ("hola", "bache", "Morelos y 5 de Mayo", "omitir", "sí"):
        reply = resident.says(text)
    folio = re.search(r"\d{4}-[0-9A-Z]{6}", reply)[0]
    assert read_ticket(app, folio).search_text
    assert folios(desk("ana@x.mx", "operator", OBRAS).get("/dashboard/?q=morelos")) == [folio]


def test_normalise_strips_accents_case_and_controls():
    assert normalise("  Ñandú\x00 ÁRBOL\tcaído  ") == "nandu arbol caido"


def operator(*departments: str) -> Operator:
    return Operator(email="o@x.mx", password_hash="-", role="operator", departments=list(departments))


@pytest.mark.parametrize("sort", ["newest", "urgent"])
def test_keyset_pages_give_every_ticket_once_even_with_equal_keys(app, sort):
    same = NOW - timedelta(hours=1)
    made = [seed_ticket(app, created_at=same if n % 3 else NOW - timedelta(minutes=n)) for n in range(14)]
    with transaction(engine(app)) as db:  # tickets without a deadline come after those with one
        db.exec(update(Ticket).where(Ticket.folio.in_(made[:4])).values(due_at=None))
    filters = parse_filters(MultiDict({"sort": sort}))
    seen, after, pages = [], None, 0
    while True:
        with transaction(engine(app)) as db:
            page = fetch_page(db, filtered(filters, NOW, operator(*OBRAS)), sort, after, size=4)
        seen += page.tickets
        pages += 1
        if page.next_cursor is None:
            break
        after = parse_cursor(page.next_cursor.encode(), sort)  # as the Next link carries it
    assert sorted(t.folio for t in seen) == sorted(made) and pages == 4
    if sort == "urgent":
        keys = [(t.due_at is None, t.due_at or NOW, t.id) for t in seen]
        assert keys == sorted(keys)
    else:
        keys = [(t.created_at, t.id) for t in seen]
        assert keys == sorted(keys, reverse=True)


def test_next_links_walk_the_queue_and_keep_the_filters(app, desk):
    made = [seed_ticket(app, category="bache") for _ in range(51)] + [seed_ticket(app, category="handover")]
    ana = desk("ana@x.mx", "operator", OBRAS)
    first = ana.get("/dashboard/?category=bache")
    assert len(folios(first)) == 50 and "First page" not in first.text
    next_url = re.search(r'id="queue-next" rel="next" href="([^"]+)"', first.text)[1].replace("&amp;", "&")
    assert "category=bache" in next_url
    second = ana.get(next_url)
    assert folios(second) == [made[0]] and 'id="queue-next"' not in second.text and "First page" in second.text


def test_live_updates_return_only_newer_tickets_under_the_same_filters(app, desk):
    old = seed_ticket(app)
    ana = desk("ana@x.mx", "operator", OBRAS)
    page = ana.get("/dashboard/")
    live = re.search(r'id="queue-live" data-url="([^"]+)"', page.text)[1].replace("&amp;", "&")
    quiet = ana.get(live).json
    assert quiet["latest"] == read_ticket(app, old).id and not quiet["more"]
    assert [t["folio"] for t in quiet["tickets"]] == [old]  # already on the page: the page skips it
    new = seed_ticket(app, phone="+5218112345678", summary="<b>nuevo</b>")
    seed_ticket(app, department="parques", category="areas_verdes")
    seed_ticket(app, status="resolved")
    body = ana.get(live).json
    assert [t["folio"] for t in body["tickets"]] == [new, old] and body["latest"] == read_ticket(app, new).id
    ticket = body["tickets"][0]
    assert ticket["phone"] == "+5218•••••5678" and ticket["summary"] == "<b>nuevo</b>"
    assert ticket["url"] == f"/dashboard/tickets/{new}"
    again = ana.get(f"/dashboard/queue.json?since={body['latest']}").json
    assert again["latest"] == body["latest"] and all(t["id"] <= body["latest"] for t in again["tickets"])  # nothing new


def test_live_updates_look_a_few_ids_back_for_a_ticket_that_committed_late(app, desk):
    late, shown = seed_ticket(app, summary="tardío"), seed_ticket(app, summary="ya visto")
    ana = desk("ana@x.mx", "operator", OBRAS)
    shown_id = next(t["id"] for t in ana.get("/dashboard/queue.json?since=0").json["tickets"] if t["folio"] == shown)
    # the page showed `shown` first (its transaction committed first); `late`, with the lower id, came after
    assert late in [t["folio"] for t in ana.get(f"/dashboard/queue.json?since={shown_id}").json["tickets"]]


def test_live_updates_are_offered_on_the_first_page_of_newest_only(app, desk):
    for _ in range(51):
        seed_ticket(app)
    ana = desk("ana@x.mx", "operator", OBRAS)
    first = ana.get("/dashboard/")
    assert 'id="queue-live"' in first.text
    assert 'id="queue-live"' not in ana.get("/dashboard/?sort=urgent").text
    next_url = re.search(r'rel="next" href="([^"]+)"', first.text)[1].replace("&amp;", "&")
    assert 'id="queue-live"' not in ana.get(next_url).text


def test_phones_are_masked_and_resident_text_escaped(app, desk):
    seed_ticket(app, phone="+5218112345678", summary="<script>alert(1)</script>")
    page = desk("ana@x.mx", "operator", OBRAS).get("/dashboard/")
    row = QueueRows(page.text).rows[0]
    assert row["cells"][4] == "+5218•••••5678"
    assert "12345678" not in page.text and "8112345678" not in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_parques_never_sees_obras_even_when_asking(app, desk):
    obras = seed_ticket(app, summary="Bache secreto")
    parques = seed_ticket(app, department="parques", category="areas_verdes")
    pat = desk("pat@x.mx", "operator", ["parques"])
    for path in (
        "/dashboard/",
        "/dashboard/?department=obras_publicas",
        f"/dashboard/?q={obras}",
        "/dashboard/?q=secreto&status=all",
        "/dashboard/?sort=urgent&department=obras_publicas,parques",
    ):
        response = pat.get(path)
        assert obras not in folios(response) and "Bache secreto" not in response.text, path
    assert folios(pat.get("/dashboard/?department=obras_publicas,parques")) == [parques]
    live = pat.get("/dashboard/queue.json?since=0&department=obras_publicas").json
    assert live["tickets"] == []
    assert [t["folio"] for t in pat.get("/dashboard/queue.json?since=0").json["tickets"]] == [parques]


BAD = [
    ("/dashboard/?status=bogus", "status: unknown 'bogus'"),
    ("/dashboard/?from=2026-13-01", "from: use YYYY-MM-DD"),
    ("/dashboard/?to=yesterday", "to: use YYYY-MM-DD"),
    ("/dashboard/?from=2026-05-02&to=2026-05-01", "from: the start date is after the end date"),
    ("/dashboard/?to=9999-12-31", "to: a date between the years 2000 and 2999"),
    ("/dashboard/?overdue=maybe", "overdue: use 1 or 0"),
    ("/dashboard/?sort=oldest", "sort: use newest or urgent"),
    ("/dashboard/?category=%3Cscript%3E", "category: letters, digits"),
    ("/dashboard/?zone=norte%20poniente", "zone: letters, digits"),
    ("/dashboard/?colonia=" + "x" * 101, "colonia: a colonia's name (up to 100 characters)"),
    ("/dashboard/?colonia=Centro%00", "colonia: a colonia's name"),
    ("/dashboard/queue.json?since=0&colonia=" + "&colonia=".join("abcdefghijklmnopqrstu"), "colonia: at most 20"),
    ("/dashboard/?q=" + "x" * 201, "q: at most 200 characters"),
    ("/dashboard/?q=a+b+c+d+e+f+g+h+i", "q: at most 8 words"),
    ("/dashboard/?after=not-a-cursor", "after: not a page of this list"),
    ("/dashboard/?sort=urgent&after=" + Cursor("newest", 5).encode(), "after: not a page of this list"),
    ("/dashboard/?after=" + Cursor("newest", 10**30).encode(), "after: not a page of this list"),
    ("/dashboard/queue.json?since=abc", "since: a ticket id"),
    ("/dashboard/queue.json?since=", "since: a ticket id"),
    ("/dashboard/queue.json?since=%C2%B2", "since: a ticket id"),  # '²' is a digit to str.isdigit, not to int
    ("/dashboard/queue.json?since=1&from=2026-02-30", "from: use YYYY-MM-DD"),
]


def test_bad_filters_answer_400_saying_what_to_write(app, desk):
    ana = desk("ana@x.mx", "operator", OBRAS)
    for path, message in BAD:
        response = ana.get(path)
        assert response.status_code == 400, path
        shown = response.json["error"] if path.startswith("/dashboard/queue.json") else response.text
        assert message in shown.replace("&#39;", "'"), (path, shown[:300])


def test_the_page_offers_keys_exports_and_the_map_with_its_filters(app, desk):
    page = desk("ana@x.mx", "operator", OBRAS).get("/dashboard/?category=bache&overdue=1")
    assert "<kbd>j</kbd>" in page.text and "/static/dashboard/queue.js" in page.text
    assert "<script>" not in page.text  # the CSP allows no inline script
    for path in ("/dashboard/export.csv?", "/dashboard/export.geojson?", "/dashboard/map?"):
        link = re.search(re.escape(path) + r'[^"]*', page.text)[0].replace("&amp;", "&")
        assert "category=bache" in link and "overdue=1" in link, link


def test_filters_round_trip_through_their_query_string():
    args = MultiDict(
        [
            ("status", "received"),
            ("status", "resolved"),
            ("category", "bache"),
            ("department", "parques"),
            ("channel", "sms"),
            ("colonia", "Residencial San Agustín, 1er Sector"),
            ("colonia", "Del Valle"),
            ("zone", "norte"),
            ("from", "2026-01-01"),
            ("to", "2026-01-31"),
            ("overdue", "1"),
            ("q", "  Juárez   5 "),
            ("sort", "urgent"),
        ]
    )
    filters = parse_filters(args)
    assert filters.created_to == date(2026, 1, 31) and filters.words == ("juarez", "5")
    assert filters.colonias == ("Residencial San Agustín, 1er Sector", "Del Valle") and filters.zones == ("norte",)
    assert parse_filters(MultiDict(filters.as_args())) == filters
