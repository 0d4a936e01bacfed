"""The shape of flows.yaml, written once: the loader validates with these models (one flow's are
in flowshape.py), and flows.schema.json (what editors validate with) is generated from them.

Regenerate the schema after changing a model: `ventanilla flows schema > flows.schema.json`.
Rules that need more than one place of the file (graph, translations, references between flows,
departments and languages, option files) are in checks.py and loader.py.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict, Field, create_model
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import InitErrorDetails, PydanticCustomError

from bot.flows.commands import KNOWN_COMMANDS, LANGUAGE_PREFIX
from bot.flows.flowshape import Flow
from bot.flows.model import SHARED_FIELDS
from bot.flows.schematypes import (
    LANGUAGE_CODE,
    Duration,
    Identifier,
    LanguageCode,
    Period,
    Section,
    Text,
    WordList,
    WordsByLanguage,
    omittable,
    parse_duration,
)
from bot.flows.steps import ANSWERLESS_KINDS, STEP_KINDS

__all__ = ["FlowsFile", "json_schema", "parse_duration", "render"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
if TYPE_CHECKING:  # the fields are the model's SHARED_FIELDS, written once there
    SharedField = str
else:
    SharedField = Literal[SHARED_FIELDS]
COMMAND_PATTERN = f"^{LANGUAGE_PREFIX}{LANGUAGE_CODE[1:]}"


class Commands(Section):
    """Words that work at any point of a conversation, per language. The whole message must be the word (status takes a folio after it)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, WordsByLanguage]
    menu: WordsByLanguage = omittable("Go back to the main menu (drops the flow under way).")
    cancel: WordsByLanguage = omittable("Cancel the flow under way; says `cancelled`, then the menu.")
    help: WordsByLanguage = omittable("Say `help`, then repeat the current question.")
    back: WordsByLanguage = omittable("Go back one question and forget its answer.")
    status: WordsByLanguage = omittable("Ask how a report goes: the word followed by the folio (estado 2611-7K3M9Q).")
    opt_out: WordsByLanguage = omittable("Stop all messages to this resident (BAJA, STOP).")
    opt_in: WordsByLanguage = omittable("Resume messages after opting out (ALTA, START).")
    surveys_opt_in: WordsByLanguage = omittable(
        "Ask for survey invitations (quiero encuestas); says `surveys_opted_in`. Campaigns invite only these residents."
    )
    surveys_opt_out: WordsByLanguage = omittable(
        "Stop survey invitations, keeping everything else (no más encuestas); says `surveys_opted_out`."
    )
    privacy_access: WordsByLanguage = omittable(
        "ARCO access: what the city keeps about the resident, and a link to download it all (mis datos)."
    )
    privacy_cancel: WordsByLanguage = omittable(
        "ARCO cancellation: ask the city to delete the resident's data; asks to confirm, then files a request with its folio (borrar mis datos)."
    )
    privacy_rectify: WordsByLanguage = omittable(
        "ARCO rectification: asks what is wrong, then files a request with its folio (corregir mis datos)."
    )
    privacy_oppose: WordsByLanguage = omittable(
        "ARCO opposition: asks what use the resident opposes and why, then files a request with its folio (no usen mis datos)."
    )

    @classmethod
    def problems(cls, data: dict) -> list[InitErrorDetails]:
        unknown = [key for key in data if key not in KNOWN_COMMANDS and not re.match(COMMAND_PATTERN, str(key))]
        message = "unknown command '{key}' (known: " + ", ".join(KNOWN_COMMANDS) + ", language_<code>)"
        return [
            {"type": PydanticCustomError("command", message, {"key": str(key)}), "loc": (key,), "input": data[key]}
            for key in unknown
        ]

    @classmethod
    def adjust_schema(cls, schema: dict) -> None:
        schema["patternProperties"] = {
            COMMAND_PATTERN: {
                **schema["additionalProperties"],
                "description": "language_<code>: switch the conversation to that language (the code must be under `languages`).",
                "examples": [{"es": ["ingles", "english"], "en": ["english"]}],
            }
        }
        schema["additionalProperties"] = False


