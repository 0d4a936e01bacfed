"""The shape of one flow of flows.yaml (its steps, their options, its outcome), as models of schema.py."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bot.flows.schematypes import (
    Duration,
    Identifier,
    LanguageCode,
    Section,
    StepKind,
    Text,
    WordsByLanguage,
    omittable,
)

__all__ = ["Flow", "Option", "OptionsFrom", "Outcome", "Qr", "Step"]


class OptionsFrom(Section):
    """Read the options from a CSV file next to flows.yaml (UTF-8, with a header row). Long lists are not shown as a numbered list: residents type a name, typos included, and are asked "did you mean …?" when unsure."""

    schema_extra = {"examples": [{"file": "parks.csv", "column": "nombre", "id_column": "id"}]}
    file: str = Field(description="CSV file, relative to flows.yaml.", examples=["parks.csv"])
    column: str = Field(description="Column holding the names residents read and type.", examples=["nombre"])
    id_column: str = omittable("Column holding the stored id (default: the same as `column`).", examples=["id"])
    words_column: str = omittable(
        'Column holding other words that name each option, separated by `;` ("la 23; valle oriente"); matched like the name. Default: the column `words`, when the file has one.',
        examples=["palabras"],
    )


NEXT = "Where to go {when}: the id of a step of the same flow, or `end` to finish the flow now (its outcome and `done` text follow)."


class Option(Section):
    """One answer of a choice step. Residents may answer with its number, its label, one of its words, or a typo of them."""

    schema_extra = {
        "defaultSnippets": [
            {
                "label": "option",
                "body": {"id": "$1", "label": {"es": "$2", "en": "$3"}, "words": {"es": ["$4"], "en": ["$5"]}},
            }
        ]
    }
    id: Annotated[str, Field(min_length=1)] = Field(
        description='The option\'s id: what the answer stores, what `when:` conditions compare with (problem == "illegal_dumping").'
    )
    label: Text = Field(description="What residents read in the numbered list (and in {step_id} templates).")
    words: WordsByLanguage = omittable(
        "Synonyms per language that also pick this option.",
        examples=[{"es": ["tiradero", "escombro"], "en": ["dumping"]}],
    )
    next: Identifier = omittable(
        NEXT.format(when="when this option is chosen (overrides the step's `next`)"), examples=["end", "location"]
    )


class Step(Section):
    """One question (or, for kind `message`, one statement) of a flow. Steps run in file order unless `next` says otherwise."""

    noun = "step"
    needs = {"choice": (("options", "options_from"),)}
    schema_extra = {
        "defaultSnippets": [
            {"label": "step", "body": {"id": "$1", "kind": "$2", "prompt": {"es": "$3", "en": "$4"}}},
            {
                "label": "choice step",
                "body": {
                    "id": "$1",
                    "kind": "choice",
                    "prompt": {"es": "$2", "en": "$3"},
                    "options": [{"id": "$4", "label": {"es": "$5", "en": "$6"}}],
                },
            },
        ]
    }
    id: Identifier = Field(
        description="The step's id, unique in its flow: letters, digits and _, not starting with a digit. The answer is stored under it and shown by {id} in later texts and `when:` conditions.",
        examples=["location", "photo", "confirm"],
    )
    kind: StepKind = Field(
        description="What the step asks for: text, choice (one of options), rating (1-5, ⭐, words), number, yes_no, confirm (yes sends, no cancels), location (pin or typed address), photo, media (any attachment), date (hoy, ayer, 25/11), message (just says something, no answer)."
    )
    prompt: Text = Field(
        description="The question (or, for kind message, the statement). May use {earlier_step_id}, {name}, {folio}, {flow}."
    )
    options: list[Option] = omittable("The answers of a choice step (up to 10 are listed with numbers).", min_length=1)
    options_from: OptionsFrom = omittable(
        "choice: read the options from a CSV file instead of listing them (for hundreds of parks, say)."
    )
    optional: bool = Field(
        False,
        description="Residents may skip the step with a `skip` word (omitir); the answer is then empty. For photo and media a `no` word also skips.",
    )
    scale: list[int] = Field(
        [1, 5],
        min_length=2,
        max_length=2,
        description="rating: lowest and highest value, [low, high]. Words under `ratings:` are for a 1-5 scale.",
        examples=[[1, 5], [0, 10]],
    )
    ratings: dict[LanguageCode, dict[str, Annotated[int, Field(ge=1, le=5)]]] = omittable(
        "rating: this step's own words and emoji per language, each with its value on a 1-5 scale (like the top-level `ratings:`). They add to the top-level words for this step, and override a word both give: a cleanliness question's sucio/limpio scale.",
        examples=[
            {
                "es": {"cochino": 1, "sucio": 2, "limpio": 4, "limpiecito": 5},
                "en": {"filthy": 1, "dirty": 2, "clean": 4},
            }
        ],
    )
    min: float = omittable("number: the smallest accepted value.", examples=[0])
    max: float = omittable("number: the largest accepted value.", examples=[100])
    min_length: int = Field(1, ge=0, description="text: fewest characters accepted.")
    max_length: int = Field(1000, ge=1, description="text: most characters accepted.")
    allow_future: bool = Field(
        False, description="date: accept dates after today (off by default: reports are about the past)."
    )
    prefill: bool = omittable(
        'Take the answer from the message that started the flow and skip the question: an address after "en" ("hay un bache en Morelos y 5 de Mayo"), an option named by its words, a date ("desde el lunes"), a rating ("5 estrellas"). On by default for choice, date and location steps; `prefill: false` turns it off, `prefill: true` turns it on for a rating.'
    )
    when: str = omittable(
        'Ask this step only when the condition holds; otherwise it is passed over. Names are earlier step ids; literals "text", numbers, true, false, null, [lists]; operators == != < <= > >= in, not in, and, or, not, ( ).',
        examples=[
            'problem == "missed_collection"',
            "cleanliness <= 2 and not (safety >= 4)",
            'problem in ["missed_collection", "illegal_dumping"]',
            "photo != null",
        ],
    )
    next: Identifier = omittable(
        NEXT.format(when="after this step instead of the following one"), examples=["end", "location"]
    )
    reprompt: Text = omittable("What to say when the answer does not fit, instead of the general `invalid…` message.")
    typed_prompt: Text = omittable(
        "location: the question on a channel where no pin can be shared (SMS), asking for a typed address instead."
    )
    label: Text = omittable(
        "A short name for the answer, for people reading results (the dashboard's survey headings, in the operator's language); without it the step's id is shown.",
        examples=[{"es": "Limpieza", "en": "Cleanliness"}],
    )
    channels: list[str] = omittable(
        "Ask this step only on these channels (whatsapp, sms, webchat); on others it is passed over.",
        examples=[["whatsapp", "webchat"]],
    )
    personal: bool = omittable(
        "The step asks for personal data (a name, a phone number): the privacy notice is accepted before it is asked, as before every location, photo and media step."
    )
    private: bool = omittable(
        "Never publish the answer: Open311's public list of requests (`/open311/v2/requests`) leaves it out (for a location step, the address of the place, a resident's home; its coordinates stay, rounded by OPEN311_COORDINATE_DECIMALS), and the request's description is the service's name rather than the summary that may quote it."
    )
    public: bool = omittable(
        "text, in a survey: its answers are published with the open data (/datos/, the comments of each survey), without name or number. Say so in the prompt; never with `personal: true`."
    )
    skip_on: list[str] = omittable(
        "Never ask this step on these channels. A photo or media step is passed over by itself where the channel cannot carry a photo (SMS).",
        examples=[["sms"]],
    )


class Outcome(Section):
    """What finishing the flow produces."""

    noun = "outcome"
    needs = {"ticket": (("department",), ("summary",))}
    schema_extra = {
        "examples": [
            {
                "kind": "ticket",
                "department": "obras_publicas",
                "category": "bache",
                "summary": {"es": "Bache en {location}", "en": "Pothole at {location}"},
            },
            {"kind": "survey"},
            {"kind": "info"},
            {"kind": "followup", "waits": "3d"},
        ]
    }
    kind: Literal["ticket", "survey", "info", "followup"] = Field(
        description="ticket: a report sent to a department with a folio; survey: the answers are stored as a response; info: nothing is stored;"
        " followup: the city starts it (FOLLOWUP_DELAY_HOURS after a ticket is resolved) to ask whether it is really fixed"
        " (its yes_no step: no reopens the ticket) and how satisfied the resident is (its rating step); not in the menu."
    )
    department: str = omittable(
        "ticket: the department (a key under `departments`) that receives it. survey: the department whose operators and viewers see the results (admins see all).",
        examples=["obras_publicas"],
    )
    category: str = omittable(
        "ticket: the category the department sees (default: the flow's id).", examples=["bache", "basura", "alumbrado"]
    )
    priority: str = Field(
        "normal", description="ticket: its priority (default normal; handovers are high).", examples=["normal", "high"]
    )
    summary: Text = omittable(
        "ticket: one line for the department and for `status` replies. May use {step_id}.",
        examples=[{"es": "Bache en {location}", "en": "Pothole at {location}"}],
    )
    service_code: str = omittable(
        "ticket, open311 departments: the service_code of this kind of request in the department's 311 system.",
        examples=["pothole"],
    )
    duplicate_radius_m: float = omittable(
        "ticket: a new report of this category within this many meters of an open one is linked to it instead of sent again; its resident is told and notified too.",
        ge=0,
        examples=[30, 50],
    )
    sla: Duration = omittable(
        "ticket: how long tickets of this category may stay open before they are overdue (default: the department's sla, then default_sla)."
    )
    waits: Duration = omittable(
        "followup: how long its question waits for the resident's answer (default: expire_after_minutes); residents"
        " often answer a message from the city hours later."
    )


class Qr(Section):
    """QR cards that start this flow with an option of one of its choice steps chosen (a card per park, say).

    `ventanilla qr FLOW` (or the dashboard's survey page) prints them. Scanning one opens WhatsApp with
    `message` written for that option, or the web chat at this flow; the bot recognises the option's
    code in the message, even edited a little, and asks the step after.
    """

    schema_extra = {
        "examples": [
            {
                "step": "park",
                "message": {"es": "Quiero evaluar el {option} ({code})", "en": "I want to rate {option} ({code})"},
                "call_to_action": {
                    "es": "Escanea el código y califica este parque por WhatsApp",
                    "en": "Scan the code and rate this park on WhatsApp",
                },
            }
        ]
    }
    step: Identifier = Field(description="The choice step the cards answer: one card per option.", examples=["park"])
    message: Text = Field(
        description="What the QR writes for the resident to send, in the city's default language (the others are recognised too). Must use {code} (how the bot knows the option); may use {option} (its name).",
        examples=[{"es": "Quiero evaluar el {option} ({code})", "en": "I want to rate {option} ({code})"}],
    )
    call_to_action: Text = Field(
        description="Printed on the card under the option's name.",
        examples=[{"es": "Escanea y califica este parque", "en": "Scan to rate this park"}],
    )
    code_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]*$", max_length=8)] = omittable(
        "Put before each option's id to make its code ('Q-' makes 12 into Q-12). A code needs a letter and a digit, and codes are unique across flows.",
        examples=["Q-"],
    )


class Flow(Section):
    """One conversation, such as reporting a pothole or rating a park."""

    title: Text = Field(description="Its name in the menu (residents may also type it).")
    keywords: WordsByLanguage = omittable(
        "Words that start this flow from the menu or the first message (typos allowed).",
        examples=[{"es": ["bache", "hoyo"], "en": ["pothole"]}],
    )
    outcome: Outcome = Field(
        description="What finishing the flow produces: a ticket, a survey response, or nothing (info)."
    )
    steps: list[Step] = Field(
        min_length=1, description="The questions, asked in order (see `next` and `when` for branching)."
    )
    done: Text = Field(
        description="Said when the flow finishes. May use {folio} and {step_id}.",
        examples=[{"es": "✅ ¡Gracias! Tu folio es *{folio}*.", "en": "✅ Thank you! Your folio is *{folio}*."}],
    )
    fallback: Literal["menu", "handover"] = Field(
        "menu",
        description="After max_attempts answers that do not fit: menu (start again) or handover (a person of the outcome's department takes over; needs a ticket outcome).",
    )
    outside: Text = omittable(
        "Said instead of the `outside_city` message when a report's place is outside the municipality: whom to ask there. May use {municipality}.",
        examples=[{"es": "Eso es en {municipality}: repórtalo al 070.", "en": "That is in {municipality}: call 070."}],
    )
    exempt: Literal["health", "education", "civil_protection"] = omittable(
        "A campaign of this flow may still be sent during an electoral blackout (`elections:`): Mexican law keeps health,"
        " education and civil protection messages while it suspends government propaganda. Leave out for any other flow."
    )
    qr: Qr = omittable(Qr.__doc__ or "")
