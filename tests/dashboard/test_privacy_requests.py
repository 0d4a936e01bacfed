"""ARCO requests in the dashboard: privacy officers and admins see the queue (open first, most urgent first, overdue
marked) and a request's page (the masked number, what is kept, the audit trail), and decide from it; operators and
viewers do not reach it, and a privacy officer reaches nothing else."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from click.testing import CliRunner
from sqlmodel import Session, select

from bot.cli.main import main
from bot.db.database import transaction
from bot.db.tables import Operator, PrivacyRequest, Ticket
from bot.privacy.calendar import add_business_days, business_days_between
from bot.tickets.folio import new_folio
from tests.support.app import ROOT, Resident, database_url
from tests.support.arco_requests import city_today, events_of, messages_to, outbox_rows, seed_request, stored
from tests.support.desks import PASSWORD, Desk, Tables, add_operator, seed_ticket, signed_in
from tests.support.twilio_api import twilio_api

ARCO = "/dashboard/privacy/requests"
OFFICER = "dpo@sanpedro.gob.mx"


def page_of(folio: str) -> str:
    return f"{ARCO}/{folio}"


def said(response) -> str:
    """The page's text as a person reads it (entities decoded)."""
    return unescape(response.text)


def flashed(response) -> str:
    return unescape(" ".join(re.findall(r'<p class="flash[^"]*" role="status">([^<]*)</p>', response.text)))


def nav(response) -> list[str]:
    menu = re.search(r"<nav>(.*?)</nav>", response.text, re.S)
    return re.findall(r">([^<]+)</a>", menu[1]) if menu else []


def privacy_rules(app) -> list:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if app.view_functions[rule.endpoint].__module__ == "bot.dashboard.privacy_requests"
    ]


def path_of(rule, folio: str) -> str:
    return rule.rule.replace("<folio>", folio)


@pytest.fixture
def officer(app):
    return signed_in(app, OFFICER, "privacy", [])


def add_ticket(app, contact_id: int, media: list) -> str:
    """A ticket of the request's resident; return its folio."""
    now = datetime.now(UTC)
    with transaction(app.extensions["ventanilla"].engine) as db:
        ticket = Ticket(
            folio=new_folio(now),
            contact_id=contact_id,
            channel="whatsapp",
            flow="pothole",
            department="obras_publicas",
            category="bache",
            summary="Bache",
            media=media,
        )
        db.add(ticket)
        db.flush()
        return ticket.folio


# Who sees it


@pytest.mark.parametrize("role", ["privacy", "admin"])
def test_privacy_officers_and_admins_see_the_queue_and_a_request(app, role):
    folio = seed_request(app)
    desk = signed_in(app, f"{role}@x.mx", role, [])
    queue = desk.get(ARCO)
    assert queue.status_code == 200 and folio in queue.text and "ARCO requests" in nav(queue)
    assert desk.get(page_of(folio)).status_code == 200


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_operators_and_viewers_reach_no_arco_route(app, role):
    folio = seed_request(app)
    someone = signed_in(app, f"{role}@x.mx", role, ["obras_publicas", "parques"])
    rules = privacy_rules(app)
    assert {r.endpoint for r in rules} >= {
        "dashboard.privacy_requests",
        "dashboard.privacy_request",
        "dashboard.privacy_fulfil",
        "dashboard.privacy_reject",
        "dashboard.privacy_extend",
    }
    data = {"response": "Listo.", "reason": "identity", "text": "Más tiempo."}
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = path_of(rule, folio)
            response = someone.get(path) if method == "GET" else someone.post(path, data)
            assert response.status_code == 403, f"{method} {rule.rule}"
    assert stored(app, folio)[0].status == "open" and events_of(app, folio) == []
    home = someone.get("/dashboard/")
    assert "ARCO requests" not in nav(home) and nav(home)[0] == "Queue"


