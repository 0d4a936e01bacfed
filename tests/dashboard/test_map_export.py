"""The map page and its marker data, and the CSV/GeoJSON exports: the queue's filters, the operator's departments, no phone or name, safe cells."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.dashboard import export
from bot.db.database import transaction
from bot.db.tables import Ticket
from bot.reports.spreadsheets import defuse
from tests.support.desks import seed_ticket

OBRAS = ["obras_publicas"]
PHONE = "+5218112345678"


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.data[:300]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:])))


def geojson(response) -> dict:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/geo+json"
    return json.loads(response.data)


def test_csv_exports_the_filtered_tickets_without_phone_or_name(app, desk):
    bache = seed_ticket(
        app,
        category="bache",
        phone=PHONE,
        summary="Bache en Juárez",
        created_at=datetime(2026, 4, 1, 12, 30, tzinfo=UTC),
    )
    seed_ticket(app, category="handover")
    response = desk("ana@x.mx", "operator", OBRAS).get("/dashboard/export.csv?category=bache&status=all")
    assert response.is_streamed and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="ventanilla-tickets-\d{4}-\d{2}-\d{2}\.csv"', disposition)
    rows = csv_rows(response)
    assert [row["folio"] for row in rows] == [bache]
    row = rows[0]
    assert "phone" not in row and PHONE[-4:] not in response.data.decode()  # not even masked: files travel
    assert "Lupita" not in response.data.decode()  # the resident's name (seed_ticket's contact)
    assert row["summary"] == "Bache en Juárez" and row["department"] == "Obras Públicas"
    # the city's time (CITY_TIMEZONE's default, Mexico City, UTC-6), the header naming it
    assert row["received (America/Mexico_City)"] == "2026-04-01T06:30:00-06:00"
    assert row["due (America/Mexico_City)"] == "2026-04-03T06:30:00-06:00"
    assert row["overdue"] == "yes" and float(row["longitude"]) == pytest.approx(-100.4024)


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+52 81", "-1+1", "@SUM(A1)", "\tTAB", "\rCR"])
def test_csv_cells_that_would_be_formulas_are_plain_text(app, desk, text):
    seed_ticket(app, summary=text)
    row = csv_rows(desk("ana@x.mx", "operator", OBRAS).get("/dashboard/export.csv"))[0]
    assert row["summary"] == "'" + text
    assert float(row["latitude"]) > 0 and row["longitude"].startswith("-")  # numbers stay numbers


def test_defuse_leaves_plain_text_and_numbers_alone():
    assert defuse("Bache = hoyo") == "Bache = hoyo" and defuse(-100.4) == -100.4 and defuse("") == ""


def test_csv_reads_every_ticket_across_batches_in_order(app, desk, monkeypatch):
    made = [seed_ticket(app) for _ in range(5)]
    monkeypatch.setattr(export, "BATCH", 2)
    rows = csv_rows(desk("ana@x.mx", "operator", OBRAS).get("/dashboard/export.csv"))
    assert [row["folio"] for row in rows] == made[::-1]


def test_geojson_is_a_feature_collection_of_located_tickets_lon_lat(app, desk):
    located = seed_ticket(app, latitude=25.6573, longitude=-100.4024, phone=PHONE, summary="<b>hoyo</b>")
    seed_ticket(app, latitude=None, longitude=None)
    response = desk("ana@x.mx", "operator", OBRAS).get("/dashboard/export.geojson")
    assert re.fullmatch(
        r'attachment; filename="ventanilla-tickets-[\d-]{10}\.geojson"', response.headers["Content-Disposition"]
    )
    collection = geojson(response)
    assert collection["type"] == "FeatureCollection" and collection["capped"] is False
    [feature] = collection["features"]
    assert feature["type"] == "Feature" and feature["geometry"] == {
        "type": "Point",
        "coordinates": [-100.4024, 25.6573],
    }
    properties = feature["properties"]
    assert properties["folio"] == located and properties["url"] == f"/dashboard/tickets/{located}"
    assert properties["summary"] == "<b>hoyo</b>" and "phone" not in properties
    assert PHONE[-4:] not in response.data.decode() and "Lupita" not in response.data.decode()


def test_geojson_limit_keeps_the_newest_and_says_it_capped(app, desk):
    made = [seed_ticket(app) for _ in range(3)]
    ana = desk("ana@x.mx", "operator", OBRAS)
    capped = geojson(ana.get("/dashboard/export.geojson?limit=2"))
    assert [f["id"] for f in capped["features"]] == made[:0:-1] and capped["capped"] is True and capped["limit"] == 2
    whole = geojson(ana.get("/dashboard/export.geojson?limit=3"))
    assert len(whole["features"]) == 3 and whole["capped"] is False


def markers(response) -> dict:
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/json"
    return json.loads(response.data)


def test_map_data_is_only_what_a_marker_needs_newest_first(app, desk):
    long_summary = "Bache " + "muy profundo " * 20
    old = seed_ticket(
        app,
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
        summary="<b>hoyo</b>",
        latitude=25.6573123,
        longitude=-100.40241,
    )  # long overdue
    new = seed_ticket(app, summary=long_summary, phone=PHONE, latitude=25.7, longitude=-100.3)
    seed_ticket(app, latitude=None, longitude=None)
    answer = markers(desk("ana@x.mx", "operator", OBRAS).get("/dashboard/map.json"))
    assert answer["fields"] == ["folio", "latitude", "longitude", "category", "status", "overdue", "label"]
    assert answer["capped"] is False and answer["limit"] == 2000 and answer["ticket_path"] == "/dashboard/tickets/"
    label = long_summary[:79] + "…"
    assert answer["markers"] == [
        [new, 25.7, -100.3, "bache", "received", 0, label],
        [old, 25.65731, -100.40241, "bache", "received", 1, "<b>hoyo</b>"],
    ]
    assert "Lupita" not in json.dumps(answer) and PHONE[-4:] not in json.dumps(answer)


def test_map_data_keeps_the_newest_and_says_it_capped(app, desk, monkeypatch):
    from bot.dashboard import mapview

    monkeypatch.setattr(mapview, "MAP_LIMIT", 2)
    made = [seed_ticket(app) for _ in range(3)]
    ana = desk("ana@x.mx", "operator", OBRAS)
    capped = markers(ana.get("/dashboard/map.json"))
    assert [m[0] for m in capped["markers"]] == made[:0:-1] and capped["capped"] is True and capped["limit"] == 2
    assert markers(ana.get("/dashboard/map.json?status=resolved"))["markers"] == []
    assert ana.get("/dashboard/map.json?sort=sideways").status_code == 400


def place(app, folio: str, **values) -> str:
    with transaction(app.extensions["ventanilla"].engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        for name, value in values.items():
            setattr(ticket, name, value)
        db.add(ticket)
    return folio


def test_exports_say_where_each_ticket_was_placed_and_filter_by_colonia_and_zone(app, desk):
    crossing = place(
        app, seed_ticket(app), colonia="Del Valle", zone="poniente", geo_method="intersection", geo_confidence=0.95
    )
    pin = place(app, seed_ticket(app), colonia="Centro", geo_method="pin", place_note="Morelos y Padre Mier")
    typed = seed_ticket(app, latitude=None, longitude=None)
    ana = desk("ana@x.mx", "operator", OBRAS)
    rows = {row["folio"]: row for row in csv_rows(ana.get("/dashboard/export.csv"))}
    columns = ("colonia", "zone", "geo_method", "geo_confidence")
    assert [tuple(rows[f][c] for c in columns) for f in (crossing, pin, typed)] == [
        ("Del Valle", "poniente", "intersection", "0.95"),
        ("Centro", "", "pin", ""),
        ("", "", "", ""),
    ]
    features = {f["id"]: f["properties"] for f in geojson(ana.get("/dashboard/export.geojson"))["features"]}
    assert {c: features[crossing][c] for c in columns} == dict(
        zip(columns, ("Del Valle", "poniente", "intersection", 0.95), strict=True)
    )
    assert features[pin]["geo_confidence"] is None and features[pin]["geo_method"] == "pin"
    assert [r["folio"] for r in csv_rows(ana.get("/dashboard/export.csv?colonia=Centro"))] == [pin]
    assert [f["id"] for f in geojson(ana.get("/dashboard/export.geojson?zone=poniente"))["features"]] == [crossing]


def test_exports_follow_the_queue_filters(app, desk):
    resolved = seed_ticket(app, status="resolved", summary="Resuelto")
    late = seed_ticket(app, created_at=datetime(2026, 1, 5, tzinfo=UTC), summary="Atrasado en Hidalgo")
    ana = desk("ana@x.mx", "operator", OBRAS)
    assert [r["folio"] for r in csv_rows(ana.get("/dashboard/export.csv?overdue=1&q=hidalgo"))] == [late]
    assert [f["id"] for f in geojson(ana.get("/dashboard/export.geojson?status=resolved"))["features"]] == [resolved]
    assert len(csv_rows(ana.get("/dashboard/export.csv?status=all"))) == 2


def test_parques_exports_and_map_data_never_hold_obras(app, desk):
    obras = seed_ticket(app, summary="Bache secreto")
    parques = seed_ticket(app, department="parques", category="areas_verdes")
    pat = desk("pat@x.mx", "operator", ["parques"])
    for query in ("", "?department=obras_publicas", f"?q={obras}", "?status=all&department=obras_publicas,parques"):
        for path in ("/dashboard/export.csv", "/dashboard/export.geojson", "/dashboard/map"):
            response = pat.get(path + query)
            assert response.status_code == 200 and "secreto" not in response.data.decode(), path + query
    for query in ("", "?department=obras_publicas", f"?q={obras}", "?status=all&department=obras_publicas,parques"):
        response = pat.get("/dashboard/map.json" + query)
        assert response.status_code == 200 and "secreto" not in response.data.decode() and obras not in response.text
    assert [m[0] for m in markers(pat.get("/dashboard/map.json"))["markers"]] == [parques]
    assert [r["folio"] for r in csv_rows(pat.get("/dashboard/export.csv"))] == [parques]
    assert [f["id"] for f in geojson(pat.get("/dashboard/export.geojson?limit=5000"))["features"]] == [parques]
    assert csv_rows(pat.get("/dashboard/export.csv?department=obras_publicas")) == []


def test_a_viewer_may_export_their_departments(app, desk):
    mine = seed_ticket(app)
    assert [r["folio"] for r in csv_rows(desk("vi@x.mx", "viewer", OBRAS).get("/dashboard/export.csv"))] == [mine]


def test_bad_filters_on_exports_answer_400(app, desk):
    ana = desk("ana@x.mx", "operator", OBRAS)
    for path, message in [
        ("/dashboard/export.csv?from=01/02/2026", "from: use YYYY-MM-DD"),
        ("/dashboard/export.geojson?limit=0", "limit: a whole number"),
        ("/dashboard/export.geojson?limit=ten", "limit: a whole number"),
        ("/dashboard/export.geojson?limit=%C2%B2", "limit: a whole number"),
        ("/dashboard/export.csv?status=nope", "status: unknown 'nope'"),
    ]:
        response = ana.get(path)
        assert response.status_code == 400 and message in response.json["error"], path
    page = ana.get("/dashboard/map?sort=sideways")
    assert page.status_code == 400 and "sort: use newest or urgent" in page.text


def test_the_map_page_uses_local_leaflet_osm_tiles_and_the_filters(app, desk):
    page = desk("ana@x.mx", "operator", OBRAS).get("/dashboard/map?category=bache&overdue=1&sort=urgent")
    assert page.status_code == 200
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    assert scripts == [
        "/static/dashboard/local-time.js",
        "/static/vendor/leaflet/leaflet.js",
        "/static/dashboard/map.js",
    ]
    assert "/static/vendor/leaflet/leaflet.css" in page.text
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in page.text
    data_url = re.search(r'id="map" class="map" data-url="([^"]+)"', page.text)[1].replace("&amp;", "&")
    assert data_url.startswith("/dashboard/map.json?") and "category=bache" in data_url
    assert "overdue=1" in data_url and "sort=" not in data_url  # the newest 2,000
    assert "2,000" in page.text  # the cap is said on the page
    assert "OpenStreetMap" in app.test_client().get("/static/dashboard/map.js").text


def test_the_open_tickets_index_holds_exactly_the_open_statuses():
    from bot.db.tables import OPEN_TICKET
    from bot.tickets.lifecycle import OPEN_STATUSES

    assert "status IN (" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")" == OPEN_TICKET