class Words(Section):
    """Vocabulary the step kinds understand, per language. Keys must be strings: quote "yes" and "no"."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, WordsByLanguage]
    yes: WordsByLanguage = Field(
        description='Words for yes (yes_no and confirm steps, "did you mean"). Quote the key: "yes".'
    )
    no: WordsByLanguage = Field(description='Words for no. Quote the key: "no".')
    skip: WordsByLanguage = Field(description="Words that skip an optional step (omitir).")
    location_markers: WordsByLanguage = omittable(
        'Words before an address in a first message ("bache *en* Morelos y 5 de Mayo"), for prefill.'
    )
    today: WordsByLanguage = omittable("Words for today (date steps).")
    yesterday: WordsByLanguage = omittable("Words for yesterday (date steps).")
    day_before_yesterday: WordsByLanguage = omittable("Words for the day before yesterday (date steps).")
    months: WordsByLanguage = omittable('Month names, January to December in order (date steps: "25 de noviembre").')
    weekdays: WordsByLanguage = omittable('Weekday names, Monday to Sunday in order (date steps: "desde el lunes").')
    unsure: WordsByLanguage = omittable('Words that say the resident does not know ("no sé"): never read as a no.')
    no_media: WordsByLanguage = omittable(
        'Phrases that say there is no photo ("no traigo foto", "ahorita no puedo"): they skip an optional photo or media step wherever they stand in the answer.'
    )
    zero: WordsByLanguage = omittable('Words for none on a number step ("nadie", "ninguna").')
    just_one: WordsByLanguage = omittable('Phrases for one on a number step ("nomás yo").')
    address_end: WordsByLanguage = omittable(
        'Words that end an address in a first message ("en Padre Mier y Cuauhtémoc *hay* un bache").'
    )
    address_lead: WordsByLanguage = omittable(
        'Words before a typed address that are not part of it ("está en", "queda en"): dropped from what is stored.'
    )
    previous: WordsByLanguage = omittable('Words for "last" after a weekday ("el jueves pasado").')
    coming: WordsByLanguage = omittable('Words that put a weekday ahead ("el *próximo* lunes"): not a past day.')
    street_markers: WordsByLanguage = omittable(
        'Words after which one capitalised word is already a street in a first message ("sobre Gonzalitos").'
    )
    last_week: WordsByLanguage = omittable('Phrases for a week ago ("la semana pasada").')
    weekend: WordsByLanguage = omittable("Phrases for the weekend: the resident is asked Saturday or Sunday.")
    unit_day: WordsByLanguage = omittable('Words for days in a count ("hace 3 *días*").')
    unit_week: WordsByLanguage = omittable('Words for weeks in a count ("hace 2 *semanas*").')
    unit_month: WordsByLanguage = omittable('Words for months in a count ("hace un *mes*").')


class _Messages(
    Section
):  # privacy_reason_<code>: a legal ground to refuse an ARCO request (at least one with privacy:)
    """Texts the bot says outside any flow's steps. Keys listed as required must be present; invalid_<kind> and status_<status> are optional refinements."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Text]
    invalid: Text = Field(
        description="Said when an answer does not fit the step (unless the step has `reprompt` or there is an invalid_<kind> message); the question follows."
    )
    too_many_attempts: Text = Field(
        description="Said after max_attempts answers that do not fit, before the menu (fallback: menu)."
    )
    answers_kept: Text = omittable(
        "Said instead of too_many_attempts inside a survey that already has answers: they are kept and the question is asked again (without it, the usual invalid… message)."
    )
    cancelled: Text = Field(description="Said when the resident cancels a flow.")
    confirm_declined: Text = Field(description="Said when the resident answers no to a confirm step; nothing is sent.")
    did_you_mean: Text = Field(description="Asks about one close match. Uses {option}.")
    which_one: Text = Field(description="Asks which of several close matches; they follow as a numbered list.")
    help: Text = Field(description="The answer to the help command; the current question follows.")
    expired: Text = Field(description="Said when a conversation idle for expire_after_minutes starts again.")
    location_not_found: Text = omittable(
        "Said when a typed address is not on the city's map: ask for a pin or a cross street (the next answer is kept as typed)."
    )
    outside_city: Text = omittable(
        "Said when a report's place is outside the municipality; nothing is filed. Uses {municipality} (the neighbour, when its boundary is loaded)."
    )
    outside_city_unknown: Text = omittable(
        'How {municipality} reads when the neighbour is not known: "otro municipio".'
    )
    rating_scaled: Text = omittable(
        'Tells the resident how a grade on another scale was noted ("8 de 10" on a 1-5 step). Uses {value}, {high}, {given}.'
    )
    media_waiting: Text = omittable(
        'Said when the resident says a photo is coming ("sí, ahorita la mando"); the step waits.'
    )
    voice_note: Text = omittable(
        "Said when a voice note comes where text is asked: it is kept with the report, and the question follows."
    )
    photo_elsewhere: Text = omittable(
        "Said where a photo step is passed over because the channel cannot carry photos (SMS): where to send one instead."
    )
    surveys_opted_in: Text = omittable(
        "Said when a resident asks for survey invitations. Required with `surveys_opt_in`."
    )
    surveys_opted_out: Text = omittable(
        "Said when a resident stops survey invitations. Required with `surveys_opt_out`."
    )
    survey_declined: Text = omittable("Said when a resident answers *no* to a survey invitation; the menu follows.")
    opted_out: Text = Field(
        description="Said once when the resident opts out (BAJA / STOP); nothing more is sent until they opt in."
    )
    opted_in: Text = Field(description="Said when the resident opts back in; the menu follows.")
    status_usage: Text = Field(description="Said for the status command without a folio.")
    status_unknown: Text = Field(description="Said when the folio is not one of the resident's. Uses {folio}.")
    status_reply: Text = Field(description="The answer to `status FOLIO`. Uses {folio}, {summary}, {status}.")
    handover: Text = Field(
        description="Said when a person takes over (fallback: handover). Uses {folio}, {flow}, {step_id}."
    )
    handover_summary: Text = Field(
        description="The handover ticket's summary for the department. Uses {flow}, {step_id}."
    )
    language_changed: Text = Field(description="Said after a language_xx command, in the new language.")
    status_received: Text = omittable(
        "How the status `received` reads in status replies (status_<status> for any ticket status)."
    )
    status_delivered: Text = omittable("How the status `delivered` reads in status replies.")
    privacy_notice: Text = omittable(
        "The short privacy notice (aviso simplificado), asked once per resident and notice version before the first question that collects personal data; yes accepts. Uses {notice_url}. Required with `privacy:`."
    )
    privacy_accept: Text = omittable(
        "The notice's accept button (with privacy_decline): residents tap it on WhatsApp and the web chat, or type 1 on SMS."
    )
    privacy_decline: Text = omittable("The notice's decline button (with privacy_accept).")
    privacy_declined: Text = omittable(
        "Said when the resident does not accept the notice: no report is filed; the menu follows. Required with `privacy:`."
    )
    privacy_cancel_confirm: Text = omittable(
        "Asks to confirm an ARCO cancellation (yes files it). Required with `privacy:`."
    )
    privacy_rectify_ask: Text = omittable(
        "Asks what data is wrong and what is right (ARCO rectification). Required with `privacy:`."
    )
    privacy_oppose_ask: Text = omittable(
        "Asks what use of their data the resident opposes and why (ARCO opposition). Required with `privacy:`."
    )
    privacy_request_dropped: Text = omittable(
        "Said when the resident does not confirm an ARCO request. Required with `privacy:`."
    )
    privacy_request_filed: Text = omittable(
        "Said when an ARCO request is filed. Uses {folio}, {right}, {due} (the last day to answer). Required with `privacy:`."
    )
    privacy_summary: Text = omittable(
        "The answer to ARCO access. Uses {tickets} (folios and statuses), {messages}, {photos}, {channels}, {link}, {minutes}. Required with `privacy:`."
    )
    privacy_request_fulfilled: Text = omittable(
        "Tells the resident their ARCO request was carried out. Uses {folio}, {right}, {response}. Required with `privacy:`."
    )
    privacy_request_rejected: Text = omittable(
        "Tells the resident their ARCO request was refused. Uses {folio}, {right}, {response} (the legal reason). Required with `privacy:`."
    )
    privacy_request_extended: Text = omittable(
        "Tells the resident the answer takes longer (the one extension). Uses {folio}, {right}, {due}, {response}. Required with `privacy:`."
    )
    privacy_request_status: Text = omittable(
        "The answer to `status FOLIO` for one of the resident's ARCO requests. Uses {folio}, {right}, {status}, {due}. Required with `privacy:`."
    )
    privacy_status_open: Text = omittable(
        "How a request still open reads in privacy_request_status. Required with `privacy:`."
    )
    privacy_status_fulfilled: Text = omittable(
        "What the privacy_request_update template's {status} says of a request carried out. Required with `privacy:`."
    )
    privacy_status_rejected: Text = omittable("... of a request refused. Required with `privacy:`.")
    privacy_status_extended: Text = omittable("... of a request extended; may use {due}. Required with `privacy:`.")
    privacy_right_rectification: Text = omittable("How the right of rectification reads in the messages above.")
    privacy_right_cancellation: Text = omittable("How the right of cancellation reads in the messages above.")
    privacy_right_opposition: Text = omittable("How the right of opposition reads in the messages above.")
    followup_reopened: Text = omittable(
        "Said after the follow-up flow when the resident says their resolved report is not fixed: it is reopened"
        " and its operators see it again. Uses {folio}, {summary}."
    )
    ticket_cap_reached: Text = omittable(
        "Said instead of the folio when the resident already filed TICKETS_PER_CONTACT_PER_DAY reports in the"
        " city's day: nothing is filed until tomorrow or until an operator lifts the cap. Uses {cap}."
    )


