"""The building blocks of schema.py: strict types whose errors read well, and Section, a mapping
of flows.yaml whose rules across keys are reported together with its fields' errors."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, WrapValidator, model_validator
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from bot.flows.steps import STEP_KINDS

__all__ = [
    "LANGUAGE_CODE",
    "MAX_SLA",
    "Duration",
    "Identifier",
    "LanguageCode",
    "Section",
    "StepKind",
    "Text",
    "WordList",
    "WordsByLanguage",
    "omittable",
    "parse_duration",
    "Period",
    "parse_period",
]

LANGUAGE_CODE = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
DURATION = r"^\s*\d+(\.\d+)?\s*[mhd]?\s*$"
_DURATION_PARTS = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([mhd]?)\s*")
MAX_SLA = timedelta(days=365)
SLA_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
PERIOD = r"^\s*\d+\s*[dy]\s*$"
_PERIOD_PARTS = re.compile(r"\s*(\d+)\s*([dy])\s*")
MAX_PERIOD_DAYS = 50 * 365
STRICT = ConfigDict(strict=True)  # YAML's types are kept: "3" is not a number, `yes` is not a word


def parse_duration(raw) -> timedelta | None:
    """Reads a duration such as 48h, 3d or 90m (a bare number is hours); None if it is not one up to MAX_SLA."""
    match = _DURATION_PARTS.fullmatch(str(raw))
    if isinstance(raw, bool) or not match:
        return None
    duration = timedelta(**{SLA_UNITS[match[2] or "h"]: min(float(match[1]), 1e7)})
    return duration if timedelta(0) < duration <= MAX_SLA else None


def parse_period(raw) -> timedelta | None:
    """Reads a retention period such as 180d or 5y (a year is 365 days); None if it is not one up to 50 years."""
    match = _PERIOD_PARTS.fullmatch(str(raw)) if isinstance(raw, str) else None
    if not match:
        return None
    days = int(match[1]) * (365 if match[2] == "y" else 1)
    return timedelta(days=days) if 0 < days <= MAX_PERIOD_DAYS else None


def _period(value, handler):
    try:
        value = handler(value)
    except ValidationError:
        value = None
    if parse_period(value) is None:
        raise PydanticCustomError("period", "must be a period such as 180d or 5y, more than 0 and at most 50y")
    return value


def _one_error(kind: str, message: str) -> WrapValidator:
    """Reports a value that fits none of a type's forms as one clear error, not one per form."""

    def validate(value, handler):
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError(kind, message, {"value": str(value)}) from None

    return WrapValidator(validate)


def _duration(value, handler):
    try:
        value = handler(value)
    except ValidationError:
        value = None
    if parse_duration(value) is None:
        raise PydanticCustomError("duration", f"must be a duration such as 48h, 3d or 90m, at most {MAX_SLA.days}d")
    return value


LanguageCode = Annotated[str, Field(pattern=LANGUAGE_CODE)]
Identifier = Annotated[
    str, Field(pattern=IDENTIFIER), _one_error("identifier", "must be letters, digits and _, not starting with a digit")
]
if TYPE_CHECKING:  # the kinds are the engine's STEP_KINDS, known only when it runs
    StepKind = str
else:
    StepKind = Annotated[
        Literal[tuple(STEP_KINDS)],
        _one_error("step_kind", f"unknown step kind '{{value}}' (known: {', '.join(STEP_KINDS)})"),
    ]
Word = Annotated[
    str | float, _one_error("word", "must be text: quote yes, no, on and off, which YAML reads as true/false")
]


class Text(
    RootModel[
        Annotated[
            str | Annotated[dict[LanguageCode, str], Field(min_length=1)],
            _one_error("text", "must be a string or {es: ..., en: ...}"),
        ]
    ]
):
    """Something residents read. Either one string (in default_language) or one string per language: {es: ..., en: ...}. Every language under `languages` needs a translation. May use {step_id}, {folio}, {name} and {flow}."""

    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [{"es": "¿Dónde está el bache? 📍", "en": "Where is the pothole? 📍"}],
            "defaultSnippets": [{"label": "es + en", "body": {"es": "$1", "en": "$2"}}],
        },
    )


