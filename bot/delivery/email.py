"""Email delivery: one message to the department's inbox with the ticket, a map link and the photos."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from bot.delivery.base import Delivery, DeliveryError

__all__ = ["deliver", "compose"]

TIMEOUT = 20


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
    message["Subject"] = f"[{delivery.folio}] {ticket['summary']}"
    message["From"] = target.get("from") or os.environ.get("SMTP_FROM", "ventanilla@localhost")
    message["To"] = target["to"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{delivery.folio}@ventanilla>"
    message.set_content(_body(ticket, delivery.folio))
    for name, content_type, content in delivery.media_files:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return message


def _body(ticket: dict, folio: str) -> str:
    location = ticket.get("location", {})
    lines = [
        f"Folio: {folio}",
        f"Departamento / Department: {ticket['department']['name']}",
        f"Categoría / Category: {ticket['category']}",
        f"Prioridad / Priority: {ticket['priority']}",
        f"Resumen / Summary: {ticket['summary']}",
        f"Canal / Channel: {ticket['channel']}",
        f"Recibido / Received: {ticket['created_at']}",
    ]
    if location.get("address"):
        lines.append(f"Dirección / Address: {location['address']}")
    if "latitude" in location:
        lat, lng = location["latitude"], location["longitude"]
        lines.append(f"Mapa / Map: https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=18/{lat}/{lng}")
    lines += ["", "Respuestas / Answers:"] + [f"  {k}: {v}" for k, v in ticket.get("answers", {}).items()]
    return "\n".join(lines) + "\n"


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