if TYPE_CHECKING:
    Messages = _Messages
else:
    Messages = create_model(  # an invalid_<kind> message for every step kind that takes an answer
        "Messages",
        __base__=_Messages,
        __doc__=_Messages.__doc__,
        **{
            f"invalid_{kind}": (
                Text,
                omittable(f"Said instead of `invalid` when an answer to a {kind} step does not fit."),
            )
            for kind in STEP_KINDS
            if kind not in ANSWERLESS_KINDS
        },
    )


SECRET_PATTERN = r"^\s*\$\{\w+\}\s*$"  # a secret is one ${VAR}: nothing of it is written in the file


class Delivery(Section):
    """How the department receives tickets. Values may use ${VAR} or ${VAR:-default} from the environment."""

    noun = "delivery"
    needs = {"webhook": (("url",), ("secret",)), "open311": (("endpoint",),), "email": (("to",),)}
    kind: Literal["webhook", "open311", "email", "dashboard"] = Field(
        description=(
            "webhook: a signed JSON POST of each ticket; open311: a GeoReport v2 service request to the department's 311 system; "
            "email: an SMTP message to the department's inbox; dashboard: no sending, the ticket waits in the operators' queue."
        )
    )
    url: str = omittable(
        "Where the webhook POSTs.", examples=["${OBRAS_PUBLICAS_WEBHOOK_URL}", "https://obras.example.mx/ventanilla"]
    )
    secret: str = omittable(
        "webhook: the key we sign the tickets we send with (X-Ventanilla-Signature-V1). Only from the environment:"
        " exactly ${VAR}, no default; at least 32 bytes (openssl rand -hex 32).",
        examples=["${OBRAS_PUBLICAS_WEBHOOK_SECRET}"],
        json_schema_extra={"pattern": SECRET_PATTERN},
    )
    status_secret: str = omittable(
        "The key the department signs its status updates to /api/v1/tickets/<folio>/status with, different from"
        " `secret`. Only from the environment: exactly ${VAR}, no default; at least 32 bytes (openssl rand -hex 32).",
        examples=["${OBRAS_PUBLICAS_STATUS_SECRET}"],
        json_schema_extra={"pattern": SECRET_PATTERN},
    )
    endpoint: str = omittable(
        "open311: the GeoReport v2 base URL (requests.json is POSTed under it).",
        examples=["${OBRAS_OPEN311_ENDPOINT}", "https://311.example.mx/open311/v2"],
    )
    timeout: str | float = omittable(
        "webhook: seconds to wait for the department's answer before trying again later (default 20).", examples=[30]
    )
    api_key: str = omittable("open311: the API key the 311 system issued. Keep it in the environment: ${VAR}.")
    jurisdiction: str = omittable("open311: the jurisdiction_id, where the 311 system serves several.")
    to: str = omittable("email: the department's inbox.", examples=["obras.publicas@example.gob.mx"])
    sender: str = omittable("email: the sender address (default SMTP_FROM).", alias="from")
    smtp_host: str = omittable("email: the SMTP server (default SMTP_HOST).")
    smtp_port: str | int = omittable("email: the SMTP port (default SMTP_PORT, 25).")
    smtp_user: str = omittable("email: SMTP login (default SMTP_USER).")
    smtp_password: str = omittable("email: SMTP password (default SMTP_PASSWORD). Keep it in the environment: ${VAR}.")
    smtp_starttls: str | bool = omittable("email: use STARTTLS (default SMTP_STARTTLS).")
    language: Literal["es", "en"] = omittable(
        "email: the language of the email's labels (Categoría, Dirección…): es, the default, or en."
    )


