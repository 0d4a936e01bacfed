"""The GeoReport v2 routes: discovery, services, a service's definition, requests (GET, POST), a request, tokens.

Every answer comes in the format of the URL's extension (`.json`, `.xml`), errors too, as the spec's error
array with the same HTTP status (400 what to fix, 403 no valid api_key, 404 nothing by that code or id,
429 too many). Reads are public and carry no personal data (bot/open311/public.py). Every call counts
against its address (OPEN311_ADDRESS_LIMIT); a POST against its key too (OPEN311_POST_LIMIT).
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from flask import Blueprint, request
from werkzeug.exceptions import HTTPException

from bot.conversation.form_requests import Filed, file_request
from bot.db.database import transaction
from bot.db.tables import ApiKey, as_utc, utcnow
from bot.flows.forms import Form
from bot.jobs.request_media import public_host
from bot.open311.catalogue import definition, flows_of_codes, service, service_code, service_flows
from bot.open311.formats import answer, error, format_of_path
from bot.open311.public import STATUSES_OF, public_request
from bot.services import services
from bot.tickets.apikeys import key_for
from bot.tickets.lifecycle import OPEN_STATUSES, STATUSES
from bot.tickets.public_requests import Window, page_of_tickets, tickets_by_folio
from bot.web.ratelimit import limiter

__all__ = ["bp"]

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(json, xml):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00Z"  # when this API last changed shape
MAX_SPAN = timedelta(days=90)  # the spec's longest window of one query
MAX_REACH = 1000  # the spec's "first 1000 requests": page * page_size stays within it
MAX_PAGE_SIZE = 200
MAX_IDS = 100
DESCRIPTION_LENGTH = 4000  # the spec's limit
TEXT_LENGTH = 1000  # any other field
CLOSED = tuple(s for s in STATUSES if s not in OPEN_STATUSES)

_per_address = limiter.shared_limit(lambda: services().config.open311_address_limit, scope="open311-address")


class Refused(Exception):
    """A request the spec's error array answers: its HTTP status and what to fix."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    return error(format_of_path(), exc.code, exc.description)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    code = exc.code or 500
    text = "too many requests; slow down" if code == 429 else (exc.description or exc.name)
    return error(format_of_path(), code, text)


@bp.get(f"/discovery.{FMT}")
@_per_address
def discovery(fmt: str):
    """Where this API is and what it speaks (the spec's service discovery)."""
    contact = services().config.open311_contact
    body = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": f"Las aplicaciones piden su api_key al municipio. {contact}".strip(),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.url_root.rstrip("/") + "/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return answer(fmt, "discovery", body)


@bp.get(f"/services.{FMT}")
@_per_address
def services_list(fmt: str):
    """Every kind of report the city takes."""
    flows = services().flows
    return answer(fmt, "services", [service(flows, flow) for flow in service_flows(flows)])


@bp.get(f"/services/<code>.{FMT}")
@_per_address
def service_definition(code: str, fmt: str):
    """A service's attributes: the questions its flow asks besides the place and the photo."""
    flows = services().flows
    flow = next((f for f in service_flows(flows) if service_code(f) == code), None)
    if flow is None:
        raise Refused(404, f"no service has service_code {code!r}; GET services.{fmt} lists them")
    return answer(fmt, "service_definition", definition(flows, flow))


@bp.get(f"/requests/<request_id>.{FMT}")
@_per_address
def one_request(request_id: str, fmt: str):
    """One request by its service_request_id (the folio)."""
    svc = services()
    with transaction(svc.engine) as session:
        found = tickets_by_folio(session, [request_id.strip().upper()])
        body = [public_request(t, svc.flows, svc.config) for t in found]
    if not body:
        raise Refused(404, f"no service request has service_request_id {request_id!r}")
    return answer(fmt, "service_requests", body)


@bp.get(f"/tokens/<token>.{FMT}")
@_per_address
def token(token: str, fmt: str):
    """Requests are filed at once (the POST answers the service_request_id); a token is that same folio."""
    svc = services()
    with transaction(svc.engine) as session:
        found = tickets_by_folio(session, [token.strip().upper()])
    if not found:
        raise Refused(404, f"no service request has the token {token!r}")
    return answer(fmt, "service_requests", [{"service_request_id": found[0].folio, "token": found[0].folio}])


@bp.get(f"/requests.{FMT}")
@_per_address
def requests_list(fmt: str):
    """Requests newest first: by ids, or by service, window (90 days at most) and status, a page at a time."""
    svc = services()
    args = request.args
    with transaction(svc.engine) as session:
        if args.get("service_request_id", "").strip():
            folios = [f.strip().upper() for f in args["service_request_id"].split(",") if f.strip()]
            if len(folios) > MAX_IDS:
                raise Refused(400, f"service_request_id: at most {MAX_IDS} ids at once")
            tickets = tickets_by_folio(session, folios)
        else:
            window = _window(args)
            page, size = _whole(args, "page", 1), _whole(args, "page_size", svc.config.open311_page_size)
            if size > MAX_PAGE_SIZE:
                raise Refused(400, f"page_size: at most {MAX_PAGE_SIZE}")
            if page * size > MAX_REACH:
                raise Refused(400, f"page * page_size reaches past {MAX_REACH}: narrow start_date and end_date")
            tickets = [] if window is None else page_of_tickets(session, window, (page - 1) * size, size)
        body = [public_request(t, svc.flows, svc.config) for t in tickets]
    return answer(fmt, "service_requests", body)


