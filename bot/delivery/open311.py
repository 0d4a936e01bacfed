"""Open311 GeoReport v2: POST requests.json to the department's own 311 system.

GeoReport v2 has no idempotency key, so the folio is written into the description
and, after an ambiguous failure (the POST may have gone out), the job looks the
request up before posting again.

GeoReport v2 limits a description to 4,000 characters (line breaks allowed, no
control characters); the folio leads it, so a cut description is still found by the
lookup. The address travels on one line. The resident's phone and name travel (as phone, first_name and
last_name) only to a department whose flows.yaml `shares` lists contact_phone or contact_name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from bot.delivery.base import Delivery, DeliveryError
from bot.messaging.sending import describe_failure
from bot.messaging.text import single_line, without_controls

__all__ = ["deliver", "DESCRIPTION_LENGTH", "ADDRESS_LENGTH"]

TIMEOUT = (5, 20)
LOOKUP_WINDOW = timedelta(hours=2)
DESCRIPTION_LENGTH = 4000  # GeoReport v2's limit
ADDRESS_LENGTH = 500
NAME_LENGTH = 200


def deliver(delivery: Delivery) -> dict:
    """Post a service request (after checking an earlier attempt did not already create it)."""
    if delivery.progress.get("posted_at"):
        found = _look_up(delivery)
        if found:
            return {"external_id": found, "found_by_lookup": True}
    delivery.note({"posted_at": datetime.now(UTC).isoformat()})
    try:
        response = requests.post(_url(delivery, "requests.json"), data=_form(delivery), timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise DeliveryError(describe_failure(exc)) from exc
    if not response.ok:
        raise DeliveryError(f"HTTP {response.status_code}: {single_line(response.text, 200)}")
    return {"external_id": _request_id(response)}


def _url(delivery: Delivery, path: str) -> str:
    return delivery.target["endpoint"].rstrip("/") + "/" + path


def _form(delivery: Delivery) -> dict:
    ticket, target = delivery.ticket, delivery.target
    location = ticket.get("location", {})
    form = {
        "api_key": target.get("api_key", ""),
        "service_code": _service_code(delivery),
        "description": _description(delivery.folio, ticket.get("summary", "")),
        "attribute[folio]": delivery.folio,
        **_contact(ticket.get("contact", {})),
    }
    if target.get("jurisdiction"):
        form["jurisdiction_id"] = target["jurisdiction"]
    if "latitude" in location and "longitude" in location:
        form["lat"], form["long"] = str(location["latitude"]), str(location["longitude"])
    if location.get("address"):
        form["address_string"] = single_line(location["address"], ADDRESS_LENGTH)
    media = [m.get("public_url") for m in ticket.get("media", []) if m.get("public_url")]
    if media:
        form["media_url"] = media[0]
    return form


def _service_code(delivery: Delivery) -> str:
    """The flow's service_code, else the ticket's category (when the department is sent it)."""
    return delivery.options.get("service_code") or str(delivery.ticket.get("category", ""))


def _contact(contact: dict) -> dict:
    """GeoReport's phone, first_name and last_name: only what the department's `shares` sent (none by default).

    A name is split at its first space (GeoReport has no field for a whole name).
    """
    fields = {"phone": contact.get("phone") or ""}
    first, _, last = single_line(contact.get("name") or "", NAME_LENGTH).partition(" ")
    fields |= {"first_name": first, "last_name": last.strip()}
    return {key: value for key, value in fields.items() if value}


def _description(folio: str, summary: object) -> str:
    text = f"[{folio}] " + without_controls(str(summary)).strip()
    return text if len(text) <= DESCRIPTION_LENGTH else text[: DESCRIPTION_LENGTH - 1] + "…"


def _request_id(response) -> str:
    try:
        body = response.json()
        first = body[0] if isinstance(body, list) else body
        found = first.get("service_request_id") or first.get("token")
    except (ValueError, IndexError, AttributeError):
        found = None
    if found in (None, ""):
        raise DeliveryError(f"Open311 answered without a service_request_id: {single_line(response.text, 200)}")
    return single_line(found, 200)


def _look_up(delivery: Delivery) -> str | None:
    """Find a request an earlier attempt created: same service, recent, the folio in its description."""
    posted = datetime.fromisoformat(delivery.progress["posted_at"])
    params = {
        "service_code": _service_code(delivery),
        "start_date": (posted - timedelta(minutes=5)).isoformat(),
        "end_date": (posted + LOOKUP_WINDOW).isoformat(),
    }
    if delivery.target.get("jurisdiction"):
        params["jurisdiction_id"] = delivery.target["jurisdiction"]
    try:
        response = requests.get(_url(delivery, "requests.json"), params=params, timeout=TIMEOUT)
        requests_found = response.json() if response.ok else []
    except (requests.RequestException, ValueError) as exc:
        raise DeliveryError(f"Open311 lookup failed: {exc}") from exc
    tag = f"[{delivery.folio}]"
    found = (
        r.get("service_request_id")
        for r in (requests_found if isinstance(requests_found, list) else [])
        if isinstance(r, dict) and tag in str(r.get("description", ""))
    )
    return next((single_line(f, 200) for f in found if f not in (None, "")), None)
