"""Admin pages: only admins manage operators; changes take effect at once; an admin cannot lock themself out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlmodel import Session, select

from bot.db.tables import Operator, OperatorChange
from bot.translatable import from_stored
from tests.support.desks import PASSWORD, Desk, Tables, add_operator, seed_ticket

OPERATORS = "/dashboard/operators"
NEW_PASSWORD = "otra contraseña muy larga"


def operator_row(app, email: str) -> Operator:
    with Session(app.extensions["ventanilla"].engine) as db:
        return db.exec(select(Operator).where(Operator.email == email)).one()


def admin_rules(app) -> list:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if app.view_functions[rule.endpoint].__module__ == "bot.dashboard.admin"
    ]


def path_of(rule, operator_id: int) -> str:
    return rule.rule.replace("<int:operator_id>", str(operator_id))


def edit(admin: Desk, operator_id: int, role: str, departments=(), active: bool = True):
    data = {"role": role, "departments": list(departments), **({"active": "1"} if active else {})}
    return admin.post(f"{OPERATORS}/{operator_id}", data)


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_only_admins_reach_any_admin_route(app, desk, role):
    add_operator(app, "beto@x.mx", "operator", ["obras_publicas"])
    target = operator_row(app, "beto@x.mx").id
    someone = desk("ana@x.mx", role, ["obras_publicas", "parques"])
    rules = admin_rules(app)
    assert {r.endpoint for r in rules} >= {
        "dashboard.operators",
        "dashboard.add_operator",
        "dashboard.edit_operator",
        "dashboard.operator_password",
    }
    data = {"email": "nuevo@x.mx", "password": NEW_PASSWORD, "role": "admin", "active": "1"}
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = (
                someone.get(path_of(rule, target)) if method == "GET" else someone.post(path_of(rule, target), data)
            )
            assert response.status_code == 403, f"{method} {rule.rule}"
    assert operator_row(app, "beto@x.mx").role == "operator" and Desk(app, "beto@x.mx").login()  # password unchanged
    with Session(app.extensions["ventanilla"].engine) as db:
        assert db.exec(select(Operator).where(Operator.email == "nuevo@x.mx")).first() is None
    assert "/dashboard/operators" not in someone.get("/dashboard/surveys").text  # nor in their menu


def test_the_list_shows_each_operator_with_role_departments_and_last_seen(app, desk):
    add_operator(app, "beto@x.mx", "viewer", ["parques"])
    admin = desk("jefa@x.mx", "admin", [])
    rows = Tables(admin.get(OPERATORS).text, "data-operator")["operators"]
    assert rows["beto@x.mx"][:6] == ["beto@x.mx", "beto", "viewer", "parques", "yes", "English"]
    today = format_date(datetime.now(app.extensions["ventanilla"].config.city_zone()), "short", locale="en")
    assert rows["jefa@x.mx"][2:4] == ["admin", "all"] and rows["jefa@x.mx"][6].startswith(today)  # the city's day


def test_an_admin_adds_an_operator_who_can_sign_in_at_once(app, desk):
    admin = desk("jefa@x.mx", "admin", [])
    response = admin.post(
        OPERATORS,
        {
            "email": " Carla@Parques.gob.mx ",
            "name": "Carla Ruiz",
            "role": "operator",
            "password": NEW_PASSWORD,
            "departments": ["parques", "servicios_publicos"],
        },
    )
    assert response.status_code == 302
    added = operator_row(app, "carla@parques.gob.mx")
    assert (added.name, added.role, added.departments, added.active) == (
        "Carla Ruiz",
        "operator",
        ["parques", "servicios_publicos"],
        True,
    )
    assert (
        Desk(app, "carla@parques.gob.mx", NEW_PASSWORD).login().get("/dashboard/surveys/park_evaluation").status_code
        == 200
    )
    page = admin.get(OPERATORS).text
    assert "Added carla@parques.gob.mx." in page
    assert "jefa@x.mx added carla@parques.gob.mx as operator of parques, servicios_publicos" in page  # recent changes
    with Session(app.extensions["ventanilla"].engine) as db:  # kept in the database, not only shown
        assert [(c.actor, from_stored(c.text)) for c in db.exec(select(OperatorChange))] == [
            ("jefa@x.mx", "added carla@parques.gob.mx as operator of parques, servicios_publicos")
        ]


@pytest.mark.parametrize(
    "form, problem",
    [
        ({"email": "nuevo@x.mx", "password": "corta"}, "A password needs at least 12 characters"),
        ({"email": "jefa@x.mx"}, "An operator with email jefa@x.mx exists already"),
        ({"email": "sin-arroba"}, "An email address is needed"),
        ({"email": "nuevo@x.mx", "role": "superuser"}, "Role must be one of admin, operator, viewer, privacy."),
        ({"email": "nuevo@x.mx", "departments": ["parques", "bomberos"]}, "Unknown department: bomberos"),
    ],
)
def test_adding_with_bad_input_is_a_clear_400_and_adds_nothing(app, desk, form, problem):
    admin = desk("jefa@x.mx", "admin", [])
    response = admin.post(OPERATORS, {"role": "operator", "password": NEW_PASSWORD, **form})
    assert response.status_code == 400 and problem.replace("'", "&#39;") in response.text
    with Session(app.extensions["ventanilla"].engine) as db:
        assert len(db.exec(select(Operator)).all()) == 1


def test_a_new_department_takes_effect_on_the_operators_next_page(app, desk):
    works = desk("beto@x.mx", "operator", ["obras_publicas"])
    assert works.get("/dashboard/surveys/park_evaluation").status_code == 404
    admin = desk("jefa@x.mx", "admin", [])
    assert edit(admin, operator_row(app, "beto@x.mx").id, "viewer", ["obras_publicas", "parques"]).status_code == 302
    assert operator_row(app, "beto@x.mx").role == "viewer"
    assert works.get("/dashboard/surveys/park_evaluation").status_code == 200  # same browser, no new sign-in
    assert "set beto@x.mx to viewer of obras_publicas, parques, active" in admin.get(OPERATORS).text


def test_disabling_an_operator_signs_them_out_at_once(app, desk):
    works = desk("beto@x.mx", "operator", ["obras_publicas"])
    admin = desk("jefa@x.mx", "admin", [])
    assert (
        edit(admin, operator_row(app, "beto@x.mx").id, "operator", ["obras_publicas"], active=False).status_code == 302
    )
    response = works.get("/dashboard/overview")
    assert response.status_code == 302 and response.location.startswith("/dashboard/login")
    refused = works.client.post(
        "/dashboard/login",
        data={
            "email": "beto@x.mx",
            "password": PASSWORD,
            "csrf_token": Desk.token_from(works.client.get("/dashboard/login")),
        },
    )
    assert refused.status_code == 401
    rows = Tables(admin.get(OPERATORS).text, "data-operator")["operators"]
    assert rows["beto@x.mx"][4] == "no"


@pytest.mark.parametrize("role, active", [("operator", True), ("viewer", True), ("admin", False)])
def test_an_admin_cannot_demote_or_disable_themself(app, desk, role, active):
    admin = desk("jefa@x.mx", "admin", [])
    response = edit(admin, operator_row(app, "jefa@x.mx").id, role, ["parques"], active)
    assert response.status_code == 400 and "You cannot demote or disable yourself" in response.text
    me = operator_row(app, "jefa@x.mx")
    assert (me.role, me.active) == ("admin", True) and admin.get(OPERATORS).status_code == 200


def test_editing_with_bad_input_is_a_400_and_an_unknown_operator_a_404(app, desk):
    add_operator(app, "beto@x.mx", "operator", ["obras_publicas"])
    admin = desk("jefa@x.mx", "admin", [])
    beto = operator_row(app, "beto@x.mx").id
    assert edit(admin, beto, "jefe", ["parques"]).status_code == 400
    assert "Unknown department: &lt;b&gt;" in edit(admin, beto, "viewer", ["<b>"]).text
    assert operator_row(app, "beto@x.mx").departments == ["obras_publicas"]
    assert edit(admin, 9999, "viewer", ["parques"]).status_code == 404
    assert admin.post(f"{OPERATORS}/9999/password", {"password": NEW_PASSWORD}).status_code == 404
    assert edit(admin, 10**22, "viewer", ["parques"]).status_code == 404  # beyond any id the database can hold


def test_a_new_password_ends_the_operators_sessions_and_replaces_the_old_one(app, desk):
    works = desk("beto@x.mx", "operator", ["obras_publicas"])
    admin = desk("jefa@x.mx", "admin", [])
    beto = operator_row(app, "beto@x.mx").id
    short = admin.post(f"{OPERATORS}/{beto}/password", {"password": "corta"})
    assert short.status_code == 400 and "A password needs at least 12 characters" in short.text
    assert works.get("/dashboard/overview").status_code == 200  # a refused change signs nobody out
    assert admin.post(f"{OPERATORS}/{beto}/password", {"password": NEW_PASSWORD}).status_code == 302
    assert works.get("/dashboard/overview").status_code == 302
    assert Desk(app, "beto@x.mx", NEW_PASSWORD).login()
    with pytest.raises(AssertionError):
        Desk(app, "beto@x.mx", PASSWORD).login()


def test_departments_come_from_flows_yaml_with_slas_tickets_and_operators(app, desk):
    now = datetime.now(UTC)
    seed_ticket(app, created_at=now - timedelta(days=3))  # overdue after 48h
    seed_ticket(app)
    seed_ticket(app, status="resolved")
    add_operator(app, "beto@x.mx", "operator", ["obras_publicas", "parques"])
    html = desk("jefa@x.mx", "admin", []).get(OPERATORS).text
    departments = Tables(html, "data-department")["departments"]
    assert departments["obras_publicas"] == [
        "obras_publicas",
        "Obras Públicas",
        "webhook",
        "5d",
        "pothole: 2d",
        "2",
        "1",
        "1",
    ]
    assert departments["parques"] == ["parques", "Parques y Jardines", "dashboard", "5d", "—", "0", "0", "1"]
    assert departments["servicios_publicos"][3:] == ["3d", "—", "0", "0", "0"]
    assert "edited in flows.yaml" in html or "change them there" in html
