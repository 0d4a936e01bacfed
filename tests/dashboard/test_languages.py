"""The dashboard speaks the operator's language: Spanish (es-MX) for an es operator, English for an en one, the
browser's choice among the two on the login page, and a switch in the header that the account keeps.

The other dashboard tests sign in English-speaking operators (tests/support/desks.py) so their assertions read as
the msgids; this module is where Spanish is checked page by page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_datetime
from sqlmodel import Session, select

from bot.db.database import transaction
from bot.db.tables import Contact, Operator, Ticket, TicketEvent
from bot.reports import format_duration
from tests.support.arco_requests import seed_request
from tests.support.desks import Desk, add_operator, read_ticket, seed_ticket, signed_in, text_of

RECEIVED = datetime(2026, 11, 22, 5, 30, tzinfo=UTC)  # 23:30 the day before on the city's clock
# Each page, and a few words it shows in Spanish and in English.
PAGES = {
    "/dashboard/": (
        ["Bandeja", "Categoría", "Cerrar sesión", "Más recientes primero"],
        ["Queue", "Category", "Sign out"],
    ),
    "/dashboard/map": (["Mapa", "Reportes en el mapa"], ["Map", "Tickets on the map"]),
    "/dashboard/overview": (
        ["Resumen", "Reportes por categoría por semana"],
        ["Overview", "Tickets per category per week"],
    ),
    "/dashboard/surveys": (["Encuestas", "Respuestas"], ["Surveys", "Responses"]),
    "/dashboard/surveys/park_evaluation": (
        ["Limpieza", "Seguridad", "Iluminación", "Comentarios"],
        ["Cleanliness", "Safety", "Lighting", "Comments"],
    ),
    "/dashboard/operators": (
        ["Operadores", "Agregar un operador", "administrador"],
        ["Operators", "Add an operator", "admin"],
    ),
    "/dashboard/privacy/requests": (
        ["Solicitudes ARCO", "Días hábiles restantes"],
        ["ARCO requests", "Business days left"],
    ),
}


def stored_language(app, email: str) -> str:
    with Session(app.extensions["ventanilla"].engine) as db:
        return db.exec(select(Operator.language).where(Operator.email == email)).one()


@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_page_speaks_the_operators_language(app, path):
    seed_ticket(app, status="in_progress", created_at=RECEIVED)
    spanish, english = PAGES[path]
    es = signed_in(app, "ana@x.mx", "admin", [], language="es").get(path)
    en = signed_in(app, "bob@x.mx", "admin", [], language="en").get(path)
    assert es.status_code == en.status_code == 200
    assert '<html lang="es-MX">' in es.text and '<html lang="en">' in en.text  # the date pickers follow it
    assert all(word in text_of(es) for word in spanish), [w for w in spanish if w not in text_of(es)]
    assert all(word in text_of(en) for word in english), [w for w in english if w not in text_of(en)]
    assert not any(re.search(rf"\b{re.escape(word)}\b", text_of(es)) for word in english if word not in spanish)


def test_a_ticket_and_its_status_read_in_spanish_with_the_citys_clock(app):
    folio = seed_ticket(app, status="in_progress", created_at=RECEIVED)
    es, en = signed_in(app, "ana@x.mx", language="es"), signed_in(app, "bob@x.mx", language="en")
    queue_es, queue_en = text_of(es.get("/dashboard/")), text_of(en.get("/dashboard/"))
    assert "en proceso" in queue_es and "in progress" in queue_en and "in_progress" not in queue_es + queue_en
    zone = app.extensions["ventanilla"].config.city_zone()
    shown_as = lambda locale: re.sub(r"\s+", " ", format_datetime(RECEIVED, "short", tzinfo=zone, locale=locale))  # noqa: E731
    assert shown_as("es_MX") in queue_es  # 21/11/26, 11:30 p.m.: the city's clock, the day before UTC's
    assert shown_as("en") in queue_en  # 11/21/26, 11:30 PM
    page = es.get(f"/dashboard/tickets/{folio}")
    assert '<html lang="es-MX">' in page.text
    shown = text_of(page)
    for words in (
        "Resumen",
        "Ciudadano",
        "Conversación",
        "Bitácora",
        "Cambiar estado",
        "Enviar respuesta",
        "en proceso",
    ):
        assert words in shown, words
    assert 'placeholder="nunca se envía al ciudadano"' in page.text
    assert '<option value="resolved">resuelto</option>' in page.text  # the value stays the code, the label is Spanish
    assert "Change status" not in shown and "Audit trail" not in shown


def test_roles_read_in_the_operators_language(app):
    add_operator(app, "beto@x.mx", "viewer", ["parques"], language="es")
    add_operator(app, "dpo@x.mx", "privacy", [], language="en")
    page = text_of(signed_in(app, "jefa@x.mx", "admin", [], language="es").get("/dashboard/operators"))
    assert "observador" in page and "oficial de privacidad" in page and "administrador" in page
    assert "Español" in page and "English" in page  # each operator's language, in its own name


def test_the_login_page_follows_the_browser_and_is_spanish_by_default(app):
    client = app.test_client()
    for accept, lang, words in [
        (None, "es-MX", "Iniciar sesión"),
        ("fr-FR,fr;q=0.9", "es-MX", "Iniciar sesión"),
        ("es-MX,es;q=0.9", "es-MX", "Contraseña"),
        ("en-US,en;q=0.9,es;q=0.5", "en", "Password"),
    ]:
        page = client.get("/dashboard/login", headers={"Accept-Language": accept} if accept else {})
        assert f'<html lang="{lang}">' in page.text and words in page.text, accept


def test_a_wrong_password_is_said_in_the_browsers_language(app):
    add_operator(app, "ana@x.mx", language="en")
    desk = Desk(app, "ana@x.mx", password="not the password at all")
    desk.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX"
    token = Desk.token_from(desk.client.get("/dashboard/login"))
    refused = desk.client.post(
        "/dashboard/login", data={"email": "ana@x.mx", "password": "no es la clave", "csrf_token": token}
    )
    assert refused.status_code == 401 and "Correo o contraseña incorrectos." in refused.text


def test_the_language_switch_is_kept_on_the_account(app):
    add_operator(app, "ana@x.mx", language="es")
    ana = Desk(app, "ana@x.mx").login()
    assert "Bandeja" in text_of(ana.get("/dashboard/"))
    switched = ana.post("/dashboard/language", {"language": "en", "next": "/dashboard/overview"})
    assert switched.status_code == 302 and switched.location == "/dashboard/overview"
    assert stored_language(app, "ana@x.mx") == "en"
    page = ana.get("/dashboard/overview")
    assert '<html lang="en">' in page.text and "The dashboard now speaks English." in text_of(page)
    again = Desk(app, "ana@x.mx")  # another browser asking for Spanish, a new session: the account decides
    again.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX"
    assert '<html lang="en">' in again.login().get("/dashboard/").text
    back = ana.post("/dashboard/language", {"language": "es", "next": "/dashboard/"}, follow_redirects=True)
    assert "El tablero ahora está en Español." in text_of(back) and stored_language(app, "ana@x.mx") == "es"


def test_the_switch_refuses_what_is_no_language_or_no_dashboard_page(app):
    ana = signed_in(app, "ana@x.mx", language="es")
    refused = ana.post("/dashboard/language", {"language": "fr", "next": "/dashboard/"}, follow_redirects=True)
    assert refused.status_code == 200 and "Elige Español o English." in text_of(refused)
    assert stored_language(app, "ana@x.mx") == "es"
    elsewhere = ana.post("/dashboard/language", {"language": "en", "next": "https://evil.example/dashboard/"})
    assert elsewhere.location == "/dashboard/"  # never another site
    forged = ana.client.post("/dashboard/language", data={"language": "en"})  # no CSRF token
    assert forged.status_code == 400


def test_an_admin_sets_an_operators_language(app):
    admin = signed_in(app, "jefa@x.mx", "admin", [], language="es")
    data = {"email": "ana@x.mx", "password": "una contraseña muy larga", "role": "operator", "departments": ["parques"]}
    assert admin.post("/dashboard/operators", {**data, "language": "en"}).status_code == 302
    assert stored_language(app, "ana@x.mx") == "en"
    with Session(app.extensions["ventanilla"].engine) as db:
        ana = db.exec(select(Operator).where(Operator.email == "ana@x.mx")).one()
    edit = {"role": "operator", "departments": ["parques"], "active": "1", "language": "es"}
    assert admin.post(f"/dashboard/operators/{ana.id}", edit).status_code == 302
    assert stored_language(app, "ana@x.mx") == "es"
    refused = admin.post(f"/dashboard/operators/{ana.id}", {**edit, "language": "klingon"})
    assert refused.status_code == 400 and "El idioma debe ser uno de: es, en." in text_of(refused)
    assert stored_language(app, "ana@x.mx") == "es"


def test_the_exports_headings_are_spanish_for_a_spanish_operator(app):
    seed_ticket(app)
    es = signed_in(app, "ana@x.mx", language="es").get("/dashboard/export.csv").text  # read: the body streams
    en = signed_in(app, "bob@x.mx", language="en").get("/dashboard/export.csv").text
    zone = app.extensions["ventanilla"].config.city_timezone
    assert es.splitlines()[0] == (
        f"\ufefffolio,recibido ({zone}),estado,dependencia,categoría,canal,prioridad,resumen,dirección,latitud,"
        f"longitud,colonia,zona,método_geo,confianza_geo,vence ({zone}),vencido"
    )
    assert en.splitlines()[0].startswith(f"\ufefffolio,received ({zone}),status,department,")
    survey = signed_in(app, "cy@x.mx", "admin", [], language="es").get("/dashboard/surveys/park_evaluation.csv")
    assert survey.text.lstrip("\ufeff").startswith(f"fecha ({zone}),idioma,park,park_etiqueta,cleanliness")


def test_a_privacy_request_reads_in_spanish(app):
    folio = seed_request(app, "rectification")
    page = signed_in(app, "dpo@x.mx", "privacy", [], language="es").get(f"/dashboard/privacy/requests/{folio}")
    shown = text_of(page)
    assert "rectificación" in shown and "Resolver" in shown and "Atender" in shown and "abierta" in shown
    assert "Fulfil" not in shown


def test_error_pages_speak_the_operators_language(app):
    es = signed_in(app, "ana@x.mx", "viewer", ["parques"], language="es")
    en = signed_in(app, "bob@x.mx", "viewer", ["parques"], language="en")
    missing_es, missing_en = es.get("/dashboard/tickets/2611-NOSUCH"), en.get("/dashboard/tickets/2611-NOSUCH")
    assert missing_es.status_code == missing_en.status_code == 404
    assert "No encontrado" in text_of(missing_es) and "Volver a la bandeja" in text_of(missing_es)
    assert "Not found" in text_of(missing_en) and "Back to the queue" in text_of(missing_en)
    refused = es.get("/dashboard/operators")  # admins only
    assert refused.status_code == 403 and "No permitido" in text_of(refused)


def test_time_left_reads_in_the_operators_units(app):
    seed_ticket(app, sla=timedelta(hours=2, minutes=30, seconds=40))  # seconds to spare while the test runs
    es, en = signed_in(app, "ana@x.mx", language="es"), signed_in(app, "bob@x.mx", language="en")
    assert "en 2h 30min" in text_of(es.get("/dashboard/"))  # CLDR's narrow units for es-MX
    assert "in 2h 30m" in text_of(en.get("/dashboard/"))
    assert es.get("/dashboard/queue.json?since=0").get_json()["tickets"][0]["due_text"] == "en 2h 30min"


@pytest.mark.parametrize(
    ("span", "locale", "said"),
    [
        (timedelta(minutes=12), "es_MX", "12min"),
        (timedelta(hours=5, minutes=20), "es_MX", "5h 20min"),
        (timedelta(days=3, hours=4, minutes=5), "es_MX", "3d 4h"),
        (timedelta(0), "es_MX", "0min"),
        (timedelta(hours=5, minutes=20), "en", "5h 20m"),
    ],
)
def test_durations_follow_the_locale(span, locale, said):
    assert format_duration(span, locale) == said


def test_the_audit_trail_names_the_system_and_the_daily_cap_in_spanish(app):
    folio = seed_ticket(app)
    with Session(app.extensions["ventanilla"].engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.folio == folio)).one()
        english = "Not filed (the daily cap of 3 reports was reached): Bache en Hidalgo"
        db.add(TicketEvent(ticket_id=ticket.id, kind="ticket_cap_reached", actor="system", detail={"text": english}))
        detail = {"text": english, "cap": 3, "report": "Basura en Juárez"}
        db.add(TicketEvent(ticket_id=ticket.id, kind="ticket_cap_reached", actor="system", detail=detail))
        db.commit()
    page = text_of(signed_in(app, "ana@x.mx", language="es").get(f"/dashboard/tickets/{folio}"))
    assert "No se registró (se alcanzó el límite diario de 3 reportes): Basura en Juárez" in page
    assert english in page  # an event written before the cap and report were kept apart: as stored
    assert "sistema ·" in page and "ciudadano ·" in page and "system ·" not in page and "resident ·" not in page
    english_page = text_of(signed_in(app, "bob@x.mx", language="en").get(f"/dashboard/tickets/{folio}"))
    assert "Not filed (the daily cap of 3 reports was reached): Basura en Juárez" in english_page
    assert "system ·" in english_page and "resident ·" in english_page


def test_a_reply_that_cannot_go_out_says_why_in_spanish(app):
    folio = seed_ticket(app)
    with transaction(app.extensions["ventanilla"].engine) as db:
        contact = db.get(Contact, read_ticket(app, folio).contact_id)
        contact.opted_out = True
        db.add(contact)
    es = signed_in(app, "ana@x.mx", language="es")
    page = text_of(es.post(f"/dashboard/tickets/{folio}/reply", {"text": "Hola"}, follow_redirects=True))
    assert "No enviado: el ciudadano pidió no recibir mensajes." in page and "opted out" not in page


def test_a_merge_reads_as_a_duplicate_in_the_audit_trail_not_as_an_english_reason(app):
    original, copy = seed_ticket(app), seed_ticket(app)
    es = signed_in(app, "ana@x.mx", language="es")
    assert es.post(f"/dashboard/tickets/{copy}/merge", {"original": original}).status_code == 302
    page = text_of(es.get(f"/dashboard/tickets/{copy}"))
    assert f"recibido → cerrado como duplicado de {original}" in page
    assert "duplicate of" not in page


def test_an_unknown_dashboard_address_is_the_dashboards_404_in_spanish(app):
    es = signed_in(app, "ana@x.mx", language="es")
    missing = es.get("/dashboard/no-such-page")
    assert missing.status_code == 404 and "No encontrado" in text_of(missing) and "Bandeja" in text_of(missing)
    assert es.get("/dashboard/no-such-page.json").get_json() == {"error": "No encontrado"}
    elsewhere = es.get("/no-such-page")  # outside the dashboard, Flask's own 404 as before
    assert elsewhere.status_code == 404 and "No encontrado" not in elsewhere.text
