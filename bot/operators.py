"""Operators of the dashboard: accounts with argon2id passwords, and their signed-in sessions."""

from __future__ import annotations

import gzip
import secrets
import string
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.db.database import transaction
from bot.db.tables import Operator, OperatorSession, as_utc, utcnow
from bot.i18n import LANGUAGES
from bot.translatable import N_, TranslatableError, TranslatableText

__all__ = [
    "ROLES",
    "PRIVACY_ROLE",
    "MIN_PASSWORD_LENGTH",
    "OperatorError",
    "password_problem",
    "create_operator",
    "authenticate",
    "set_password",
    "start_session",
    "session_operator",
    "end_session",
    "end_all_sessions",
]

# admin: everything; operator: acts on their departments' tickets; viewer: reads them; privacy: answers
# residents' ARCO requests and sees nothing else (no department, no ticket's personal data).
ROLES = ("admin", "operator", "viewer", "privacy")
PRIVACY_ROLE = "privacy"
MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"  # sources and licences: data/README.md
SERVICE_WORDS = frozenset({"ventanilla", "dashboard", "operador", "operadora", "operator", "municipio"})
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often, not on every request
# argon2-cffi's defaults are RFC 9106's low-memory profile (argon2id, 64 MiB, t=3, p=4): above
# OWASP ASVS 5.0's minimum, which Werkzeug's default scrypt parameters are not.
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("an account that does not exist")


class OperatorError(TranslatableError):
    """An operator cannot be created or changed as asked (a bad role, a short password, a taken email)."""


def create_operator(
    session: Session,
    email: str,
    password: str,
    role: str = "operator",
    departments: list[str] | None = None,
    name: str = "",
    language: str = "es",
) -> Operator:
    """Add an operator with a hashed password; their dashboard speaks `language` (es or en)."""
    email = normalise_email(email)
    if role not in ROLES:
        raise OperatorError(N_("role must be one of %(roles)s"), roles=", ".join(ROLES))
    if language not in LANGUAGES:
        raise OperatorError(N_("language must be one of %(languages)s"), languages=", ".join(LANGUAGES))
    if session.exec(select(Operator).where(Operator.email == email)).first():
        raise OperatorError(N_("an operator with email %(email)s exists already"), email=email)
    name = "".join(c for c in name if c.isprintable()).strip()[:120]
    operator = Operator(
        email=email,
        name=name or email.split("@")[0],
        role=role,
        departments=[] if role == PRIVACY_ROLE else sorted(departments or []),
        password_hash=hash_password(password, email),
        language=language,
    )
    session.add(operator)
    session.flush()
    return operator


def normalise_email(email: str) -> str:
    """An email as stored: trimmed and lowercased; refused without an @."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() or not c.isprintable() for c in email):
        raise OperatorError(N_("an email address is needed"))
    return email


def hash_password(password: str, email: str = "") -> str:
    """The argon2id hash of a password fit to keep (see password_problem)."""
    problem = password_problem(password, email)
    if problem:
        raise OperatorError(problem)
    return _hasher.hash(password)


def password_problem(password: str, email: str = "") -> TranslatableText | None:
    """Why a new password will not do, or None: too short, too repetitive, common or breached, or the account's name.

    NIST SP 800-63B's checks without composition rules: at least 12 characters, not on the list of
    common and breached passwords shipped in bot/data/ (read offline), neither as typed nor once the
    digits and symbols around it are stripped (`Monterrey2024!`), and not the email's name or the
    service's own.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return TranslatableText(N_("a password needs at least %(length)d characters"), length=MIN_PASSWORD_LENGTH)
    if len(set(password)) < 4:
        return TranslatableText(N_("a password needs more than a few different characters"))
    typed = password.strip().lower()
    cores = {typed, typed.strip(string.digits + string.punctuation + " "), typed.replace(" ", "")} - {""}
    if cores & common_passwords():
        return TranslatableText(
            N_(
                "that password is on a list of common or breached passwords; choose another (a few words make a good one)"
            )
        )
    name = email.strip().lower().partition("@")[0]
    if cores & (SERVICE_WORDS | {name, name.replace(".", ""), name.replace(".", " ")}):
        return TranslatableText(N_("a password must not be the email's name or the service's"))
    return None


@cache
def common_passwords() -> frozenset[str]:
    """The common and breached passwords, lowercased (about 40,000, read once per process when first needed)."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines if line.strip())


def set_password(session: Session, operator: Operator, password: str) -> None:
    """Change an operator's password and sign them out everywhere."""
    operator.password_hash = hash_password(password, operator.email)
    session.add(operator)
    end_all_sessions(session, operator.id)


def authenticate(session: Session, email: str, password: str) -> Operator | None:
    """The active operator with this email and password, else None (taking as long either way)."""
    try:
        normalised: str | None = normalise_email(email)
    except OperatorError:
        normalised = None
    operator = session.exec(select(Operator).where(Operator.email == normalised)).first() if normalised else None
    if operator is None or not operator.active:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(operator.password_hash, password):
        return None
    if _hasher.check_needs_rehash(operator.password_hash):
        operator.password_hash = _hasher.hash(password)
        session.add(operator)
    return operator


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def start_session(session: Session, operator: Operator) -> str:
    """Open a server-side session for a signed-in operator; return its token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(OperatorSession(id=token, operator_id=operator.id))
    return token


def session_operator(
    engine: Engine,
    token: str,
    idle: timedelta,
    now: datetime | None = None,
    touch: bool = True,
    lifetime: timedelta | None = None,
) -> Operator | None:
    """The operator of a live session, touching it; None when it ended, idled out, outlived its lifetime or the
    operator was disabled.

    Read first; the rare write (a touch once a minute, an expired session ended) takes its own short
    write transaction, so signed-in page views do not queue behind SQLite's write lock. A request
    the page makes by itself (touch=False: live updates) does not count as the operator being there.
    `lifetime` counts from the sign-in: past it the operator signs in again however active they were.
    """
    now = now or utcnow()
    with transaction(engine) as session:
        row = session.get(OperatorSession, token) if token else None
        operator = session.get(Operator, row.operator_id) if row is not None and row.ended_at is None else None
    if operator is None or not operator.active:
        return None
    idle_for = now - as_utc(row.last_seen_at)
    expired = idle_for > idle or (lifetime is not None and now - as_utc(row.created_at) > lifetime)
    if expired or (touch and idle_for > TOUCH_EVERY):
        with transaction(engine, immediate=True) as session:
            session.execute(
                update(OperatorSession)
                .where(OperatorSession.id == token, OperatorSession.ended_at.is_(None))
                .values(**({"ended_at": now} if expired else {"last_seen_at": now}))
            )
    return None if expired else operator


def end_session(session: Session, token: str) -> None:
    """End one session (logout): its cookie no longer signs anyone in."""
    row = session.get(OperatorSession, token) if token else None
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()
        session.add(row)


def end_all_sessions(session: Session, operator_id: int) -> None:
    """End every session of an operator (password changed, account disabled)."""
    for row in session.exec(
        select(OperatorSession).where(OperatorSession.operator_id == operator_id, OperatorSession.ended_at.is_(None))
    ):
        row.ended_at = utcnow()
        session.add(row)
