"""The loaded flows: immutable data the engine walks. Built by the loader only."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from bot.flows.conditions import Condition
from bot.flows.matching import ChoiceIndex, normalize
from bot.flows.ratingwords import Lexicon, lexicon

__all__ = [
    "Text",
    "Option",
    "Step",
    "Outcome",
    "Flow",
    "Department",
    "Zone",
    "Menu",
    "Flows",
    "render",
    "END",
    "MEDIA_KINDS",
    "PERSONAL_KINDS",
    "Privacy",
    "Qr",
    "Retention",
    "SHARED_FIELDS",
    "DEFAULT_SHARES",
]

T = TypeVar("T")
END = "end"  # a `next:` that finishes the flow
MEDIA_KINDS = ("photo", "media")
PERSONAL_KINDS = ("location", "photo", "media")  # steps that collect personal data whatever their wording
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def render(template: str, values: dict) -> str:
    """Fill {name} placeholders from values; unknown names stay as written."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


@dataclass(frozen=True)
class Text:
    """One message in several languages."""

    by_lang: dict[str, str]

    def get(self, lang: str, fallback: str) -> str:
        """Return the text in lang, else in the fallback language."""
        return self.by_lang.get(lang) or self.by_lang.get(fallback) or ""


@dataclass(frozen=True)
class Option:
    """One answer of a choice step (or one entry of the menu)."""

    id: str
    label: Text
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    next: str | None = None


@dataclass(frozen=True)
class Step:
    """One question (or, for kind `message`, one statement) of a flow."""

    id: str
    kind: str
    prompt: Text
    options: tuple[Option, ...] = ()
    index: ChoiceIndex | None = field(default=None, compare=False, repr=False)
    show_options: bool = True
    optional: bool = False
    scale: tuple[int, int] = (1, 5)
    ratings: dict[str, dict[str, int]] = field(default_factory=dict)  # rating: its own words per language, 1-5
    min: float | None = None
    max: float | None = None
    min_length: int = 1
    max_length: int = 1000
    allow_future: bool = False
    prefill: bool = False  # the conversation's first message may answer it (loader: on for choice, date, location)
    when: Condition | None = None
    next: str | None = None
    reprompt: Text | None = None
    typed_prompt: Text | None = None  # a location step's question where no pin can be shared (SMS)
    label: Text | None = None  # the answer's short name in results (the dashboard's headings), never said to residents
    channels: tuple[str, ...] = ()  # asked only on these channels (all when empty)
    skip_on: tuple[str, ...] = ()  # never asked on these channels
    personal: bool = False  # asks for personal data (a name, a phone); location, photo and media always do
    private: bool = False  # its answer is never published (Open311's public requests leave it out)
    public: bool = False  # a survey's text step whose answers the open data publishes (/datos/), as residents are told
    line: int = 0

    @property
    def collects_personal_data(self) -> bool:
        """Tell whether the privacy notice must be accepted before this step is asked."""
        return self.personal or self.kind in PERSONAL_KINDS

    def option(self, option_id) -> Option | None:
        """Return the option with that id, if any."""
        return next((o for o in self.options if o.id == option_id), None)

    def kept_from(self, channel: str) -> bool:
        """Tell whether the flow keeps this step from the channel (its `channels` or `skip_on`)."""
        return bool(self.channels and channel not in self.channels) or channel in self.skip_on

    def needs_more_than(self, carries: frozenset[str]) -> bool:
        """Tell whether the step asks for something the channel cannot carry: a photo where none can be sent."""
        return self.kind in MEDIA_KINDS and "photo" not in carries

    def asked_on(self, channel: str, carries: frozenset[str]) -> bool:
        """Tell whether this step is asked on the channel."""
        return not self.kept_from(channel) and not self.needs_more_than(carries)


@dataclass(frozen=True)
class Outcome:
    """What finishing a flow produces: a ticket, a survey response, or information only."""

    kind: str
    department: str | None = None
    category: str | None = None
    priority: str = "normal"
    summary: Text | None = None
    service_code: str | None = None  # Open311's code for this kind of request
    duplicate_radius_m: float | None = None  # a new report this close to an open one is linked to it
    sla: timedelta | None = None  # how long this category's tickets may stay open (else its department's)
    waits: timedelta | None = None  # followup: how long the city's question waits for an answer (else expiry)


