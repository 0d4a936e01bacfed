"""`ventanilla operators`: the first admin from the terminal, then list, password and disable."""

from __future__ import annotations

from click.testing import CliRunner
from sqlmodel import Session, select

from bot.cli.main import main
from bot.db.database import make_engine
from bot.db.tables import Operator, OperatorSession
from bot.operators import authenticate
from tests.support.app import ROOT, database_url


def run(tmp_path, *args, password: str | None = None):
    env = {"DATABASE_URL": database_url(tmp_path), "SECRET_KEY": "test", "FLOWS_PATH": str(ROOT / "flows.yaml")}
    if password:
        env["VENTANILLA_PASSWORD"] = password
    return CliRunner().invoke(main, ["operators", *args], env=env)


def stored(tmp_path) -> list[Operator]:
    engine = make_engine(database_url(tmp_path))
    with Session(engine) as db:
        rows = list(db.exec(select(Operator).order_by(Operator.email)))
    engine.dispose()
    return rows


def test_the_first_admin_is_added_with_a_password_asked_twice(tmp_path):
    result = CliRunner().invoke(
        main,
        ["operators", "add", "Alcaldia@SanPedro.gob.mx", "--role", "admin"],
        input="una clave bien larga\nuna clave bien larga\n",
        env={"DATABASE_URL": database_url(tmp_path), "SECRET_KEY": "test"},
    )
    assert result.exit_code == 0, result.output
    assert "added alcaldia@sanpedro.gob.mx (admin)" in result.output
    (admin,) = stored(tmp_path)
    assert admin.role == "admin" and admin.password_hash.startswith("$argon2id$")


def test_an_operator_needs_a_department_and_a_long_password(tmp_path):
    assert "needs at least one --department" in run(tmp_path, "add", "ana@x.mx", password="una clave bien larga").output
    short = run(tmp_path, "add", "ana@x.mx", "--department", "parques", password="corta")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    typo = run(tmp_path, "add", "ana@x.mx", "--department", "parqes", password="una clave bien larga")
    assert typo.exit_code == 2 and "no department parqes in flows.yaml" in typo.output
    assert stored(tmp_path) == []


def test_list_password_and_disable(tmp_path):
    assert (
        run(
            tmp_path,
            "add",
            "ana@x.mx",
            "--department",
            "parques",
            "--department",
            "obras_publicas",
            password="una clave bien larga",
        ).exit_code
        == 0
    )
    assert "ana@x.mx" in run(tmp_path, "list").output and "obras_publicas,parques" in run(tmp_path, "list").output
    assert run(tmp_path, "password", "ana@x.mx", password="otra clave bien larga").exit_code == 0
    engine = make_engine(database_url(tmp_path))
    with Session(engine) as db:
        assert authenticate(db, "ana@x.mx", "otra clave bien larga") is not None
    assert run(tmp_path, "disable", "ana@x.mx").exit_code == 0
    assert "(disabled)" in run(tmp_path, "list").output
    with Session(engine) as db:
        assert authenticate(db, "ana@x.mx", "otra clave bien larga") is None
        assert db.exec(select(OperatorSession).where(OperatorSession.ended_at.is_(None))).all() == []
    engine.dispose()
    assert run(tmp_path, "disable", "nadie@x.mx").exit_code == 1


def test_an_operator_is_added_with_a_dashboard_language(tmp_path):
    first = run(tmp_path, "add", "ana@x.mx", "--department", "parques", password="una clave bien larga")
    assert first.exit_code == 0 and "dashboard in Español" in first.output  # Spanish unless asked
    second = run(
        tmp_path, "add", "bob@x.mx", "--department", "parques", "--language", "en", password="una clave bien larga"
    )
    assert second.exit_code == 0 and "dashboard in English" in second.output
    wrong = run(tmp_path, "add", "cy@x.mx", "--department", "parques", "--language", "fr", password="una clave larga")
    assert wrong.exit_code == 2 and "'fr' is not one of 'es', 'en'" in wrong.output
    assert [(op.email, op.language) for op in stored(tmp_path)] == [("ana@x.mx", "es"), ("bob@x.mx", "en")]


def test_the_cli_says_operator_errors_in_english(tmp_path):
    """The dashboard translates these errors; the terminal prints their English text (str of the error)."""
    assert run(tmp_path, "add", "ana@x.mx", "--department", "parques", password="una clave bien larga").exit_code == 0
    taken = run(tmp_path, "add", "ana@x.mx", "--department", "parques", password="una clave bien larga")
    assert taken.exit_code == 1 and "Error: an operator with email ana@x.mx exists already" in taken.output
    short = run(tmp_path, "add", "bob@x.mx", "--department", "parques", password="corta")
    assert "Error: a password needs at least 12 characters" in short.output and "contraseña" not in short.output
