"""`ventanilla operators ...`: the accounts of the dashboard, from the terminal."""

from __future__ import annotations

import click
from sqlmodel import select

from bot.config import Config
from bot.db.database import make_engine, transaction
from bot.db.migrate import upgrade
from bot.db.tables import Operator
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES
from bot.operators import (
    PRIVACY_ROLE,
    ROLES,
    OperatorError,
    create_operator,
    end_all_sessions,
    normalise_email,
    set_password,
)

__all__ = ["operators"]


def _engine():
    engine = make_engine(Config.from_env().database_url)
    upgrade(engine)  # the first admin may come before `ventanilla db upgrade`; at head this changes nothing
    return engine


def _known_departments() -> list[str]:
    """The departments of the flows file in use (FLOWS_PATH), which an operator's must be among."""
    from bot.flows.loader import FlowsInvalidError, load_flows

    try:
        return list(load_flows(Config.from_env().flows_path).departments)
    except FlowsInvalidError as exc:
        raise click.ClickException(f"cannot read the departments:\n{exc}") from None


def _password(prompt: str, password: str | None) -> str:
    return password or click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@click.group()
def operators() -> None:
    """Dashboard accounts: add the first admin, list, change a password, disable."""


@operators.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="operator", show_default=True)
@click.option(
    "--department", "departments", multiple=True, metavar="ID", help="A department they work for (repeat for more)."
)
@click.option("--name", default="", help="How the dashboard names them (default: the email's user part).")
@click.option("--password", envvar="VENTANILLA_PASSWORD", help="Asked for when not given (or set VENTANILLA_PASSWORD).")
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="The dashboard's language for them (they can switch it in the dashboard).",
)
def operators_add(
    email: str, role: str, departments: tuple[str, ...], name: str, password: str | None, language: str
) -> None:
    """Add an operator; `--role admin` for the first one, `--role privacy` for who answers ARCO requests."""
    if role == PRIVACY_ROLE and departments:
        raise click.UsageError("a privacy officer works for no department: leave out --department")
    if role not in ("admin", PRIVACY_ROLE) and not departments:
        raise click.UsageError("an operator or viewer needs at least one --department")
    unknown = sorted(set(departments) - set(_known_departments())) if departments else []
    if unknown:
        raise click.UsageError(
            f"no department {', '.join(unknown)} in flows.yaml (known: {', '.join(_known_departments())})"
        )
    try:
        with transaction(_engine(), immediate=True) as db:
            operator = create_operator(
                db, email, _password("Password", password), role, list(departments), name, language=language
            )
    except OperatorError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"added {operator.email} ({operator.role}{', ' + ', '.join(operator.departments) if operator.departments else ''})"
        f", dashboard in {LANGUAGE_NAMES[operator.language]}"
    )


@operators.command("list")
def operators_list() -> None:
    """Show every operator, their role and departments."""
    with transaction(_engine()) as db:
        for op in db.exec(select(Operator).order_by(Operator.email)):
            state = "" if op.active else "  (disabled)"
            scope = "ARCO requests" if op.role == PRIVACY_ROLE else ",".join(op.departments) or "all"
            click.echo(f"{op.email:32} {op.role:9} {scope}{state}")


@operators.command("password")
@click.argument("email")
@click.option("--password", envvar="VENTANILLA_PASSWORD", help="Asked for when not given.")
def operators_password(email: str, password: str | None) -> None:
    """Set a new password (their open sessions end)."""
    with transaction(_engine(), immediate=True) as db:
        operator = _find(db, email)
        try:
            set_password(db, operator, _password("New password", password))
        except OperatorError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"password changed for {operator.email}")


@operators.command("disable")
@click.argument("email")
def operators_disable(email: str) -> None:
    """Disable an account and end its sessions at once."""
    with transaction(_engine(), immediate=True) as db:
        operator = _find(db, email)
        operator.active = False
        db.add(operator)
        end_all_sessions(db, operator.id)
    click.echo(f"disabled {operator.email}")


def _find(db, email: str) -> Operator:
    try:
        operator = db.exec(select(Operator).where(Operator.email == normalise_email(email))).first()
    except OperatorError as exc:
        raise click.ClickException(str(exc)) from None
    if operator is None:
        raise click.ClickException(f"no operator {email}")
    return operator
