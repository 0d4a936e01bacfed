"""No phone number, name, message text, email, password, token or link signature in any log record (issue 13, point 5).

Every logger of the process is lowered to DEBUG (as an operator chasing a bug would) while a new resident
files a pothole over Twilio's real webhook (the privacy notice, a typed address, a photo), the ticket is
delivered to a webhook department (refused once, with an answer quoting the ticket), an operator signs in
(once with a wrong password) and answers through Twilio's API (refused once, naming the number), and a
web chat resident writes. Each record is read twice: as it leaves our own loggers (no reliance on the
safety net) and as the app's handlers write it (every logger, the libraries' included).
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from sqlmodel import Session, select

from bot import create_app
from bot.db.database import create_tables
from bot.db.tables import Ticket
from bot.privacy.logs import LOG_FORMAT, Redactor, error_head, redact
from tests.support.app import PUBLIC_URL, Resident, app_settings, reply_text, twilio_fixture
from tests.support.departments import OBRAS_URL, work
from tests.support.desks import PASSWORD, Desk, add_operator
from tests.support.outbox import relay_pending_now
from tests.support.twilio_api import TWILIO_MESSAGES, twilio_media

WA_ID = "5218155501234"  # WhatsApp's id of the number: 52, Mexico's old mobile 1, then 81 5550 1234
PHONE = "+528155501234"  # as the database keeps it
PROFILE_NAME = "Xochiquetzal Tepoztécatl"
GREETING = "Hola, buenas tardes, vecinos del ayuntamiento"
ADDRESS = "Calle Xicoténcatl 4321 esquina Tlahuicole, colonia Anáhuac"
WEB_CHAT_TEXT = "Buenas noches, quisiera saber del predial de Tlaxcala"
OPERATOR_EMAIL = "itzel.cuautli@sanpedro.gob.mx"
WRONG_PASSWORD = "Tlachinolli-wrong-password"
OPERATOR_REPLY = "Gracias, ya va la cuadrilla"


class Records(logging.Handler):
    """Keeps every record it is handed, formatted (message, exception and stack) at the moment it sees it."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.seen: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        parts = [self.format(record), repr(record.args), record.exc_text or "", record.stack_info or ""]
        self.seen.append((record.name, "\n".join(parts)))


@pytest.fixture
def captured(tmp_path, redis_url):
    """(app, written, ours): the app's handlers' records (all loggers) and our loggers' records before any filter."""
    root, written = logging.getLogger(), Records()
    levels = {logger: (logger.level, logger.disabled) for logger in _loggers()}
    root.addHandler(written)  # there when the app sets logging up, as the process's own handler is
    try:
        app = create_app(app_settings(tmp_path, redis_url))
        create_tables(app.extensions["ventanilla"].engine)
        ours = Records()
        root.handlers.insert(0, ours)  # first: it sees each record before any handler's Redactor
        for logger in _loggers():
            logger.setLevel(logging.DEBUG)
            logger.disabled = False
        yield app, written, ours
        root.removeHandler(ours)
        app.extensions["ventanilla"].engine.dispose()
    finally:
        root.removeHandler(written)
        for logger, (level, disabled) in levels.items():
            logger.setLevel(level)
            logger.disabled = disabled


def _loggers() -> list[logging.Logger]:
    manager = logging.getLogger().manager
    return [logging.getLogger()] + [x for x in manager.loggerDict.values() if isinstance(x, logging.Logger)]


def test_a_whole_report_leaves_no_personal_data_in_the_logs(captured, no_network):
    app, written, ours = captured
    department = _department_refusing_once(no_network)
    twilio = _twilio_refusing_once(no_network)
    twilio_media(no_network, twilio_fixture("whatsapp_image")["MediaUrl0"])
    bodies = _report_a_pothole(app)
    work(app)  # the photo is copied; the department refuses with its answer quoting the ticket
    relay_pending_now(app)
    work(app)  # delivered
    (payload,) = department
    secrets = {"the operator's email": OPERATOR_EMAIL, "the operator's password": PASSWORD}
    secrets |= {"a wrong password": WRONG_PASSWORD, "the profile name": PROFILE_NAME.split()[0]}
    secrets |= {f"what the resident wrote ({text})": text for text in bodies}
    secrets |= _signatures(payload["media"][0]["public_url"], "the department's media link")
    secrets |= _operator_answers(app)
    work(app)  # Twilio refuses the reply once, naming the number
    relay_pending_now(app)
    work(app)  # now it goes
    assert [call["Body"] for call in twilio] == [OPERATOR_REPLY, OPERATOR_REPLY]
    secrets |= _web_chat_resident(app)

    assert _leaks(ours.seen, secrets, only=("bot", "worker")) == []
    assert _leaks(written.seen, secrets) == []
    said = "\n".join(text for _, text in written.seen)
    for expected in ("failed sign-in for account", "delivery of outbox", "sending message", "INSERT INTO ticket"):
        assert expected in said  # the records the test is about were captured (SQL statements too)