class Department(Section):
    """A department that receives tickets."""

    name: str = omittable("Its name, as people read it.", examples=["Obras Públicas"])
    delivery: Delivery = Field(description="How tickets reach the department.")
    sla: Duration = omittable(
        "How long this department's tickets may stay open before they are overdue (a flow's outcome.sla wins for its category)."
    )
    shares: list[SharedField] = omittable(
        "The ticket's fields its deliveries carry (the folio always goes). Leave out for all but the resident's phone and name; list contact_phone or contact_name only where the department needs to call back.",
        examples=[["category", "summary", "location", "media", "created_at", "contact_phone"]],
    )


class Retention(Section):
    """How long personal data is kept; leave a period out to keep that data until an ARCO request or an operator removes it."""

    messages: Period = omittable(
        "Message texts and photos: removed this long after the contact's last ticket closed (and no ticket is open).",
        examples=["365d"],
    )
    silent_contacts: Period = omittable(
        "A contact with no open ticket is anonymised this long after their last message.", examples=["180d"]
    )
    audit_events: Period = omittable(
        "Audit trails (tickets' and privacy's) are deleted after this long.", examples=["5y"]
    )


class Privacy(Section):
    """The privacy notice and ARCO rights (Ley General de Protección de Datos Personales en Posesión de Sujetos Obligados)."""

    version: str = Field(
        description="The notice's version: residents accept once per version; a new one is asked once again.",
        examples=["2026-11"],
    )
    notice_url: str = Field(
        description="Where the full notice (aviso integral) is published; {notice_url} in `privacy_notice`. ${VAR} and ${VAR:-default} are read from the environment.",
        examples=["https://www.municipio.gob.mx/aviso-de-privacidad"],
    )
    answer_business_days: int = Field(20, ge=1, description="Business days to answer an ARCO request.")
    extension_business_days: int = Field(
        10, ge=0, description="Business days the one extension the law allows adds (0: none)."
    )
    federal_holidays: bool = Field(
        True, description="Count Mexico's federal holidays (Ley Federal del Trabajo, art. 74) as non-working days."
    )
    holidays: list[str] = omittable(
        "Other non-working days of the city or its transparency body, as YYYY-MM-DD.",
        examples=[["2026-04-02", "2026-12-12"]],
    )
    retention: Retention = omittable(Retention.__doc__ or "")


