"""What the lower layers refuse (a forbidden status change, a bad filter, a taken email, a decision on a closed
ARCO request) reaches the operator in their language, filled with the same folios and numbers; str() of the
error stays English for the CLI and the logs (bot/translatable.py)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.db.tables import Operator, OperatorChange
from bot.operators import OperatorError, password_problem
from bot.tickets.lifecycle import TransitionError
from bot.translatable import N_, Code, TranslatableText, from_stored, stored
from tests.support.arco_requests import seed_request
from tests.support.desks import seed_ticket, signed_in, text_of


def pair(app, role="operator", departments=("obras_publicas",)):
    """A Spanish-speaking and an English-speaking operator, signed in with the same role."""
    return (
        signed_in(app, "ana@x.mx", role, list(departments), language="es"),
        signed_in(app, "bob@x.mx", role, list(departments), language="en"),
    )


def test_a_forbidden_status_change_is_refused_in_the_operators_language(app):
    folio = seed_ticket(app)
    es, en = pair(app)
    es.post(f"/dashboard/tickets/{folio}/status", {"status": "rejected", "reason": "propiedad privada"})
    refused_es = es.post(f"/dashboard/tickets/{folio}/status", {"status": "in_progress"})
    refused_en = en.post(f"/dashboard/tickets/{folio}/status", {"status": "in_progress"})
    assert refused_es.status_code == refused_en.status_code == 400
    # The folio is filled in, and the statuses are their labels in each language.
    assert f"El reporte {folio} está en estado «rechazado»; no puede pasar a «en proceso»" in text_of(refused_es)
    assert f"Ticket {folio} is rejected; it cannot become in progress" in text_of(refused_en)
    assert "cannot become" not in text_of(refused_es)


def test_an_empty_note_names_the_field_in_the_operators_language(app):
    folio = seed_ticket(app)
    es, en = pair(app)
    assert "La nota está en blanco" in text_of(es.post(f"/dashboard/tickets/{folio}/note", {"text": "  "}))
    assert "The note is empty" in text_of(en.post(f"/dashboard/tickets/{folio}/note", {"text": "  "}))


@pytest.mark.parametrize(
    ("query", "spanish", "english"),
    [
        ("overdue=maybe", "overdue: usa 1 o 0", "overdue: use 1 or 0"),
        ("sort=oldest", "sort: usa newest o urgent", "sort: use newest or urgent"),
        ("from=01/02/2026", "from: usa AAAA-MM-DD", "from: use YYYY-MM-DD"),
    ],
)
def test_a_bad_filter_is_explained_in_the_operators_language(app, query, spanish, english):
    es, en = pair(app)
    page_es, page_en = es.get(f"/dashboard/?{query}"), en.get(f"/dashboard/?{query}")
    assert page_es.status_code == page_en.status_code == 400
    assert spanish in text_of(page_es) and "Filtro" in text_of(page_es)
    assert english in text_of(page_en)
    assert es.get(f"/dashboard/queue.json?since=1&{query}").get_json() == {"error": spanish}


def test_the_admin_page_says_an_operator_error_in_the_admins_language(app):
    es, en = pair(app, "admin", [])
    taken = {
        "email": "ana@x.mx",
        "password": "una contraseña muy larga",
        "role": "operator",
        "departments": ["parques"],
    }
    weak = {**taken, "email": "nuevo@x.mx", "password": "corta"}
    assert "Ya existe un operador con el correo ana@x.mx" in text_of(es.post("/dashboard/operators", taken))
    assert "An operator with email ana@x.mx exists already" in text_of(en.post("/dashboard/operators", taken))
    assert "Una contraseña necesita al menos 12 caracteres" in text_of(es.post("/dashboard/operators", weak))
    assert "A password needs at least 12 characters" in text_of(en.post("/dashboard/operators", weak))


def test_a_decision_on_a_closed_request_is_refused_in_the_officers_language(app):
    folio = seed_request(app, "opposition")
    es, en = pair(app, "privacy", [])
    page = f"/dashboard/privacy/requests/{folio}"
    assert es.post(f"{page}/fulfil", {"response": "Listo."}).status_code == 302
    refused_es = es.post(f"{page}/extend", {"text": "Otra."})
    refused_en = en.post(f"{page}/extend", {"text": "Otra."})
    assert refused_es.status_code == refused_en.status_code == 409
    assert f"La solicitud {folio} ya está en estado «atendida»: no hay nada más que decidir" in text_of(refused_es)
    assert f"Request {folio} is fulfilled already: nothing more can be decided" in text_of(refused_en)


def test_the_errors_own_text_stays_english():
    """The CLI and the logs print str(error): the English template filled in, stored codes as they are."""
    error = TransitionError(
        N_("ticket %(folio)s is %(status)s; it cannot become %(new_status)s"),
        folio="2611-ABCDEF",
        status=Code("status", "rejected"),
        new_status=Code("status", "in_progress"),
    )
    assert str(error) == "ticket 2611-ABCDEF is rejected; it cannot become in_progress"
    assert error.text.template.startswith("ticket %(folio)s") and error.text.params["folio"] == "2611-ABCDEF"
    problem = password_problem("corta")
    assert isinstance(problem, TranslatableText) and problem == "a password needs at least 12 characters"
    assert str(OperatorError(problem)) == problem and OperatorError(problem).text.params == {"length": 12}


def test_recent_operator_changes_read_in_each_admins_language(app):
    es, en = pair(app, "admin", [])
    data = {"email": "carla@x.mx", "password": "una contraseña muy larga", "role": "viewer", "departments": ["parques"]}
    assert es.post("/dashboard/operators", data).status_code == 302
    with Session(app.extensions["ventanilla"].engine) as db:
        carla = db.exec(select(Operator.id).where(Operator.email == "carla@x.mx")).one()
        db.add(OperatorChange(actor="old@x.mx", text="disabled someone, before changes were translatable"))
        db.commit()
    edit = {"role": "privacy", "active": "0", "language": "es"}
    assert en.post(f"/dashboard/operators/{carla}", edit).status_code == 302
    page_es, page_en = text_of(es.get("/dashboard/operators")), text_of(en.get("/dashboard/operators"))
    assert "ana@x.mx agregó a carla@x.mx como observador de parques" in page_es
    assert "bob@x.mx dejó a carla@x.mx como oficial de privacidad de ninguna dependencia, desactivado" in page_es
    assert "ana@x.mx added carla@x.mx as viewer of parques" in page_en
    assert "bob@x.mx set carla@x.mx to privacy officer of no department, disabled" in page_en
    # A row written before (plain English) is shown as it was stored, in both languages.
    assert "old@x.mx disabled someone, before changes were translatable" in page_es
    assert "old@x.mx disabled someone, before changes were translatable" in page_en


def test_a_stored_text_reads_back_and_anything_else_stays_as_it_was():
    text = TranslatableText(
        N_("set %(email)s to %(role)s of %(departments)s, %(state)s"),
        email="carla@x.mx",
        role=Code("role", "viewer"),
        departments=TranslatableText(N_("no department")),
        state=TranslatableText(N_("active")),
    )
    kept = stored(text)
    assert kept.startswith('{"text": "set carla@x.mx to viewer of no department, active"')
    back = from_stored(kept)
    assert back == text and isinstance(back, TranslatableText) and back.template == text.template
    assert isinstance(back.params["role"], Code) and back.params["role"].kind == "role"
    assert back.params["departments"].template == "no department"
    for plain in ("added ana@x.mx as admin of no department", '{"text": broken', '{"text": "x"}', "{}"):
        assert from_stored(plain) == plain