def _report_a_pothole(app) -> list[str]:
    """A resident writing for the first time: greeting, pothole, the privacy notice, a typed address, a photo."""
    resident = Resident(app.test_client(), ProfileName=PROFILE_NAME, WaId=WA_ID, From=f"whatsapp:+{WA_ID}")

    def says(text: str = "", **fields) -> str:
        response = resident.send(Body=text, **fields)
        assert response.status_code == 200, response.data
        return reply_text(response.data)

    bodies = [GREETING, "quiero reportar un bache", ADDRESS]
    says(GREETING)
    assert "aviso-de-privacidad" in says(bodies[1])  # the notice comes before the first personal question
    assert "¿Dónde está el bache?" in says("sí")
    assert "foto" in says(ADDRESS)
    says(**{k: v for k, v in twilio_fixture("whatsapp_image").items() if k.startswith(("Media", "NumMedia"))})
    assert "folio" in says("sí")
    return bodies


def _department_refusing_once(no_network) -> list[dict]:
    """Obras Públicas' system: a 400 quoting the whole ticket back first, then it takes it; returns what it kept."""
    kept, refusals = [], [400]

    def answer(request):
        ticket = json.loads(request.body)
        if refusals:
            echo = json.dumps({"error": "rejected", "you_sent": ticket}, ensure_ascii=False)
            return (refusals.pop(), {"Content-Type": "application/json; charset=utf-8"}, echo)
        kept.append(ticket)
        return (201, {}, '{"ok": true}')

    no_network.add_callback(responses.POST, OBRAS_URL, callback=answer)
    return kept


def _twilio_refusing_once(no_network) -> list[dict]:
    """Twilio's Messages API: a 429 naming the number first (Twilio's errors do name it), then it sends."""
    calls = []

    def create(request):
        form = {k: v[0] for k, v in parse_qs(request.body).items()}
        calls.append(form)
        if len(calls) == 1:
            error = {"code": 20429, "message": f"Too many requests to {form['To']} ({PHONE})", "status": 429}
            return (429, {}, json.dumps(error))
        return (201, {}, '{"sid": "SMa%031d", "status": "queued"}' % len(calls))

    no_network.add_callback(responses.POST, TWILIO_MESSAGES, callback=create)
    return calls


def _operator_answers(app) -> dict[str, str]:
    """A wrong password, then the right one; the operator opens the ticket (signed photo link) and replies."""
    add_operator(app, OPERATOR_EMAIL)
    wrong = Desk(app, OPERATOR_EMAIL, WRONG_PASSWORD)
    login = wrong.client.get("/dashboard/login")
    form = {"email": OPERATOR_EMAIL, "password": WRONG_PASSWORD, "csrf_token": Desk.token_from(login)}
    assert wrong.client.post("/dashboard/login", data=form).status_code == 401
    desk = Desk(app, OPERATOR_EMAIL).login()
    with Session(app.extensions["ventanilla"].engine) as db:
        folio = db.exec(select(Ticket.folio)).one()
    page = desk.get(f"/dashboard/tickets/{folio}").text
    link = re.search(r'<img src="(/media/[^"]+)"', page)
    assert link, page[:500]
    photo_url = link[1].replace("&amp;", "&")
    assert desk.get(photo_url).status_code == 200
    assert desk.post(f"/dashboard/tickets/{folio}/reply", {"text": OPERATOR_REPLY}).status_code in (200, 302)
    return _signatures(PUBLIC_URL + photo_url, "the dashboard's photo link")


def _web_chat_resident(app) -> dict[str, str]:
    client = app.test_client()
    session = client.post("/webchat/api/session")
    assert session.status_code == 200, session.data
    token = session.json["token"]
    sent = client.post("/webchat/api/messages", json={"token": token, "id": "c0ffee-1", "text": WEB_CHAT_TEXT})
    assert sent.status_code == 200, sent.data
    return {
        "the web chat token": token,
        "the next web chat token": sent.json["token"],
        "a web chat text": WEB_CHAT_TEXT,
    }