class Menu(Section):
    """The main menu: shown to new residents, after a flow, and for `menu`."""

    prompt: Text = Field(description="The menu's text; the flows' titles follow as a numbered list. May use {name}.")
    flows: list[str] = Field(
        description="Flow ids offered, in order (their number is what residents type).", examples=[["pothole", "trash"]]
    )


class MetaTemplate(Section):
    """The template's name and language code."""

    name: str = Field(description="The approved template's name.")
    language: str = Field(description="Its language code, e.g. es_MX.")


class Template(Section):
    """One kind of message (e.g. ticket_update)."""

    variables: list[str] = omittable(
        "Names of the values that fill the template's {{1}}, {{2}}, ... in order (e.g. folio, status)."
    )
    twilio: dict[str, str] = omittable(
        "Twilio Content SIDs by language (HX...). ${VAR} and ${VAR:-default} are read from the environment."
    )
    meta: dict[str, MetaTemplate] = omittable("Meta Cloud API templates by language.")
    campaign: bool = omittable(
        "An invitation survey campaigns may send (`ventanilla campaigns`, the dashboard's Campaigns): inside the 24-hour"
        " window the message of the same name is sent instead. Its variables may use `survey` (the flow's title);"
        " its quick-reply buttons' payloads are survey_start and survey_decline."
    )