def test_a_privacy_officer_reaches_nothing_but_the_requests(app, officer):
    ticket = seed_ticket(app, phone="+528119998877")
    skipped = {"dashboard.login", "dashboard.logout", "dashboard.queue", "dashboard.static"}
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/dashboard") and r.endpoint not in skipped and r not in privacy_rules(app)
    ]
    assert len(rules) >= 15
    for rule in rules:
        path = re.sub(
            r"<(int:)?(\w+)>", lambda m: "1" if m[1] else (ticket if m[2] == "folio" else "pothole"), rule.rule
        )
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = officer.get(path) if method == "GET" else officer.post(path, {"text": "hola"})
            assert response.status_code == 403, f"{method} {path}"
    home = officer.get("/dashboard/")  # their home is the requests, with no other page in the menu
    assert home.status_code == 200 and "<h1>ARCO requests</h1>" in home.text and nav(home) == ["ARCO requests"]
    assert ticket not in home.text and "8119998877" not in home.text


def test_signing_in_a_privacy_officer_lands_on_the_requests(app):
    add_operator(app, OFFICER, "privacy", [])
    desk = Desk(app, OFFICER).login()
    assert "<h1>ARCO requests</h1>" in desk.get("/dashboard/").text


# The queue


def test_the_queue_puts_open_requests_first_the_most_urgent_on_top_and_marks_the_overdue(app, officer):
    today, privacy = city_today(app), app.extensions["ventanilla"].flows.privacy
    received = datetime(2026, 11, 3, 18, 30, tzinfo=UTC)
    later = seed_request(app, "opposition", due_on=today + timedelta(days=20), created_at=received)
    done = seed_request(app, "cancellation", due_on=today - timedelta(days=30), status="rejected")
    late = seed_request(app, "cancellation", due_on=add_business_days(today - timedelta(days=10), 1, privacy))
    soon = seed_request(app, "rectification", due_on=add_business_days(today, 2, privacy))
    due_today = seed_request(app, "rectification", due_on=today)
    response = officer.get(ARCO)
    rows = Tables(response.text, "data-folio")["privacy-requests"]
    assert list(rows) == [late, due_today, soon, later, done]
    overdue = re.findall(r'<tr data-folio="([^"]+)" class="overdue">', response.text)
    assert overdue == [late]
    behind = business_days_between(stored(app, late)[0].due_on, today, privacy)
    assert rows[late][4] == f"overdue by {behind} business day{'s' if behind != 1 else ''}"
    assert rows[soon][1:2] + rows[soon][4:] == ["rectification", "2 business days", "open"]
    assert rows[due_today][4] == "due today"
    zone = ZoneInfo(app.extensions["ventanilla"].config.city_timezone)
    assert rows[later][2] == received.astimezone(zone).strftime("%Y-%m-%d %H:%M")  # the city's time
    assert rows[later][3] == (today + timedelta(days=20)).isoformat()
    assert rows[done][4:] == ["—", "rejected"]
    assert "4 open" in said(response) and "1 overdue" in said(response)


def test_an_empty_queue_says_so(app, officer):
    assert "No ARCO requests yet." in officer.get(ARCO).text


# A request's page


def test_the_page_shows_the_request_the_masked_number_what_is_kept_and_the_trail(app, officer):
    folio = seed_request(app, "rectification", phone="+528112345678", detail="Me llamo Guadalupe, no Lupita")
    contact_id = stored(app, folio)[1].id
    photo = {"url": "https://api.twilio.com/media/ME1", "content_type": "image/jpeg", "stored": "a1b2.jpg"}
    ticket = add_ticket(app, contact_id, [photo])
    officer.post(f"{page_of(folio)}/extend", {"text": "Revisamos el archivo."})
    page = officer.get(page_of(folio))
    text = said(page)
    assert page.status_code == 200 and "Me llamo Guadalupe, no Lupita" in text and "Lupita Treviño" in text
    assert "+5281••••5678" in text and "8112345678" not in text  # masked: the request needs no more
    kept = Tables(page.text, "data-folio")["kept-folios"]
    assert list(kept) == [ticket]
    assert re.search(r'id="kept-tickets">1<', page.text) and re.search(r'id="kept-photos">1<', page.text)
    assert re.search(r'id="kept-messages">1<', page.text)
    assert re.search(r'<li data-kind="request_extended">.*?' + re.escape(OFFICER), page.text, re.S)
    assert "resident told" in text and "(extended)" in text
    assert 'id="no-extension"' in page.text  # the one extension is spent: no form for a second
    assert 'name="name"' in page.text  # a rectification may correct the name


