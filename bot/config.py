"""Settings read once at start from environment variables, with defaults that are safe on a laptop.

Each setting is declared once, below: its variable is its name in upper case (unless it says
otherwise), and `python -m bot.config` prints the README's Configuration table from these lines.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

__all__ = ["Config", "ConfigError", "readme_table"]

MEDIA_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "audio/ogg",
    "audio/mpeg",
    "audio/amr",
    "audio/mp4",
    "application/pdf",
)
GEOCODERS = ("", "nominatim", "photon")  # "": none, addresses are read from the city's places only
BOUNDS_WANTED = "Input should be west,south,east,north in degrees, such as -100.50,25.55,-100.20,25.80"


class ConfigError(ValueError):
    """An environment variable holds a value its setting cannot take."""


def setting(default: Any, description: str, shown: str | None = None, env: str | None = None, **limits) -> Any:
    """Declare a setting: its default, what it does, the default as the README shows it, and its variable if not NAME."""
    extra: JsonDict | None = {"shown": shown} if shown else None
    return Field(default, description=description, validation_alias=env, json_schema_extra=extra, **limits)


class Config(BaseModel):
    """Settings read once at start; see the README's Configuration table."""

    # Unknown test overrides are errors; a setting with its own variable name is still set by its field name.
    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True)

    flows_path: str = setting("flows.yaml", "the flows file")
    database_url: str = setting("", "SQLAlchemy URL; SQLite runs in WAL mode", "`sqlite:///instance/ventanilla.db`")
    redis_url: str = setting(
        "redis://localhost:6379/0", "Redis for RQ", "embedded Redis under `make run`; else `redis://localhost:6379/0`"
    )
    twilio_auth_token: str = setting("", "verifies `X-Twilio-Signature`", "unset: Twilio webhooks refused")
    public_url: str = setting(
        "", "public base URL Twilio signs (set it behind a proxy or tunnel)", "the request's own URL"
    )
    secret_key: str = setting(
        "",
        "signs web chat sessions and media links; set the same value on every host (web and worker)",
        "generated once into `instance/secret_key`",
    )
    whatsapp_app_secret: str = setting("", "verifies `X-Hub-Signature-256`", "unset: Meta webhooks refused")
    whatsapp_verify_token: str = setting("", "answers Meta's webhook verification", "unset: handshake refused")
    whatsapp_token: str = setting(
        "", "sends messages and downloads media via the Graph API", "unset: nothing sent through Meta"
    )
    whatsapp_phone_number_id: str = setting(
        "", "the WhatsApp number Meta sends from", "unset: nothing sent through Meta"
    )
    whatsapp_graph_url: str = setting("https://graph.facebook.com/v21.0", "Graph API base URL, version included")
    twilio_account_sid: str = setting(
        "", "with `TWILIO_AUTH_TOKEN`, sends messages and downloads media", "unset: nothing sent through Twilio"
    )
    twilio_sms_from: str = setting("", "the sender for SMS (`+52…`)", "unset")
    twilio_whatsapp_from: str = setting("", "the sender for WhatsApp (`whatsapp:+52…`)", "unset")
    twilio_messaging_service_sid: str = setting(
        "", "sends through a Messaging Service instead of the numbers above", "unset"
    )
    whatsapp_number: str = setting(
        "",
        "the city's WhatsApp number residents write to (`+52 81 1234 5678`): QR cards open a chat with it",
        "unset: the number of `TWILIO_WHATSAPP_FROM`",
    )
    webchat_page_url: str = setting(
        "",
        "the city's page that embeds the web chat (`https://www.municipio.gob.mx/atencion`): web chat QR cards"
        " open it with the chat at their survey",
        "`PUBLIC_URL` + `/webchat/` (the demo page)",
    )
    media_dir: str = setting("", "where photos and voice notes are kept", "`instance/media`")
    media_max_bytes: int = setting(10 * 1024 * 1024, "the largest file kept", "`10485760` (10 MB)", gt=0)
    media_types: tuple[str, ...] = setting(
        MEDIA_TYPES, "the content types kept (comma-separated)", "JPEG, PNG, WebP, Ogg/MP3/AMR/M4A audio, PDF"
    )
    media_link_seconds: int = setting(
        3600, "how long a photo or voice-note link on an operator's page works (signed with `SECRET_KEY`)", gt=0
    )
    media_delivery_link_days: int = setting(
        7, "how long the photo links sent to departments (webhook `public_url`, Open311 `media_url`) work", gt=0
    )
    privacy_export_link_minutes: int = setting(
        60,
        "how long the link to download all of a resident's data works (sent by chat when they ask `mis datos`;"
        " signed with `SECRET_KEY`)",
        gt=0,
    )
    session_idle_minutes: int = setting(
        30, "a dashboard session with no request for this long ends (on the server)", gt=0
    )
    session_lifetime_hours: int = setting(
        12, "a dashboard session ends this long after sign-in however active it is; the operator signs in again", gt=0
    )
    session_cookie_secure: bool = setting(
        True, "the session cookie only travels over HTTPS; `0` for plain http on a laptop", "`1` (`0` under `make run`)"
    )
    login_rate_limit: str = setting(
        "10 per minute;50 per hour",
        "sign-in attempts allowed per address and per account (Flask-Limiter syntax), counted in Redis",
    )
    trusted_proxies: int = setting(
        0,
        "how many proxies/balancers sit in front; their `X-Forwarded-For/-Proto/-Host` then give the client's"
        " address (login limits) and URL",
        ge=0,
    )
    trusted_hosts: str = setting(
        "",
        "the host names this service answers to, comma-separated (`ventanilla.example.gob.mx,.example.gob.mx`:"
        " a leading dot allows subdomains); a request naming another `Host` gets 400",
        "unset: any host",
    )
    webchat_message_limit: str = setting(
        "30 per minute", "messages (and photos) one web chat conversation may send; photos count per address"
    )
    webchat_session_limit: str = setting(
        "60 per minute", "new web chat sessions per address (many residents share a mobile carrier's address)"
    )
    webchat_address_message_limit: str = setting(
        "120 per minute", "web chat messages and photos from one address, all its conversations together"
    )
    webchat_photo_bytes_per_day: int = setting(
        100 * 1024 * 1024,
        "bytes of web chat photos one address may upload per day (UTC), counted in Redis; beyond, 429",
        "`104857600` (100 MB)",
        gt=0,
    )
    webchat_allowed_origins: tuple[str, ...] = setting(
        (),
        "the sites whose pages may use the web chat's API (`https://www.municipio.gob.mx`, comma-separated);"
        " a request from another origin gets 403",
        "unset: any site",
    )
    webchat_poll_seconds: float = setting(
        20, "longest a web chat poll waits for a later message (it holds a web thread meanwhile)", "`20`", ge=0, le=25
    )
    webchat_polls_per_session: int = setting(2, "web chat polls one conversation may hold at once (its tabs)", gt=0)
    webchat_polls_per_address: int = setting(
        4, "web chat polls one address may hold at once; beyond, 503 and the widget retries later", gt=0
    )
    webchat_polls_per_process: int | None = setting(
        None,
        "web chat polls one web process holds at once, so webhooks keep its other threads; beyond, 503",
        "a quarter of `WEB_THREADS` (4 of the Procfile's 16)",
        gt=0,
    )
    open311_post_limit: str = setting(
        "30 per minute;1000 per day",
        "Open311 service requests one API key may create (`POST /open311/v2/requests`), counted in Redis; beyond, 429",
    )
    open311_address_limit: str = setting(
        "120 per minute",
        "Open311 calls (reads and creations) from one address, counted in Redis; beyond, 429",
    )
    open311_coordinate_decimals: int = setting(
        3,
        "decimals of latitude and longitude Open311's public answers show (3: about 110 m; 4: about 11 m); the"
        " dashboard and departments keep the exact point",
        ge=0,
        le=6,
    )
    open311_page_size: int = setting(
        50, "service requests per page of `GET /open311/v2/requests` when the client sends no `page_size`", gt=0, le=200
    )
    open311_contact: str = setting(
        "",
        "who answers about the city's Open311 API (an e-mail or phone), as its discovery document says",
        "unset: the discovery's `contact` is empty",
    )
    worker_ttl: int = setting(60, "seconds until a killed worker's heartbeat expires (and its job is noticed)", gt=0)
    worker_maintenance_interval: int = setting(
        60, "seconds between a worker's maintenance runs, which requeue a killed worker's job", gt=0
    )
    relay_stale_seconds: int = setting(
        120,
        "`/readyz` answers 503 when the outbox relay (the Procfile's `relay`, or a worker starting) last ran longer"
        " ago than this",
        gt=0,
    )
    metrics_token: str = setting(
        "",
        "Prometheus scrapes `/metrics` with `Authorization: Bearer` and this token; set `PROMETHEUS_MULTIPROC_DIR`"
        " too under gunicorn (README)",
        "unset: `/metrics` answers 404",
    )
    retention_every_hours: float = setting(
        24,
        "how often the relay has a worker apply flows.yaml's `privacy.retention` (once per period, however many"
        " relays run); `0`: never (run `ventanilla privacy apply` yourself)",
        ge=0,
    )
    open_data: bool = setting(
        True,
        "publish the open data page `/datos/`: figures without personal data (tickets per category and colonia,"
        " departments' times, open reports per map cell, survey results) with CSV and GeoJSON downloads; `0`: the"
        " page and its files answer 404 and nothing is published",
        "`1`",
    )
    open_data_every_hours: float = setting(
        1,
        "how often the relay has a worker publish the open data again (once per period, however many relays run);"
        " `0`: only `ventanilla datos publish`",
        ge=0,
    )
    open_data_license: str = setting(
        "CC BY 4.0", "the licence the open data is published under, named on `/datos/` and in every file's headers"
    )
    open_data_license_url: str = setting(
        "https://creativecommons.org/licenses/by/4.0/deed.es", "where the licence's text is", min_length=1
    )
    open_data_min_count: int = setting(
        3,
        "the open data never shows fewer reports than this in one place (a map cell, a colonia's week): those are"
        " added to a total that names no place, so no single report can be pointed at",
        ge=1,
    )
    open_data_cell_metres: int = setting(
        500,
        "the side of the open data map's square cells, in metres: open reports are counted per cell, never placed"
        " one by one",
        ge=100,
        le=10_000,
    )
    followup_delay_hours: float = setting(
        24,
        "how long after a ticket is marked resolved its resident is asked whether it is really fixed and how"
        " satisfied they are (flows.yaml's follow-up flow; outside WhatsApp's 24-hour window its approved"
        " `ticket_followup` template); asked once per resolution, never of a resident who opted out or was erased;"
        " `0`: nobody is asked",
        ge=0,
    )
    city_timezone: str = setting(
        "America/Mexico_City",
        'the city\'s IANA time zone: the day residents mean by "hoy" and "ayer", and the days and weeks of the'
        " dashboard's overview, survey results, date filters and exports (folios and timestamps stay UTC)",
    )
    tickets_per_contact_per_day: int = setting(
        10,
        "reports one resident may file per day (the city's day); beyond, they are told and nothing is filed until"
        " an operator lifts the cap for them from a ticket's page; `0`: no cap",
        ge=0,
    )
    campaign_sends_per_minute: float = setting(
        30,
        "survey campaigns' invitations per minute: each is due this far after the one before (one per resident per"
        " campaign), so a campaign never crowds residents' own replies or the sending number's limits",
        gt=0,
        le=6000,
    )
    geocoder: str = setting(
        "",
        "an online geocoder asked only when the city's own places find nothing: `nominatim` or `photon`",
        "unset: addresses read from the city's places only",
    )
    geocoder_url: str = setting(
        "",
        "the geocoder's base URL (the city's own server, or a provider's)",
        "the provider's public server (`https://nominatim.openstreetmap.org`, `https://photon.komoot.io`)",
    )
    geocoder_timeout: float = setting(
        2.0, "seconds to wait for the geocoder before keeping the text as typed", "`2`", gt=0, le=30
    )
    geocoder_user_agent: str = setting(
        "ventanilla", "the User-Agent sent to the geocoder; public Nominatim wants one naming the city and a contact"
    )
    geocoder_bounds: tuple[float, float, float, float] | None = setting(
        None,
        "the city's box as `west,south,east,north` (degrees): the geocoder answers only inside it",
        "unset: anywhere in Mexico",
    )
    log_format: str = setting(
        "json",
        "how processes write their logs to stderr: `json`, one object per line (time, level, logger, message,"
        " role, request_id, job_id), for a log collector; `text`, one readable line, for a terminal",
        "`json` (`text` under `make run`)",
    )
    sentry_dsn: str = setting(
        "", "report errors to Sentry (web and worker), scrubbed of personal data", "unset: nothing sent to Sentry"
    )
    sentry_environment: str = setting(
        "", "the environment Sentry files errors under (`production`, `staging`)", "unset: Sentry's default"
    )
    sentry_traces_sample_rate: float = setting(
        0.0, "the share of requests and jobs Sentry traces for performance (`0.05`: 5%)", "`0`: none", ge=0, le=1
    )
    demo_mode: bool = setting(
        False,
        "a laptop demo, never production: department keys left unset are generated into `instance/demo-secrets/`"
        " and `POST /demo/inbox/<department>` stands in for departments",
        "`1` under `make run`, else off",
    )

    @field_validator("public_url", "whatsapp_graph_url")
    @classmethod
    def _without_trailing_slash(cls, url: str) -> str:
        return url.rstrip("/")

    @field_validator("city_timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # a path, a folder of zones ("America"), not a zone
            raise PydanticCustomError(
                "time_zone", "Input should be an IANA time zone, such as America/Mexico_City or America/Monterrey"
            ) from None
        return name

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, value: Any) -> Any:
        value = value.strip().lower() if isinstance(value, str) else value
        if value not in ("json", "text"):
            raise PydanticCustomError("log_format", "Input should be json or text")
        return value

    @field_validator("geocoder", mode="before")
    @classmethod
    def _geocoder_kind(cls, kind: Any) -> Any:
        kind = kind.strip().lower() if isinstance(kind, str) else kind
        if kind not in GEOCODERS:
            raise PydanticCustomError(
                "geocoder", "Input should be nominatim or photon (or unset, for no online geocoder)"
            )
        return kind

    @field_validator("geocoder_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        url = url.strip().rstrip("/")
        if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
            raise PydanticCustomError("http_url", "Input should be an http:// or https:// URL")
        return url

    @field_validator("webchat_page_url")
    @classmethod
    def _page_url(cls, url: str) -> str:
        url = url.strip()
        parts = urlsplit(url)
        if url and (parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment):
            raise PydanticCustomError("page_url", "Input should be an http:// or https:// URL without a #fragment")
        return url

    @field_validator("whatsapp_number")
    @classmethod
    def _phone_number(cls, number: str) -> str:
        """Something that reads as a phone number (a Mexican one without a country code); kept as written, and made
        E.164 where it is used (bot/qrcards, with Mexico's old mobile "1" after +52 dropped)."""
        number = number.strip()
        try:
            parsed = phonenumbers.parse(number, "MX") if number else None
        except phonenumbers.NumberParseException:
            parsed = phonenumbers.PhoneNumber(national_number=0)
        possible = parsed is None or 8 <= len(f"{parsed.country_code or ''}{parsed.national_number or ''}") <= 15
        if not possible:
            raise PydanticCustomError("phone_number", "Input should be a phone number, such as +52 81 1234 5678")
        return number

    @field_validator("geocoder_bounds", mode="before")
    @classmethod
    def _comma_separated_bounds(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = tuple(float(part) for part in value.split(","))
            except ValueError:
                value = ()
            if len(value) != 4:
                raise PydanticCustomError("bounds", BOUNDS_WANTED)
        return value

    @field_validator("geocoder_bounds")
    @classmethod
    def _a_box(cls, box: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
        if box is not None and not (-180 <= box[0] < box[2] <= 180 and -90 <= box[1] < box[3] <= 90):
            raise PydanticCustomError("bounds", BOUNDS_WANTED)
        return box

    @field_validator("media_types", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("webchat_allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        """Origins as browsers send them: scheme://host[:port], lower case, no path or trailing slash."""
        parts = value.split(",") if isinstance(value, str) else value
        if not isinstance(parts, (list, tuple)):
            return parts
        origins = []
        for part in (str(p).strip().rstrip("/").lower() for p in parts):
            url = urlsplit(part)
            if part and (url.scheme not in ("http", "https") or not url.netloc or url.path or url.query):
                raise PydanticCustomError("origin", "Input should be origins such as https://www.municipio.gob.mx")
            if part:
                origins.append(part)
        return tuple(origins)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, instance_path: str | Path = "instance") -> Config:
        """Read settings from the environment (os.environ by default); ConfigError names a bad variable."""
        instance = Path(instance_path).resolve()
        environ = os.environ if environ is None else environ
        # An empty variable means the default, as `VAR= make run` always did.
        values = {name: environ[variable(name)] for name in cls.model_fields if environ.get(variable(name))}
        try:
            config = cls.model_validate(values)
        except ValidationError as exc:
            raise ConfigError(describe(exc)) from None
        return config.model_copy(update=_instance_defaults(config, instance))

    def followup_delay(self) -> timedelta | None:
        """How long after a resolution its resident is asked back (FOLLOWUP_DELAY_HOURS); None: never."""
        return timedelta(hours=self.followup_delay_hours) if self.followup_delay_hours > 0 else None

    def city_zone(self) -> ZoneInfo:
        """The city's time zone, in which "hoy" and "ayer" are read."""
        return ZoneInfo(self.city_timezone)

    def replace(self, **changes: Any) -> Config:
        """Return a copy with some settings changed, checked as if they came from the environment."""
        try:
            return self.model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            raise ConfigError(describe(exc)) from None


def _instance_defaults(config: Config, instance: Path) -> dict[str, str]:
    """The defaults that live in the app's instance folder, for the settings left unset."""
    defaults = {}
    if not config.database_url:
        defaults["database_url"] = f"sqlite:///{instance / 'ventanilla.db'}"
    if not config.media_dir:
        defaults["media_dir"] = str(instance / "media")
    if not config.secret_key:
        defaults["secret_key"] = _instance_secret(instance)
    return defaults


def _instance_secret(instance: Path) -> str:
    """A secret key kept in instance/, so every process (and the next start) signs alike."""
    path = instance / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key
    except OSError:
        return secrets.token_hex(32)


def variable(name: str) -> str:
    """The environment variable a setting is read from."""
    alias = Config.model_fields[name].validation_alias
    return alias if isinstance(alias, str) else name.upper()


def describe(exc: ValidationError) -> str:
    """One line naming each bad variable, its value and what is wrong with it."""
    return "; ".join(f"{_variable_of(error['loc'])}={error['input']!r}: {error['msg']}" for error in exc.errors())


def _variable_of(loc: tuple) -> str:
    """The variable an error's location points at: a setting's name or its variable, in any case."""
    key = str(loc[0]).lower() if loc else ""
    names = [name for name in Config.model_fields if key in (name, variable(name).lower())]
    return variable(names[0]) if names else key


def readme_table() -> str:
    """The README's Configuration table, one row per setting."""
    rows = ["| variable | default | what it does |", "| --- | --- | --- |"]
    for name, field in Config.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        shown = extra.get("shown") or f"`{field.default}`"
        rows.append(f"| `{variable(name)}` | {shown} | {field.description} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(readme_table(), end="")