class Zone(Section):
    """An area whose tickets of some departments go to another department (a crew of that area)."""

    name: str = omittable("The zone's polygon in the places' `zones` layer (`ventanilla places import zones`).")
    colonias: list[str] = omittable("Or the colonias the zone is made of, as the places' colonias layer names them.")
    departments: dict[Identifier, Identifier] = Field(
        min_length=1,
        description="An outcome's department -> the department (or crew) that takes this zone's tickets instead.",
        examples=[{"obras_publicas": "obras_norte"}],
    )


class Election(Section):
    """An election's campaign period: the city refuses survey campaigns and non-essential broadcasts from `from` to `to`
    (the city's days, CITY_TIMEZONE, both included); replies to residents and notices about their own reports go on."""

    name: str = Field(
        description="Which election, as the audit trail and refusals name it.", examples=["Proceso electoral 2027"]
    )
    start: date | str = Field(alias="from", description="Its first day, YYYY-MM-DD.", examples=["2027-04-04"])
    end: date | str = Field(
        alias="to", description="Its last day (election day, usually), YYYY-MM-DD.", examples=["2027-06-06"]
    )


class FlowsFile(Section):
    """Conversations residents have with the city over WhatsApp and SMS. Check with `ventanilla flows check`; guide: docs/flows.md."""

    model_config = ConfigDict(title="Ventanilla flows.yaml")
    default_language: LanguageCode = Field(
        "es",
        description="The language used until a resident's own is known, and for texts given as a plain string. Must be one of `languages`.",
        examples=["es"],
    )
    languages: dict[LanguageCode, WordList] = Field(
        min_length=1,
        description="The languages every text must have, each with words (greetings mostly) that tell a resident writes in it.",
        examples=[{"es": ["hola", "buenas"], "en": ["hi", "hello"]}],
    )
    max_attempts: int = Field(
        3, ge=1, description="Answers that do not fit a step before the flow's fallback (menu or handover)."
    )
    expire_after_minutes: float = omittable(
        "A conversation idle this long starts again (with the `expired` message). Leave out or 0: never."
        " At most a year (525,600).",
        ge=0,
        le=525_600,
        examples=[120],
    )
    commands: Commands = Field(description=Commands.__doc__)
    words: Words = Field(description=Words.__doc__)
    ratings: dict[LanguageCode, dict[str, int]] = omittable(
        "Words and emoji a rating step understands, per language, with their value on a 1-5 scale.",
        examples=[{"es": {"malo": 2, "regular": 3, "excelente": 5, "😍": 5}}],
    )
    messages: Messages = Field(description=Messages.__doc__)
    departments: dict[Identifier, Department] = Field(
        description="Who receives tickets, by id (used by `outcome.department`)."
    )
    menu: Menu = Field(description=Menu.__doc__)
    flows: dict[Identifier, Flow] = Field(min_length=1, description="The conversations, by id.")
    templates: dict[str, Template] = omittable(
        "Approved WhatsApp templates per kind of message, used when writing to a resident more than 24 hours after their last message (outside WhatsApp's customer-service window)."
    )
    default_sla: Duration = omittable(
        "How long a ticket may stay open when neither its flow nor its department sets an `sla` (default 7d). Operators see tickets past it as overdue."
    )
    privacy: Privacy = omittable(
        "The privacy notice residents accept before giving personal data, ARCO requests and retention. A city must set it before going live."
    )
    elections: list[Election] = omittable(
        "The election calendar: blackouts in which campaigns and non-essential broadcasts are refused and logged;"
        " flows marked `exempt` (health, education, civil_protection) may still be sent.",
        examples=[[{"name": "Proceso electoral 2027", "from": "2027-04-04", "to": "2027-06-06"}]],
    )
    zones: dict[Identifier, Zone] = omittable(
        "Areas of the city whose tickets go to their own department or crew: by colonias, or by a polygon of the places' zones layer with the same name.",
        examples=[
            {"sector_norte": {"colonias": ["Del Valle", "Obispado"], "departments": {"obras_publicas": "obras_norte"}}}
        ],
    )


