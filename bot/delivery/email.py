"""Email delivery: one message to the department's inbox with the ticket, a map link and the photos.

Residents' words reach headers only on one line (bot.messaging.text.single_line): an
address typed on two lines ("Morelos 12\nBcc: …") is one line of the Subject, never a
header of its own, and never an exception. In the body each value keeps its own
lines, indented under its label, without control characters and cut at FIELD_LENGTH.

The body shows the fields the department's flows.yaml `shares` sends (the resident's phone and name
only when listed); photos are attached only when it shares media.
"""

from __future__ import annotations

import os
import re
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from bot.delivery.base import Delivery, DeliveryError
from bot.i18n import translator
from bot.messaging.text import single_line, without_controls

__all__ = ["deliver", "compose", "SUBJECT_LENGTH", "FIELD_LENGTH"]

TIMEOUT = 20
SUBJECT_LENGTH = 150  # characters of the summary in the Subject (the folio comes first, always whole)
FIELD_LENGTH = 4000  # characters of one value in the body; the dashboard keeps the whole text
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


def deliver(delivery: Delivery) -> dict:
    """Send the ticket by SMTP; the Message-ID is the folio's, so a repeat is recognisable."""
    message = compose(delivery)
    settings = _smtp_settings(delivery.target)
    try:
        with smtplib.SMTP(settings["host"], settings["port"], timeout=TIMEOUT) as smtp:
            if settings["starttls"]:
                smtp.starttls()
            if settings["user"]:
                smtp.login(settings["user"], settings["password"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP: {type(exc).__name__}: {exc}") from exc
    return {"message_id": message["Message-ID"], "to": message["To"]}


def compose(delivery: Delivery) -> EmailMessage:
    """The email a department reads."""
    ticket, target = delivery.ticket, delivery.target
    message = EmailMessage()
    about = ticket.get("summary") or ticket.get("category") or ""
    message["Subject"] = f"[{delivery.folio}] {single_line(about, SUBJECT_LENGTH)}".strip()
    # The addresses are the city's own settings: one that is not a single line fails the delivery, by name.
    message["From"] = target.get("from") or os.environ.get("SMTP_FROM", "ventanilla@localhost")
    message["To"] = target["to"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{delivery.folio}@ventanilla>"
    message.set_content(_body(ticket, delivery.folio, target.get("language") or "es"))
    for name, content_type, content in delivery.media_files:
        maintype, _, subtype = _mime_type(content_type).partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=single_line(name, 100))
    return message


def _mime_type(content_type: str) -> str:
    """The attachment's type as a header can carry it; anything else (parameters, line breaks) is plain bytes."""
    value = str(content_type or "").strip().lower()
    return value if _MIME_TYPE.fullmatch(value) else "application/octet-stream"


# The ticket's fields the body shows, as the department's `shares` sent them (a field not sent is no line), labelled
# in the department's `language` (Spanish unless it says en) from the dashboard's catalogue (bot/translations).
LABELS = {
    "category": "Category",
    "priority": "Priority",
    "summary": "Summary",
    "channel": "Channel",
    "created_at": "Received",
}
CONTACT_LABELS = {"name": "Name", "phone": "Phone"}


def _marked_for_extraction() -> None:
    """Never called: names LABELS' texts to `pybabel extract`, which reads gettext calls, not dict values."""
    gettext = translator("en").gettext
    gettext("Category"), gettext("Priority"), gettext("Summary"), gettext("Channel"), gettext("Received")
    gettext("Name"), gettext("Phone")


def _body(ticket: dict, folio: str, language: str = "es") -> str:
    gettext = translator(language).gettext
    location, contact = ticket.get("location", {}), ticket.get("contact", {})
    lines = [f"{gettext('Folio')}: {folio}"]
    if "department" in ticket:
        lines.append(_field(gettext("Department"), ticket["department"]["name"]))
    lines += [_field(gettext(label), ticket[key]) for key, label in LABELS.items() if key in ticket]
    lines += [_field(gettext(label), contact[key]) for key, label in CONTACT_LABELS.items() if contact.get(key)]
    if location.get("address"):
        lines.append(_field(gettext("Address"), location["address"]))
    if "latitude" in location:
        lat, lng = location["latitude"], location["longitude"]
        lines.append(f"{gettext('Map')}: https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=18/{lat}/{lng}")
    if "answers" in ticket:
        lines += ["", f"{gettext('Answers')}:"] + [
            _field(f"  {single_line(k, 100)}", v, indent="    ") for k, v in ticket["answers"].items()
        ]
    return "\n".join(lines) + "\n"


def _field(label: str, value: object, indent: str = "  ") -> str:
    """A 'label: value' line; a value of several lines continues on indented lines, so none looks like a label."""
    text = without_controls(str(value))
    if len(text) > FIELD_LENGTH:
        text = text[: FIELD_LENGTH - 1] + "…"
    parts = [" ".join(part.split()) for part in text.splitlines()]
    return f"{label}: " + f"\n{indent}".join(part for part in parts if part)


def _smtp_settings(target: dict) -> dict:
    """SMTP server from the department's settings, else from SMTP_* environment variables."""
    env = os.environ
    return {
        "host": target.get("smtp_host") or env.get("SMTP_HOST", "localhost"),
        "port": int(target.get("smtp_port") or env.get("SMTP_PORT", "25")),
        "user": target.get("smtp_user") or env.get("SMTP_USER", ""),
        "password": target.get("smtp_password") or env.get("SMTP_PASSWORD", ""),
        "starttls": str(target.get("smtp_starttls") or env.get("SMTP_STARTTLS", "")).lower() in ("1", "true", "yes"),
    }