class WordList(RootModel[list[Word]]):
    """Words or phrases, any of which counts. Matching ignores case, accents and punctuation. Quote yes, no, on, off, y, n: unquoted, YAML reads them as true/false."""

    model_config = STRICT


class WordsByLanguage(RootModel[dict[LanguageCode, WordList]]):
    """Words per language: {es: [...], en: [...]}."""

    model_config = ConfigDict(
        strict=True, json_schema_extra={"examples": [{"es": ["bache", "hoyo"], "en": ["pothole", "hole"]}]}
    )


class Duration(
    RootModel[
        Annotated[Annotated[float, Field(gt=0)] | Annotated[str, Field(pattern=DURATION)], WrapValidator(_duration)]
    ]
):
    """A duration: a number and a unit, m (minutes), h (hours) or d (days); a bare number is hours."""

    model_config = ConfigDict(strict=True, json_schema_extra={"examples": ["48h", "3d", "90m"]})


class Period(RootModel[Annotated[Annotated[str, Field(pattern=PERIOD)], WrapValidator(_period)]]):
    """A retention period: a whole number of days (d) or years (y, 365 days)."""

    model_config = ConfigDict(strict=True, json_schema_extra={"examples": ["365d", "5y"]})


def _conditions(schema: dict, cls: type[Section]) -> None:
    """Adds a model's `needs` as if/then rules, and what else its `schema_extra` says."""
    rules = [
        {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": _then(groups)}
        for kind, groups in cls.needs.items()
    ]
    if rules:
        schema["allOf"] = rules
    cls.adjust_schema(schema)


def _then(groups: tuple[tuple[str, ...], ...]) -> dict:
    then: dict = {}
    if any(len(g) == 1 for g in groups):
        then["required"] = [g[0] for g in groups if len(g) == 1]
    for group in (g for g in groups if len(g) > 1):
        then["anyOf"] = [{"required": [name]} for name in group]
    return then


class Section(BaseModel):
    """A mapping of flows.yaml: unknown keys are errors, values are never coerced, and the rules
    across its keys (`needs`, `problems`) are reported together with every other error."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_conditions)
    noun: ClassVar[str] = ""
    needs: ClassVar[dict[str, tuple[tuple[str, ...], ...]]] = {}  # kind -> the keys it needs (a tuple: any one)
    schema_extra: ClassVar[dict] = {}

    @classmethod
    def adjust_schema(cls, schema: dict) -> None:
        """Adds to the generated JSON Schema what annotations cannot say."""
        schema.update(cls.schema_extra)

    @classmethod
    def problems(cls, data: dict) -> list[InitErrorDetails]:
        """Errors across keys, found on the raw mapping so they come with the fields' own errors."""
        kind = data.get("kind")
        found: list[InitErrorDetails] = []
        for group in cls.needs.get(kind, ()) if isinstance(kind, str) else ():
            if not any(name in data for name in group):
                names = " or ".join(f"'{name}'" for name in group)
                found.append(
                    {
                        "type": PydanticCustomError("needs", f"a {kind} {cls.noun} needs {names}"),
                        "loc": (),
                        "input": data,
                    }
                )
        return found

    @model_validator(mode="wrap")
    @classmethod
    def _with_problems(cls, data: Any, handler):
        found = cls.problems(data) if isinstance(data, dict) else []
        if not found:
            return handler(data)
        try:
            handler(data)
        except ValidationError as exc:
            found = [_again(e) for e in exc.errors(include_url=False)] + found
        raise ValidationError.from_exception_data(cls.__name__, found)


def _again(error: ErrorDetails) -> InitErrorDetails:
    """A pydantic error in a form it can be raised again, its message kept word for word."""
    return {"type": PydanticCustomError(error["type"], error["msg"]), "loc": error["loc"], "input": error["input"]}


def omittable(description: str, **extra) -> Any:
    """A field that may be left out; the loader knows what leaving it out means."""
    return Field(None, description=description, **extra)