class _InWrittenOrder(GenerateJsonSchema):
    """Keeps keys as written (pydantic sorts them), so examples read es before en."""

    def sort(self, value, parent_key=None):
        return value


def json_schema() -> dict:
    """Returns flows.schema.json as a dict: the models' schema, tidied for editors."""
    generated = FlowsFile.model_json_schema(schema_generator=_InWrittenOrder)
    names = {name: name[0].lower() + name[1:] for name in generated["$defs"]}
    tidy = _tidy(generated, names)
    return {"$schema": DIALECT, "title": generated["title"], "description": tidy.pop("description"), **tidy}


def render() -> str:
    """Returns flows.schema.json's text, as committed."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


DATA_KEYWORDS = {"examples", "default", "defaultSnippets", "const", "enum"}  # hold values, not schemas
NAMED_SCHEMAS = {"properties", "patternProperties", "$defs"}  # map names to schemas


def _tidy(node, names: dict[str, str]):
    """Drops generated titles and null defaults, renames $defs to camelCase, and turns a dict's key
    pattern into propertyNames so unknown keys are errors."""
    if isinstance(node, list):
        return [_tidy(item, names) for item in node]
    if not isinstance(node, dict):
        return node
    result = {}
    for key, value in node.items():
        if key in DATA_KEYWORDS:
            if not (key == "default" and value is None):
                result[key] = value
        elif key in NAMED_SCHEMAS:
            result[key] = {names.get(k, k) if key == "$defs" else k: _tidy(v, names) for k, v in value.items()}
        elif key == "$ref":
            result[key] = "#/$defs/" + names[value.rsplit("/", 1)[1]]
        elif key != "title" or not isinstance(value, str):
            result[key] = _tidy(value, names)
    if "patternProperties" in result and "properties" not in result and "additionalProperties" not in result:
        ((pattern, values),) = result.pop("patternProperties").items()
        result.update(propertyNames={"pattern": pattern}, additionalProperties=values)
    return result