def _window(args) -> Window | None:
    """The query's window and filters; None when it names only services we do not have."""
    end, start = _bounds(_moment(args, "start_date"), _moment(args, "end_date"))
    if end < start:
        raise Refused(400, "end_date is before start_date")
    if end - start > MAX_SPAN:
        raise Refused(400, f"start_date and end_date may span {MAX_SPAN.days} days at most")
    flows = None
    if args.get("service_code", "").strip():
        flows = flows_of_codes(services().flows, [c.strip() for c in args["service_code"].split(",")])
        if not flows:
            return None
    return Window(start, end + timedelta(microseconds=1), flows, _statuses(args.get("status", "")))


def _bounds(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """(end, start): the last 90 days by default; either bound alone reaches 90 days from it."""
    if start is None:
        end = end or utcnow()
        return end, end - MAX_SPAN
    return (end or start + MAX_SPAN), start


def _statuses(value: str) -> tuple[str, ...] | None:
    asked = {s.strip().lower() for s in value.split(",") if s.strip()}
    if asked - {"open", "closed"}:
        raise Refused(400, "status: open, closed, or both comma-separated")
    if len(asked) != 1:
        return None
    return STATUSES_OF["open"] if asked == {"open"} else CLOSED


def _moment(args, name: str) -> datetime | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise Refused(400, f"{name}: a W3C date and time, like 2026-11-30T00:00:00Z") from None
    if moment.utcoffset() is None:  # no offset: the city's time
        moment = moment.replace(tzinfo=services().config.city_zone())
    return as_utc(moment)


def _whole(args, name: str, default: int) -> int:
    value = args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise Refused(400, f"{name}: a whole number from 1")
    return int(value)


def _key_scope() -> str:
    """What a POST's per-key limit counts by: the key presented (hashed), whoever presents it."""
    return "open311-key:" + hashlib.sha256(request.form.get("api_key", "").encode()).hexdigest()[:32]


@bp.post(f"/requests.{FMT}")
@_per_address
@limiter.limit(lambda: services().config.open311_post_limit, key_func=_key_scope)
def create_request(fmt: str):
    """File a service request with an application's api_key, through the chat's own path."""
    svc = services()
    form = request.form
    key = _api_key(form.get("api_key", ""))
    code = form.get("service_code", "").strip()
    if not code:
        raise Refused(400, "service_code is required; GET services.json lists them")
    flow = next((f for f in service_flows(svc.flows) if service_code(f) == code), None)
    if flow is None:
        raise Refused(400, f"no service has service_code {code!r}; GET services.json lists them")
    filed = file_request(svc, flow, _form(form), key, name=_name(form))
    if not isinstance(filed, Filed):
        raise Refused(400, f"{filed.field}: {filed.reason}")
    return answer(
        fmt,
        "service_requests",
        [{"service_request_id": filed.folio, "service_notice": filed.notice, "account_id": None}],
    )


def _api_key(value: str) -> ApiKey:
    with transaction(services().engine) as session:
        key = key_for(session, value.strip())
    if key is None:
        raise Refused(403, "a valid api_key is required to create a service request; ask the city for one")
    return key


def _form(form) -> Form:
    """The POST's fields as the form a flow reads; refused here when a field is malformed."""
    lat, lng = _degrees(form, "lat"), _degrees(form, "long")
    if (lat is None) != (lng is None):
        raise Refused(400, "lat and long go together")
    media = _text(form, "media_url", 2000)
    if media and not public_host(media):
        raise Refused(400, "media_url: an https URL on a public, named host")
    answers = {key[len("attribute[") : -1]: _text(form, key, TEXT_LENGTH) for key in form if _is_attribute(key)}
    return Form(
        answers=answers,
        latitude=lat,
        longitude=lng,
        address=_text(form, "address_string", TEXT_LENGTH),
        media=(media,) if media else (),
        description=_text(form, "description", DESCRIPTION_LENGTH),
    )


def _is_attribute(key: str) -> bool:
    return key.startswith("attribute[") and key.endswith("]") and len(key) > len("attribute[]")


def _text(form, name: str, limit: int) -> str:
    values = form.getlist(name)
    if len(values) > 1:
        raise Refused(400, f"{name}: one value")
    value = (values[0] if values else "").strip()
    if len(value) > limit:
        raise Refused(400, f"{name}: at most {limit} characters")
    return value


def _degrees(form, name: str) -> float | None:
    value = _text(form, name, 40)
    if not value:
        return None
    try:
        degrees = float(value)
    except ValueError:
        raise Refused(400, f"{name}: decimal degrees (WGS84), like 25.6866") from None
    if not math.isfinite(degrees):
        raise Refused(400, f"{name}: decimal degrees (WGS84), like 25.6866")
    return degrees


def _name(form) -> str:
    """The reporter's name as the application sends it (kept for operators, never shown in public answers)."""
    return " ".join(filter(None, (_text(form, "first_name", 100), _text(form, "last_name", 100))))


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@_per_address
def unknown(rest: str):
    """Anything else under /open311/v2/: the spec's 404, in the format the path's extension asks."""
    raise Refused(404, f"no such resource: /open311/v2/{rest} (discovery.json lists what there is)")