@dataclass(frozen=True)
class Qr:
    """QR cards for one choice step's options: the message a card writes for the resident, and what it says in print.

    A card opens WhatsApp (or the web chat) with `message` written for the option; the bot knows the
    option by its code (`code_prefix` + the option's id) and starts the flow with it chosen.
    """

    step: str  # the choice step the cards answer
    message: Text  # uses {code}, and {option} (the option's label)
    call_to_action: Text  # printed on the card under the option's name
    code_prefix: str = ""


@dataclass(frozen=True)
class Flow:
    """A conversation: its steps in order and what finishing it produces."""

    id: str
    title: Text
    keywords: dict[str, tuple[str, ...]]
    steps: tuple[Step, ...]
    outcome: Outcome
    done: Text
    fallback: str = "menu"  # or "handover": after too many failed answers, a person takes over
    outside: Text | None = (
        None  # said for a place outside the municipality (whom to ask there), instead of outside_city
    )
    exempt: str | None = None  # a broadcast of this flow may go out in an electoral blackout: EXEMPTIONS
    qr: Qr | None = None  # QR cards that start this flow with one option of a choice step chosen

    def step(self, step_id: str) -> Step:
        """Return the step with that id; KeyError when the flow has none."""
        found = self.find_step(step_id)
        if found is None:
            raise KeyError(f"flow {self.id!r} has no step {step_id!r}")
        return found

    def find_step(self, step_id: str | None) -> Step | None:
        """Return the step with that id, or None if the flow has none."""
        return next((s for s in self.steps if s.id == step_id), None)

    def step_after(self, step_id: str) -> Step | None:
        """Return the step that follows step_id in file order, or None at the end."""
        ids = [s.id for s in self.steps]
        index = ids.index(step_id) + 1
        return self.steps[index] if index < len(self.steps) else None


@dataclass(frozen=True)
class Department:
    """Who receives a flow's tickets, and how."""

    id: str
    name: str
    delivery: dict
    sla: timedelta | None = None  # how long its tickets may stay open, unless their flow sets its own
    # The environment variable each of delivery's secrets (`secret`, `status_secret`) is read from.
    secret_variables: dict[str, str] = field(default_factory=dict)
    shares: tuple[str, ...] = ()  # the ticket's fields its deliveries carry (SHARED_FIELDS; empty: DEFAULT_SHARES)

    def shared_fields(self) -> tuple[str, ...]:
        """The fields of a ticket this department receives: what `shares` lists, else all but the resident's own."""
        return self.shares or DEFAULT_SHARES


# A ticket's fields a department may receive (flows.yaml `departments.<id>.shares`); the folio always goes.
SHARED_FIELDS = (
    "department", "category", "flow", "priority", "status", "summary", "language", "channel",
    "location", "media", "answers", "created_at", "contact_phone", "contact_name",
)  # fmt: skip
DEFAULT_SHARES = tuple(f for f in SHARED_FIELDS if not f.startswith("contact_"))


@dataclass(frozen=True)
class Retention:
    """How long personal data is kept (None: the city keeps it until an ARCO request or a person removes it)."""

    messages: timedelta | None = None  # message texts and photos, counted from the close of the contact's last ticket
    silent_contacts: timedelta | None = None  # a contact with no ticket open, this long after their last message
    audit_events: timedelta | None = None  # tickets' and privacy's audit trails


@dataclass(frozen=True)
class Privacy:
    """The privacy notice residents accept before giving personal data, ARCO deadlines, and retention."""

    version: str  # a new version is asked once again of everyone
    notice_url: str  # the full notice (aviso de privacidad integral)
    answer_days: int = 20  # business days to answer an ARCO request
    extension_days: int = 10  # business days the one extension adds
    holidays: tuple[date, ...] = ()  # non-working days besides Mexico's federal holidays
    federal_holidays: bool = True  # count Mexico's federal holidays (Ley Federal del Trabajo, art. 74) as non-working
    retention: Retention = field(default_factory=Retention)


@dataclass(frozen=True)
class Zone:
    """An area of the city whose tickets go to their own department or crew."""

    id: str
    name: str  # the area's name in the places' `zones` layer, if it is drawn there
    colonias: tuple[str, ...] = ()  # or the colonias it is made of
    departments: dict[str, str] = field(default_factory=dict)  # the outcome's department -> this zone's

    def holds(self, area: str | None, colonia: str | None) -> bool:
        """Tell whether a place in this zones-layer area and colonia is in the zone."""
        same = {normalize(self.name)} - {""}
        return bool((area and normalize(area) in same) or (colonia and normalize(colonia) in self.normalized))

    @property
    def normalized(self) -> set[str]:
        return {normalize(c) for c in self.colonias}