@pytest.mark.parametrize(
    "right, help_text",
    [
        ("cancellation", "erases their personal data"),
        ("opposition", "nothing changes automatically"),
        ("rectification", "correct their name below"),
    ],
)
def test_the_page_says_what_fulfilling_does(app, officer, right, help_text):
    page = officer.get(page_of(seed_request(app, right)))
    assert help_text in said(page)
    assert ('data-confirm="' in page.text) is (right == "cancellation")
    assert ('name="name"' in page.text) is (right == "rectification")


@pytest.mark.parametrize("folio", ["2611-NOSUCH", "2611%00AAAA", "x" * 41])
def test_an_unknown_folio_is_404(app, officer, folio):
    assert officer.get(page_of(folio)).status_code == 404
    assert officer.post(f"{page_of(folio)}/fulfil", {"response": "Listo."}).status_code == 404


# Deciding


def test_fulfilling_a_rectification_from_the_page(app, officer):
    folio = seed_request(app, "rectification")
    response = officer.post(f"{page_of(folio)}/fulfil", {"response": "Corregimos tu nombre.", "name": "Guadalupe"})
    assert response.status_code == 302 and response.location == page_of(folio)
    page = officer.get(page_of(folio))
    assert flashed(page) == "Fulfilled. The resident will be told."
    request, contact = stored(app, folio)
    assert (request.status, contact.name) == ("fulfilled", "Guadalupe")
    assert "Corregimos tu nombre." in messages_to(app, folio)[0].text
    assert [(e.kind, e.actor) for e in events_of(app, folio)] == [("request_fulfilled", OFFICER)]
    assert 'action="' + page_of(folio) not in page.text  # closed: no more forms
    assert re.search(r'id="request-response">Corregimos tu nombre.<', page.text)


def test_rejecting_from_the_page(app, officer):
    folio = seed_request(app, "opposition")
    page = officer.get(page_of(folio))
    assert "los datos no están en posesión del municipio" in said(page)  # the reasons as the resident reads them
    response = officer.post(f"{page_of(folio)}/reject", {"reason": "not_held", "text": ""})
    assert response.status_code == 302
    assert stored(app, folio)[0].response == "los datos no están en posesión del municipio."
    assert "Rejected." in flashed(officer.get(page_of(folio)))


def test_extending_from_the_page_once(app, officer):
    folio = seed_request(app, "cancellation")
    privacy = app.extensions["ventanilla"].flows.privacy
    due = stored(app, folio)[0].due_on
    assert officer.post(f"{page_of(folio)}/extend", {"text": "Revisamos el archivo."}).status_code == 302
    new_due = add_business_days(due, privacy.extension_days, privacy)
    assert (
        flashed(officer.get(page_of(folio)))
        == f"Extended to {format_date(new_due, 'long', locale='en')}. The resident will be told."
    )
    again = officer.post(f"{page_of(folio)}/extend", {"text": "Otra vez."})
    assert again.status_code == 400 and "the one extension the law allows was used already" in said(again).lower()
    assert stored(app, folio)[0].due_on == new_due


def test_fulfilling_a_cancellation_queues_the_erasure(app, officer):
    folio = seed_request(app, "cancellation")
    response = officer.post(f"{page_of(folio)}/fulfil", {"response": "Borraremos tus datos."})
    assert response.status_code == 302
    assert "Their personal data are erased once the message has gone out." in flashed(officer.get(page_of(folio)))
    [erase] = outbox_rows(app, "erase_contact")
    assert erase.payload["message_ids"] == [messages_to(app, folio)[0].id]


def test_the_worker_tells_the_resident_then_erases_them(app, officer, run_worker, no_network):
    sent = twilio_api(no_network)
    folio = seed_request(app, "cancellation", phone="+528112345678", name="Lupita Treviño")
    officer.post(f"{page_of(folio)}/fulfil", {"response": "Borraremos tus datos."})
    run_worker()
    [told] = sent
    assert told["To"] == "whatsapp:+528112345678" and "Borraremos tus datos." in told["Body"]
    _, contact = stored(app, folio)
    assert contact.anonymised_at is not None and contact.name != "Lupita Treviño"
    page = said(officer.get(page_of(folio)))
    assert "personal data erased" in page and "8112345678" not in page and "Lupita" not in page
    assert [e.kind for e in events_of(app, folio)][:1] == ["request_fulfilled"]


