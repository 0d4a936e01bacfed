"""The Open311 server through the chat's own path: validation, duplicates, routing, delivery, media, privacy, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from sqlmodel import Session, select

from bot import create_app
from bot.db.database import create_tables, transaction
from bot.db.tables import Contact, Outbox, Ticket, TicketEvent
from bot.tickets.apikeys import revoke_key
from tests.support.app import app_settings
from tests.support.open311 import OPEN311_SETTINGS, issued_key

LIST, POST = "/open311/v2/requests.json", "/open311/v2/requests.json"
PHOTO = "https://fotos.example.org/reportes/bache.jpg"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200 + b"\xff\xd9"
PIN = {"lat": "25.6581234", "long": "-100.4025678"}


@pytest.fixture
def key(app) -> str:
    return issued_key(app)


def post(client, key: str, **fields):
    return client.post(POST, data={"api_key": key, **fields})


def tickets(app) -> list[Ticket]:
    with Session(app.extensions["ventanilla"].engine) as db:
        return list(db.exec(select(Ticket).order_by(Ticket.id)))


@pytest.mark.parametrize(
    "fields, problem",
    [
        ({}, "service_code is required"),
        ({"service_code": "graffiti"}, "no service has service_code 'graffiti'"),
        ({"service_code": "trash", **PIN}, "problem: attribute[problem] is required"),
        ({"service_code": "trash", "attribute[problem]": "ovnis", **PIN}, "attribute[problem] must be one of"),
        ({"service_code": "pothole"}, "lat: lat and long, or address_string, are required"),
        ({"service_code": "pothole", "lat": "25.6"}, "lat and long go together"),
        ({"service_code": "pothole", "lat": "norte", "long": "-100"}, "lat: decimal degrees"),
        ({"service_code": "pothole", "lat": "95", "long": "-100"}, "latitude within ±90"),
        ({"service_code": "pothole", "lat": "nan", "long": "-100"}, "lat: decimal degrees"),
        ({"service_code": "pothole", **PIN, "description": "x" * 4001}, "description: at most 4000 characters"),
        ({"service_code": "pothole", **PIN, "media_url": "http://fotos.example.org/a.jpg"}, "media_url: an https URL"),
        ({"service_code": "pothole", **PIN, "media_url": "https://169.254.169.254/latest"}, "media_url: an https URL"),
        ({"service_code": "pothole", **PIN, "media_url": "https://localhost/a.jpg"}, "media_url: an https URL"),
    ],
)
def test_bad_input_is_a_400_saying_what_to_fix_and_nothing_is_stored(app, client, key, fields, problem):
    answer = post(client, key, **fields)
    assert answer.status_code == 400 and answer.json[0]["code"] == 400
    assert problem in answer.json[0]["description"]
    assert tickets(app) == []
    with Session(app.extensions["ventanilla"].engine) as db:
        assert db.exec(select(Contact)).all() == [] and db.exec(select(Outbox)).all() == []


def test_a_request_is_filed_as_a_chat_report_routed_and_queued_for_its_department(app, client, key):
    answer = post(
        client,
        key,
        service_code="trash",
        **{"attribute[problem]": "missed_collection", "attribute[missed_since]": "ayer"},
        **PIN,
        address_string="Padre Mier 455, Centro",
        first_name="Rosa",
        last_name="Garza Treviño",
        phone="+5218112345678",
        email="rosa@example.mx",
        description="Ya van tres días",
    )
    assert answer.status_code == 200, answer.json
    (ticket,) = tickets(app)
    assert answer.json[0]["service_request_id"] == ticket.folio and ticket.folio in answer.json[0]["service_notice"]
    assert (ticket.channel, ticket.flow, ticket.department, ticket.category) == (
        "open311",
        "trash",
        "servicios_publicos",
        "basura",
    )
    assert ticket.answers["problem"] == "missed_collection" and ticket.answers["confirm"] is True
    assert ticket.answers["missed_since"] < ticket.created_at.date().isoformat()  # "ayer", read as the chat reads it
    assert ticket.answers["description"] == "Ya van tres días" and ticket.due_at is not None
    assert (ticket.latitude, ticket.address) == (25.6581234, "Padre Mier 455, Centro")  # the exact place, for the city
    with Session(app.extensions["ventanilla"].engine) as db:
        assert db.get(Contact, ticket.contact_id).name == "Rosa Garza Treviño"
        (outbox,) = db.exec(select(Outbox)).all()
        assert (outbox.kind, outbox.ticket_id, outbox.status) == ("deliver_ticket", ticket.id, "pending")
        (received,) = db.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
        assert received.detail["application"] == "App Cívica" and received.detail["channel"] == "open311"

    public = client.get(f"/open311/v2/requests/{ticket.folio}.json").json[0]
    assert public["description"] == "Recolección de basura"  # the flow's location is private: not the summary
    assert public["address"] is None and (public["lat"], public["long"]) == (25.658, -100.403)
    shown = client.get(LIST).text + client.get("/open311/v2/requests.xml").text
    for personal in ("Rosa", "Garza", "8112345678", "rosa@", "Padre Mier", "tres días", "25.6581234"):
        assert personal not in shown


def test_a_second_report_at_the_same_place_joins_the_open_one(app, client, key):
    first = post(client, key, service_code="pothole", **PIN).json[0]["service_request_id"]
    second = post(client, key, service_code="pothole", **PIN).json[0]
    original, duplicate = tickets(app)
    assert (original.folio, duplicate.folio) == (first, second["service_request_id"])
    assert duplicate.duplicate_of == original.id and first not in second["service_notice"]  # never the other's folio
    with Session(app.extensions["ventanilla"].engine) as db:
        assert [o.ticket_id for o in db.exec(select(Outbox))] == [original.id]  # the department hears once


def test_a_media_url_is_copied_into_the_media_store_by_the_worker(app, client, key, no_network, run_worker):
    no_network.add(responses.GET, PHOTO, body=JPEG, content_type="image/jpeg")
    folio = post(client, key, service_code="pothole", media_url=PHOTO, **PIN).json[0]["service_request_id"]
    (ticket,) = tickets(app)
    assert ticket.media == [{"url": PHOTO, "content_type": "image/*"}]
    run_worker()
    (ticket,) = tickets(app)
    (item,) = ticket.media
    assert item["stored"] and item["content_type"] == "image/jpeg" and item["size"] == len(JPEG)
    assert (Path(app.extensions["ventanilla"].config.media_dir) / item["stored"]).read_bytes() == JPEG
    assert client.get(f"/open311/v2/requests/{folio}.json").json[0]["media_url"] == PHOTO  # public already


def test_a_media_url_redirecting_inside_is_refused_not_followed(app, client, key, no_network, run_worker):
    no_network.add(responses.GET, PHOTO, status=302, headers={"Location": "https://10.0.0.7/admin"})
    post(client, key, service_code="pothole", media_url=PHOTO, **PIN)
    run_worker()
    (ticket,) = tickets(app)
    assert "stored" not in ticket.media[0] and "public, named host" in ticket.media[0]["refused"]
    assert not [call for call in no_network.calls if "10.0.0.7" in call.request.url]


def test_a_revoked_or_unknown_key_is_refused(app, client, key):
    with transaction(app.extensions["ventanilla"].engine, immediate=True) as db:
        revoke_key(db, 1)
    for api_key in (key, "", "v311_" + "x" * 43, key + "x"):
        answer = post(client, api_key, service_code="pothole", **PIN)
        assert answer.status_code == 403 and answer.json == [
            {
                "code": 403,
                "description": "a valid api_key is required to create a service request; ask the city for one",
            }
        ]
    assert tickets(app) == []


@pytest.mark.parametrize(
    "query, status, problem",
    [
        ("?status=pending", 400, "status: open, closed"),
        ("?start_date=ayer", 400, "start_date: a W3C date and time"),
        ("?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400, "90 days at most"),
        ("?start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", 400, "end_date is before start_date"),
        ("?page_size=500", 400, "page_size: at most 200"),
        ("?page=21&page_size=50", 400, "narrow start_date and end_date"),
        ("?page=0", 400, "page: a whole number from 1"),
        ("?service_request_id=" + ",".join(["A"] * 101), 400, "at most 100 ids"),
    ],
)
def test_a_bad_query_is_a_400_in_the_error_array(client, query, status, problem):
    answer = client.get(LIST + query)
    assert answer.status_code == status and problem in answer.json[0]["description"]


def test_unknown_paths_services_and_requests_are_404s_in_the_asked_format(client):
    assert client.get("/open311/v2/services/graffiti.json").json[0]["code"] == 404
    missing = client.get("/open311/v2/requests/2611-ZZZZZZ.xml")
    assert missing.status_code == 404 and missing.content_type.startswith("text/xml")
    assert "<errors><error><code>404</code><description>no service request" in missing.text
    assert client.get("/open311/v2/requests.csv").json[0]["code"] == 404
    assert client.put(LIST).status_code == 404 and client.get("/open311/v2/tokens/nada.json").status_code == 404


def test_the_list_filters_by_ids_service_status_and_window_and_pages(app, client, key):
    folios = [
        post(client, key, service_code=code, **PIN, **extra).json[0]["service_request_id"]
        for code, extra in [
            ("pothole", {"address_string": "Hidalgo 1"}),
            ("streetlight", {"attribute[state]": "off"}),
            ("trash", {"attribute[problem]": "illegal_dumping"}),
        ]
    ]
    newest_first = folios[::-1]
    assert [r["service_request_id"] for r in client.get(LIST).json] == newest_first
    assert [r["service_request_id"] for r in client.get(LIST + "?service_code=streetlight,trash").json] == newest_first[
        :2
    ]
    assert [r["service_request_id"] for r in client.get(LIST + "?page=2&page_size=2").json] == newest_first[2:]
    assert client.get(LIST + "?status=closed").json == [] and len(client.get(LIST + "?status=open,closed").json) == 3
    assert client.get(LIST + "?service_code=graffiti").json == []
    by_id = client.get(LIST + f"?service_request_id={folios[0].lower()},{folios[2]}&status=closed").json
    assert [r["service_request_id"] for r in by_id] == [folios[2], folios[0]]  # ids override the other filters
    assert client.get(LIST + "?end_date=2020-01-01T00:00:00Z").json == []
    token = client.get(f"/open311/v2/tokens/{folios[0]}.json").json
    assert token == [{"service_request_id": folios[0], "token": folios[0]}]


@pytest.fixture
def limited(tmp_path, redis_url):
    settings = {**OPEN311_SETTINGS, "open311_post_limit": "2 per minute", "open311_address_limit": "6 per minute"}
    app = create_app(app_settings(tmp_path, redis_url, **settings))
    with app.app_context():
        create_tables(app.extensions["ventanilla"].engine)
    yield app
    app.extensions["ventanilla"].engine.dispose()


def test_posts_are_limited_per_key_and_calls_per_address(limited):
    client, first, second = limited.test_client(), issued_key(limited, "Uno"), issued_key(limited, "Dos")
    codes = [post(client, first, service_code="pothole", **PIN).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = post(client, first, service_code="pothole", **PIN)
    assert refused.json == [{"code": 429, "description": "too many requests; slow down"}]
    assert post(client, second, service_code="pothole", **PIN).status_code == 200  # another key counts apart
    other = limited.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    reads = [client.get(LIST).status_code for _ in range(6)]  # every Open311 call of this address counts
    assert reads[-1] == 429 and reads.count(200) < 6
    assert other.get(LIST).status_code == 200


def test_a_bug_copying_a_media_url_is_a_recorded_attempt_and_the_item_says_why_at_the_end(
    app, client, key, monkeypatch, run_worker, retry_now
):
    import bot.jobs.request_media as request_media
    from bot.jobs.attempts import MAX_ATTEMPTS

    def bug(config, item):
        raise KeyError("content_type")

    monkeypatch.setattr(request_media, "_copy", bug)
    post(client, key, service_code="pothole", media_url=PHOTO, **PIN)
    run_worker()
    with Session(app.extensions["ventanilla"].engine) as db:
        row = db.exec(select(Outbox).where(Outbox.kind == "download_request_media")).one()
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "KeyError: 'content_type'")
    for _ in range(MAX_ATTEMPTS - 1):
        retry_now()
    with Session(app.extensions["ventanilla"].engine) as db:
        row = db.exec(select(Outbox).where(Outbox.kind == "download_request_media")).one()
        assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    (ticket,) = tickets(app)
    assert ticket.media[0]["error"] == "KeyError: 'content_type'" and "stored" not in ticket.media[0]


def test_a_media_copy_whose_last_try_never_finished_gives_up_without_fetching(app, client, key, no_network, run_worker):
    """The worker died during the last try: the next run only gives up, and the item says why."""
    from bot.db.database import transaction
    from bot.jobs.attempts import MAX_ATTEMPTS, UNFINISHED

    post(client, key, service_code="pothole", media_url=PHOTO, **PIN)
    with transaction(app.extensions["ventanilla"].engine, immediate=True) as db:
        row = db.exec(select(Outbox).where(Outbox.kind == "download_request_media")).one()
        row.attempts, row.available_at = MAX_ATTEMPTS, None
        db.add(row)
    run_worker()  # no_network answers nothing for PHOTO: a fetch would be a ConnectionError, not UNFINISHED
    with Session(app.extensions["ventanilla"].engine) as db:
        row = db.exec(select(Outbox).where(Outbox.kind == "download_request_media")).one()
        assert (row.status, row.attempts, row.last_error) == ("failed", MAX_ATTEMPTS + 1, UNFINISHED)
    (ticket,) = tickets(app)
    assert ticket.media[0]["error"] == UNFINISHED[:200] and "stored" not in ticket.media[0]
