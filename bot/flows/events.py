"""Events the engine records; the app applies each with one handler, in one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = [
    "DataAccessRequested",
    "FollowupAnswered",
    "HandoverRequested",
    "InvitationAnswered",
    "NoticeAnswered",
    "OptedIn",
    "OptedOut",
    "PrivacyRequested",
    "StatusRequested",
    "SurveyCompleted",
    "SurveysOptedIn",
    "SurveysOptedOut",
    "TicketOpened",
    "describe_event",
]


@dataclass(frozen=True)
class TicketOpened:
    """A flow finished with a ticket for a department."""

    folio: str
    flow: str
    department: str
    category: str
    priority: str
    summary: str
    lang: str
    answers: dict
    location: dict | None
    media: tuple[dict, ...]
    shown: dict  # each answer as the resident saw it (option labels, dates as dd/mm/yyyy)


@dataclass(frozen=True)
class SurveyCompleted:
    """A survey flow finished; its answers are a response to store."""

    flow: str
    lang: str
    answers: dict
    shown: dict  # each answer as the resident saw it (the park's name, not its id)


@dataclass(frozen=True)
class HandoverRequested:
    """The resident could not get through a flow: a person takes over (a ticket is opened)."""

    folio: str
    flow: str
    department: str
    lang: str
    summary: str
    answers: dict
    media: tuple = ()  # what the resident sent that a person must see: voice notes, photos


@dataclass(frozen=True)
class StatusRequested:
    """The resident asked for the status of a folio; the app looks it up and answers."""

    folio: str
    lang: str


@dataclass(frozen=True)
class OptedOut:
    """The resident asked not to be written to any more (BAJA / STOP)."""


@dataclass(frozen=True)
class OptedIn:
    """The resident asked to be written to again."""


@dataclass(frozen=True)
class SurveysOptedIn:
    """The resident asked to be invited to surveys (quiero encuestas): campaigns may write to them."""


@dataclass(frozen=True)
class SurveysOptedOut:
    """The resident asked for no more survey invitations; everything else goes on."""


@dataclass(frozen=True)
class InvitationAnswered:
    """The resident answered a campaign's survey invitation: started the survey (accepted) or declined."""

    campaign: int | None
    flow: str
    accepted: bool


@dataclass(frozen=True)
class NoticeAnswered:
    """The resident accepted or declined this version of the privacy notice."""

    version: str
    accepted: bool


@dataclass(frozen=True)
class DataAccessRequested:
    """The resident asked what the city keeps about them (ARCO access): the app answers with a summary and a link."""

    lang: str


@dataclass(frozen=True)
class PrivacyRequested:
    """The resident filed an ARCO request: rectification, cancellation or opposition, with what they wrote."""

    folio: str
    right: str  # rectification, cancellation, opposition
    detail: str
    lang: str


@dataclass(frozen=True)
class FollowupAnswered:
    """A resident answered the city's follow-up on a resolved ticket: fixed or not, and how satisfied (1-5)."""

    folio: str  # the ticket asked about
    flow: str
    lang: str
    fixed: bool | None  # the answer to the flow's yes/no step
    rating: int | None  # the answer to its rating step (None when not asked or skipped)
    words: str  # what they wrote in the message that finished it: their reason, when it is not fixed
    answers: dict


def describe_event(event, department_names: Mapping[str, str] | None = None) -> str:
    """Say in words what an event records; departments are also named when their names are given."""
    describe = _DESCRIPTIONS.get(type(event))
    return describe(event, department_names or {}) if describe else type(event).__name__


def _ticket_opened(event: TicketOpened, names: Mapping[str, str]) -> str:
    extras = f", location {json.dumps(event.location, ensure_ascii=False)}" if event.location else ""
    extras += f", {len(event.media)} photo(s)" if event.media else ""
    return (
        f"ticket opened: folio {event.folio}, flow {event.flow}, "
        f"department {_department(event.department, names)}, category {event.category}, priority {event.priority}, summary {event.summary!r}{extras}"
    )


def _survey_completed(event: SurveyCompleted, names: Mapping[str, str]) -> str:
    answers = ", ".join(f"{k}={v}" for k, v in event.shown.items())
    return f"survey completed: {event.flow}: {answers}"


def _handover_requested(event: HandoverRequested, names: Mapping[str, str]) -> str:
    return (
        f"handover requested: folio {event.folio}, department {_department(event.department, names)}, "
        f"flow {event.flow}, summary {event.summary!r}"
    )


def _department(department: str, names: Mapping[str, str]) -> str:
    name = names.get(department, department)
    return department if name == department else f"{department} ({name})"


_DESCRIPTIONS: dict[type, Callable[..., str]] = {
    TicketOpened: _ticket_opened,
    SurveyCompleted: _survey_completed,
    HandoverRequested: _handover_requested,
    StatusRequested: lambda event, names: f"status requested for folio {event.folio}",
    OptedOut: lambda event, names: "opted out",
    OptedIn: lambda event, names: "opted in again",
    SurveysOptedIn: lambda event, names: "asked for survey invitations",
    SurveysOptedOut: lambda event, names: "asked for no more survey invitations",
    InvitationAnswered: lambda event, names: (
        f"survey invitation {'accepted' if event.accepted else 'declined'}: {event.flow} (campaign {event.campaign})"
    ),
    NoticeAnswered: lambda event, names: (
        f"privacy notice {event.version} {'accepted' if event.accepted else 'declined'}"
    ),
    DataAccessRequested: lambda event, names: "asked what the city keeps about them",
    PrivacyRequested: lambda event, names: f"privacy request {event.folio}: {event.right}",
    FollowupAnswered: lambda event, names: (
        f"follow-up answered: folio {event.folio}, fixed {event.fixed}, rating {event.rating}"
    ),
}