# What Mexican law lets a government still broadcast while electoral campaigns suspend its propaganda (art. 41 of
# the Constitution): health, education and civil protection. A flow marks itself `exempt: <one of these>`.
EXEMPTIONS = ("health", "education", "civil_protection")


@dataclass(frozen=True)
class Election:
    """An election calendar's period (campaigns to election day), in the city's days, both included: a blackout."""

    name: str
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Menu:
    """The main menu: its text and the flows it offers, in order."""

    prompt: Text
    flows: tuple[str, ...]
    index: ChoiceIndex = field(compare=False, repr=False)


@dataclass(frozen=True)
class Flows:
    """Everything flows.yaml defines, validated."""

    version: str
    default_language: str
    languages: dict[str, tuple[str, ...]]
    menu: Menu
    commands: dict[str, dict[str, tuple[str, ...]]]
    words: dict[str, dict[str, tuple[str, ...]]]
    ratings: dict[str, dict[str, int]]
    messages: dict[str, Text]
    flows: dict[str, Flow]
    departments: dict[str, Department]
    max_attempts: int = 3
    expire_after: timedelta | None = None
    templates: dict[str, dict] = field(default_factory=dict)
    default_sla: timedelta = timedelta(days=7)
    zones: tuple[Zone, ...] = ()
    privacy: Privacy | None = None  # without it no notice is asked (a flows file for a test, a survey-only bot)
    elections: tuple[Election, ...] = ()  # electoral blackouts: no campaign nor non-essential broadcast
    source: str = field(default="flows.yaml", compare=False)
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # what is worked out once from the above

    def remember(self, key: str, work: Callable[[], T]) -> T:
        """Work something out from these flows once (a word index, say) and keep it with them."""
        if key not in self.memo:
            self.memo[key] = work()
        return self.memo[key]

    def sla(self, flow_id: str, department_id: str) -> timedelta:
        """How long a ticket of this flow and department may stay open: the flow's SLA, its department's, or the default."""
        flow, department = self.flows.get(flow_id), self.departments.get(department_id)
        return (flow and flow.outcome.sla) or (department and department.sla) or self.default_sla

    def message(self, key: str, lang: str) -> str:
        """Return a global message in lang."""
        return self.messages[key].get(lang, self.default_language)

    def template(self, kind: str, provider: str, lang: str, values: dict) -> dict | None:
        """The approved WhatsApp template for a kind of message, its variables filled; None if not configured."""
        spec = self.templates.get(kind, {})
        by_lang = spec.get(provider, {})
        chosen = by_lang.get(lang) or by_lang.get(self.default_language)
        if not chosen:
            return None
        return {provider: chosen, "variables": [str(values.get(name, "")) for name in spec.get("variables", [])]}

    @property
    def followup(self) -> Flow | None:
        """The flow the city starts to ask a resident whether their resolved ticket is really fixed (at most one)."""
        return next((f for f in self.flows.values() if f.outcome.kind == "followup"), None)

    def election_on(self, day: date) -> Election | None:
        """The election whose blackout covers this day of the city, if any."""
        return next((e for e in self.elections if e.covers(day)), None)

    def campaign_templates(self) -> tuple[str, ...]:
        """The templates marked `campaign: true`: the invitations a survey campaign may send."""
        return tuple(kind for kind, spec in self.templates.items() if spec.get("campaign"))

    def ratings_for(self, step: Step, lang: str) -> dict[str, int]:
        """The rating words a step understands in lang: the top-level `ratings:`, the step's own added over them."""
        own = step.ratings.get(lang)
        if not own:
            return self.ratings.get(lang, {})
        return self.remember(f"ratings {id(step)} {lang}", lambda: {**self.ratings.get(lang, {}), **own})

    def rating_words(self, step: Step, lang: str) -> Lexicon:
        """ratings_for compiled for reading (ratingwords.Lexicon), once per loaded version: the top-level words
        once per language, a step with its own words once more."""
        whose = id(step) if step.ratings.get(lang) else "all"
        return self.remember(f"rating words {whose} {lang}", lambda: lexicon(self.ratings_for(step, lang)))

    def words_for(self, key: str, lang: str) -> tuple[str, ...]:
        """Return a word list (yes, no, skip, ...) in lang."""
        return self.words.get(key, {}).get(lang, ())
