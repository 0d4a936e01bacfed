"""A conversation's state: what the engine needs between two messages, stored as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

__all__ = ["State"]


@dataclass(frozen=True)
class State:
    """Where one resident's conversation stands."""

    flow: str | None = None
    step: str | None = None
    answers: dict = field(default_factory=dict)
    lang: str | None = None
    attempts: int = 0
    version: str | None = None
    pending: tuple[str, ...] = ()  # options offered in "did you mean …?"
    history: tuple[str, ...] = ()  # steps answered, for "back"
    updated_at: str | None = None  # ISO time of the last message, for expiry
    opted_out: bool = False
    attachments: tuple[dict, ...] = ()  # voice notes sent where text was asked: kept for the ticket
    notice: str | None = None  # the privacy notice version the resident accepted (kept across flows)
    awaiting: str | None = None  # an answer asked outside any step: "notice", or an ARCO right's detail
    # What a flow the city started is about (a follow-up: the ticket's folio and summary): its texts may use
    # these, and its outcome names the folio. Empty for a flow the resident started; gone when the flow ends.
    about: dict = field(default_factory=dict)
    invited: str | None = None  # the survey flow a campaign's invitation asked about, until the resident answers
    campaign: int | None = None  # that campaign's id (the answer is counted on it)

    def with_attachments(self, attachments: tuple[dict, ...]) -> State:
        """The same state carrying these attachments too."""
        return replace(self, attachments=self.attachments + attachments) if attachments else self

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        data = asdict(self)
        data["pending"], data["history"] = list(self.pending), list(self.history)
        data["attachments"] = list(self.attachments)
        return data

    @classmethod
    def from_dict(cls, data: dict | None) -> State:
        """Rebuild a state stored by to_dict (unknown keys are ignored)."""
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        for key in ("pending", "history", "attachments"):
            known[key] = tuple(known.get(key) or ())
        return cls(**known)