@pytest.mark.parametrize(
    "action, data, problem",
    [
        ("fulfil", {"response": ""}, "Write what the resident is told"),
        ("reject", {"text": "sin razón"}, "Choose the legal reason"),
        ("extend", {"text": ""}, "Write why it needs more time"),
        ("fulfil", {"response": "Listo.", "name": "Otro"}, "Only a rectification corrects"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(app, officer, action, data, problem):
    folio = seed_request(app, "opposition")
    response = officer.post(f"{page_of(folio)}/{action}", data)
    assert response.status_code == 400 and problem in said(response)
    request, _ = stored(app, folio)
    assert (request.status, request.extended) == ("open", False) and events_of(app, folio) == []


@pytest.mark.parametrize("second", ["fulfil", "reject", "extend"])
def test_a_closed_request_answers_409(app, officer, second):
    folio = seed_request(app, "opposition")
    officer.post(f"{page_of(folio)}/fulfil", {"response": "Listo."})
    response = officer.post(f"{page_of(folio)}/{second}", {"response": "Otra.", "reason": "identity", "text": "x"})
    assert response.status_code == 409 and "is fulfilled already" in said(response)
    assert len(events_of(app, folio)) == 1 and len(messages_to(app, folio)) == 1


def test_a_decision_needs_the_forms_csrf_token(app, officer):
    folio = seed_request(app, "opposition")
    response = officer.client.post(f"{page_of(folio)}/fulfil", data={"response": "Listo."})
    assert response.status_code == 400 and stored(app, folio)[0].status == "open"


# From the chat to the desk


def test_a_request_filed_by_chat_reaches_the_queue(app, client, officer):
    resident = Resident(client)
    resident.says("borrar mis datos")
    filed = resident.says("sí")
    with Session(app.extensions["ventanilla"].engine) as db:
        request = db.exec(select(PrivacyRequest)).one()
    assert request.folio in filed and request.right == "cancellation"
    rows = Tables(officer.get(ARCO).text, "data-folio")["privacy-requests"]
    assert rows[request.folio][1] == "cancellation" and rows[request.folio][5] == "open"
    page = said(officer.get(page_of(request.folio)))
    assert "request filed" in page and "resident" in page


# Accounts


def test_an_admin_adds_a_privacy_officer_who_works_for_no_department(app):
    admin = signed_in(app, "jefa@x.mx", "admin", [])
    data = {"email": "dpo@x.mx", "password": "otra contraseña muy larga", "role": "privacy"}
    response = admin.post("/dashboard/operators", {**data, "departments": ["parques"]})
    assert response.status_code == 302
    with Session(app.extensions["ventanilla"].engine) as db:
        added = db.exec(select(Operator).where(Operator.email == "dpo@x.mx")).one()
    assert (added.role, added.departments) == ("privacy", [])
    rows = Tables(admin.get("/dashboard/operators").text, "data-operator")["operators"]
    assert rows["dpo@x.mx"][2:4] == ["privacy officer", "none: ARCO requests"]
    assert '<option value="privacy">privacy officer</option>' in admin.get("/dashboard/operators").text


def test_the_command_adds_a_privacy_officer_without_departments(tmp_path):
    env = {"DATABASE_URL": database_url(tmp_path), "SECRET_KEY": "test", "FLOWS_PATH": str(ROOT / "flows.yaml")}

    def run(*args: str):
        return CliRunner().invoke(main, ["operators", *args], env={**env, "VENTANILLA_PASSWORD": PASSWORD})

    refused = run("add", "dpo@x.mx", "--role", "privacy", "--department", "parques")
    assert refused.exit_code == 2 and "works for no department" in refused.output
    added = run("add", "dpo@x.mx", "--role", "privacy")
    assert added.exit_code == 0 and "added dpo@x.mx (privacy)" in added.output
    listed = run("list")
    assert re.search(r"dpo@x.mx\s+privacy\s+ARCO requests", listed.output)