def _signatures(url: str, what: str) -> dict[str, str]:
    (signature,) = parse_qs(urlsplit(url).query)["sig"]
    return {f"{what}'s signature": signature}


# The number in any of the ways it is written: +52 81 5550 1234, 528155501234, 5218155501234, (81) 5550-1234.
_NUMBER = re.compile(r"[ \-()]{0,2}".join("8155501234"))


def _leaks(records: list[tuple[str, str]], secrets: dict[str, str], only: tuple[str, ...] = ()) -> list[str]:
    """What each record (of the named loggers, or all) says that it must not: the number in any format, or a secret."""
    found = []
    for name, text in records:
        if only and not name.startswith(only):
            continue
        if _NUMBER.search(text):
            found.append(f"{name}: the phone number in {text!r}")
        found += [f"{name}: {what} in {text!r}" for what, secret in secrets.items() if secret.lower() in text.lower()]
    return found


# The safety net on its own


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sending to whatsapp:+5218112345678 failed", "sending to whatsapp:[phone] failed"),
        ("call +52 81 1234 5678 or (81) 1234-5678", "call [phone] or [phone]"),
        ("ids 528112345678 and 8112345678.", "ids [phone] and [phone]."),
        ("account:ana.lopez@sanpedro.gob.mx", "account:[email]"),
        ('"GET /media/a.jpg?exp=1767225600&sig=AbC-d_9 HTTP/1.1" 200', '"GET /media/a.jpg?[query] HTTP/1.1" 200'),
        ("poll eyJzIjoiYWJjIn0.aQ2x9w.Kq3VtY7m1p0Zr8sLw2xNcB5dFgHj", "poll [token]"),
    ],
)
def test_redact_hides_numbers_emails_queries_and_tokens(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-05 10:11:12 relay enqueued 3 outbox rows",
        "Error 111 connecting to 127.0.0.1:6379. Connection refused.",
        "job 1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed bot.jobs.ticket_jobs.deliver_ticket(42) folio 2611-ABCDEF",
        "status sent for unknown twilio message SM0b0f1f2e3d4c5b6a79887766554433aa ignored",
        "POST /2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json",
    ],
)
def test_redact_leaves_times_addresses_ids_and_folios(text):
    assert redact(text) == text


def test_error_head_keeps_what_failed_not_what_the_other_side_quoted():
    assert error_head('HTTP 400: {"you_sent": {"summary": "Bache en Morelos 12"}}') == "HTTP 400"
    assert error_head("ConnectionError: HTTPSConnectionPool(host='x', port=443): url /search?q=Morelos") == (
        "ConnectionError"
    )
    assert error_head("the department has no secret to sign with") == "the department has no secret to sign with"


def test_the_redactor_rewrites_the_record_for_every_later_handler():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "to %s", ("+528112345678",), None)
    try:
        raise ValueError("bad number whatsapp:+5218112345678")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert Redactor().filter(record)
    assert record.getMessage() == "to [phone]" and record.args is None
    assert "whatsapp:[phone]" in (record.exc_text or "") and "2345678" not in (record.exc_text or "")


def test_twilio_request_logs_stay_quiet_even_at_debug(captured):
    _, written, _ = captured
    logging.getLogger("twilio.http_client").info("POST Request: https://api.twilio.com/...?To=%2B528112345678")
    logging.getLogger("twilio.http_client").warning("Twilio answered 500")
    assert [name for name, _ in written.seen if name.startswith("twilio")] == ["twilio.http_client"]


def test_gunicorns_access_log_hides_a_token_in_the_path(captured):
    """The export link carries its token in the path (/privacidad/descarga/<token>), which the access log keeps."""
    from itsdangerous import URLSafeTimedSerializer

    token = URLSafeTimedSerializer("a key", salt="ventanilla privacy export v1").dumps(7)
    atoms = {"h": "203.0.113.9", "m": "GET", "U": f"/privacidad/descarga/{token}", "s": "200"}
    own = Records()  # gunicorn writes its access log through a handler of its own, not the root's
    access = logging.getLogger("gunicorn.access")
    access.addHandler(own)
    try:
        access.info('%(h)s "%(m)s %(U)s" %(s)s', atoms)
    finally:
        access.removeHandler(own)
    ((_, text),) = own.seen
    assert '203.0.113.9 "GET /privacidad/descarga/[token]" 200' in text and token not in text
